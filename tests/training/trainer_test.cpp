#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/types.h>

#include <fstream>
#include <iterator>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/stage.h"
#include "test_support.h"
#include "training_test_util.h"

using namespace rgbdsod;
using namespace rgbdsod::training;
namespace fs = std::filesystem;

namespace {

class Trainer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new test::TempDir("rgbdsod-trainer-data");
    test::writeTinySynth(data_->path(), 24);
  }
  static void TearDownTestSuite() { delete data_; }

  TrainRequest request(const fs::path& run, std::vector<std::string> overrides, const std::string& stage = "teacher") {
    TrainRequest r;
    r.stage = stage;
    r.data = data_->path();
    r.run = run;
    r.overrides = std::move(overrides);
    return r;
  }
  static TrainRequest resumeOf(TrainRequest r) {
    r.resume = true;
    r.overrides.clear();
    return r;
  }

  // The model of a run's newest checkpoint, as name -> tensor.
  static std::map<std::string, torch::Tensor> weights(const fs::path& run) {
    std::ifstream in(RunPaths{run}.config());
    const auto config = configFromResolved(nlohmann::json::parse(in), "config.json");
    auto stage = makeStage(config);
    loadTrainCheckpoint(listCheckpoints(run).at(0), stage->model(), nullptr);
    std::map<std::string, torch::Tensor> w;
    for (const auto& p : stage->model().named_parameters()) w[p.key()] = p.value().clone();
    for (const auto& b : stage->model().named_buffers()) w[b.key()] = b.value().clone();
    return w;
  }

  static std::vector<double> losses(const fs::path& run) {
    std::vector<double> out;
    for (const auto& j : readMetrics(RunPaths{run}.metrics()))
      if (j.contains("loss")) out.push_back(j["loss"].get<double>());
    return out;
  }

  static std::vector<std::int64_t> steps(const fs::path& run) {
    std::vector<std::int64_t> out;
    for (const auto& j : readMetrics(RunPaths{run}.metrics()))
      if (j.contains("loss")) out.push_back(j["step"].get<std::int64_t>());
    return out;
  }

  void expectResumeEquivalence(int workers, const std::string& stage, std::vector<std::string> extra = {}) {
    test::TempDir tmp;
    auto o = test::tinyOverrides(6, 100, workers);
    o.insert(o.end(), extra.begin(), extra.end());
    const auto straight = runTraining(request(tmp / "a", o, stage), {}, {});
    ASSERT_EQ(straight.outcome, TrainOutcome::Finished);

    // The same run, stopped after step 3 (the stop writes a checkpoint) and resumed.
    core::CancelToken stop;
    const auto first = runTraining(
        request(tmp / "b", o, stage), [&](const TrainProgress& p) { if (p.step == 3) stop.cancel(); }, stop);
    ASSERT_EQ(first.outcome, TrainOutcome::Stopped);
    EXPECT_EQ(first.step, 3);
    const auto second = runTraining(resumeOf(request(tmp / "b", o, stage)), {}, {});
    ASSERT_EQ(second.outcome, TrainOutcome::Finished) << second.message;
    EXPECT_EQ(second.step, 6);

    const auto wa = weights(tmp / "a"), wb = weights(tmp / "b");
    ASSERT_EQ(wa.size(), wb.size());
    for (const auto& [name, t] : wa) EXPECT_TRUE(torch::equal(t, wb.at(name))) << name;
    EXPECT_EQ(losses(tmp / "a"), losses(tmp / "b"));
    EXPECT_EQ(steps(tmp / "b"), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  }

  static test::TempDir* data_;
};
test::TempDir* Trainer::data_ = nullptr;

}  // namespace

TEST_F(Trainer, ResumeGivesTheSameWeightsWithoutWorkers) { expectResumeEquivalence(0, "teacher"); }

