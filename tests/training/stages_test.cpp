// The stages that start from earlier runs (distill, fuse, transfer, contrast-inter, downstream),
// the recipes that chain them, and what inference does with each kind of run.
#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/types.h>

#include <atomic>
#include <cmath>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/models/cas_net.h"
#include "rgbdsod/models/contrastive_pretrain.h"
#include "rgbdsod/models/lsf_fusion.h"
#include "rgbdsod/models/lsf_stream.h"
#include "rgbdsod/models/supervision_transfer.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/inference.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/training/recipe.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/stage.h"
#include "rgbdsod/training/stage_sources.h"
#include "test_support.h"
#include "training_test_util.h"

using namespace rgbdsod;
using namespace rgbdsod::training;
namespace fs = std::filesystem;

namespace {

// Small queues and momentum so that a few steps exercise the whole MoCo machinery.
std::vector<std::string> tinyRecipeOverrides(int steps, bool contrastive = false) {
  auto o = test::tinyOverrides(steps, 100);
  if (contrastive) o.insert(o.end(), {"model.queue_size=16", "model.momentum=0.9"});
  return o;
}

class Stages : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new test::TempDir("rgbdsod-stages-data");
    test::writeTinySynth(data_->path(), 24);
    runs_ = new test::TempDir("rgbdsod-stages-runs");
    // One learn-select-fuse recipe shared by the tests that need trained teacher / student runs.
    RecipeRequest r{"learn-select-fuse", data_->path(), runs_->path() / "lsf", tinyRecipeOverrides(3), false};
    lsf_ = runRecipe(r, {}, {});
  }
  static void TearDownTestSuite() {
    delete runs_;
    delete data_;
  }

  static fs::path lsfStep(const char* name) { return runs_->path() / "lsf" / name; }

  static TrainRequest request(const std::string& stage, const fs::path& run, std::vector<std::string> extra) {
    TrainRequest r;
    r.stage = stage;
    r.data = data_->path();
    r.run = run;
    r.overrides = test::tinyOverrides(3, 100);
    r.overrides.insert(r.overrides.end(), extra.begin(), extra.end());
    return r;
  }

  static std::string keyOfError(const TrainRequest& r) {
    try {
      runTraining(r, {}, {});
    } catch (const ConfigError& e) {
      return e.key() + " | " + e.what();
    }
    return "no ConfigError";
  }

  static test::TempDir* data_;
  static test::TempDir* runs_;
  static RecipeResult lsf_;
};
test::TempDir* Stages::data_ = nullptr;
test::TempDir* Stages::runs_ = nullptr;
RecipeResult Stages::lsf_;

}  // namespace

TEST_F(Stages, LearnSelectFuseRecipeTrainsTheThreeStagesInTheirFolders) {
  ASSERT_EQ(lsf_.outcome, TrainOutcome::Finished) << lsf_.message;
  ASSERT_EQ(lsf_.steps.size(), 3u);
  for (const char* step : {"1-teacher", "2-distill", "3-fuse"}) {
    EXPECT_FALSE(listCheckpoints(lsfStep(step)).empty()) << step;
    EXPECT_EQ(readRunConfig(lsfStep(step)).run.steps, 3) << step;
  }
  // The links point at the earlier steps.
  const TrainConfig fuse = readRunConfig(lsfStep("3-fuse"));
  EXPECT_EQ(fs::path(configString(fuse, "model.teacher")), fs::absolute(lsfStep("1-teacher")));
  EXPECT_EQ(fs::path(configString(fuse, "model.student")), fs::absolute(lsfStep("2-distill")));
}

TEST_F(Stages, DistillationKeepsTheTeacherFrozen) {
  ASSERT_EQ(lsf_.outcome, TrainOutcome::Finished) << lsf_.message;
  models::LsfStream teacher(lsfStreamOptions(readRunConfig(lsfStep("1-teacher")), 3));
  loadRunWeights(lsfStep("1-teacher"), *teacher);
  auto distill = makeStage(readRunConfig(lsfStep("2-distill")));
  loadRunWeights(lsfStep("2-distill"), distill->model());
  const auto& pair = dynamic_cast<models::LsfDistillationImpl&>(distill->model());
  const auto distilled_teacher = pair.teacher->named_parameters();
  for (const auto& p : teacher->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), distilled_teacher[p.key()])) << p.key();
  // ... and the student learned (it started as the teacher with its first conv summed to 1 channel).
  EXPECT_EQ(pair.student->backbone->options().backbone.in_channels, 1);
  EXPECT_FALSE(torch::equal(pair.student->named_parameters()["heads.level2.predict.weight"],
                            teacher->named_parameters()["heads.level2.predict.weight"]));
}

