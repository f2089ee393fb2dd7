// The Learn-Select-Fuse and supervision-transfer losses against values worked out by hand, and
// one optimiser step lowering each of them on a fixed batch.
#include <cmath>
#include <functional>
#include <vector>

#include <gtest/gtest.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "lsf_test_util.h"
#include "rgbdsod/models/losses_lsf.h"
#include "rgbdsod/models/lsf_fusion.h"
#include "rgbdsod/models/lsf_stream.h"
#include "rgbdsod/models/supervision_transfer.h"

using namespace rgbdsod::models;
using rgbdsod::models::testing::streamOptions;

namespace {

const double kLn2 = std::log(2.0);
const double kLn3 = std::log(3.0);
const double kLn4 = std::log(4.0);

torch::Tensor mask2x2() { return torch::tensor({1.0F, 1.0F, 0.0F, 0.0F}).view({1, 1, 2, 2}); }
torch::Tensor constant(double v, int64_t h, int64_t w) {
  return torch::full({1, 1, h, w}, static_cast<float>(v));
}
// BCE of a constant logit ln 3 (p = 3/4) against mask2x2: two pixels -ln(3/4), two -ln(1/4).
const double kLn3VsMask = (2 * -std::log(0.75) + 2 * kLn4) / 4;

double value(const torch::Tensor& t) { return t.item<double>(); }

}  // namespace

TEST(LsfLosses, SaliencyBceFromLogitsByHand) {
  rgbdsod::models::testing::initThreads();
  const torch::Tensor logits = torch::tensor({0.0F, static_cast<float>(kLn3)}).view({1, 1, 1, 2});
  const torch::Tensor mask = torch::tensor({1.0F, 0.0F}).view({1, 1, 1, 2});
  // x = 0, y = 1: ln 2;  x = ln 3, y = 0: -ln(1 - 3/4) = ln 4.
  EXPECT_NEAR(value(saliencyBce(logits, mask)), (kLn2 + kLn4) / 2, 1e-6);
  // A 1x1 side output is resized (bilinear) to the 2x2 mask: every pixel carries the constant.
  EXPECT_NEAR(value(saliencyBce(constant(kLn3, 1, 1), mask2x2())), kLn3VsMask, 1e-6);
  // Stable for large logits (a naive log(sigmoid) would give inf).
  EXPECT_NEAR(value(saliencyBce(constant(-200.0, 1, 1), torch::ones({1, 1, 1, 1}))), 200.0, 1e-3);
  EXPECT_THROW(saliencyBce(logits, torch::ones({1, 2})), std::invalid_argument);
}

TEST(LsfLosses, DeepSupervisionAndTeacherLossByHand) {
  const std::vector<torch::Tensor> sides = {constant(0.0, 2, 2), constant(kLn3, 1, 1)};
  EXPECT_NEAR(value(deepSupervisionLoss(sides, mask2x2())), kLn2 + kLn3VsMask, 1e-6);
  EXPECT_NEAR(value(deepSupervisionLoss(sides, mask2x2(), {2.0, 0.5})), 2 * kLn2 + 0.5 * kLn3VsMask, 1e-6);
  EXPECT_THROW(deepSupervisionLoss(sides, mask2x2(), {1.0}), std::invalid_argument);

  // Eq. 9: combined side outputs and the fused term; the raw ones only as our option.
  Prediction p;
  p.sides = {constant(0.0, 2, 2)};
  p.sides_combined = {constant(kLn3, 1, 1)};
  p.sides_fused = constant(0.0, 1, 1);
  EXPECT_NEAR(value(lsfTeacherLoss(p, mask2x2())), kLn3VsMask + kLn2, 1e-6);
  EXPECT_NEAR(value(lsfTeacherLoss(p, mask2x2(), {2.0, 3.0, 0.0})), 2 * kLn2 + 3 * kLn3VsMask, 1e-6);
  EXPECT_NEAR(value(lsfTeacherLoss(p, mask2x2(), {0.0, 0.0, 0.5})), 0.5 * kLn2, 1e-6);
}