TEST_F(Trainer, ResumeGivesTheSameWeightsWithWorkers) {
  expectResumeEquivalence(2, "teacher", {"optim.name=adam", "optim.lr=0.001", "optim.backbone_lr_mult=0.1",
                                         "optim.clip_norm=1.0"});
}

TEST_F(Trainer, RecNetResumeGivesTheSameWeights) {
  expectResumeEquivalence(0, "recnet", {"model.depth_input=early", "data.depth=raw3"});
}

// MoCo's state (momentum encoders, queues and their pointers) is part of the checkpoint: a resumed
// contrastive run continues with the same negatives.
TEST_F(Trainer, ContrastiveResumeGivesTheSameWeightsAndQueues) {
  expectResumeEquivalence(0, "contrast", {"model.queue_size=16", "model.momentum=0.9"});
}

TEST_F(Trainer, CasResumeGivesTheSameWeights) { expectResumeEquivalence(0, "cas", {"val.every=0"}); }

// A corrupt image met in the middle of a run: the error names the file and the steps done so far
// are kept in a checkpoint (the run resumes once the file is fixed).
TEST_F(Trainer, ACorruptImageMidRunIsNamedAndTheStepsDoneAreKept) {
  test::TempDir tmp;
  const fs::path data = tmp / "data";
  test::writeTinySynth(data, 24);
  const fs::path bad = *std::next(fs::directory_iterator(data / "train" / "RGB"), 3);
  test::writeBytes(bad, "not a png at all");
  TrainRequest r = request(tmp / "run", test::tinyOverrides(40, 1000, 2));
  r.data = data;
  try {
    runTraining(r, {}, {});
    FAIL() << "no error";
  } catch (const core::FileError& e) {
    EXPECT_NE(std::string(e.what()).find(bad.filename().string()), std::string::npos) << e.what();
  }
  const auto done = steps(tmp / "run");
  ASSERT_FALSE(done.empty());  // 20 samples, batches of 4: the corrupt one is met after a few steps
  const auto files = listCheckpoints(tmp / "run");
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(std::stoll(files.front().stem().string().substr(5)), done.back());
}

TEST_F(Trainer, RunFolderHoldsConfigLogMetricsAndKeptCheckpoints) {
  test::TempDir tmp;
  auto o = test::tinyOverrides(8, 2);
  o.push_back("run.keep_checkpoints=2");
  o.push_back("val.every=4");
  o.push_back("val.fraction=0.2");
  const auto r = runTraining(request(tmp / "run", o), {}, {});
  ASSERT_EQ(r.outcome, TrainOutcome::Finished);
  const RunPaths paths{tmp / "run"};
  EXPECT_TRUE(fs::exists(paths.config()));
  EXPECT_TRUE(fs::exists(paths.log()));
  const auto cks = listCheckpoints(paths.root);
  ASSERT_EQ(cks.size(), 2u);
  EXPECT_EQ(cks[0].filename(), "step-000000008.pt");
  EXPECT_EQ(r.checkpoint, cks[0]);
  int val_lines = 0;
  for (const auto& j : readMetrics(paths.metrics())) {
    if (j.contains("val")) {
      ++val_lines;
      EXPECT_GT(j["val"]["images"].get<int>(), 0);
      EXPECT_TRUE(j["val"]["max_fm"].is_number());
    } else {
      EXPECT_TRUE(j.contains("lr") && j.contains("samples_per_s") && j["terms"].contains("final_bce")) << j.dump();
    }
  }
  EXPECT_EQ(val_lines, 2);
  // Starting again into a run folder with checkpoints is refused.
  EXPECT_THROW(runTraining(request(tmp / "run", o), {}, {}), core::FileError);
}

