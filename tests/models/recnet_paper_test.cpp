// RecNet against its paper's text: the cooperative loss (Eq. 5, both terms) on hand-computed maps,
// the orientation of the reciprocal attention (Eqs. 1-3) on two positions, the 512 kernels of F2/B2
// and Table 2's settings.
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <torch/types.h>

#include "rgbdsod/models/losses_recnet.h"
#include "rgbdsod/models/recnet.h"

using namespace rgbdsod::models;

namespace {

double bernoulliKl(double a, double b) { return a * std::log(a / b) + (1 - a) * std::log((1 - a) / (1 - b)); }
double logit(double p) { return std::log(p / (1 - p)); }

// A [1, 1, 2, 2] map of logits whose sigmoids are `probs` (row-major).
torch::Tensor logitMap(const std::vector<double>& probs) {
  std::vector<double> l;
  for (const double p : probs) l.push_back(logit(p));
  return torch::tensor(l, torch::kDouble).view({1, 1, 2, 2});
}

// Identity 1x1 convs (F1 = F2 = F, B1 = B2 = B) and alpha = beta = 1 on a 1-channel module.
ReciprocalAttention identityAttention(RecNetAttentionIndex index, bool update_fg = true, bool update_bg = true) {
  ReciprocalAttentionOptions o;
  o.channels = 1;
  o.qk_channels = 1;
  o.update_foreground = update_fg;
  o.update_background = update_bg;
  o.index = index;
  ReciprocalAttention att(o);
  torch::NoGradGuard no_grad;
  for (auto& item : att->named_parameters()) {
    if (item.key().find("weight") != std::string::npos) item.value().fill_(1.0);
    if (item.key().find("bias") != std::string::npos) item.value().zero_();
  }
  if (att->alpha.defined()) att->alpha.fill_(1.0);
  if (att->beta.defined()) att->beta.fill_(1.0);
  return att;
}

}  // namespace

TEST(RecNetEq5, BothTermsOnATwoByTwoMapByHand) {
  // p_F and p_B per pixel; pixels 0 and 3 are exactly complementary (p_F = 1 - p_B).
  const auto f = logitMap({0.5, 0.8, 0.3, 0.9});
  const auto b = logitMap({0.5, 0.25, 0.8, 0.1});
  const auto g = torch::tensor({1.0, 1.0, 0.0, 1.0}, torch::kDouble).view({1, 1, 2, 2});
  const auto t = recnetLoss(f, b, g);
  // First term, D_KL(Sig(F), 1 - Sig(B)) = KL(1 - p_B || p_F) per pixel, 1 - p_B = (0.5, 0.75, 0.2, 0.9):
  //   0, KL(0.75 || 0.8), KL(0.2 || 0.3), 0
  //   KL(0.75 || 0.8) = 0.75 ln(0.75/0.8) + 0.25 ln(0.25/0.2) = -0.0484039 + 0.0557859 = 0.0073820
  //   KL(0.2 || 0.3)  = 0.2 ln(2/3) + 0.8 ln(0.8/0.7)         = -0.0810930 + 0.1068251 = 0.0257321
  const double complement = (bernoulliKl(0.75, 0.8) + bernoulliKl(0.2, 0.3)) / 4;
  EXPECT_NEAR(complement, (0.0073820 + 0.0257321) / 4, 1e-7);
  EXPECT_NEAR(t.kl_complement.item<double>(), complement, 1e-12);
  // Second term, D_KL(Sig(F) .* Sig(B), 0) = KL(0 || p) = -ln(1 - p), overlaps p = 0.25, 0.2, 0.24, 0.09:
  //   0.2876821, 0.2231436, 0.2744368, 0.0943107
  const double overlap = (-std::log(0.75) - std::log(0.8) - std::log(0.76) - std::log(0.91)) / 4;
  EXPECT_NEAR(overlap, (0.2876821 + 0.2231436 + 0.2744368 + 0.0943107) / 4, 1e-7);
  EXPECT_NEAR(t.kl_overlap.item<double>(), overlap, 1e-12);
  // L = L_CE + L_KL, unweighted.
  const double ce_f = -(std::log(0.5) + std::log(0.8) + std::log(0.7) + std::log(0.9)) / 4;
  const double ce_b = -(std::log(0.5) + std::log(0.75) + std::log(0.8) + std::log(0.9)) / 4;  // 1 - G
  EXPECT_NEAR(t.total.item<double>(), ce_f + ce_b + complement + overlap, 1e-12);

  // The other argument order: KL(p_F || 1 - p_B) + KL(p_F p_B || eps), here eps = 0.01.
  //   KL(0.8 || 0.75) = 0.8 ln(0.8/0.75) + 0.2 ln(0.2/0.25) = 0.0516308 - 0.0446287 = 0.0070021
  //   KL(0.3 || 0.2)  = 0.3 ln(1.5) + 0.7 ln(0.7/0.8)       = 0.1216395 - 0.0934720 = 0.0281676
  //   KL(0.25 || 0.01) = 0.25 ln 25 + 0.75 ln(0.75/0.99)     = 0.8047190 - 0.2082240 = 0.5964950
  RecNetLossOptions o;
  o.kl_direction = RecNetKlDirection::PredictionFirst;
  o.overlap_epsilon = 0.01;
  const auto m = recnetLoss(f, b, g, o);
  const double complement_m = (bernoulliKl(0.8, 0.75) + bernoulliKl(0.3, 0.2)) / 4;
  EXPECT_NEAR(complement_m, (0.0070021 + 0.0281676) / 4, 1e-7);
  EXPECT_NEAR(m.kl_complement.item<double>(), complement_m, 1e-12);
  EXPECT_NEAR(bernoulliKl(0.25, 0.01), 0.596495, 1e-6);
  const double overlap_m =
      (bernoulliKl(0.25, 0.01) + bernoulliKl(0.2, 0.01) + bernoulliKl(0.24, 0.01) + bernoulliKl(0.09, 0.01)) / 4;
  EXPECT_NEAR(m.kl_overlap.item<double>(), overlap_m, 1e-12);
  // The two orders differ on this map (the first term is not symmetric).
  EXPECT_GT(std::abs(complement - complement_m), 4e-4);
}

