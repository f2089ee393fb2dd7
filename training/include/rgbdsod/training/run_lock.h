#pragma once
// One training job per run folder: <run>/run.lock, held with flock(2) for as long as the job runs.
// The kernel drops the lock when its process dies (a crash, SIGKILL), so a dead job never holds a
// folder; the file's text (pid, host, start time) only names the holder in the message. Torch-free.
#include <filesystem>
#include <string>

namespace rgbdsod::training {

class RunLock {
 public:
  // Takes the lock of `run` (created if missing). Throws core::FileError naming the folder and the
  // holder when another job holds it (in this process or another). A probe by runInUse may hold
  // the lock for a moment, so a busy lock is retried for up to `wait_ms`.
  explicit RunLock(const std::filesystem::path& run, int wait_ms = 300);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  std::filesystem::path file_;
  int fd_ = -1;
};

std::filesystem::path runLockFile(const std::filesystem::path& run);
// True while a job holds the run's lock. Does not create anything.
bool runInUse(const std::filesystem::path& run);
// The holder's description from the lock file ("pid 123 on host since 2026-..."), or "".
std::string runLockHolder(const std::filesystem::path& run);

}  // namespace rgbdsod::training
