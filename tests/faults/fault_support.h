#pragma once
// Helpers of the fault tests (issue 15): a small disk that can be filled to the last page, the
// exact content of a folder, and the real command line started and killed with SIGKILL.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rgbdsod::test {

// Gives this process a private mount namespace (once; later calls return the first answer): a
// tmpfs mounted there is seen by this process and the commands it starts, by nobody else, and
// goes away with the process even when it crashes. As root: unshare(CLONE_NEWNS); otherwise a
// user namespace mapping the caller to root (what `unshare -rm` does). Returns "" on success,
// else why it is impossible here (for GTEST_SKIP). Must be called before any thread is started.
std::string enterPrivateMountNamespace();

// A tmpfs of `bytes` mounted on a fresh folder under the temp dir, unmounted and removed on
// destruction. Needs enterPrivateMountNamespace() to have succeeded.
class SmallDisk {
 public:
  static std::unique_ptr<SmallDisk> mount(std::size_t bytes, std::string& why_not);
  ~SmallDisk();
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }
  // Fills the disk with a filler file until the system says ENOSPC, then frees `leave` bytes
  // (rounded down to whole pages) again. Returns the free bytes left, or -1 with `error` set.
  std::int64_t fill(std::size_t leave, std::string& error);
  std::int64_t freeBytes() const;

 private:
  explicit SmallDisk(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

// A fresh folder, removed with its content on destruction: under /dev/shm when that is a writable
// tmpfs (fsync and syncfs cost nothing there, and a SIGKILL does to a file what it does on any
// file system), else under the temp dir.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

// Relative path (generic form) -> bytes of every regular file under `dir`; empty when absent.
std::map<std::string, std::string> snapshotFiles(const std::filesystem::path& dir);
// The temporaries of the atomic writers under `dir` (names holding ".tmp-"), relative paths.
std::vector<std::string> temporariesUnder(const std::filesystem::path& dir);
bool containsNoCase(const std::string& text, const std::string& needle);
std::string joinNames(const std::vector<std::string>& names);
std::vector<std::string> namesOf(const std::map<std::string, std::string>& files);

// Starts RGBDSOD_CLI_PATH with `args` (no shell), output to /dev/null; returns the pid.
pid_t spawnCli(const std::vector<std::string>& args);
// Waits for the process; returns its exit code, or 128 + N when signal N ended it.
int waitExit(pid_t pid);
// Waits `delay`, sends SIGKILL and waits. Returns what waitExit returns; a process that exits
// before the delay is reaped at once.
int killAfter(pid_t pid, std::chrono::microseconds delay);

// The seed of the random delays: $RGBDSOD_FAULT_SEED when set (to replay a failure), else random.
std::uint32_t faultSeed();

}  // namespace rgbdsod::test
