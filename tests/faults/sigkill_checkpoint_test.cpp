// Issue 15, faults: SIGKILL while training checkpoints are written. After every kill each
// step-*.pt under its final name loads with the project's checkpoint reader, and a checkpoint
// that was complete before is never lost.
//
// A start of `rgbdsod train` costs ~0.4 s before its first step (loading LibTorch), so the 50
// kills go to the checkpoint writer of `rgbdsod train` (saveTrainCheckpoint + pruneCheckpoints,
// as the trainer calls them) in children forked from this process, which start in a millisecond;
// a few kills of the real `rgbdsod train` then check the whole run folder. Replay a failure with
// RGBDSOD_FAULT_SEED=<seed from the log>.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/utils.h>

#include "cli_runner.h"
#include "fault_support.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/config.h"
#include "rgbdsod/training/optimisation.h"
#include "rgbdsod/training/stage.h"
#include "test_support.h"
#include "training_test_util.h"

namespace fs = std::filesystem;
using namespace rgbdsod::training;
using rgbdsod::test::joinNames;
using rgbdsod::test::readFileText;
using rgbdsod::test::temporariesUnder;

namespace {

constexpr int kKills = 50;     // of the forked checkpoint writer
constexpr int kCliKills = 6;   // of `rgbdsod train` (each start ~0.4 s)
constexpr int kKeep = 2;

using Micros = std::chrono::microseconds;

Micros since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<Micros>(std::chrono::steady_clock::now() - t0);
}

// Loads every checkpoint under its final name; returns the steps, newest first. A file that
// does not load fails the test with the reader's message.
std::vector<std::int64_t> loadAll(const fs::path& run, const TrainConfig& config, const std::string& when) {
  std::vector<std::int64_t> steps;
  for (const fs::path& f : listCheckpoints(run)) {
    auto stage = makeStage(config);
    OptimizerSetup opt = makeOptimizer(config.optim, stage->parameterGroups());  // as the trainer builds it
    try {
      steps.push_back(loadTrainCheckpoint(f, stage->model(), opt.optimizer.get(), /*restore_rng=*/false).step);
    } catch (const rgbdsod::core::FileError& e) {
      ADD_FAILURE() << when << ": a checkpoint under its final name does not load: " << e.what();
    }
  }
  return steps;
}

TEST(SigKillCheckpoint, AKilledCheckpointWriterLeavesOnlyCheckpointsThatLoadAndNeverLosesTheLastOne) {
  torch::set_num_threads(1);  // no thread pools in this process: it forks
  const std::uint32_t seed = rgbdsod::test::faultSeed();
  std::mt19937 rng(seed);
  const std::string replay = "replay with RGBDSOD_FAULT_SEED=" + std::to_string(seed);
  rgbdsod::test::ScratchDir tmp("rgbdsod-sigkill-ckpt");
  const fs::path run = tmp / "run";
  const TrainConfig config = resolveConfig("teacher", {}, rgbdsod::test::tinyOverrides(1000, 1));
  auto stage = makeStage(config);
  torch::nn::Module& model = stage->model();
  const OptimizerSetup opt = makeOptimizer(config.optim, stage->parameterGroups());
  const auto save = [&](std::int64_t step) {
    TrainState state;
    state.step = step;
    state.stage = config.stage;
    saveTrainCheckpoint(checkpointPath(run, step), model, opt.optimizer.get(), state);
    pruneCheckpoints(run, kKeep);
  };
  save(1);  // the first checkpoint
  // A child of this process writing `count` checkpoints, from step `first` on.
  const auto startWriter = [&](std::int64_t first, std::int64_t count) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      try {
        for (std::int64_t step = first; step < first + count; ++step) save(step);
      } catch (...) {
        ::_exit(3);
      }
      ::_exit(0);
    }
    return pid;
  };
  std::int64_t newest = 1;
  // How long a child takes for three checkpoints (forking included), measured again every ten
  // kills as the machine's load changes; the kills land within that time, so in serialising,
  // writing, syncing, renaming or pruning.
  Micros three_saves{0};
  const auto measure = [&] {
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = startWriter(newest + 1, 3);
    ASSERT_GE(pid, 0);
    ASSERT_EQ(rgbdsod::test::waitExit(pid), 0) << "the checkpoint writer failed";
    three_saves = since(t0);
    newest += 3;
  };
  ASSERT_NO_FATAL_FAILURE(measure());

  int killed = 0, temporaries = 0;
  for (int i = 0; i < kKills; ++i) {
    if (i % 10 == 9) {
      ASSERT_NO_FATAL_FAILURE(measure());
    }
    const pid_t pid = startWriter(newest + 1, 100);
    ASSERT_GE(pid, 0);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const auto delay = Micros(static_cast<std::int64_t>(static_cast<double>(three_saves.count()) * u(rng)));
    const int code = rgbdsod::test::killAfter(pid, delay);
    ASSERT_TRUE(code == 128 + 9 || code == 0) << "the writer failed (exit " << code << "); " << replay;
    if (code == 128 + 9) ++killed;
    const std::string when = "kill " + std::to_string(i);
    const std::vector<std::int64_t> steps = loadAll(run, config, when + " (" + replay + ")");
    ASSERT_FALSE(steps.empty()) << when << ": no checkpoint left; " << replay;
    EXPECT_GE(steps.front(), newest) << when << ": the newest complete checkpoint was lost; " << replay;
    newest = steps.front();
    for (const auto& t : temporariesUnder(run / "checkpoints")) {
      fs::remove(run / "checkpoints" / t);
      ++temporaries;
    }
  }
  std::printf("[ sigkill ] checkpoint writer: %d kills (%d during a run), newest step %lld, %d temporaries left, "
              "three saves %.1f ms; seed %u\n",
              kKills, killed, static_cast<long long>(newest), temporaries,
              static_cast<double>(three_saves.count()) / 1e3, seed);
  EXPECT_EQ(killed, kKills) << "a writer of 100 checkpoints finished before its kill";
}

