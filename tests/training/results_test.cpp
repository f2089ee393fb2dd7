// Issue 6's results, small and fast: every paper's recipe trains on a small synthetic RGB-D set
// (the demo generator: depth reveals objects that RGB hides, RGB has distractors that are not in
// the GT), and the directions of the papers' findings hold on its test split with modest margins.
// The full-size table is tests/bench/train_results.sh.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include <opencv2/core.hpp>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/core/label_noise.h"
#include "rgbdsod/core/synth.h"
#include "rgbdsod/training/inference.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/training/recipe.h"
#include "test_support.h"

using namespace rgbdsod;
using namespace rgbdsod::training;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> settings(int steps) {
  return {"model.width=0.125",  "data.size=64",        "data.batch_size=8",          "data.workers=0",
          "run.threads=1",      "run.steps=" + std::to_string(steps), "run.checkpoint_every=100000",
          "optim.name=adam",    "optim.lr=0.001",      "seed=5"};
}

class Results : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir("rgbdsod-results");
    core::SynthConfig c;
    c.seed = 11;
    c.count = 96;
    c.width = 64;
    c.height = 64;
    c.test_fraction = 0.25;
    core::writeSynthDataset(dir_->path() / "data", c);
  }
  static void TearDownTestSuite() { delete dir_; }

  static fs::path data() { return dir_->path() / "data"; }
  static fs::path testGt() { return data() / "test" / "GT"; }

  static double maxF(const fs::path& pred) { return core::evaluateFolders(testGt(), pred).metrics.max_fmeasure; }

  static double predictAndScore(const fs::path& run, const std::string& name, bool depth_as_rgb = false) {
    const fs::path out = dir_->path() / "pred" / name;
    runInference({run, data() / "test", out, false, depth_as_rgb});
    return maxF(out);
  }

  // max-F of a centre prior (a Gaussian bump): the trivial baseline.
  static double centrePriorMaxF() {
    const fs::path out = dir_->path() / "pred" / "centre";
    fs::create_directories(out);
    for (const auto& e : fs::directory_iterator(testGt())) {
      const cv::Size s(64, 64);
      cv::Mat m(s, CV_8UC1);
      for (int y = 0; y < s.height; ++y)
        for (int x = 0; x < s.width; ++x)
          m.at<std::uint8_t>(y, x) = cv::saturate_cast<std::uint8_t>(
              255 * std::exp(-0.5 * (std::pow((x - 31.5) / 16, 2) + std::pow((y - 31.5) / 16, 2))));
      core::writeImageAtomic(out / e.path().filename(), m);
    }
    return maxF(out);
  }

  static RecipeResult train(const std::string& recipe, const fs::path& data_dir, const std::string& run,
                            std::vector<std::string> extra, int steps) {
    auto o = settings(steps);
    o.insert(o.end(), extra.begin(), extra.end());
    return runRecipe({recipe, data_dir, dir_->path() / run, o, false}, {}, {});
  }

  static test::TempDir* dir_;
};
test::TempDir* Results::dir_ = nullptr;

}  // namespace

TEST_F(Results, LearnSelectFuseDirectionsHold) {
  // The RGB teacher needs the most steps: RGB alone is the hard modality of these scenes.
  const RecipeResult r = train("learn-select-fuse", data(), "lsf", {"teacher.run.steps=200"}, 100);
  ASSERT_EQ(r.outcome, TrainOutcome::Finished) << r.message;
  const fs::path run = dir_->path() / "lsf";
  const double centre = centrePriorMaxF();
  const double teacher = predictAndScore(run / "1-teacher", "teacher");
  const double teacher_on_depth = predictAndScore(run / "1-teacher", "teacher-depth", true);
  const double student = predictAndScore(run / "2-distill", "student");
  const double fused = predictAndScore(run / "3-fuse", "fused");
  std::printf("max-F: centre %.3f, teacher %.3f, teacher on depth %.3f, student %.3f, fused %.3f\n", centre,
              teacher, teacher_on_depth, student, fused);
  EXPECT_GT(fused, centre + 0.1);
  EXPECT_GT(fused, teacher);               // RGB-D fusion beats the RGB teacher (depth matters here)
  EXPECT_GT(student, teacher_on_depth);    // distillation beats zero-shot transfer (LSF Table 2)
}

TEST_F(Results, RecNetAndContrastiveBeatTheTrivialBaseline) {
  const double centre = centrePriorMaxF();
  ASSERT_EQ(train("recnet", data(), "recnet", {}, 250).outcome, TrainOutcome::Finished);
  const double recnet = predictAndScore(dir_->path() / "recnet" / "1-recnet", "recnet");
  ASSERT_EQ(train("contrastive", data(), "contrastive",
                  {"model.queue_size=64", "model.momentum=0.99", "downstream.run.steps=120"}, 40)
                .outcome,
            TrainOutcome::Finished);
  const double contrastive = predictAndScore(dir_->path() / "contrastive" / "3-downstream", "contrastive");
  std::printf("max-F: centre %.3f, recnet %.3f, contrastive %.3f\n", centre, recnet, contrastive);
  EXPECT_GT(recnet, centre + 0.05);
  EXPECT_GT(contrastive, centre + 0.05);
}

TEST_F(Results, ClassAgnosticLossesOnRegionFlippedLabels) {
  // CAS Table 1's setting: p = 0.5 region-label noise, CAS vs CACE vs CE (BCE here). Its direction
  // CACE > CE holds on this data and is checked. CAS (Eq. 1 as printed, the stage default) is
  // measured, not checked: it separates the regions of each image but, being invariant to the
  // channels' order per image, assigns the object to channel 0 on some images and to channel 1 on
  // others, so one channel picked by correlation (the paper's rule) scores near the trivial maps
  // (measured at seed 5: CAS 0.274, BCE 0.304, CACE 0.416 max-F; see models/README.md).
  const fs::path noisy = dir_->path() / "noisy";
  core::writeNoisyDataset(data() / "train", noisy, {0.5, 3, 128});
  const std::vector<std::string> common{"model.selection_data=" + (data() / "train").string(), "val.every=0",
                                        "val.max_images=32"};
  auto bce = common, cace = common;
  bce.push_back("loss.name=bce");
  cace.push_back("loss.name=cace");
  ASSERT_EQ(train("cas", noisy, "cas", common, 150).outcome, TrainOutcome::Finished);
  ASSERT_EQ(train("cas", noisy, "cace", cace, 150).outcome, TrainOutcome::Finished);
  ASSERT_EQ(train("cas", noisy, "bce", bce, 150).outcome, TrainOutcome::Finished);
  const double cas = predictAndScore(dir_->path() / "cas" / "1-cas", "cas");
  const double cace_f = predictAndScore(dir_->path() / "cace" / "1-cas", "cace");
  const double bce_f = predictAndScore(dir_->path() / "bce" / "1-cas", "bce");
  std::printf("max-F on p = 0.5 noisy labels: cas %.3f, cace %.3f, bce %.3f\n", cas, cace_f, bce_f);
  RecordProperty("cas_max_f", std::to_string(cas));
  EXPECT_GT(cace_f, bce_f);
}