TEST(RecNetEq5, OverlapTermVanishesOnlyAsTheOverlapGoesToZero) {
  const auto zeros = torch::zeros({1, 1, 2, 2}, torch::kDouble);
  // F = 1 - B exactly (both 0.5): the first term is 0, the overlap 0.25 is still penalised,
  // KL(0 || 0.25) = -ln 0.75 = 0.2876821.
  const auto half = recnetLoss(zeros, zeros, zeros);
  EXPECT_NEAR(half.kl_complement.item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(half.kl_overlap.item<double>(), 0.2876821, 1e-7);
  // Complementary and not overlapping (p_F -> 1, p_B -> 0): both terms -> 0.
  const auto sure = torch::full({1, 1, 2, 2}, 30.0, torch::kDouble);
  const auto apart = recnetLoss(sure, -sure, zeros);
  EXPECT_LT(apart.kl_complement.item<double>(), 1e-10);
  EXPECT_LT(apart.kl_overlap.item<double>(), 1e-12);
  // Not overlapping but not complementary either (both near 0): the first term carries it.
  const auto neither = recnetLoss(-sure, -sure, zeros);
  EXPECT_LT(neither.kl_overlap.item<double>(), 1e-12);
  EXPECT_GT(neither.kl_complement.item<double>(), 25.0);
  // Its gradient pushes both logits down (towards no overlap): at F = B = 0, one pixel,
  // d/dF [-ln(1 - sig(F) sig(B))] = sig'(0) sig(0) / (1 - 1/4) = 0.125 / 0.75 = 1/6.
  auto fl = torch::zeros({1, 1, 1, 1}, torch::kDouble).requires_grad_();
  auto bl = torch::zeros({1, 1, 1, 1}, torch::kDouble).requires_grad_();
  overlapKlFromLogits(fl, bl, RecNetKlDirection::TargetFirst).sum().backward();
  EXPECT_NEAR(fl.grad().item<double>(), 1.0 / 6.0, 1e-12);
  EXPECT_NEAR(bl.grad().item<double>(), 1.0 / 6.0, 1e-12);

  // The other order, KL(p || Ber(eps)): 0.25 ln(0.25e6) + 0.75 ln(0.75 / (1 - 1e-6)) = 3.107304 -
  // 0.215761 = 2.891543 at the overlap 0.25; its floor at no overlap is -ln(1 - eps), about eps; it
  // is 0 where the overlap equals eps (here eps = 0.25 = 0.5 * 0.5).
  RecNetLossOptions m;
  m.kl_direction = RecNetKlDirection::PredictionFirst;
  EXPECT_NEAR(recnetLoss(zeros, zeros, zeros, m).kl_overlap.item<double>(), 2.891543, 1e-6);
  EXPECT_NEAR(recnetLoss(sure, -sure, zeros, m).kl_overlap.item<double>(), -std::log1p(-1e-6), 1e-10);
  m.overlap_epsilon = 0.25;
  EXPECT_NEAR(recnetLoss(zeros, zeros, zeros, m).kl_overlap.item<double>(), 0.0, 1e-12);
  // d/dF = sig'(0) sig(0) [ln(p/eps) - ln((1-p)/(1-eps))] = 0.125 (12.429216 + 0.287683) = 1.589612.
  fl.grad().zero_();
  overlapKlFromLogits(fl, bl, RecNetKlDirection::PredictionFirst, 1e-6).sum().backward();
  EXPECT_NEAR(fl.grad().item<double>(), 1.589612, 1e-6);
}

TEST(RecNetEq5, FiniteForSaturatedLogitsInFloat) {
  auto f = torch::tensor({200.0f, -200.0f, 200.0f, -90.0f}).view({1, 1, 2, 2}).clone().requires_grad_();
  auto b = torch::tensor({200.0f, -150.0f, -200.0f, 90.0f}).view({1, 1, 2, 2}).clone().requires_grad_();
  for (const auto direction : {RecNetKlDirection::TargetFirst, RecNetKlDirection::PredictionFirst}) {
    RecNetLossOptions o;
    o.kl_direction = direction;
    const auto t = recnetLoss(f, b, torch::zeros({1, 1, 2, 2}), o);
    EXPECT_TRUE(std::isfinite(t.kl_overlap.item<double>()));
    // Pixel 0 overlaps fully: 1 - p = 2 e^-200, -ln(1 - p) = 199.3 (target first); -ln(eps) = 13.8.
    EXPECT_GT(t.kl_overlap.item<double>(), 13.8155 / 4 - 1e-3);
    t.total.backward();
    EXPECT_TRUE(torch::isfinite(f.grad()).all().item<bool>());
    EXPECT_TRUE(torch::isfinite(b.grad()).all().item<bool>());
  }
}

TEST(RecNetAttention, OrientationOnTwoPositionsByHand) {
  // One channel, two positions: f = (1, 0), b = (0, ln 3). Eq. 1, x_ij = exp(b_i f_j) / sum_i:
  //   column j = 0: exp(0), exp(ln 3) -> (1/4, 3/4); column j = 1: exp(0), exp(0) -> (1/2, 1/2).
  const double ln3 = std::log(3.0);
  const auto f = torch::tensor({1.0f, 0.0f}).view({1, 1, 1, 2});
  const auto b = torch::tensor({0.0f, static_cast<float>(ln3)}).view({1, 1, 1, 2});
  auto att = identityAttention(RecNetAttentionIndex::Danet);
  const auto x = att->attention(f, b);
  EXPECT_NEAR(x[0][0][0].item<double>(), 0.25, 1e-6);
  EXPECT_NEAR(x[0][1][0].item<double>(), 0.75, 1e-6);
  EXPECT_NEAR(x[0][0][1].item<double>(), 0.5, 1e-6);
  EXPECT_NEAR(x[0][1][1].item<double>(), 0.5, 1e-6);
  // Default (DANet's convention): out_j = sum_i x_ij V_i.
  //   F+_0 = 1/4 * 0 + 3/4 * ln3 + 1, F+_1 = 1/2 * 0 + 1/2 * ln3 + 0 (Eq. 3, values B1 = b)
  //   B+_0 = 1/4 * 1 + 3/4 * 0 + 0,   B+_1 = 1/2 * 1 + 1/2 * 0 + ln3 (Eq. 2, values F1 = f)
  torch::Tensor fp, bp;
  std::tie(fp, bp) = att->forward(f, b);
  EXPECT_NEAR(fp[0][0][0][0].item<double>(), 0.75 * ln3 + 1.0, 1e-6);
  EXPECT_NEAR(fp[0][0][0][1].item<double>(), 0.5 * ln3, 1e-6);
  EXPECT_NEAR(bp[0][0][0][0].item<double>(), 0.25, 1e-6);
  EXPECT_NEAR(bp[0][0][0][1].item<double>(), 0.5 + ln3, 1e-6);
  // Printed subscripts: out_j = sum_i x_ji V_i.
  //   F+_0 = x_00 * 0 + x_01 * ln3 + 1 = ln3 / 2 + 1, B+_1 = x_10 * 1 + x_11 * 0 + ln3 = 3/4 + ln3.
  std::tie(fp, bp) = identityAttention(RecNetAttentionIndex::Printed)->forward(f, b);
  EXPECT_NEAR(fp[0][0][0][0].item<double>(), 0.5 * ln3 + 1.0, 1e-6);
  EXPECT_NEAR(fp[0][0][0][1].item<double>(), 0.5 * ln3, 1e-6);
  EXPECT_NEAR(bp[0][0][0][0].item<double>(), 0.25, 1e-6);
  EXPECT_NEAR(bp[0][0][0][1].item<double>(), 0.75 + ln3, 1e-6);
  // Background-RAM disables Eq. 3 (F unchanged), Foreground-RAM Eq. 2 (B unchanged).
  std::tie(fp, bp) = identityAttention(RecNetAttentionIndex::Danet, false, true)->forward(f, b);
  EXPECT_TRUE(torch::equal(fp, f));
  EXPECT_NEAR(bp[0][0][0][1].item<double>(), 0.5 + ln3, 1e-6);
  std::tie(fp, bp) = identityAttention(RecNetAttentionIndex::Danet, true, false)->forward(f, b);
  EXPECT_TRUE(torch::equal(bp, b));
  EXPECT_NEAR(fp[0][0][0][0].item<double>(), 0.75 * ln3 + 1.0, 1e-6);
}

TEST(RecNetAttention, F2AndB2Have512KernelsAtWidthOne) {
  EXPECT_EQ(recnetAttentionChannels(1.0), 512);
  // The module RecNet builds at 1/16 width: C = 5 * 256 / 16 = 80; F2, B2: 512 / 16 = 32; F1, B1: C.
  RecNetOptions o;
  o.width = 1.0 / 16;
  RecNet net(o);
  const auto params = net->named_parameters();
  EXPECT_EQ(params["attention.f2.weight"].sizes(), (std::vector<int64_t>{32, 80, 1, 1}));
  EXPECT_EQ(params["attention.b2.weight"].sizes(), (std::vector<int64_t>{32, 80, 1, 1}));
  EXPECT_EQ(params["attention.f1.weight"].sizes(), (std::vector<int64_t>{80, 80, 1, 1}));
  EXPECT_EQ(params["attention.b1.weight"].sizes(), (std::vector<int64_t>{80, 80, 1, 1}));
  // At width 1 (the module alone: C = 1280, no backbone to build).
  ReciprocalAttentionOptions ao;
  ao.channels = 1280;
  ao.qk_channels = recnetAttentionChannels(1.0);
  ReciprocalAttention full(ao);
  EXPECT_EQ(full->f2->weight.sizes(), (std::vector<int64_t>{512, 1280, 1, 1}));
  EXPECT_EQ(full->b2->weight.sizes(), (std::vector<int64_t>{512, 1280, 1, 1}));
}

TEST(RecNetTable2, EverySettingBuildsAndRunsForward) {
  struct Setting {
    RecNetVariant variant;
    bool attention, alpha, beta, background;
  };
  const std::vector<Setting> settings = {
      {RecNetVariant::BackboneForeground, false, false, false, false},
      {RecNetVariant::BackboneTwoBranches, false, false, false, true},
      {RecNetVariant::BackgroundRam, true, true, false, true},  // only Eq. 2 (alpha, B+)
      {RecNetVariant::ForegroundRam, true, false, true, true},  // only Eq. 3 (beta, F+)
      {RecNetVariant::Full, true, true, true, true},
  };
  const auto rgb = torch::randn({1, 3, 32, 32});
  const auto mask = (torch::rand({1, 1, 32, 32}) > 0.5).to(torch::kFloat);
  for (const auto& s : settings) {
    RecNetOptions o;
    o.width = 1.0 / 32;
    o.variant = s.variant;
    RecNet net(o);
    ASSERT_EQ(static_cast<bool>(net->attention), s.attention);
    if (s.attention) {
      EXPECT_EQ(net->attention->alpha.defined(), s.alpha);
      EXPECT_EQ(net->attention->beta.defined(), s.beta);
      EXPECT_EQ(static_cast<bool>(net->attention->f1), s.alpha);  // F1 feeds Eq. 2
      EXPECT_EQ(static_cast<bool>(net->attention->b1), s.beta);   // B1 feeds Eq. 3
    }
    torch::NoGradGuard no_grad;
    const auto p = net->forward({rgb, {}});
    EXPECT_EQ(p.final.sizes(), (std::vector<int64_t>{1, 1, 32, 32}));
    EXPECT_EQ(p.background.defined(), s.background);
    // "RecNet w/o cooperative loss" is the loss option, on any setting.
    RecNetLossOptions without;
    without.cooperative = false;
    const auto t = recnetLoss(p, mask, without);
    EXPECT_TRUE(std::isfinite(t.total.item<double>()));
    if (s.background) {
      EXPECT_NEAR(t.total.item<double>(), (t.foreground_ce + t.background_ce).item<double>(), 1e-6);
    }
  }
}