TEST_F(Stages, FusionStartsFromTheTeacherAndTheDistilledStudent) {
  ASSERT_EQ(lsf_.outcome, TrainOutcome::Finished) << lsf_.message;
  const TrainConfig config = resolveConfig(
      "fuse", {}, {"model.width=0.0625", "model.teacher=" + lsfStep("1-teacher").string(),
                   "model.student=" + lsfStep("2-distill").string()});
  auto fuse = makeStage(config, StageBuild::Fresh);
  auto distill = makeStage(readRunConfig(lsfStep("2-distill")));
  loadRunWeights(lsfStep("2-distill"), distill->model());
  const auto& pair = dynamic_cast<models::LsfDistillationImpl&>(distill->model());
  const auto& net = dynamic_cast<models::LsfFusionNetImpl&>(fuse->model());
  const auto rgb = net.rgb->named_parameters(), depth = net.depth->named_parameters();
  for (const auto& p : pair.teacher->backbone->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), rgb[p.key()])) << "rgb." << p.key();
  for (const auto& p : pair.student->backbone->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), depth[p.key()])) << "depth." << p.key();
  // RD-(C) also starts each CA-Fuse block's adaptation layers from the two streams' (Table 1).
  for (int level = 2; level <= 5; ++level) {
    const auto adapted = net.block(level).adapt_depth->named_parameters();
    for (const auto& p : pair.student->head(level).adaptation->named_parameters())
      EXPECT_TRUE(torch::equal(p.value(), adapted[p.key()])) << "level " << level << " " << p.key();
  }

  // Table 3's other starts: "random" leaves the trunks as initialised.
  const TrainConfig random = resolveConfig("fuse", {}, {"model.width=0.0625", "model.init=random"});
  auto fresh = makeStage(random, StageBuild::Fresh);
  const auto& random_net = dynamic_cast<models::LsfFusionNetImpl&>(fresh->model());
  EXPECT_FALSE(torch::equal(random_net.rgb->named_parameters()["features.0.weight"], rgb["features.0.weight"]));
}

TEST_F(Stages, SourceRunsAreCheckedAndNamedByTheirKey) {
  ASSERT_EQ(lsf_.outcome, TrainOutcome::Finished) << lsf_.message;
  test::TempDir tmp;
  const std::string teacher = lsfStep("1-teacher").string();
  // Missing reference, wrong stage, other width, not a run at all.
  EXPECT_NE(keyOfError(request("distill", tmp / "a", {})).find("model.teacher | "), std::string::npos);
  EXPECT_NE(keyOfError(request("fuse", tmp / "b", {"model.teacher=" + teacher, "model.student=" + teacher}))
                .find("model.student | config: model.student: '"),
            std::string::npos);
  const std::string width = keyOfError(request("transfer", tmp / "c", {"model.teacher=" + teacher, "model.width=0.125"}));
  EXPECT_NE(width.find("model.width | "), std::string::npos) << width;
  EXPECT_NE(width.find("0.0625"), std::string::npos) << width;
  EXPECT_THROW(runTraining(request("distill", tmp / "d", {"model.teacher=" + (tmp / "nothing").string()}), {}, {}),
               core::FileError);
  EXPECT_NE(keyOfError(request("contrast-inter", tmp / "e", {})).find("model.init | "), std::string::npos);
  const std::string selection =
      keyOfError(request("cas", tmp / "f", {"model.selection_data=" + (tmp / "no-such-set").string()}));
  EXPECT_NE(selection.find("model.selection_data | "), std::string::npos) << selection;
  // A run that cannot start leaves no half-made run folder behind.
  for (const char* run : {"a", "b", "c", "d", "e", "f"}) EXPECT_FALSE(fs::exists(tmp / run)) << run;
}

