#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <filesystem>
#include <memory>
#include <vector>
#include <set>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/training/augment.h"
#include "rgbdsod/training/batch_loader.h"
#include "rgbdsod/training/sample_tensors.h"
#include "test_support.h"
#include "training_test_util.h"

using namespace rgbdsod;
using namespace rgbdsod::training;

namespace {

class Pipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir("rgbdsod-pipeline");
    test::writeTinySynth(dir_->path(), 20);
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::shared_ptr<SampleSource> source(core::DepthModality m = core::DepthModality::Raw1) {
    return std::make_shared<SampleSource>(core::openDataset(dir_->path() / "train"), std::vector<std::size_t>{}, m,
                                          "auto");
  }
  static LoaderOptions options(std::uint64_t seed, int workers) {
    LoaderOptions o;
    o.batch_size = 3;
    o.size = 32;
    o.seed = seed;
    o.workers = workers;
    o.prefetch = 2;
    o.augment.grayscale_p = 0.3;
    return o;
  }
  static test::TempDir* dir_;
};
test::TempDir* Pipeline::dir_ = nullptr;

bool same(const Batch& a, const Batch& b) {
  return a.names == b.names && torch::equal(a.rgb, b.rgb) && torch::equal(a.depth, b.depth) && torch::equal(a.gt, b.gt);
}

}  // namespace