TEST_F(Trainer, CorruptNewestCheckpointIsNamedAndTheOlderOneIsUsed) {
  test::TempDir tmp;
  const auto run = tmp / "run";
  ASSERT_EQ(runTraining(request(run, test::tinyOverrides(4, 2)), {}, {}).outcome, TrainOutcome::Finished);
  const fs::path newest = checkpointPath(run, 4);
  test::writeBytes(newest, "not a checkpoint");

  auto stage = makeStage(resolveConfig("teacher", {}, test::tinyOverrides(4, 2)));
  try {
    loadTrainCheckpoint(newest, stage->model(), nullptr);
    ADD_FAILURE() << "a corrupt checkpoint loaded";
  } catch (const core::FileError& e) {
    EXPECT_EQ(e.file(), newest);
    EXPECT_NE(std::string(e.what()).find("step-000000004.pt"), std::string::npos) << e.what();
  }
  const auto restored = restoreNewestCheckpoint(run, stage->model(), nullptr);
  EXPECT_EQ(restored.state.step, 2);
  ASSERT_EQ(restored.warnings.size(), 1u);
  EXPECT_NE(restored.warnings[0].find("step-000000004.pt"), std::string::npos) << restored.warnings[0];

  // Resuming redoes steps 3 and 4 from step 2 and reports the skipped file.
  const auto r = runTraining(resumeOf(request(run, {})), {}, {});
  ASSERT_EQ(r.outcome, TrainOutcome::Finished) << r.message;
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("step-000000004.pt"), std::string::npos);
  EXPECT_EQ(steps(run), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(fs::exists(newest.string() + ".corrupt"));
}