TEST_F(Stages, InferenceOfEachKindOfRun) {
  ASSERT_EQ(lsf_.outcome, TrainOutcome::Finished) << lsf_.message;
  test::TempDir tmp;
  const fs::path test_split = data_->path() / "test";
  for (const char* step : {"1-teacher", "2-distill", "3-fuse"}) {
    const InferSummary s = runInference({lsfStep(step), test_split, tmp / step, true, false});
    EXPECT_EQ(s.images, 6u) << step;
  }
  // The distilled student and the fusion write their side outputs.
  EXPECT_TRUE(fs::exists(tmp / "3-fuse" / "sides"));
  // The zero-shot baseline: the RGB teacher looking at depth.
  const InferSummary zero = runInference({lsfStep("1-teacher"), test_split, tmp / "zero", false, true});
  EXPECT_EQ(zero.images, 6u);
  const fs::path first = fs::directory_iterator(tmp / "zero")->path().filename();
  const cv::Mat a = cv::imread((tmp / "zero" / first).string(), cv::IMREAD_UNCHANGED);
  const cv::Mat b = cv::imread((tmp / "1-teacher" / first).string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(a.empty());
  EXPECT_GT(cv::norm(a, b, cv::NORM_L1), 0.0);  // another input, another map
  // Networks that already take depth refuse it.
  EXPECT_THROW(runInference({lsfStep("3-fuse"), test_split, tmp / "bad", false, true}), core::Error);
}

TEST_F(Stages, ContrastiveRecipePreTrainsThenTrainsTheDecoderOnFrozenEncoders) {
  test::TempDir tmp;
  const RecipeResult r = runRecipe({"contrastive", data_->path(), tmp / "c", tinyRecipeOverrides(3, true), false}, {}, {});
  ASSERT_EQ(r.outcome, TrainOutcome::Finished) << r.message;
  // The queues advanced by one batch per step (3 steps x 4 keys) and were checkpointed.
  auto inter = makeStage(readRunConfig(tmp / "c" / "2-contrast-inter"));
  loadRunWeights(tmp / "c" / "2-contrast-inter", inter->model());
  auto& net = dynamic_cast<models::ContrastivePretrainNetImpl&>(inter->model());
  EXPECT_EQ(net.fusion_queue->pointer(), 12);  // the fusion objective only runs in contrast-inter
  EXPECT_EQ(net.rgb_queue->pointer(), (3 * 4 + 3 * 4) % 16);  // carried on from contrast-intra
  // The downstream encoders are the pre-trained ones, unchanged by the decoder's training.
  auto down = makeStage(readRunConfig(tmp / "c" / "3-downstream"));
  loadRunWeights(tmp / "c" / "3-downstream", down->model());
  const auto encoder = down->model().named_parameters();
  for (const auto& p : net.rgb_encoder->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), encoder["rgb_encoder." + p.key()])) << p.key();
  // Pre-training predicts no saliency.
  EXPECT_THROW(runInference({tmp / "c" / "1-contrast-intra", data_->path() / "test", tmp / "p", false, false}),
               core::Error);
  EXPECT_EQ(runInference({tmp / "c" / "3-downstream", data_->path() / "test", tmp / "q", false, false}).images, 6u);
}

TEST_F(Stages, SupervisionTransferAndCasRecipesRun) {
  test::TempDir tmp;
  const RecipeResult st =
      runRecipe({"supervision-transfer", data_->path(), tmp / "st", tinyRecipeOverrides(3), false}, {}, {});
  ASSERT_EQ(st.outcome, TrainOutcome::Finished) << st.message;
  EXPECT_EQ(runInference({tmp / "st" / "2-transfer", data_->path() / "test", tmp / "franken", false, false}).images, 6u);

  auto o = tinyRecipeOverrides(3);
  o.push_back("model.selection_data=" + (data_->path() / "test").string());
  const RecipeResult cas = runRecipe({"cas", data_->path(), tmp / "cas", o, false}, {}, {});
  ASSERT_EQ(cas.outcome, TrainOutcome::Finished) << cas.message;
}

TEST_F(Stages, CasRejectsTheOldUniformerAndAnAlphaOutsideEq1) {
  test::TempDir tmp;
  // loss.uniformer is "paper" (Eq. 1) or "relative" (ours); the earlier "absolute" is gone.
  const std::string uniformer = keyOfError(request("cas", tmp / "a", {"loss.uniformer=absolute"}));
  EXPECT_NE(uniformer.find("loss.uniformer | "), std::string::npos) << uniformer;
  EXPECT_NE(uniformer.find("paper, relative"), std::string::npos) << uniformer;
  // Eq. 1 weighs the terms alpha and 1 - alpha: alpha lies in [0, 1].
  const std::string alpha = keyOfError(request("cas", tmp / "b", {"loss.alpha=2"}));
  EXPECT_NE(alpha.find("loss.alpha | "), std::string::npos) << alpha;
  for (const char* run : {"a", "b"}) EXPECT_FALSE(fs::exists(tmp / run)) << run;
}

