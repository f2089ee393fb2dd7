#pragma once
// What a run starts from: its configuration (new, saved, or saved and checked against the
// command's) and, on --resume, the checkpoint. `--resume` is safe as the one command a launcher
// repeats on every restart (torchrun --max-restarts): a folder with no run yet starts one from the
// command's stage and keys, and a run with no checkpoint yet starts at step 0 with its saved config.
#include <filesystem>

#include "rgbdsod/training/config.h"
#include "rgbdsod/training/job.h"

namespace rgbdsod::training {

struct RunStart {
  TrainConfig config;
  bool from_checkpoint = false;  // false: step 0 (a new run, or a resumed one with no checkpoint yet)
};

// Rank 0 (or the one process): reads or writes <run>/config.json. Throws ConfigError / core::Error.
RunStart decideRunStart(const TrainRequest& req);

}  // namespace rgbdsod::training
