#pragma once
// Training as a job: one interface for the CLI now and the studio later. Torch-free (plain
// structs and std types), so a Qt translation unit can include it.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rgbdsod/core/progress.h"

namespace rgbdsod::training {

struct TrainRequest {
  std::string stage;                    // "teacher", "recnet"; on resume, empty = the run's own
  std::string recipe;                   // TrainJob: a recipe name instead of a stage (see recipe.h)
  std::filesystem::path data;           // a dataset folder, or a folder with train/
  std::filesystem::path run;            // the run folder (created)
  std::filesystem::path config_file;    // optional JSON overlay
  std::vector<std::string> overrides;   // "key=value"
  bool resume = false;                  // continue from the newest loadable checkpoint
  // Data-parallel training (the launcher's RANK / WORLD_SIZE environment, see distributed.h): the
  // longest wait for another rank, and whether gradient all-reduces overlap the backward pass.
  int dist_timeout_seconds = 600;
  bool dist_overlap = true;
};

// One event per logged step, and one per notable event (checkpoint, validation, warnings).
struct TrainProgress {
  std::string stage;
  std::int64_t step = 0;         // steps done
  std::int64_t total_steps = 0;
  std::int64_t epoch = 0;
  double eta_seconds = -1;       // < 0 unknown
  double loss = 0;               // total loss of the last step
  std::map<std::string, double> terms;
  double lr = 0;
  double samples_per_second = 0;
  std::map<std::string, double> validation;  // set on validation events ("mae", "max_fm", "sm")
  std::string message;           // non-empty for notes ("checkpoint step-...pt", a warning)
};
using TrainProgressFn = std::function<void(const TrainProgress&)>;

enum class TrainOutcome {
  Finished,       // all steps done, final checkpoint written
  Stopped,        // stop requested: the current step finished and a checkpoint was written
  NonFiniteLoss,  // NaN/inf loss: stopped without saving; the last good checkpoint is kept
  Failed,         // an error (only from TrainJob; runTraining throws)
};
const char* toString(TrainOutcome o);

struct TrainResult {
  TrainOutcome outcome = TrainOutcome::Failed;
  std::int64_t step = 0;
  std::filesystem::path checkpoint;  // the last good checkpoint (may be empty)
  std::string message;
  std::vector<std::string> warnings;  // e.g. a corrupt checkpoint that was skipped
};

// Runs a stage in this thread until done, stopped through `cancel`, or a non-finite loss.
// Throws ConfigError / core::FileError / core::Error when the run cannot start (bad config, no
// data, a run folder with checkpoints but no --resume, nothing to resume).
TrainResult runTraining(const TrainRequest& request, const TrainProgressFn& progress, const core::CancelToken& cancel);

// runTraining in a worker thread, or runRecipe when the request names a recipe (its result is the
// recipe's outcome and message, with the step and checkpoint of its last step).
class TrainJob {
 public:
  TrainJob() = default;
  ~TrainJob();  // requests a stop and waits
  TrainJob(const TrainJob&) = delete;
  TrainJob& operator=(const TrainJob&) = delete;

  // Throws core::Error when a run is in progress. `progress` is called from the worker thread.
  void start(TrainRequest request, TrainProgressFn progress = {});
  void requestStop();  // the current step finishes and a checkpoint is written
  bool isRunning() const;
  TrainResult wait();  // joins; exceptions of the run become outcome Failed with the message

 private:
  std::thread thread_;
  std::atomic<bool> running_{false};
  core::CancelToken cancel_;
  TrainResult result_;
};

}  // namespace rgbdsod::training
