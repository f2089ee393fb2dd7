#include "rgbdsod/figures/qt_environment.h"

#include <cstdlib>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace rgbdsod::figures {

void prepareQtRuntimeDir() {
  const char* set = std::getenv("XDG_RUNTIME_DIR");
  if (set != nullptr && *set != '\0') return;
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/rgbdsod-runtime-" +
                          std::to_string(static_cast<unsigned long>(::getuid()));
  ::mkdir(dir.c_str(), 0700);  // fails harmlessly when it exists; checked below either way
  struct stat info {};
  // lstat: a symlink planted by another user must not be followed.
  if (::lstat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != ::getuid() ||
      (info.st_mode & 0777) != 0700) {
    return;
  }
  ::setenv("XDG_RUNTIME_DIR", dir.c_str(), 1);
}

}  // namespace rgbdsod::figures