// The real `rgbdsod train`, killed while it writes a checkpoint every step; then resumed.
TEST(SigKillCheckpoint, AKilledTrainRunHoldsOnlyCheckpointsThatLoadAndValidJsonAndResumes) {
  const std::uint32_t seed = rgbdsod::test::faultSeed();
  std::mt19937 rng(seed);
  const std::string replay = "replay with RGBDSOD_FAULT_SEED=" + std::to_string(seed);
  rgbdsod::test::ScratchDir tmp("rgbdsod-sigkill-train");
  rgbdsod::test::writeTinySynth(tmp / "data", 12, 48, 40);
  std::vector<std::string> overrides = rgbdsod::test::tinyOverrides(12, 1);
  overrides.push_back("run.keep_checkpoints=" + std::to_string(kKeep));
  const TrainConfig config = resolveConfig("teacher", {}, overrides);
  const auto args = [&](const fs::path& run) {
    std::vector<std::string> a{"-q",     "train", "--stage", "teacher", "--data", (tmp / "data").string(),
                               "--out", run.string()};
    for (const auto& o : overrides) a.insert(a.end(), {"--set", o});
    return a;
  };
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(rgbdsod::test::waitExit(rgbdsod::test::spawnCli(args(tmp / "reference"))), 0);
  const Micros d = since(t0);

  fs::path resumable;
  int killed = 0, with_checkpoints = 0;
  for (int i = 0; i < kCliKills; ++i) {
    const fs::path run = tmp / ("run-" + std::to_string(i));
    const pid_t pid = rgbdsod::test::spawnCli(args(run));
    ASSERT_GT(pid, 0);
    // After LibTorch has loaded (about the first half of the run), while checkpoints are written.
    std::uniform_real_distribution<double> u(0.45, 1.0);
    const auto delay = Micros(static_cast<std::int64_t>(static_cast<double>(d.count()) * u(rng)));
    const int code = rgbdsod::test::killAfter(pid, delay);
    ASSERT_TRUE(code == 128 + 9 || code == 0) << "train failed (exit " << code << ")";
    if (code == 128 + 9) ++killed;
    const std::string when = "kill " + std::to_string(i) + " (" + replay + ")";
    if (!loadAll(run, config, when).empty()) {
      ++with_checkpoints;
      if (code == 128 + 9) resumable = run;
    }
    for (const char* name : {"config.json", "status.json"}) {
      if (fs::exists(run / name)) {
        EXPECT_TRUE(nlohmann::json::accept(readFileText(run / name))) << when << ": " << name << " is not valid JSON";
      }
    }
    if (const auto t = temporariesUnder(run); !t.empty())
      std::printf("[ sigkill ] train kill %d left temporaries: %s\n", i, joinNames(t).c_str());
  }
  std::printf("[ sigkill ] rgbdsod train: %d kills (%d during the run), %d runs with checkpoints, run %.0f ms; "
              "seed %u\n",
              kCliKills, killed, with_checkpoints, static_cast<double>(d.count()) / 1e3, seed);
  // A killed run resumes from what the kill left and finishes. When no random kill came after a
  // checkpoint, one more run is killed as soon as it has written one.
  if (resumable.empty()) {
    resumable = tmp / "run-late";
    const pid_t pid = rgbdsod::test::spawnCli(args(resumable));
    ASSERT_GT(pid, 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (listCheckpoints(resumable).empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    rgbdsod::test::killAfter(pid, Micros(0));
    ASSERT_FALSE(loadAll(resumable, config, "the run killed after its first checkpoint").empty());
  }
  const std::vector<std::string> resume{"-q", "train", "--resume", "--data", (tmp / "data").string(), "--out",
                                        resumable.string()};
  ASSERT_EQ(rgbdsod::test::waitExit(rgbdsod::test::spawnCli(resume)), 0) << "cannot resume " << resumable;
  const std::vector<std::int64_t> steps = loadAll(resumable, config, "after resuming");
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps.front(), 12);
}

}  // namespace
