// RecNet's losses, InfoNCE and the CAS / CACE losses against values derived by hand.
#include <cmath>
#include <functional>

#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/nn/functional/normalization.h>
#include <torch/nn/modules/conv.h>
#include <torch/optim/sgd.h>

#include "rgbdsod/models/losses_cas.h"
#include "rgbdsod/models/losses_infonce.h"
#include "rgbdsod/models/losses_recnet.h"

using namespace rgbdsod::models;

namespace {

double bernoulliKl(double a, double b) { return a * std::log(a / b) + (1 - a) * std::log((1 - a) / (1 - b)); }
double logit(double p) { return std::log(p / (1 - p)); }

// Logits [1, K, 1, N] from per-pixel probability rows (softmax of log p recovers p).
torch::Tensor logitsFromProbs(const std::vector<std::vector<double>>& probs) {
  const auto k = static_cast<int64_t>(probs[0].size());
  auto t = torch::zeros({1, k, 1, static_cast<int64_t>(probs.size())}, torch::kDouble);
  for (size_t x = 0; x < probs.size(); ++x)
    for (int64_t c = 0; c < k; ++c) t[0][c][0][static_cast<int64_t>(x)] = std::log(probs[x][static_cast<size_t>(c)]);
  return t;
}

// One SGD step of a 1x1 conv on a fixed input must lower `loss`.
void expectOneStepLowers(int64_t out_channels, const std::function<torch::Tensor(const torch::Tensor&)>& loss) {
  torch::manual_seed(5);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, out_channels, 1));
  const auto x = torch::randn({2, 3, 8, 8});
  torch::optim::SGD opt(conv->parameters(), torch::optim::SGDOptions(0.05));
  const auto before = loss(conv(x));
  before.backward();
  opt.step();
  EXPECT_LT(loss(conv(x)).item<double>(), before.item<double>());
}

}  // namespace

TEST(RecNetLoss, BernoulliKlFromLogitsMatchesTheDefinition) {
  const auto kl = bernoulliKlFromLogits(torch::tensor({logit(0.8)}, torch::kDouble), torch::tensor({logit(0.3)}, torch::kDouble));
  EXPECT_NEAR(kl.item<double>(), bernoulliKl(0.8, 0.3), 1e-12);
}

TEST(RecNetLoss, TermsByHand) {
  // Two pixels: p_F = (0.75, 0.5), p_B = (0.5, 0.25), G = (1, 0).
  const auto f = torch::tensor({logit(0.75), 0.0}, torch::kDouble).view({1, 1, 1, 2});
  const auto b = torch::tensor({0.0, logit(0.25)}, torch::kDouble).view({1, 1, 1, 2});
  const auto g = torch::tensor({1.0, 0.0}, torch::kDouble).view({1, 1, 1, 2});
  RecNetLossOptions o;
  o.cooperative_weight = 0.5;
  const auto t = recnetLoss(f, b, g, o);
  const double ce_f = (-std::log(0.75) - std::log(0.5)) / 2;
  const double ce_b = (-std::log(0.5) - std::log(0.25)) / 2;  // targets 1 - G = (0, 1)
  // Eq. 5 (target first): KL(1 - p_B || p_F) with 1 - p_B = (0.5, 0.75), and KL(0 || p_F p_B) =
  // -log(1 - p_F p_B), p_F p_B = (0.375, 0.125).
  const double kl_c = (bernoulliKl(0.5, 0.75) + bernoulliKl(0.75, 0.5)) / 2;
  const double kl_o = (-std::log(0.625) - std::log(0.875)) / 2;
  EXPECT_NEAR(t.foreground_ce.item<double>(), ce_f, 1e-12);
  EXPECT_NEAR(t.background_ce.item<double>(), ce_b, 1e-12);
  EXPECT_NEAR(t.kl_complement.item<double>(), kl_c, 1e-12);
  EXPECT_NEAR(t.kl_overlap.item<double>(), kl_o, 1e-12);
  EXPECT_NEAR(t.total.item<double>(), ce_f + ce_b + 0.5 * (kl_c + kl_o), 1e-12);
  // Complementary branches (B = -F) have no complement penalty, but they still overlap.
  const auto c = recnetLoss(f, -f, g);
  EXPECT_NEAR(c.kl_complement.item<double>(), 0.0, 1e-12);
  EXPECT_GT(c.kl_overlap.item<double>(), 0.1);
  // Table 2's "RecNet w/o cooperative loss": the CEs alone (the KL terms are still reported).
  o.cooperative = false;
  const auto n = recnetLoss(f, b, g, o);
  EXPECT_NEAR(n.total.item<double>(), ce_f + ce_b, 1e-12);
  EXPECT_NEAR(n.kl_overlap.item<double>(), kl_o, 1e-12);
}