// Found by fuzz_checkpoint: one changed byte in a TorchScript code/ entry of the archive
// ("__buffers__" -> "__bufders__") crashed LibTorch's importer (SIGSEGV in
// ScriptTypeParser::parseClassConstant), which reads entries without checking their CRC-32. The
// damaged file is now refused by name, so the older checkpoint is used.
TEST_F(Trainer, CheckpointWithADamagedCodeEntryIsRefusedNotCrashing) {
  test::TempDir tmp;
  const auto run = tmp / "run";
  ASSERT_EQ(runTraining(request(run, test::tinyOverrides(4, 2)), {}, {}).outcome, TrainOutcome::Finished);
  const fs::path newest = checkpointPath(run, 4);
  std::string bytes;
  {
    std::ifstream in(newest, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = bytes.find("__buffers__ = [");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 5] = 'd';
  test::writeBytes(newest, bytes);

  auto stage = makeStage(resolveConfig("teacher", {}, test::tinyOverrides(4, 2)));
  try {
    loadTrainCheckpoint(newest, stage->model(), nullptr);
    ADD_FAILURE() << "a damaged checkpoint loaded";
  } catch (const core::FileError& e) {
    EXPECT_EQ(e.file(), newest);
    EXPECT_NE(std::string(e.what()).find("CRC-32"), std::string::npos) << e.what();
  }
  EXPECT_EQ(restoreNewestCheckpoint(run, stage->model(), nullptr).state.step, 2);
  // Cut short (a write that did not finish): refused as well.
  test::writeBytes(newest, bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(loadTrainCheckpoint(newest, stage->model(), nullptr), core::FileError);
}

// Fuzz finding (tests/fuzz/findings/checkpoint-code-entry-forged-size.pt): a deflated code/ entry
// whose header declares 4294903751 bytes made LibTorch allocate 4 GiB before inflating it. The
// archive check inflates it in bounded chunks first and names the entry.
TEST_F(Trainer, CheckpointWhoseCodeEntryDeclaresAForgedSizeIsRefusedBeforeLibTorchAllocatesIt) {
  test::TempDir tmp;
  const auto run = tmp / "run";
  ASSERT_EQ(runTraining(request(run, test::tinyOverrides(2, 2)), {}, {}).outcome, TrainOutcome::Finished);
  const fs::path newest = checkpointPath(run, 2);
  std::string bytes;
  {
    std::ifstream in(newest, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // The first deflated entry in the central directory (method field at +10, its size at +24).
  std::size_t central = bytes.find("PK\x01\x02");
  while (central != std::string::npos && bytes[central + 10] != 8) central = bytes.find("PK\x01\x02", central + 4);
  ASSERT_NE(central, std::string::npos) << "LibTorch wrote no deflated entry";
  const std::string name(&bytes[central + 46], static_cast<unsigned char>(bytes[central + 28]));
  for (int i = 0; i < 4; ++i) bytes[central + 24 + i] = static_cast<char>((4294903751u >> (8 * i)) & 0xff);
  test::writeBytes(newest, bytes);

  auto stage = makeStage(resolveConfig("teacher", {}, test::tinyOverrides(2, 2)));
  try {
    loadTrainCheckpoint(newest, stage->model(), nullptr);
    ADD_FAILURE() << "a checkpoint with a forged entry size loaded";
  } catch (const core::FileError& e) {
    EXPECT_EQ(e.file(), newest);
    EXPECT_NE(std::string(e.what()).find("entry " + name), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not the 4294903751 its header declares"), std::string::npos) << e.what();
  }
}

TEST_F(Trainer, NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint) {
  test::TempDir tmp;
  auto o = test::tinyOverrides(6, 2);
  o.push_back("debug.nan_at_step=4");
  const auto r = runTraining(request(tmp / "run", o), {}, {});
  EXPECT_EQ(r.outcome, TrainOutcome::NonFiniteLoss);
  EXPECT_EQ(r.step, 3);
  EXPECT_NE(r.message.find("step 4"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("step-000000002.pt"), std::string::npos) << r.message;
  const auto cks = listCheckpoints(tmp / "run");
  ASSERT_EQ(cks.size(), 1u);
  EXPECT_EQ(cks[0].filename(), "step-000000002.pt");
}

TEST_F(Trainer, TeacherLossDecreasesOnSyntheticData) {
  test::TempDir tmp;
  auto o = test::tinyOverrides(30, 100);
  o.insert(o.end(), {"optim.name=adam", "optim.lr=0.002", "optim.weight_decay=0", "data.batch_size=6"});
  std::vector<double> seen;
  const auto r = runTraining(request(tmp / "run", o), [&](const TrainProgress& p) {
    if (p.step > 0 && p.message.empty()) seen.push_back(p.loss);
  }, {});
  ASSERT_EQ(r.outcome, TrainOutcome::Finished);
  ASSERT_EQ(seen.size(), 30u);
  const double first = (seen[0] + seen[1] + seen[2] + seen[3] + seen[4]) / 5;
  const double last = (seen[25] + seen[26] + seen[27] + seen[28] + seen[29]) / 5;
  EXPECT_LT(last, 0.85 * first) << "first " << first << " last " << last;
}

TEST_F(Trainer, JobStopsAfterTheCurrentStepWithACheckpoint) {
  test::TempDir tmp;
  TrainJob job;
  std::atomic<std::int64_t> last{0};
  job.start(request(tmp / "run", test::tinyOverrides(1000, 1000)), [&](const TrainProgress& p) {
    last = p.step;
    EXPECT_EQ(p.stage, "teacher");
    EXPECT_EQ(p.total_steps, 1000);
  });
  while (last < 2 && job.isRunning()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(job.isRunning()) << job.wait().message;
  job.requestStop();
  const auto r = job.wait();
  EXPECT_FALSE(job.isRunning());
  EXPECT_EQ(r.outcome, TrainOutcome::Stopped);
  EXPECT_GE(r.step, 2);
  EXPECT_EQ(r.checkpoint, checkpointPath(tmp / "run", r.step));
  EXPECT_TRUE(fs::exists(r.checkpoint));

  // A job that cannot start reports the reason.
  TrainJob bad;
  bad.start(request(tmp / "other", {"optim.lrr=1"}));
  const auto f = bad.wait();
  EXPECT_EQ(f.outcome, TrainOutcome::Failed);
  EXPECT_NE(f.message.find("optim.lrr"), std::string::npos);
}
