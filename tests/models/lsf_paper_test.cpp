// Learn-Select-Fuse as written (H. Chen, Y. Li, "CNN-based RGB-D Salient Object Detection: Learn,
// Select and Fuse"): Table 1's layer sizes at width 1, the 512 13x13 global layer, level 1 out of
// inference, BPDC's P~_K = P_K (Eq. 1), HCD as a squared L2 distance (Eq. 3) and the fused terms
// of Eqs. 6 and 9, each against values worked out by hand.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "lsf_test_util.h"
#include "rgbdsod/models/losses_lsf.h"
#include "rgbdsod/models/lsf_fusion.h"
#include "rgbdsod/models/lsf_stream.h"
#include "rgbdsod/models/vgg16.h"

using namespace rgbdsod::models;
using rgbdsod::models::testing::streamOptions;

namespace {

const double kLn2 = std::log(2.0);
const double kLn3 = std::log(3.0);
// BCE of the constant logit ln 3 (p = 3/4) against mask2x2: two pixels -ln(3/4), two -ln(1/4).
const double kLn3VsMask = (2 * -std::log(0.75) + 2 * std::log(4.0)) / 4;

torch::Tensor mask2x2() { return torch::tensor({1.0F, 1.0F, 0.0F, 0.0F}).view({1, 1, 2, 2}); }
torch::Tensor constant(double v, int64_t h, int64_t w) { return torch::full({1, 1, h, w}, static_cast<float>(v)); }
double value(const torch::Tensor& t) { return t.item<double>(); }

std::vector<int64_t> shapeOf(const torch::Tensor& t) { return t.sizes().vec(); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Table 1 (levels 2..6): adaptation 128 3x3 x2 / 192 3x3 x2 / 384 3x3 x2 / 384 1x1 / none;
// transitions — / 128 / 256 / 384 / 384, all 1x1.
TEST(LsfPaper, Table1RowsAreThePapers) {
  const auto& t = lsfTable1();
  const int levels[] = {2, 3, 4, 5, 6};
  const int64_t kernel[] = {3, 3, 3, 1, 1}, channels[] = {128, 192, 384, 384, 0}, layers[] = {2, 2, 2, 1, 0};
  const int64_t transition[] = {0, 128, 256, 384, 384};
  for (size_t j = 0; j < 5; ++j) {
    EXPECT_EQ(t[j].level, levels[j]);
    EXPECT_EQ(t[j].adaptation.layers, layers[j]) << "level " << levels[j];
    if (layers[j] > 0) {
      EXPECT_EQ(t[j].adaptation.kernel, kernel[j]) << "level " << levels[j];
      EXPECT_EQ(t[j].adaptation.channels, channels[j]) << "level " << levels[j];
    }
    EXPECT_EQ(t[j].transition, transition[j]) << "level " << levels[j];
  }
}

TEST(LsfPaper, FusionBlockChannelsAtWidthOneAndScaledAtOtherWidths) {
  LsfFusionOptions o;  // width 1 (the trunks are not built: lsfFusionBlocks only computes sizes)
  ASSERT_EQ(o.rgb.backbone.width, 1.0);
  const auto blocks = lsfFusionBlocks(o);
  // F^m (adapted): 128, 192, 384, 384, and level 6 the global layer's 512.
  const int64_t adapted[] = {128, 192, 384, 384, 512};
  const int64_t transition[] = {0, 128, 256, 384, 384};  // this level -> the level below
  const int64_t upper[] = {128, 256, 384, 384, 0};       // from the level above
  for (size_t j = 0; j < 5; ++j) {
    EXPECT_EQ(blocks[j].level, static_cast<int>(j) + 2);
    EXPECT_EQ(blocks[j].adaptedChannels(), adapted[j]) << j;
    EXPECT_EQ(blocks[j].transition, transition[j]) << j;
    EXPECT_EQ(blocks[j].upper_channels, upper[j]) << j;
    // F~^m_RD = [F~^m_R, F~^m_D, up(F~^{m+1}_{m,RD})]
    EXPECT_EQ(blocks[j].representationChannels(), 2 * adapted[j] + upper[j]) << j;
  }
  // The trunk channels the adaptation reads: conv2_2 128, conv3_3 256, conv4_3 512, conv5_3 512, global 512.
  const int64_t trunk[] = {128, 256, 512, 512, 512};
  for (size_t j = 0; j < 5; ++j) EXPECT_EQ(blocks[j].rgb_channels, trunk[j]) << j;

  // The width multiplier scales every one of them.
  o.rgb = lsfTrunkOptions(0.5, 3);
  o.depth = lsfTrunkOptions(0.5, 1);
  const auto half = lsfFusionBlocks(o);
  for (size_t j = 0; j < 5; ++j) {
    EXPECT_EQ(half[j].adaptedChannels(), adapted[j] / 2) << j;
    EXPECT_EQ(half[j].transition, transition[j] / 2) << j;
  }
  // Without cross-level transmission (Table 4) no level has a transition.
  o.cross_level = false;
  for (const auto& b : lsfFusionBlocks(o)) EXPECT_EQ(b.transition + b.upper_channels, 0);
}

TEST(LsfPaper, LayerShapesAtWidthOne) {
  rgbdsod::models::testing::initThreads();
  const auto heads = lsfDefaultHeads();
  // Stream side heads (trunk channels in: conv2_2 128, conv3_3 256, conv4_3 512, conv5_3 512, 512).
  LsfSideHead h2(128, heads[0], 1.0), h3(256, heads[1], 1.0), h4(512, heads[2], 1.0), h5(512, heads[3], 1.0),
      h6(512, heads[4], 1.0);
  auto p = h2->named_parameters();
  EXPECT_EQ(shapeOf(p["adaptation.0.weight"]), (std::vector<int64_t>{128, 128, 3, 3}));
  EXPECT_EQ(shapeOf(p["adaptation.2.weight"]), (std::vector<int64_t>{128, 128, 3, 3}));
  p = h3->named_parameters();
  EXPECT_EQ(shapeOf(p["adaptation.0.weight"]), (std::vector<int64_t>{192, 256, 3, 3}));
  EXPECT_EQ(shapeOf(p["adaptation.2.weight"]), (std::vector<int64_t>{192, 192, 3, 3}));
  p = h4->named_parameters();
  EXPECT_EQ(shapeOf(p["adaptation.0.weight"]), (std::vector<int64_t>{384, 512, 3, 3}));
  EXPECT_EQ(shapeOf(p["adaptation.2.weight"]), (std::vector<int64_t>{384, 384, 3, 3}));
  EXPECT_EQ(shapeOf(p["predict.weight"]), (std::vector<int64_t>{1, 384, 1, 1}));  // "via a 1x1 convolutional layer"
  p = h5->named_parameters();
  EXPECT_EQ(shapeOf(p["adaptation.0.weight"]), (std::vector<int64_t>{384, 512, 1, 1}));
  EXPECT_EQ(p.find("adaptation.2.weight"), nullptr);
  p = h6->named_parameters();
  EXPECT_EQ(p.size(), 2U);  // level 6: no adaptation, the 1x1 prediction only
  EXPECT_EQ(shapeOf(p["predict.weight"]), (std::vector<int64_t>{1, 512, 1, 1}));

  // CA-Fuse 4 at width 1: adaptation 2 x 384 3x3 per modality, 1x1 selectors, transition 256 1x1
  // over F~^4_RD = [384, 384, 384 from level 5].
  LsfFusionOptions o;
  CaFuseBlock b4(lsfFusionBlocks(o)[2]);
  p = b4->named_parameters();
  EXPECT_EQ(shapeOf(p["adapt_rgb.0.weight"]), (std::vector<int64_t>{384, 512, 3, 3}));
  EXPECT_EQ(shapeOf(p["adapt_depth.2.weight"]), (std::vector<int64_t>{384, 384, 3, 3}));
  EXPECT_EQ(shapeOf(p["select_depth_to_rgb.weight"]), (std::vector<int64_t>{384, 384, 1, 1}));
  EXPECT_EQ(shapeOf(p["select_rgb_to_depth.weight"]), (std::vector<int64_t>{384, 384, 1, 1}));
  EXPECT_EQ(shapeOf(p["transition.0.weight"]), (std::vector<int64_t>{256, 1152, 1, 1}));
  EXPECT_EQ(shapeOf(p["joint_head.weight"]), (std::vector<int64_t>{1, 1152, 1, 1}));
  EXPECT_EQ(shapeOf(p["rgb_head.weight"]), (std::vector<int64_t>{1, 384, 1, 1}));
}

// "We add a new 512 13x13 convolutional layer for perceiving precedent features globally".
TEST(LsfPaper, GlobalLayerIs512Kernels13x13AndSeesTheWholePool5Map) {
  const Vgg16Options full = lsfTrunkOptions(1.0, 3);
  EXPECT_EQ(full.level6_kernel, 13);
  EXPECT_EQ(full.level6_channels, 512);
  EXPECT_EQ(LsfStreamOptions{}.backbone.level6_kernel, 13);
  EXPECT_EQ(LsfFusionOptions{}.depth.level6_kernel, 13);

  rgbdsod::models::testing::initThreads();
  Vgg16 net(lsfTrunkOptions(1.0 / 32, 3));
  EXPECT_EQ(shapeOf(net->conv6->weight), (std::vector<int64_t>{16, 16, 13, 13}));
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor pool5 = net->forwardTo(torch::rand({1, 3, 224, 224}), VggTap::Pool5);
    EXPECT_EQ(pool5.size(2), 7);  // a 224-px input
    EXPECT_EQ(net->forwardFrom(pool5, VggTap::Pool5)[0].size(2), 7);  // padding 6 keeps the map
  }
  // Global: the corner output depends on every one of the 7 x 7 input positions.
  const torch::Tensor x = torch::rand({1, 16, 7, 7}, torch::requires_grad());
  net->conv6->forward(x).select(0, 0).select(1, 0).select(1, 0).sum().backward();
  EXPECT_TRUE((x.grad().abs().sum(1) > 0).all().item<bool>());
}

// "we do not involve it [the first convolutional block] into inference for the teacher, student
// and the final RGB-D fusion network".
TEST(LsfPaper, LevelOneTakesNoPartInInference) {
  LsfStream stream(streamOptions(1.0 / 32, 3));
  for (const auto& item : stream->named_parameters()) {
    EXPECT_EQ(item.key().find("heads.level1"), std::string::npos) << item.key();
  }
  EXPECT_EQ(stream->heads->size(), 5U);
  EXPECT_EQ(shapeOf(stream->bpdc->levelWeights(0)), (std::vector<int64_t>{5}));  // level 2: itself + 4 coarser
  torch::NoGradGuard no_grad;
  const Prediction p = stream->forward(torch::rand({1, 3, 64, 64}));
  ASSERT_EQ(p.sides.size(), 5U);
  ASSERT_EQ(p.sides_combined.size(), 5U);
  EXPECT_EQ(p.sides.front().size(2), 32);  // the finest side output is level 2's (stride 2)
  EXPECT_EQ(p.sides.back().size(2), 2);    // level 6 (stride 32)
  EXPECT_EQ(p.features.count("level1"), 0U);
  EXPECT_EQ(p.features.count("level2"), 1U);

  LsfFusionOptions o;
  o.rgb = streamOptions(1.0 / 32, 3).backbone;
  o.depth = streamOptions(1.0 / 32, 1).backbone;
  LsfFusionNet fusion(o);
  EXPECT_EQ(fusion->blocks->keys(), (std::vector<std::string>{"level2", "level3", "level4", "level5", "level6"}));
  const Prediction f = fusion->forward({torch::rand({1, 3, 64, 64}), torch::rand({1, 1, 64, 64})});
  ASSERT_EQ(f.sides.size(), 5U);
  EXPECT_EQ(f.sides.front().size(2), 32);
  EXPECT_EQ(f.branches.count("rgb/level1"), 0U);
  EXPECT_EQ(f.branches.count("rgb/level2"), 1U);
}

// ---------------------------------------------------------------------------------------------
// Eq. 1: P~_i = w_i P_i + sum_{k>i} w~_{k,i} P~_k for i < K, and P~_K = P_K.
TEST(LsfPaper, BpdcCoarsestSideOutputIsItsOwnPrediction) {
  Bpdc bpdc(3);  // levels 2 (4x4), 3 (2x2), 4 = K (1x1)
  const auto params = bpdc->named_parameters();
  ASSERT_EQ(params.size(), 2U);  // no weight at level K
  EXPECT_EQ(params.find("level4"), nullptr);
  {
    torch::NoGradGuard no_grad;
    params["level2"].copy_(torch::tensor({2.0F, 3.0F, 5.0F}));  // w_2, w~_{3,2}, w~_{4,2}
    params["level3"].copy_(torch::tensor({7.0F, 11.0F}));       // w_3, w~_{4,3}
  }
  const auto c = bpdc->forward({constant(1.0, 4, 4), constant(0.5, 2, 2), constant(-1.0, 1, 1)});
  // P~_4 = P_4 = -1;  P~_3 = 7 * 0.5 + 11 * -1 = -7.5;  P~_2 = 2 * 1 + 3 * -7.5 + 5 * -1 = -25.5
  EXPECT_TRUE(torch::allclose(c[2], constant(-1.0, 1, 1)));
  EXPECT_TRUE(torch::allclose(c[1], constant(-7.5, 2, 2)));
  EXPECT_TRUE(torch::allclose(c[0], constant(-25.5, 4, 4)));
  // The coarsest output is the prediction itself (same values, whatever its content).
  const torch::Tensor top = torch::tensor({0.25F, -3.0F}).view({1, 1, 1, 2});
  EXPECT_TRUE(torch::equal(bpdc->forward({constant(0.0, 4, 8), constant(0.0, 2, 4), top})[2], top));
}

// Eq. 3 with g(x, y) = ||x - y||_2^2: no sigmoid, the sum of squared differences over the
// pixels of every level; the pairs of a batch averaged (Eq. 3's sum over pairs / their number).
TEST(LsfPaper, HcdIsTheSumOfSquaredDifferencesOfTheCombinedSideOutputs) {
  Prediction student, teacher;
  // Level a, 2x2: pair 1 student [1 2; 3 4] vs teacher [0 2; 5 1] -> 1 + 0 + 4 + 9 = 14;
  //               pair 2 student 0 vs teacher 1 everywhere      -> 4.
  // Level b, 1x1: pair 1 0.5 vs -0.5 -> 1;  pair 2 0 vs 0 -> 0.
  student.sides_combined = {torch::tensor({1.0F, 2.0F, 3.0F, 4.0F, 0.0F, 0.0F, 0.0F, 0.0F}).view({2, 1, 2, 2}),
                            torch::tensor({0.5F, 0.0F}).view({2, 1, 1, 1})};
  teacher.sides_combined = {torch::tensor({0.0F, 2.0F, 5.0F, 1.0F, 1.0F, 1.0F, 1.0F, 1.0F}).view({2, 1, 2, 2}),
                            torch::tensor({-0.5F, 0.0F}).view({2, 1, 1, 1})};
  for (auto& s : student.sides_combined) s.requires_grad_();
  const torch::Tensor loss = hcdLoss(student, teacher);
  EXPECT_NEAR(value(loss), ((14.0 + 1.0) + (4.0 + 0.0)) / 2, 1e-6);
  // d/dx of ||x - y||^2 / 2 pairs = (x - y): pair 1 of level a gives [1 0; -2 3].
  loss.backward();
  EXPECT_TRUE(torch::allclose(student.sides_combined[0].grad()[0],
                              torch::tensor({1.0F, 0.0F, -2.0F, 3.0F}).view({1, 2, 2})));
  // Ours, as options: the per-level mean ((14 + 4) / 8 + (1 + 0) / 2), and on probabilities.
  EXPECT_NEAR(value(hcdLoss(student, teacher, {false, HcdReduction::Mean})), 18.0 / 8 + 0.5, 1e-6);
  const double s = 1 / (1 + std::exp(-0.5)), t = 1 / (1 + std::exp(0.5));
  Prediction one_s, one_t;
  one_s.sides_combined = {torch::full({1, 1, 1, 1}, 0.5F)};
  one_t.sides_combined = {torch::full({1, 1, 1, 1}, -0.5F)};
  EXPECT_NEAR(value(hcdLoss(one_s, one_t, {true, HcdReduction::Sum})), (s - t) * (s - t), 1e-6);
}

// Eq. 9: L_Teac = sum_{i=2}^{K} d(P~_i, Y) + d(sum_i w~_i P~_i, Y).
TEST(LsfPaper, TeacherLossEq9IncludesTheFusedTerm) {
  Prediction p;
  p.sides = {constant(5.0, 2, 2)};             // raw P_i: not in Eq. 9
  p.sides_combined = {constant(0.0, 2, 2)};    // d = ln 2
  p.sides_fused = constant(kLn3, 2, 2);        // d = kLn3VsMask
  EXPECT_NEAR(value(lsfTeacherLoss(p, mask2x2())), kLn2 + kLn3VsMask, 1e-6);
  // Only the fused output changes: so does the loss, by that term alone.
  Prediction q = p;
  q.sides_fused = constant(0.0, 2, 2);
  EXPECT_NEAR(value(lsfTeacherLoss(q, mask2x2())), kLn2 + kLn2, 1e-6);
  // The raw side outputs do not enter by default.
  q.sides = {constant(-5.0, 2, 2)};
  EXPECT_NEAR(value(lsfTeacherLoss(q, mask2x2())), kLn2 + kLn2, 1e-6);
  Prediction none = p;
  none.sides_fused = torch::Tensor();
  EXPECT_THROW(lsfTeacherLoss(none, mask2x2()), std::invalid_argument);

  // The stream's fused output is sum_i w~_i resize(P~_i) at the input size.
  LsfStream net(streamOptions(1.0 / 32, 3));
  {
    torch::NoGradGuard no_grad;
    net->side_fusion->weights.copy_(torch::tensor({0.0F, 0.0F, 0.0F, 2.0F, -1.0F}));
    const Prediction s = net->forward(torch::rand({1, 3, 64, 64}));
    ASSERT_TRUE(s.sides_fused.defined());
    const torch::Tensor expected =
        2.0 * resizeLogits(s.sides_combined[3], {64, 64}) - resizeLogits(s.sides_combined[4], {64, 64});
    EXPECT_TRUE(torch::allclose(s.sides_fused, expected, 1e-5, 1e-6));
  }
}

// Eq. 6: L_final = sum_m [d(P~_{R-b}) + d(P~_{D-b}) + d(P~_RD)] + d(sum_m w~_m P~_RD, Y).
TEST(LsfPaper, JointLossEq6IncludesTheFusedTerm) {
  Prediction p;
  p.sides = {constant(5.0, 2, 2)};  // raw P_RD: not in Eq. 6
  p.sides_combined = {constant(0.0, 1, 1)};
  p.branches["rgb/level2"] = constant(kLn3, 1, 1);
  p.branches["depth/level2"] = constant(0.0, 2, 2);
  p.sides_fused = constant(kLn3, 2, 2);
  EXPECT_NEAR(value(lsfJointLoss(p, mask2x2())), kLn2 + kLn3VsMask + kLn2 + kLn3VsMask, 1e-6);
  Prediction q = p;
  q.sides_fused = constant(0.0, 2, 2);
  EXPECT_NEAR(value(lsfJointLoss(q, mask2x2())), kLn2 + kLn3VsMask + kLn2 + kLn2, 1e-6);
  JointLossOptions no_fused;
  no_fused.fused_weight = 0.0;
  EXPECT_NEAR(value(lsfJointLoss(p, mask2x2(), no_fused)), value(lsfJointLoss(q, mask2x2(), no_fused)), 1e-7);

  // The fusion network provides it, and Eq. 6 trains the fused weights.
  LsfFusionOptions o;
  o.rgb = streamOptions(1.0 / 32, 3).backbone;
  o.depth = streamOptions(1.0 / 32, 1).backbone;
  LsfFusionNet net(o);
  const Prediction f = net->forward({torch::rand({1, 3, 64, 64}), torch::rand({1, 1, 64, 64})});
  ASSERT_TRUE(f.sides_fused.defined());
  EXPECT_EQ(shapeOf(f.sides_fused), (std::vector<int64_t>{1, 1, 64, 64}));
  lsfJointLoss(f, (torch::rand({1, 1, 64, 64}) > 0.5).to(torch::kFloat)).backward();
  ASSERT_TRUE(net->side_fusion->weights.grad().defined());
  EXPECT_GT(net->side_fusion->weights.grad().abs().sum().item<double>(), 0.0);
}
