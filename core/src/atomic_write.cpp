#include "rgbdsod/core/atomic_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "rgbdsod/core/errors.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

std::string errnoText() { return std::strerror(errno); }

// Writes all of bytes to fd; returns 0 or the errno of the failed write.
int writeAll(int fd, std::string_view bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    written += static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace

fs::path temporarySiblingPath(const fs::path& dest) {
  static std::atomic<unsigned> counter{0};
  // Unique per process and call so that concurrent writers never share a temporary.
  std::string name(".");
  name.append(dest.filename().string()).append(".tmp-").append(std::to_string(::getpid()));
  name.append("-").append(std::to_string(counter.fetch_add(1)));
  return dest.parent_path() / name;
}

void writeFileAtomic(const fs::path& dest, std::string_view bytes) {
  const fs::path folder = dest.parent_path().empty() ? fs::path(".") : dest.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw FileError(dest, "cannot write: folder " + folder.string() + " does not exist");

  const fs::path tmp = temporarySiblingPath(dest.parent_path().empty() ? fs::path(".") / dest : dest);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw FileError(dest, "cannot write: " + errnoText());

  if (const int err = writeAll(fd, bytes); err != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw FileError(dest, std::string("write failed: ") + std::strerror(err));
  }
  // A full disk may show only here (delayed allocation, network file systems); the descriptor is
  // closed either way.
  int err = ::fsync(fd) == 0 ? 0 : errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw FileError(dest, std::string("write failed: ") + std::strerror(err));
  }
  if (::rename(tmp.c_str(), dest.c_str()) != 0) {
    const std::string why = errnoText();
    ::unlink(tmp.c_str());
    throw FileError(dest, "cannot replace: " + why);
  }
}

void writeNewFile(const fs::path& file, std::string_view bytes) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw FileError(file, "cannot write: " + errnoText());
  int err = writeAll(fd, bytes);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    ::unlink(file.c_str());
    throw FileError(file, std::string("write failed: ") + std::strerror(err));
  }
}

void writeImageAtomic(const fs::path& dest, const cv::Mat& image) {
  if (image.empty()) throw FileError(dest, "refusing to write an empty image");
  std::vector<uchar> encoded;
  bool ok = false;
  try {
    ok = cv::imencode(dest.extension().string(), image, encoded);
  } catch (const cv::Exception& e) {
    throw FileError(dest, std::string("cannot encode image: ") + e.what());
  }
  if (!ok) throw FileError(dest, "cannot encode image as " + dest.extension().string());
  writeFileAtomic(dest, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
}

fs::path writeFolderAtomic(const fs::path& out_arg, const std::function<void(const fs::path& tmp)>& fill) {
  fs::path out = fs::absolute(out_arg).lexically_normal();
  if (!out.has_filename()) out = out.parent_path();  // "dir/" names dir
  std::error_code ec;
  if (fs::exists(out, ec)) {
    if (!fs::is_directory(out, ec)) throw FileError(out, "already exists and is not a folder");
    if (!fs::is_empty(out, ec)) throw FileError(out, "already exists and is not empty; refusing to write into it");
  }
  const fs::path parent = out.parent_path();
  fs::create_directories(parent, ec);
  if (ec) throw FileError(parent, "cannot create folder: " + ec.message());
  const fs::path tmp = parent / (out.filename().string() + ".tmp-" + std::to_string(::getpid()));
  if (!fs::create_directory(tmp, ec)) {
    if (ec) throw FileError(tmp, "cannot create folder: " + ec.message());
    throw FileError(tmp, "exists: another writer into " + out.string() + " may be running; remove it if none is");
  }
  try {
    fill(tmp);
    // The files reach the disk before the folder gets its name: after a crash or power loss `out`
    // is absent or complete, never a folder of empty or truncated files. One syncfs for the whole
    // folder (per-file fsyncs would cost a disk flush per image).
    const int dir_fd = ::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0 || ::syncfs(dir_fd) != 0) {
      const std::string why = errnoText();
      if (dir_fd >= 0) ::close(dir_fd);
      throw FileError(out, "cannot flush the new folder " + tmp.string() + " to disk: " + why);
    }
    ::close(dir_fd);
    fs::rename(tmp, out, ec);  // replaces out when it is an empty folder
    if (ec) throw FileError(out, "cannot move the finished folder into place from " + tmp.string() + ": " + ec.message());
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  return out;
}

}  // namespace rgbdsod::core