TEST_F(Pipeline, BatchesHaveTheConfiguredShapes) {
  BatchLoader loader(source(), options(1, 0));
  const Batch b = loader.next();
  EXPECT_EQ(b.rgb.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  EXPECT_EQ(b.depth.sizes(), (std::vector<int64_t>{3, 1, 32, 32}));
  EXPECT_EQ(b.gt.sizes(), (std::vector<int64_t>{3, 1, 32, 32}));
  EXPECT_GE(b.gt.min().item<float>(), 0.0f);
  EXPECT_LE(b.gt.max().item<float>(), 1.0f);
  EXPECT_EQ(b.original_sizes[0], cv::Size(48, 40));
}

TEST_F(Pipeline, IsDeterministicFromTheSeedWhateverTheWorkers) {
  BatchLoader a(source(), options(5, 0)), b(source(), options(5, 3)), c(source(), options(6, 2));
  bool any_difference = false;
  for (int i = 0; i < 8; ++i) {  // more than one epoch (15 samples / 3 = 5 batches per epoch)
    const Batch x = a.next(), y = b.next(), z = c.next();
    EXPECT_TRUE(same(x, y)) << "batch " << i;
    any_difference = any_difference || !same(x, z);
  }
  EXPECT_TRUE(any_difference) << "another seed gives other batches";
  EXPECT_EQ(a.position(), (DataPosition{1, 9}));
}

TEST_F(Pipeline, EveryEpochVisitsEverySampleOnceInANewOrder) {
  BatchLoader loader(source(), options(2, 0));
  std::vector<std::string> first, second;
  for (int i = 0; i < 5; ++i)
    for (const auto& n : loader.next().names) first.push_back(n);
  for (int i = 0; i < 5; ++i)
    for (const auto& n : loader.next().names) second.push_back(n);
  EXPECT_EQ(std::set<std::string>(first.begin(), first.end()).size(), 15u);
  EXPECT_NE(first, second);
}

TEST_F(Pipeline, ResumesFromADataPosition) {
  BatchLoader full(source(), options(9, 0));
  std::vector<Batch> batches;
  for (int i = 0; i < 7; ++i) batches.push_back(full.next());
  BatchLoader resumed(source(), options(9, 2), batches[3].end);
  for (int i = 4; i < 7; ++i) EXPECT_TRUE(same(resumed.next(), batches[static_cast<std::size_t>(i)])) << i;
}

TEST_F(Pipeline, DepthModalitiesGiveTheirChannels) {
  for (auto [m, ch] : {std::pair{core::DepthModality::Raw1, 1}, std::pair{core::DepthModality::Raw3, 3},
                       std::pair{core::DepthModality::Disparity, 1}, std::pair{core::DepthModality::Hha, 3}}) {
    auto o = options(1, 0);
    o.batch_size = 2;
    BatchLoader loader(source(m), o);
    const Batch b = loader.next();
    EXPECT_EQ(b.depth.size(1), ch) << core::toString(m);
    EXPECT_GE(b.depth.min().item<float>(), 0.0f);
    EXPECT_LE(b.depth.max().item<float>(), 1.0f);
  }
}

TEST_F(Pipeline, TwoViewsAreTwoDifferentAugmentations) {
  auto o = options(4, 0);
  o.two_views = true;
  BatchLoader loader(source(), o);
  const Batch b = loader.next();
  ASSERT_TRUE(b.rgb2.defined());
  EXPECT_EQ(b.rgb2.sizes(), b.rgb.sizes());
  EXPECT_FALSE(torch::equal(b.rgb, b.rgb2));
}

TEST_F(Pipeline, TooFewSamplesForABatchIsAnError) {
  auto o = options(1, 0);
  o.batch_size = 100;
  EXPECT_THROW(BatchLoader(source(), o), core::Error);
}

TEST(Augment, PermutationAndSeedsAreStable) {
  EXPECT_EQ(epochPermutation(10, 1, 0), epochPermutation(10, 1, 0));
  EXPECT_NE(epochPermutation(10, 1, 0), epochPermutation(10, 1, 1));
  EXPECT_NE(sampleSeed(1, 0, 1), sampleSeed(1, 1, 0));
  const auto split = splitForValidation(20, 0.1);
  EXPECT_EQ(split.first.size(), 18u);
  EXPECT_EQ(split.second.size(), 2u);
  EXPECT_TRUE(splitForValidation(20, 0.0).second.empty());
}

// The loader fills batches with plain loops; the values must be those of the ATen path
// (normaliseImageNet(matToChw(...)) stacked), bit for bit.
TEST_F(Pipeline, BatchesEqualTheAtenPathBitForBit) {
  const auto src = source();
  const LoaderOptions o = options(4, 0);
  BatchLoader loader(src, o);
  const Batch batch = loader.next();
  const auto perm = epochPermutation(src->size(), o.seed, 0);
  std::vector<torch::Tensor> rgb, depth, gt;
  for (std::int64_t j = 0; j < o.batch_size; ++j) {
    const LoadedSample s = src->load(perm[static_cast<std::size_t>(j)]);
    appendTensors(augment(s, o.augment, o.size, sampleSeed(o.seed, 0, j)), rgb, depth, gt);
  }
  EXPECT_TRUE(torch::equal(batch.rgb, torch::stack(rgb)));
  EXPECT_TRUE(torch::equal(batch.depth, torch::stack(depth)));
  EXPECT_TRUE(torch::equal(batch.gt, torch::stack(gt)));
}

namespace {
int threadCount() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}
}  // namespace

// Issue 16: ATen ops in the loader threads made each start an OpenMP team, so the process held
// more OpenMP threads than cores and the training threads slept and woke ~1,200 times per step.
// Batches large enough for ATen to go parallel (3x128x128 > 32k elements) must add no thread but
// the workers themselves.
TEST_F(Pipeline, LoaderWorkersStartNoOpenMpTeams) {
  LoaderOptions o = options(3, 2);
  o.size = 128;
  o.batch_size = 4;
  const auto src = source();
  // As the trainer does (models/runtime): two intra-op threads; new threads inherit OpenMP's
  // thread count from it. The main thread's own team exists before counting.
  const int threads = torch::get_num_threads();
  torch::set_num_threads(2);
  (void)(torch::ones({1 << 20}) * 2).sum().item<float>();
  const int before = threadCount();
  BatchLoader loader(src, o);
  for (int i = 0; i < 4; ++i) (void)loader.next();
  const int after = threadCount();
  torch::set_num_threads(threads);
  EXPECT_LE(after, before + o.workers) << "loader threads started threads of their own (OpenMP teams?)";
}
