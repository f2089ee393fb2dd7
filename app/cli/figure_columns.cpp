#include "figure_columns.h"

#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "helper_commands.h"
#include "interrupt.h"

extern char** environ;

namespace rgbdsod::cli::figure {

namespace {
constexpr const char* kEngine = "rgbdsod-engine";
}  // namespace


// Runs `rgbdsod-engine infer --run RUN --data DATA --out OUT --samples a,b,c` and waits for it.
// Its messages go to stderr (its stdout too: ours is the figure's report).
void predictWithRun(const MethodColumn& column, const fs::path& data, const std::vector<std::string>& samples,
                    const fs::path& out, const GlobalOptions& globals) {
  std::vector<fs::path> tried;
  const std::optional<fs::path> engine = findHelper(kEngine, &tried);
  if (!engine) {
    std::vector<std::string> where;
    for (const fs::path& p : tried) where.push_back(p.string());
    throw core::Error(fmt::format("column '{}': {} is a run folder, and predicting with it needs the helper program {}, "
                                  "which is missing (looked for {}); build or install it with rgbdsod, or give a "
                                  "folder of predictions written by `rgbdsod infer`",
                                  column.title, column.folder.string(), kEngine, fmt::join(where, ", ")));
  }
  std::string sample_list;
  for (const std::string& s : samples) sample_list += (sample_list.empty() ? "" : ",") + s;
  std::vector<std::string> words{engine->string()};
  if (globals.verbosity > 0)
    words.push_back(globals.verbosity > 1 ? "-vv" : "-v");
  else
    words.push_back("-q");  // errors only: the line below says what runs
  for (const std::string& w : {std::string("infer"), std::string("--run"), column.folder.string(), std::string("--data"),
                               data.string(), std::string("--out"), out.string(), std::string("--samples"), sample_list})
    words.push_back(w);
  spdlog::info("column '{}': predicting {} sample(s) with the run {} ({} infer)", column.title, samples.size(),
               column.folder.string(), kEngine);
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, words.front().c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw core::Error(fmt::format("column '{}': cannot run {}: {}", column.title, words.front(), std::strerror(rc)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno == EINTR) continue;
    throw core::Error(fmt::format("column '{}': lost track of {} (pid {}): {}", column.title, kEngine, pid,
                                  std::strerror(errno)));
  }
  if (interruptToken().cancelled()) throw core::Cancelled();  // Ctrl-C reached the engine too (same group)
  const std::string command = fmt::format("{} infer --run {}", kEngine, column.folder.string());
  if (WIFSIGNALED(status))
    throw core::Error(fmt::format("column '{}': `{}` was killed by signal {} ({})", column.title, command,
                                  WTERMSIG(status), strsignal(WTERMSIG(status))));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw core::Error(fmt::format("column '{}': `{}` failed (exit code {}); its message is above", column.title,
                                  command, WIFEXITED(status) ? WEXITSTATUS(status) : -1));
}

}  // namespace rgbdsod::cli::figure
