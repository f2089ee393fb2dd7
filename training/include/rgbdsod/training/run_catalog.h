#pragma once
// The run folders under a root, as the studio's runs list shows them: stage, dataset, steps, last
// metrics and state, read from config.json, status.json, metrics.jsonl, the checkpoints and the lock
// (also for runs started from the CLI, and while they grow). Torch-free and Qt-free.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rgbdsod::training {

enum class RunState {
  Running,   // a job holds the folder's lock
  Finished,  // all steps done
  Stopped,   // stopped on request (or a non-finite loss): resumable
  Failed,    // an error ended the job (status.json names it): resumable once fixed
  Crashed,   // status.json says running but no job holds the lock: the process died; resumable
  Unknown,   // no status.json (an older run): judged by its checkpoints
};
const char* toString(RunState s);

struct RunSummary {
  std::filesystem::path folder;
  std::string name;        // relative to the scanned root ("recnet-a", "lsf/2-distill")
  std::string stage;       // "" for a recipe folder
  std::string recipe;      // the recipe of a recipe folder, or of the recipe this step belongs to
  std::string data;
  std::int64_t step = 0;   // steps done (newest checkpoint, or the last metrics line when larger)
  std::int64_t steps = 0;  // total steps of the config
  RunState state = RunState::Unknown;
  std::string message;     // status.json's message (the error of a failed run)
  double last_loss = -1;   // < 0: none logged
  std::map<std::string, double> last_val;  // the newest validation line ("mae", "max_fm", ...)
  bool has_checkpoint = false;
  std::vector<std::string> steps_of_recipe;  // a recipe folder: its step folders' names, in order
};

// One folder: a run (config.json) or a recipe folder (recipe.json). Throws core::FileError naming
// the folder when it is neither; a run whose files are torn is still listed (state from what reads).
RunSummary readRunSummary(const std::filesystem::path& folder);
// Every run and recipe folder under `root` (the root itself included), at most `depth` levels down,
// sorted by name. Unreadable entries are skipped.
std::vector<RunSummary> scanRuns(const std::filesystem::path& root, int depth = 3);
// The runs that can fill a RunLink key: of one of `stages`, holding a checkpoint, not running.
std::vector<RunSummary> compatibleRuns(const std::vector<RunSummary>& runs, const std::vector<std::string>& stages);

}  // namespace rgbdsod::training
