// Issue 13, items 5 and 6: the contrastive pre-training's temperatures and weights and the
// supervision-transfer L2 loss as the papers give them, pinned on cases small enough to do by hand.
//   Chen, Shen, Zhang: tau_intra = 0.1 (Eq. 3 / 4), tau_inter = 0.04 (Eq. 7, the fusion objective;
//   0.1 for the alignment baseline of Table 4), J = 0.5 * L_intra + 0.5 * L_inter (Eq. 8).
//   Gupta, Hoffman, Malik: f(x, y) = ||x - y||_2^2 per pair (Sum), or that over C*H*W (Mean, the
//   stage default: only a scale), at pool5.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "rgbdsod/models/contrastive_pretrain.h"
#include "rgbdsod/models/losses_infonce.h"
#include "rgbdsod/models/supervision_transfer.h"

using namespace rgbdsod::models;

namespace {

torch::Tensor rows(std::vector<double> values, int64_t n, int64_t d) {
  return torch::tensor(values, torch::kDouble).view({n, d});
}

// -log(e^a / (e^a + e^b)) = log(1 + e^(b - a)) for one positive logit a and one negative b.
double twoWayNce(double a, double b) { return std::log1p(std::exp(b - a)); }

}  // namespace

// Two queries, one negative (a queue of one key), unit vectors in 2-D:
//   q0 = (1, 0), k0 = (0.6, 0.8): q0.k0 = 0.6, q0.n = 0;   q1 = (0, 1), k1 = (0.8, 0.6): q1.k1 = 0.6,
//   q1.n = 1, with n = (0, 1). Logits are the dot products over tau.
TEST(PaperContrastive, InfoNceAtTheTwoTemperaturesByHand) {
  const auto q = rows({1.0, 0.0, 0.0, 1.0}, 2, 2);
  const auto k = rows({0.6, 0.8, 0.8, 0.6}, 2, 2);
  const auto negative = rows({0.0, 1.0}, 1, 2);

  // tau_intra = 0.1: logits (6, 0) and (6, 10).
  const auto intra_logits = infoNceLogits(q, k, negative, 0.1);
  ASSERT_EQ(intra_logits.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_NEAR(intra_logits[0][0].item<double>(), 6.0, 1e-12);
  EXPECT_NEAR(intra_logits[0][1].item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(intra_logits[1][0].item<double>(), 6.0, 1e-12);
  EXPECT_NEAR(intra_logits[1][1].item<double>(), 10.0, 1e-12);
  const double intra = (twoWayNce(6.0, 0.0) + twoWayNce(6.0, 10.0)) / 2;  // = 2.01031...
  EXPECT_NEAR(infoNceLoss(q, k, negative, 0.1).item<double>(), intra, 1e-12);
  EXPECT_NEAR(intra, (std::log(1.0 + std::exp(-6.0)) + std::log(1.0 + std::exp(4.0))) / 2, 1e-12);

  // tau_inter = 0.04: logits (15, 0) and (15, 25).
  const auto inter_logits = infoNceLogits(q, k, negative, 0.04);
  EXPECT_NEAR(inter_logits[0][0].item<double>(), 15.0, 1e-12);
  EXPECT_NEAR(inter_logits[1][1].item<double>(), 25.0, 1e-12);
  const double inter = (twoWayNce(15.0, 0.0) + twoWayNce(15.0, 25.0)) / 2;  // = 5.00002...
  EXPECT_NEAR(infoNceLoss(q, k, negative, 0.04).item<double>(), inter, 1e-12);

  EXPECT_NEAR(intra, 2.0103128, 1e-7);
  EXPECT_NEAR(inter, 5.0000229, 1e-7);
}

TEST(PaperContrastive, DefaultsAreThePapers) {
  const ContrastivePretrainOptions o;
  EXPECT_DOUBLE_EQ(o.tau_intra, 0.1);
  EXPECT_DOUBLE_EQ(o.tau_inter, 0.04);
  EXPECT_DOUBLE_EQ(o.tau_alignment, 0.1);
  EXPECT_DOUBLE_EQ(o.lambda_intra, 0.5);
  EXPECT_DOUBLE_EQ(o.lambda_inter, 0.5);
  EXPECT_EQ(o.queue_size, 16384);
  EXPECT_DOUBLE_EQ(o.mask_ratio, 0.5);
  EXPECT_EQ(o.inter, InterObjective::Fusion);
}

// The network uses tau_intra for both intra terms (Eq. 4), tau_inter for the fusion term (Eq. 7)
// and weighs them 0.5 / 0.5 (Eq. 8). The terms are rebuilt here from the network's own
// embeddings with the InfoNCE pinned above.
TEST(PaperContrastive, EachTermHasItsTemperatureAndJWeighsThemByHalf) {
  torch::manual_seed(3);
  ContrastivePretrainOptions o;
  o.width = 1.0 / 32;
  o.embedding_dim = 8;
  o.queue_size = 6;
  ContrastivePretrainNet net(o);
  const NetworkInput v1{torch::randn({2, 3, 32, 32}), torch::rand({2, 1, 32, 32})};
  const NetworkInput v2{torch::randn({2, 3, 32, 32}), torch::rand({2, 1, 32, 32})};
  const auto out = net->forward(v1, v2);
  ASSERT_TRUE(out.intra.defined() && out.inter.defined());

  torch::NoGradGuard no_grad;
  const auto fr = net->rgb_encoder->forward(v1.rgb).layer4;
  const auto fd = net->depth_encoder->forward(v1.depth).layer4;
  const auto q_rgb = net->rgb_projector->forward(fr.mean({2, 3}));
  const auto q_depth = net->depth_projector->forward(fd.mean({2, 3}));
  const auto q_fusion = net->fusion->embed(net->fusion->forward(fr, fd, o.mask_ratio));
  const double intra = infoNceLoss(q_rgb, out.key_rgb, net->rgb_queue->keys(), 0.1).item<double>() +
                       infoNceLoss(q_depth, out.key_depth, net->depth_queue->keys(), 0.1).item<double>();
  const double inter = infoNceLoss(q_fusion, out.key_fusion, net->fusion_queue->keys(), 0.04).item<double>();
  EXPECT_NEAR(out.intra.item<double>(), intra, 1e-4);
  EXPECT_NEAR(out.inter.item<double>(), inter, 1e-4);
  EXPECT_NEAR(out.loss.item<double>(), 0.5 * intra + 0.5 * inter, 1e-4);
  // The single temperature of before (0.07) gives another intra term: the temperatures are used.
  const double old_intra = infoNceLoss(q_rgb, out.key_rgb, net->rgb_queue->keys(), 0.07).item<double>() +
                           infoNceLoss(q_depth, out.key_depth, net->depth_queue->keys(), 0.07).item<double>();
  EXPECT_GT(std::abs(old_intra - intra), 1e-3);
}

// One pair, one channel, a 2x2 map: adapted (1 2; 3 4), target (0 2; 5 1).
// Differences (1 0; -2 3), squares (1 0; 4 9): ||x - y||^2 = 14; the element mean is 14 / 4.
TEST(PaperTransfer, SquaredNormOnATwoByTwoMapByHand) {
  const auto adapted = torch::tensor({1.0, 2.0, 3.0, 4.0}, torch::kDouble).view({1, 1, 2, 2});
  const auto target = torch::tensor({0.0, 2.0, 5.0, 1.0}, torch::kDouble).view({1, 1, 2, 2});
  EXPECT_NEAR(transferL2Loss(adapted, target, TransferReduction::Sum).item<double>(), 14.0, 1e-12);
  EXPECT_NEAR(transferL2Loss(adapted, target, TransferReduction::Mean).item<double>(), 3.5, 1e-12);
  EXPECT_THROW(transferL2Loss(adapted, torch::zeros({1, 1, 2, 1}, torch::kDouble), TransferReduction::Sum),
               std::invalid_argument);
}

// Two pairs: the one above (14) and ones against zeros (1 + 1 + 1 + 1 = 4). Eq. 2's sum over the
// pairs as a batch mean: (14 + 4) / 2 = 9; the element mean: 18 / 8. The gradient of the sum
// form is 2 (x - y) / N = (x - y) here; the target gets none.
TEST(PaperTransfer, PairsAreAveragedAndTheGradientIsTwiceTheDifferenceOverN) {
  auto adapted = torch::tensor({1.0, 2.0, 3.0, 4.0, 1.0, 1.0, 1.0, 1.0}, torch::kDouble).view({2, 1, 2, 2});
  adapted.set_requires_grad(true);
  auto target = torch::tensor({0.0, 2.0, 5.0, 1.0, 0.0, 0.0, 0.0, 0.0}, torch::kDouble).view({2, 1, 2, 2});
  target.set_requires_grad(true);
  EXPECT_NEAR(transferL2Loss(adapted, target, TransferReduction::Mean).item<double>(), 18.0 / 8, 1e-12);
  const auto loss = transferL2Loss(adapted, target, TransferReduction::Sum);
  EXPECT_NEAR(loss.item<double>(), 9.0, 1e-12);
  loss.backward();
  const std::vector<double> expected = {1.0, 0.0, -2.0, 3.0, 1.0, 1.0, 1.0, 1.0};
  const auto grad = adapted.grad().flatten();
  for (int64_t i = 0; i < 8; ++i) EXPECT_NEAR(grad[i].item<double>(), expected[static_cast<size_t>(i)], 1e-12) << i;
  EXPECT_FALSE(target.grad().defined());
}

TEST(PaperTransfer, MatchesPool5ByDefault) {
  // "we ... use the last convolutional layer pool5 for all experiments in the paper".
  EXPECT_EQ(SupervisionTransferOptions{}.tap, VggTap::Pool5);
}