TEST(LsfLosses, HcdL2BetweenCombinedSideOutputsByHand) {
  Prediction student;
  Prediction teacher;
  student.sides_combined = {torch::zeros({1, 1, 1, 2}, torch::requires_grad()), constant(kLn3, 1, 1)};
  teacher.sides_combined = {torch::tensor({0.0F, static_cast<float>(kLn3)}).view({1, 1, 1, 2}),
                            constant(0.0, 1, 1).requires_grad_()};
  // Ours, on probabilities and per-level means: level 1 (0.5 - 0.5)^2, (0.5 - 0.75)^2 -> mean
  // 0.03125; level 2 (0.75 - 0.5)^2.
  const torch::Tensor loss = hcdLoss(student, teacher, {true, HcdReduction::Mean});
  EXPECT_NEAR(value(loss), 0.03125 + 0.0625, 1e-6);
  // Eq. 3 (the default): logits, summed over pixels: level 1 0 + ln3^2, level 2 ln3^2.
  EXPECT_NEAR(value(hcdLoss(student, teacher)), 2 * kLn3 * kLn3, 1e-5);
  // Logits, per-level means: level 1 (0 + ln3^2) / 2, level 2 ln3^2.
  EXPECT_NEAR(value(hcdLoss(student, teacher, {false, HcdReduction::Mean})), 1.5 * kLn3 * kLn3, 1e-5);
  loss.backward();
  // d/ds of mean (sigmoid(s) - t)^2 at s = 0: 2 (0.5 - t) * 0.25 / 2.
  EXPECT_TRUE(torch::allclose(student.sides_combined[0].grad(),
                              torch::tensor({0.0F, 2 * (0.5F - 0.75F) * 0.25F / 2}).view({1, 1, 1, 2})));
  EXPECT_FALSE(teacher.sides_combined[1].grad().defined());  // the teacher is only a target
  Prediction other;
  other.sides_combined = {constant(0.0, 1, 2)};
  EXPECT_THROW(hcdLoss(other, teacher), std::invalid_argument);
}

TEST(LsfLosses, JointLossAndSupervisionTransferByHand) {
  Prediction p;
  p.sides = {constant(0.0, 2, 2)};
  p.sides_combined = {constant(kLn3, 1, 1)};
  p.branches["rgb/level2"] = constant(0.0, 1, 1);
  p.branches["depth/level2"] = constant(kLn3, 2, 2);
  p.sides_fused = constant(kLn3, 2, 2);
  // Eq. 6: combined + R-b + D-b + fused (the raw joint P_m only as our option).
  EXPECT_NEAR(value(lsfJointLoss(p, mask2x2())), kLn3VsMask + kLn2 + kLn3VsMask + kLn3VsMask, 1e-6);
  EXPECT_NEAR(value(lsfJointLoss(p, mask2x2(), {1.0, 1.0, 0.0, 0.0})), kLn2 + kLn3VsMask, 1e-6);
  EXPECT_NEAR(value(lsfJointLoss(p, mask2x2(), {0.0, 0.0, 0.5, 0.0})), 0.5 * (kLn2 + kLn3VsMask), 1e-6);
  EXPECT_NEAR(value(lsfJointLoss(p, mask2x2(), {0.0, 0.0, 0.0, 2.0})), 2 * kLn3VsMask, 1e-6);
}

namespace {

// One SGD step on the parameters that require gradients must lower `loss` on the same batch.
void expectOneStepLowers(torch::nn::Module& module, const std::function<torch::Tensor()>& loss,
                         double lr, const char* what) {
  std::vector<torch::Tensor> params;
  for (auto& p : module.parameters()) {
    if (p.requires_grad()) params.push_back(p);
  }
  torch::optim::SGD sgd(params, torch::optim::SGDOptions(lr));
  sgd.zero_grad();
  const torch::Tensor before = loss();
  before.backward();
  sgd.step();
  torch::NoGradGuard no_grad;
  const double after = value(loss());
  EXPECT_LT(after, value(before)) << what;
}

}  // namespace

TEST(LsfLosses, OneOptimiserStepLowersEachLoss) {
  const torch::Tensor rgb = torch::rand({2, 3, 64, 64});
  const torch::Tensor depth = torch::rand({2, 1, 64, 64});
  const torch::Tensor mask = (torch::rand({2, 1, 64, 64}) > 0.6).to(torch::kFloat);

  LsfStream teacher(streamOptions(1.0 / 32, 3));
  expectOneStepLowers(*teacher, [&] { return lsfTeacherLoss(teacher->forward(rgb), mask); }, 1e-3,
                      "teacher loss (Eq. 9)");
  expectOneStepLowers(*teacher, [&] { return deepSupervisionLoss(teacher->forward(rgb).sides, mask); },
                      1e-3, "deep supervision");

  LsfDistillation distill(teacher, LsfStream(streamOptions(1.0 / 32, 1)));
  expectOneStepLowers(*distill, [&] {
    auto out = distill->forward({rgb, depth});
    return hcdLoss(out.student, out.teacher);
  }, 1e-5, "HCD (Eq. 3, summed over pixels: a smaller step)");

  LsfFusionOptions options;
  options.rgb = streamOptions(1.0 / 32, 3).backbone;
  options.depth = streamOptions(1.0 / 32, 1).backbone;
  LsfFusionNet fusion(options);
  expectOneStepLowers(*fusion, [&] { return lsfJointLoss(fusion->forward({rgb, depth}), mask); }, 1e-3,
                      "joint loss (Eq. 6)");

  SupervisionTransferOptions st_options;
  st_options.depth = {1.0 / 32, 1};
  st_options.tap = VggTap::Conv4;
  SupervisionTransfer st(LsfStream(streamOptions(1.0 / 32, 3)), st_options);
  expectOneStepLowers(*st, [&] {
    auto out = st->forward({rgb, depth});
    return transferL2Loss(out.adapted, out.target, TransferReduction::Mean);
  }, 1e-3, "supervision transfer L2");
}