TEST(RecNetLoss, StableForSaturatedLogits) {
  auto f = torch::tensor({200.0f, -200.0f}).view({1, 1, 1, 2}).clone().requires_grad_();
  auto b = torch::tensor({200.0f, -150.0f}).view({1, 1, 1, 2}).clone().requires_grad_();
  const auto g = torch::tensor({0.0f, 1.0f}).view({1, 1, 1, 2});
  const auto t = recnetLoss(f, b, g);
  EXPECT_TRUE(std::isfinite(t.total.item<double>()));
  t.total.backward();
  EXPECT_TRUE(torch::isfinite(f.grad()).all().item<bool>());
  EXPECT_TRUE(torch::isfinite(b.grad()).all().item<bool>());
  // Foreground-only predictions: CE(F, G) alone.
  Prediction p;
  p.final = f.detach();
  p.foreground = f.detach();
  EXPECT_NEAR(recnetLoss(p, g).total.item<double>(), recnetLoss(f.detach(), {}, g).foreground_ce.item<double>(), 1e-6);
}

TEST(InfoNce, MatchesAnExplicitSoftmax) {
  const auto q = torch::tensor({0.6, 0.8, 0.0, 0.0, 0.6, 0.8}, torch::kDouble).view({2, 3});
  const auto k = torch::tensor({1.0, 0.0, 0.0, 0.0, 0.0, 1.0}, torch::kDouble).view({2, 3});
  const auto queue = torch::tensor({0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, -1.0}, torch::kDouble).view({3, 3});
  const double t = 0.5;
  // Row 0: q.k = 0.6, q.queue = (0.8, -0.6, 0); row 1: q.k = 0.8, q.queue = (0.6, 0, -0.8).
  const double l0[] = {0.6 / t, 0.8 / t, -0.6 / t, 0.0};
  const double l1[] = {0.8 / t, 0.6 / t, 0.0, -0.8 / t};
  double z0 = 0.0, z1 = 0.0;
  for (int j = 0; j < 4; ++j) z0 += std::exp(l0[j]), z1 += std::exp(l1[j]);
  const double expected = (-std::log(std::exp(l0[0]) / z0) - std::log(std::exp(l1[0]) / z1)) / 2;
  const auto logits = infoNceLogits(q, k, queue, t);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 4}));
  EXPECT_NEAR(logits[1][3].item<double>(), l1[3], 1e-12);
  EXPECT_NEAR(infoNceLoss(q, k, queue, t).item<double>(), expected, 1e-12);
}

TEST(CasLoss, TermsByHand) {
  // K = 2, four pixels, mask (0, 0, 1, 1). Eq. 1 (more cases in cas_paper_test.cpp).
  const std::vector<std::vector<double>> p = {{0.9, 0.1}, {0.7, 0.3}, {0.2, 0.8}, {0.4, 0.6}};
  const auto logits = logitsFromProbs(p);
  const auto mask = torch::tensor({0.0, 0.0, 1.0, 1.0}, torch::kDouble).view({1, 1, 1, 4});
  // mu_0 = (0.8, 0.2), mu_1 = (0.3, 0.7); each pixel is 0.1 away per channel: ||f - mu||^2 = 0.02
  // per pixel and per region, summed over the two regions; ||mu_0 - mu_1||^2 = 0.5 per ordered pair.
  const double u = 0.04;
  const double d = 2 * (0.5 * 0.5 + 0.5 * 0.5);
  CasLossOptions o;
  o.alpha = 0.3;
  const auto t = casLoss(logits, mask, o);
  EXPECT_NEAR(t.uniformer.item<double>(), u, 1e-12);
  EXPECT_NEAR(t.discriminator.item<double>(), d, 1e-12);
  EXPECT_NEAR(t.total.item<double>(), 0.3 * u - 0.7 * d, 1e-12);
  EXPECT_NEAR(casLoss(logits, mask).total.item<double>(), 0.1 * u - 0.9 * d, 1e-12);  // default alpha 0.1
  // Swapping the labels changes nothing: the loss is class-agnostic.
  EXPECT_NEAR(casLoss(logits, 1.0 - mask, o).total.item<double>(), t.total.item<double>(), 1e-12);
}