TEST_F(Stages, CasPicksTheChannelThatCorrelatesPositivelyWithTheGt) {
  test::TempDir tmp;
  auto o = test::tinyOverrides(20, 100);
  o.push_back("val.every=0");
  o.push_back("model.selection_data=" + (data_->path() / "test").string());
  ASSERT_EQ(runTraining(request("cas", tmp / "cas", o), {}, {}).outcome, TrainOutcome::Finished);
  auto stage = makeStage(readRunConfig(tmp / "cas"));
  loadRunWeights(tmp / "cas", stage->model());
  auto& net = dynamic_cast<models::CasNetImpl&>(stage->model());
  const std::int64_t chosen = net.saliencyChannel();
  // The same calibration by hand: the chosen channel's maps correlate positively with the GT.
  const InferSummary s = runInference({tmp / "cas", data_->path() / "test", tmp / "pred", false, false});
  ASSERT_EQ(s.images, 6u);
  double sp = 0, sg = 0, spg = 0, spp = 0, sgg = 0, n = 0;
  for (const auto& e : fs::directory_iterator(tmp / "pred")) {
    cv::Mat p, g;
    cv::imread(e.path().string(), cv::IMREAD_GRAYSCALE).convertTo(p, CV_64F, 1 / 255.0);
    cv::imread((data_->path() / "test" / "GT" / e.path().filename()).string(), cv::IMREAD_GRAYSCALE)
        .convertTo(g, CV_64F, 1 / 255.0);
    sp += cv::sum(p)[0], sg += cv::sum(g)[0], spg += cv::sum(p.mul(g))[0];
    spp += cv::sum(p.mul(p))[0], sgg += cv::sum(g.mul(g))[0], n += static_cast<double>(p.total());
  }
  const double r = (spg / n - sp / n * sg / n) /
                   std::sqrt((spp / n - sp / n * sp / n) * (sgg / n - sg / n * sg / n));
  EXPECT_GT(r, 0.0) << "channel " << chosen;
}

TEST_F(Stages, RecipeResumeSkipsFinishedStepsAndContinuesTheInterruptedOne) {
  test::TempDir tmp;
  const fs::path run = tmp / "st";
  core::CancelToken stop;
  const RecipeResult first = runRecipe(
      {"supervision-transfer", data_->path(), run, tinyRecipeOverrides(4), false},
      [&](const TrainProgress& p) { if (p.stage == "transfer" && p.step == 2) stop.cancel(); }, stop);
  ASSERT_EQ(first.outcome, TrainOutcome::Stopped) << first.message;
  const auto teacher_checkpoint = listCheckpoints(run / "1-teacher").at(0);
  const auto teacher_time = fs::last_write_time(teacher_checkpoint);

  EXPECT_THROW(runRecipe({"supervision-transfer", data_->path(), run, {}, false}, {}, {}), core::FileError);
  const RecipeResult second = runRecipe({"", data_->path(), run, {}, true}, {}, {});
  ASSERT_EQ(second.outcome, TrainOutcome::Finished) << second.message;
  ASSERT_EQ(second.steps.size(), 2u);
  EXPECT_EQ(second.steps[0].second.message, "already finished");
  EXPECT_EQ(second.steps[1].second.step, 4);
  EXPECT_EQ(fs::last_write_time(teacher_checkpoint), teacher_time);
  const auto lines = readMetrics(RunPaths{run / "2-transfer"}.metrics());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines.back()["step"], 4);
}

TEST_F(Stages, TrainJobRunsARecipeInTheBackgroundAndStopsIt) {
  test::TempDir tmp;
  TrainJob job;
  TrainRequest r;
  r.recipe = "supervision-transfer";
  r.data = data_->path();
  r.run = tmp / "job";
  r.overrides = tinyRecipeOverrides(50);
  std::atomic<int> events{0};
  job.start(r, [&](const TrainProgress& p) {
    if (p.stage == "transfer" && p.step >= 2) job.requestStop();
    ++events;
  });
  const TrainResult result = job.wait();
  EXPECT_FALSE(job.isRunning());
  EXPECT_EQ(result.outcome, TrainOutcome::Stopped) << result.message;
  EXPECT_NE(result.message.find("2-transfer"), std::string::npos) << result.message;
  EXPECT_GE(listCheckpoints(tmp / "job" / "2-transfer").size(), 1u);  // the stop wrote one
  EXPECT_GT(events.load(), 50);
}

TEST_F(Stages, ABrokenRecipeManifestIsNamedOnResume) {
  test::TempDir tmp;
  EXPECT_THROW(runRecipe({"", data_->path(), tmp / "none", {}, true}, {}, {}), core::FileError);
  test::writeBytes(tmp / "bad" / "recipe.json", "{\"recipe\": ");
  try {
    runRecipe({"", data_->path(), tmp / "bad", {}, true}, {}, {});
    FAIL() << "no error";
  } catch (const core::FileError& e) {
    EXPECT_NE(std::string(e.what()).find("recipe.json"), std::string::npos) << e.what();
  }
}

