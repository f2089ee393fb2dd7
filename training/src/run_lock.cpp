#include "rgbdsod/training/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "rgbdsod/core/errors.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;

fs::path runLockFile(const fs::path& run) { return run / "run.lock"; }

std::string runLockHolder(const fs::path& run) {
  std::ifstream in(runLockFile(run));
  std::string text;
  std::getline(in, text);
  return text;
}

namespace {

std::string holderText() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "?");
  const std::time_t now = std::time(nullptr);
  char when[32] = {};
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return fmt::format("pid {} on {} since {}\n", ::getpid(), host, when);
}

}  // namespace

RunLock::RunLock(const fs::path& run, int wait_ms) : file_(runLockFile(run)) {
  std::error_code ec;
  fs::create_directories(run, ec);
  fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw core::FileError(file_, std::string("cannot create the run lock: ") + std::strerror(errno));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) {
      const std::string holder = runLockHolder(run);
      ::close(fd_);
      fd_ = -1;
      throw core::FileError(run, "is in use by another training job" +
                                     (holder.empty() ? std::string() : " (" + holder + ")") +
                                     "; stop it first or choose another run folder");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string text = holderText();
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const auto n = ::pwrite(fd_, text.data(), text.size(), 0);
  }
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  // The file stays (removing it would race with a job that just opened it); the lock goes.
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

bool runInUse(const fs::path& run) {
  const int fd = ::open(runLockFile(run).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool busy = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  if (!busy) ::flock(fd, LOCK_UN);
  ::close(fd);
  return busy;
}

}  // namespace rgbdsod::training