TEST(CasLoss, LowestForPiecewiseConstantOneHotOutputs) {
  const auto mask = torch::zeros({1, 1, 6, 6});
  mask.slice(2, 1, 4).slice(3, 2, 5).fill_(1.0);
  auto logits = torch::full({1, 3, 6, 6}, -40.0);
  logits.select(1, 2).masked_fill_(mask[0][0] > 0.5, 40.0);  // object -> channel 2
  logits.select(1, 0).masked_fill_(mask[0][0] < 0.5, 40.0);  // background -> channel 0
  // U = 0; D = 2 ordered pairs x ||e_2 - e_0||^2 = 2 x 2: L = -(1 - alpha) 4, the least for N = 2.
  const auto best = casLoss(logits, mask);
  EXPECT_NEAR(best.uniformer.item<double>(), 0.0, 1e-9);
  EXPECT_NEAR(best.total.item<double>(), -0.9 * 4, 1e-6);
  // The same one-hot for both regions keeps U = 0 but earns no discriminator: 0.
  auto same = torch::full({1, 3, 6, 6}, -40.0);
  same.select(1, 1).fill_(40.0);
  const auto collapsed = casLoss(same, mask);
  EXPECT_NEAR(collapsed.uniformer.item<double>(), 0.0, 1e-9);
  EXPECT_NEAR(collapsed.total.item<double>(), 0.0, 1e-6);
  // Bounded: -2 (1 - alpha) N (N - 1) <= L <= alpha N (1 - 1/K) for any output (N <= 2 here).
  torch::manual_seed(7);
  for (int trial = 0; trial < 20; ++trial) {
    const auto l = casLoss(torch::randn({2, 3, 6, 6}) * 5.0, (torch::rand({2, 1, 6, 6}) > 0.5).to(torch::kFloat));
    EXPECT_GE(l.total.item<double>(), -0.9 * 4 - 1e-6);
    EXPECT_LE(l.total.item<double>(), 0.1 * 2 * (1.0 - 1.0 / 3) + 1e-6);
  }
}