TEST(RecipeOverrides, GoToTheStagesThatHaveTheKeyOrToTheNamedStep) {
  const Recipe& st = findRecipe("supervision-transfer");
  const auto o = distributeOverrides(st, {"model.width=0.25", "model.tap=conv4", "teacher.run.steps=7"});
  EXPECT_EQ(o[0], (std::vector<std::string>{"model.width=0.25", "run.steps=7"}));
  EXPECT_EQ(o[1], (std::vector<std::string>{"model.width=0.25", "model.tap=conv4"}));
  try {
    distributeOverrides(st, {"model.variant=full"});
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "model.variant");
  }
  EXPECT_THROW(findRecipe("learn-select-fool"), ConfigError);
}

// Issue 13 item 5: one config key per temperature and the Eq. 8 weights reach the network.
TEST(ContrastStageConfig, TemperaturesAndWeightsReachTheNetwork) {
  const std::vector<std::string> tiny{"model.width=0.03125", "model.queue_size=16"};
  auto stage = makeStage(resolveConfig("contrast", {}, tiny));
  const auto& d = dynamic_cast<models::ContrastivePretrainNetImpl&>(stage->model()).options();
  EXPECT_DOUBLE_EQ(d.tau_intra, 0.1);
  EXPECT_DOUBLE_EQ(d.tau_inter, 0.04);
  EXPECT_DOUBLE_EQ(d.tau_alignment, 0.1);
  EXPECT_DOUBLE_EQ(d.lambda_intra, 0.5);
  EXPECT_DOUBLE_EQ(d.lambda_inter, 0.5);
  auto set = tiny;
  set.insert(set.end(), {"loss.tau_intra=0.2", "loss.tau_inter=0.05", "loss.tau_alignment=0.3", "loss.lambda_intra=0.25",
                         "loss.lambda_inter=0.75"});
  auto other = makeStage(resolveConfig("contrast", {}, set));
  const auto& o = dynamic_cast<models::ContrastivePretrainNetImpl&>(other->model()).options();
  EXPECT_DOUBLE_EQ(o.tau_intra, 0.2);
  EXPECT_DOUBLE_EQ(o.tau_inter, 0.05);
  EXPECT_DOUBLE_EQ(o.tau_alignment, 0.3);
  EXPECT_DOUBLE_EQ(o.lambda_intra, 0.25);
  EXPECT_DOUBLE_EQ(o.lambda_inter, 0.75);
  auto intra = makeStage(resolveConfig("contrast-intra", {}, tiny));
  EXPECT_DOUBLE_EQ(dynamic_cast<models::ContrastivePretrainNetImpl&>(intra->model()).options().lambda_inter, 0.0);
}

// Issue 13 item 6: the transfer stage's loss is ||adapted - target||^2 per pair (pool5), averaged
// over the pairs, with loss.reduction=sum; by default (mean) divided by the C*H*W of the map.
TEST(TransferStageConfig, LossIsTheSquaredNormPerPair) {
  torch::manual_seed(4);
  Batch batch;
  batch.rgb = torch::randn({2, 3, 64, 64});
  batch.depth = torch::rand({2, 1, 64, 64});
  torch::manual_seed(5);
  auto sum_stage = makeStage(resolveConfig("transfer", {}, {"model.width=0.03125", "loss.reduction=sum"}));
  torch::manual_seed(5);
  auto mean_stage = makeStage(resolveConfig("transfer", {}, {"model.width=0.03125"}));
  torch::NoGradGuard no_grad;
  const double sum = sum_stage->loss(batch).total.item<double>();
  const double mean = mean_stage->loss(batch).total.item<double>();
  auto& net = dynamic_cast<models::SupervisionTransferImpl&>(sum_stage->model());
  EXPECT_EQ(net.options().tap, models::VggTap::Pool5);
  const auto out = net.forward({batch.rgb, batch.depth});
  ASSERT_EQ(out.target.size(2), 2);  // pool5 of a 64 px input: stride 32
  const double elements = static_cast<double>(out.target[0].numel());
  double by_hand = 0.0;
  const auto diff = (out.adapted - out.target).flatten();
  for (int64_t i = 0; i < diff.numel(); ++i) by_hand += diff[i].item<double>() * diff[i].item<double>();
  by_hand /= 2;  // two pairs
  EXPECT_NEAR(sum, by_hand, 1e-4 * by_hand);
  EXPECT_NEAR(mean, by_hand / elements, 1e-4 * by_hand / elements);
}
