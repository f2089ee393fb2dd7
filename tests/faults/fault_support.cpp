#include "fault_support.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>

#include "cli_runner.h"

extern char** environ;  // posix_spawn passes our environment on

namespace fs = std::filesystem;

namespace rgbdsod::test {
namespace {

std::string errnoText() { return std::strerror(errno); }

bool writeProcFile(const char* file, const std::string& text) {
  const int fd = ::open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  return ::close(fd) == 0 && ok;
}

bool makeMountsPrivate() { return ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0; }

std::string enterOnce() {
  std::string as_root;
  if (::geteuid() == 0) {
    if (::unshare(CLONE_NEWNS) == 0) {
      if (makeMountsPrivate()) return "";
      return "cannot make the mounts of the new mount namespace private: " + errnoText();
    }
    as_root = "unshare(CLONE_NEWNS) as root: " + errnoText() + "; ";
  }
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
    return as_root + "unshare(CLONE_NEWUSER | CLONE_NEWNS): " + errnoText() +
           " (user namespaces disabled, or forbidden by the container's seccomp profile)";
  if (!writeProcFile("/proc/self/setgroups", "deny") ||
      !writeProcFile("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
      !writeProcFile("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
    return as_root + "cannot map the user into the new user namespace: " + errnoText();
  if (!makeMountsPrivate()) return as_root + "cannot make the mounts private in a user namespace: " + errnoText();
  return "";
}

}  // namespace

std::string enterPrivateMountNamespace() {
  static const std::string why_not = enterOnce();
  return why_not;
}

std::unique_ptr<SmallDisk> SmallDisk::mount(std::size_t bytes, std::string& why_not) {
  static std::atomic<unsigned> counter{0};
  const fs::path dir = fs::temp_directory_path() / ("rgbdsod-small-disk-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(counter++));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    why_not = "cannot create " + dir.string() + ": " + ec.message();
    return nullptr;
  }
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    why_not = "mount -t tmpfs -o " + options + " on " + dir.string() + ": " + errnoText();
    fs::remove(dir, ec);
    return nullptr;
  }
  return std::unique_ptr<SmallDisk>(new SmallDisk(dir));
}

SmallDisk::~SmallDisk() {
  ::umount2(path_.c_str(), MNT_DETACH);
  std::error_code ec;
  fs::remove(path_, ec);
}

std::int64_t SmallDisk::freeBytes() const {
  struct statvfs s {};
  if (::statvfs(path_.c_str(), &s) != 0) return -1;
  return static_cast<std::int64_t>(s.f_bavail) * static_cast<std::int64_t>(s.f_frsize);
}

std::int64_t SmallDisk::fill(std::size_t leave, std::string& error) {
  const fs::path filler = path_ / "filler";
  const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = filler.string() + ": " + errnoText();
    return -1;
  }
  const std::string chunk(64 * 1024, 'f');
  off_t size = 0;
  for (;;) {
    const ssize_t n = ::write(fd, chunk.data(), chunk.size());
    if (n > 0) {
      size += n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != ENOSPC) {
      error = filler.string() + ": " + errnoText();
      ::close(fd);
      return -1;
    }
    break;  // ENOSPC: the disk is full
  }
  const auto page = static_cast<off_t>(::sysconf(_SC_PAGESIZE));
  const off_t give_back = std::min(size, static_cast<off_t>(leave) / page * page);
  if (give_back > 0 && ::ftruncate(fd, size - give_back) != 0) {
    error = filler.string() + ": " + errnoText();
    ::close(fd);
    return -1;
  }
  ::close(fd);
  return freeBytes();
}

ScratchDir::ScratchDir(const std::string& tag) {
  static std::atomic<unsigned> counter{0};
  fs::path root = fs::temp_directory_path();
  struct statfs s {};
  if (::statfs("/dev/shm", &s) == 0 && s.f_type == TMPFS_MAGIC && ::access("/dev/shm", W_OK) == 0) root = "/dev/shm";
  path_ = root / (tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::map<std::string, std::string> snapshotFiles(const fs::path& dir) {
  std::map<std::string, std::string> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).generic_string()] = readFileText(e.path());
  return files;
}

std::vector<std::string> temporariesUnder(const fs::path& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return found;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos)
      found.push_back(fs::relative(e.path(), dir).generic_string());
  return found;
}

bool containsNoCase(const std::string& text, const std::string& needle) {
  const auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  return lower(text).find(lower(needle)) != std::string::npos;
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "(none)" : s;
}

std::vector<std::string> namesOf(const std::map<std::string, std::string>& files) {
  std::vector<std::string> names;
  for (const auto& [name, bytes] : files) names.push_back(name);
  return names;
}

pid_t spawnCli(const std::vector<std::string>& args) {
  std::vector<std::string> words{RGBDSOD_CLI_PATH};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv.front(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

namespace {
int exitCode(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}
}  // namespace

int waitExit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return exitCode(status);
}

int killAfter(pid_t pid, std::chrono::microseconds delay) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + delay;
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return exitCode(status);
    const auto now = Clock::now();
    if (now >= deadline) break;
    std::this_thread::sleep_for(std::min<Clock::duration>(deadline - now, std::chrono::microseconds(200)));
  }
  ::kill(pid, SIGKILL);  // not yet reaped: the pid cannot belong to another process
  return waitExit(pid);
}

std::uint32_t faultSeed() {
  if (const char* s = std::getenv("RGBDSOD_FAULT_SEED"))
    return static_cast<std::uint32_t>(std::strtoul(s, nullptr, 10));
  return std::random_device{}();
}

}  // namespace rgbdsod::test
