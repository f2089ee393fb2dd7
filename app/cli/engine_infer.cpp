#include "engine_infer.h"

#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "helper_commands.h"
#include "interrupt.h"
#include "rgbdsod/core/errors.h"

extern char** environ;  // posix_spawn passes our environment on

namespace rgbdsod::cli {

namespace fs = std::filesystem;

namespace {
constexpr const char* kEngine = "rgbdsod-engine";
}  // namespace

void runEngineInfer(const EngineInfer& job, const GlobalOptions& globals) {
  const std::string& at = job.context;
  std::vector<fs::path> tried;
  const std::optional<fs::path> engine = findHelper(kEngine, &tried);
  if (!engine) {
    std::vector<std::string> where;
    for (const fs::path& p : tried) where.push_back(p.string());
    throw core::Error(fmt::format("{}{} needs the helper program {}, which is missing (looked for {}); build or install "
                                  "it with rgbdsod, or give {}",
                                  at, job.needs, kEngine, fmt::join(where, ", "), job.alternative));
  }
  std::vector<std::string> words{engine->string()};
  if (globals.verbosity > 0)
    words.push_back(globals.verbosity > 1 ? "-vv" : "-v");
  else
    words.push_back("-q");  // errors only: the line below says what runs
  for (const std::string& w : {std::string("infer"), std::string("--run"), job.run.string(), std::string("--data"),
                               job.data.string(), std::string("--out"), job.out.string()})
    words.push_back(w);
  if (!job.samples.empty()) {
    words.push_back("--samples");
    words.push_back(fmt::format("{}", fmt::join(job.samples, ",")));
  }
  spdlog::info("{}predicting {} with the run {} ({} infer)", at,
               job.samples.empty() ? std::string("every sample") : fmt::format("{} sample(s)", job.samples.size()),
               job.run.string(), kEngine);
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);  // our stdout is the caller's report
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, words.front().c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw core::Error(fmt::format("{}cannot run {} for the run {}: {}", at, words.front(), job.run.string(), std::strerror(rc)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno == EINTR) continue;
    throw core::Error(fmt::format("{}lost track of {} (pid {}) predicting with the run {}: {}", at, kEngine, pid,
                                  job.run.string(), std::strerror(errno)));
  }
  if (interruptToken().cancelled()) throw core::Cancelled();  // Ctrl-C reached the engine too (same group)
  const std::string command = fmt::format("{} infer --run {}", kEngine, job.run.string());
  if (WIFSIGNALED(status))
    throw core::Error(
        fmt::format("{}`{}` was killed by signal {} ({})", at, command, WTERMSIG(status), strsignal(WTERMSIG(status))));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw core::Error(fmt::format("{}`{}` failed (exit code {}); its message is above", at, command,
                                  WIFEXITED(status) ? WEXITSTATUS(status) : -1));
}

ScratchFolder::ScratchFolder(const std::string& tag) {
  std::error_code ec;
  fs::path base = fs::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / ("rgbdsod-" + tag + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw core::FileError(base, std::string("cannot create a temporary folder for the predictions: ") + std::strerror(errno));
  path_ = pattern;
}

ScratchFolder::~ScratchFolder() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

core::Dataset openSingleDataset(const fs::path& data, const std::string& why_one) {
  std::error_code ec;
  if (!fs::is_directory(data, ec)) throw core::FileError(data, "dataset folder does not exist");
  if (!core::isDatasetFolder(data)) {
    const std::vector<fs::path> found = core::findDatasets(data);
    if (!found.empty()) {
      std::vector<std::string> names;
      for (const fs::path& f : found) names.push_back(f.string());
      throw core::FileError(data, fmt::format("{}; give one of: {}", why_one, fmt::join(names, ", ")));
    }
  }
  return core::openDataset(data);  // names the folders it looked for when it is no dataset
}

}  // namespace rgbdsod::cli