TEST(CasLoss, RelativeUniformerIsTheWithinRegionShareOfTheVariance) {
  CasLossOptions rel;
  rel.uniformer = CasUniformer::Relative;
  // The hand example: within = 0.02; descriptors (0.8, 0.2), (0.3, 0.7) around (0.55, 0.45): 0.125 each.
  const std::vector<std::vector<double>> p = {{0.9, 0.1}, {0.7, 0.3}, {0.2, 0.8}, {0.4, 0.6}};
  const auto mask = torch::tensor({0.0, 0.0, 1.0, 1.0}, torch::kDouble).view({1, 1, 1, 4});
  const auto t = casLoss(logitsFromProbs(p), mask, rel);
  EXPECT_NEAR(t.uniformer.item<double>(), 0.02 / (0.02 + 0.125), 1e-6);
  EXPECT_NEAR(t.total.item<double>(), 0.1 * 0.02 / (0.02 + 0.125) - 0.9 * 1.0, 1e-6);  // D as in Eq. 1
  // Piecewise-constant distinct outputs give U_rel = 0; one constant output everywhere is the 0/0
  // point, counted as 0, and earns no discriminator.
  const auto blob = torch::zeros({1, 1, 6, 6});
  blob.slice(2, 1, 4).slice(3, 2, 5).fill_(1.0);
  auto logits = torch::full({1, 3, 6, 6}, -40.0);
  logits.select(1, 2).masked_fill_(blob[0][0] > 0.5, 40.0);
  logits.select(1, 0).masked_fill_(blob[0][0] < 0.5, 40.0);
  EXPECT_NEAR(casLoss(logits, blob, rel).uniformer.item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(casLoss(logits, blob, rel).total.item<double>(), -0.9 * 4, 1e-6);
  auto same = torch::full({1, 3, 6, 6}, -40.0);
  same.select(1, 1).fill_(40.0);
  EXPECT_NEAR(casLoss(same, blob, rel).total.item<double>(), 0.0, 1e-6);
  auto noisy = torch::randn({1, 3, 6, 6}) * 0.01;  // near-uniform start: U near 1, not near 0
  EXPECT_GT(casLoss(noisy, blob, rel).uniformer.item<double>(), 0.5);
  // U_rel in [0, 1].
  torch::manual_seed(3);
  for (int trial = 0; trial < 20; ++trial) {
    const auto l = casLoss(torch::randn({2, 3, 6, 6}) * 5.0, (torch::rand({2, 1, 6, 6}) > 0.5).to(torch::kFloat), rel);
    EXPECT_GE(l.uniformer.item<double>(), 0.0);
    EXPECT_LE(l.uniformer.item<double>(), 1.0 + 1e-6);
  }
}

TEST(CasLoss, RegionsFromValuesOrConnectedComponents) {
  // Two separate blobs of 1 on a 0 background.
  const auto mask = torch::tensor({1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0}, torch::kLong).view({3, 4});
  EXPECT_EQ(maskRegions(mask).count, 2);
  CasLossOptions cc;
  cc.connected_components = true;
  const auto r = maskRegions(mask, cc);
  EXPECT_EQ(r.count, 3);
  EXPECT_EQ(r.ids[0].item<int64_t>(), 0);
  EXPECT_EQ(r.ids[3].item<int64_t>(), 2);  // the right blob is found after the background
  EXPECT_EQ(maskRegions(torch::tensor({0, 3, 7, 3}, torch::kLong).view({2, 2})).count, 3);
  // One region only: no discriminator term, alpha U alone.
  const auto single = casLoss(torch::randn({1, 2, 4, 4}), torch::ones({1, 1, 4, 4}));
  EXPECT_EQ(single.discriminator.item<double>(), 0.0);
  EXPECT_NEAR(single.total.item<double>(), 0.1 * single.uniformer.item<double>(), 1e-7);
}

TEST(CaceLoss, TakesTheBestChannelAssignment) {
  const std::vector<std::vector<double>> p = {{0.9, 0.1}, {0.7, 0.3}, {0.2, 0.8}, {0.4, 0.6}};
  const auto logits = logitsFromProbs(p);
  const auto mask = torch::tensor({1.0, 1.0, 0.0, 0.0}, torch::kDouble).view({1, 1, 1, 4});
  // Region {0,1} -> channel 0 and region {2,3} -> channel 1 beats the swapped assignment.
  const double expected = -(std::log(0.9) + std::log(0.7) + std::log(0.8) + std::log(0.6)) / 4;
  EXPECT_NEAR(caceLoss(logits, mask).item<double>(), expected, 1e-12);
  EXPECT_NEAR(caceLoss(logits, 1.0 - mask).item<double>(), expected, 1e-12);
}

TEST(Losses, OneStepLowersEachLossOnAFixedBatch) {
  const auto mask = (torch::rand({2, 1, 8, 8}) > 0.5).to(torch::kFloat);
  expectOneStepLowers(3, [&](const torch::Tensor& y) { return casLoss(y, mask).total; });
  expectOneStepLowers(2, [&](const torch::Tensor& y) { return caceLoss(y, mask); });
  expectOneStepLowers(2, [&](const torch::Tensor& y) {
    return recnetLoss(y.slice(1, 0, 1), y.slice(1, 1, 2), mask).total;
  });
  const auto keys = torch::nn::functional::normalize(torch::randn({2, 8}));
  const auto queue = torch::nn::functional::normalize(torch::randn({6, 8}));
  expectOneStepLowers(4, [&](const torch::Tensor& y) {
    const auto q = torch::nn::functional::normalize(y.mean({2, 3}).repeat({1, 2}));
    return infoNceLoss(q, keys, queue, 0.2);
  });
}
