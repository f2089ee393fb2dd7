// The CAS paper's formulas (../shared/papers/cas-loss.md) on hand-computable cases: Eq. 1 with
// alpha on the uniformer and 1 - alpha on the discriminator, its sums over regions and over ordered
// pairs i != j, Eq. 2 against autograd, the channel-selection rule of Sec. 4.2, and our reading of
// the CACE baseline (the printed formula is degenerate).
#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <torch/types.h>

#include "rgbdsod/models/cas_net.h"
#include "rgbdsod/models/losses_cas.h"

using namespace rgbdsod::models;

namespace {

using Rows = std::vector<std::vector<double>>;  // per pixel, per channel

// Logits [1, M, 1, P] whose softmax is the given probability rows (softmax of log p is p).
torch::Tensor logitsOf(const Rows& probs) {
  const auto m = static_cast<int64_t>(probs[0].size());
  auto t = torch::zeros({1, m, 1, static_cast<int64_t>(probs.size())}, torch::kDouble);
  for (size_t x = 0; x < probs.size(); ++x)
    for (int64_t c = 0; c < m; ++c) t[0][c][0][static_cast<int64_t>(x)] = std::log(probs[x][static_cast<size_t>(c)]);
  return t;
}

torch::Tensor rowMask(const std::vector<int64_t>& labels) {
  return torch::tensor(labels, torch::kLong).view({1, 1, 1, static_cast<int64_t>(labels.size())});
}

}  // namespace

TEST(CasPaper, Eq1OnTwoRegionsAndTwoChannelsByHand) {
  // Four pixels, regions r_0 = {0, 1}, r_1 = {2, 3}.
  const Rows p = {{0.9, 0.1}, {0.7, 0.3}, {0.2, 0.8}, {0.4, 0.6}};
  const auto logits = logitsOf(p);
  const auto mask = rowMask({0, 0, 1, 1});
  // s^(r_0) = (0.8, 0.2), s^(r_1) = (0.3, 0.7). Every pixel is 0.1 off per channel:
  // ||s - s^||^2 = 0.01 + 0.01 = 0.02, so each region's (1/|r|) int ... = 0.02 and U = 0.02 + 0.02.
  const double u = 0.04;
  // ||s^(r_0) - s^(r_1)||^2 = 0.5^2 + 0.5^2 = 0.5, counted for (0, 1) and for (1, 0).
  const double d = 1.0;
  const auto t = casLoss(logits, mask);  // alpha = 0.1 by default
  EXPECT_NEAR(t.uniformer.item<double>(), u, 1e-12);
  EXPECT_NEAR(t.discriminator.item<double>(), d, 1e-12);
  EXPECT_NEAR(t.total.item<double>(), 0.1 * 0.04 - 0.9 * 1.0, 1e-12);  // = -0.896
  EXPECT_NEAR(t.total.item<double>(), -0.896, 1e-12);
  // alpha weighs the uniformer, 1 - alpha the discriminator: the two ends isolate the terms.
  CasLossOptions o;
  o.alpha = 1.0;
  EXPECT_NEAR(casLoss(logits, mask, o).total.item<double>(), u, 1e-12);
  o.alpha = 0.0;
  EXPECT_NEAR(casLoss(logits, mask, o).total.item<double>(), -d, 1e-12);
  // Class-agnostic: other label values, or the labels swapped, change nothing.
  EXPECT_NEAR(casLoss(logits, rowMask({7, 7, 3, 3})).total.item<double>(), -0.896, 1e-12);
  EXPECT_NEAR(casLoss(logits, rowMask({1, 1, 0, 0})).total.item<double>(), -0.896, 1e-12);
}

TEST(CasPaper, Eq1NormalisesEachRegionByItsOwnSize) {
  // Unequal regions: r_0 = {0, 1, 2} (3 pixels), r_1 = {3} (1 pixel).
  const Rows p = {{0.9, 0.1}, {0.7, 0.3}, {0.8, 0.2}, {0.4, 0.6}};
  const auto t = casLoss(logitsOf(p), rowMask({0, 0, 0, 1}));
  // s^(r_0) = (0.8, 0.2): deviations 0.02, 0.02, 0 -> 0.04 / 3; r_1 has one pixel: 0.
  const double u = 0.04 / 3.0;
  // s^(r_0) - s^(r_1) = (0.4, -0.4): 0.32, twice (ordered pairs).
  const double d = 2 * 0.32;
  EXPECT_NEAR(t.uniformer.item<double>(), u, 1e-12);
  EXPECT_NEAR(t.discriminator.item<double>(), d, 1e-12);
  EXPECT_NEAR(t.total.item<double>(), 0.1 * u - 0.9 * d, 1e-12);  // = 0.001333... - 0.576
  // One region: the discriminator's sum is empty, only alpha U remains.
  const auto single = casLoss(logitsOf(p), rowMask({5, 5, 5, 5}));
  EXPECT_EQ(single.discriminator.item<double>(), 0.0);
  // s^ = (0.7, 0.3): deviations 0.08, 0, 0.02, 0.18 -> mean 0.07.
  EXPECT_NEAR(single.uniformer.item<double>(), 0.07, 1e-12);
  EXPECT_NEAR(single.total.item<double>(), 0.1 * 0.07, 1e-12);
}

TEST(CasPaper, Eq1SumsOverRegionsAndOrderedPairsNotMeans) {
  // Three regions of two pixels, three channels.
  const Rows p = {{0.7, 0.2, 0.1}, {0.5, 0.2, 0.3},   // r_0: s^ = (0.6, 0.2, 0.2)
                  {0.2, 0.7, 0.1}, {0.2, 0.5, 0.3},   // r_1: s^ = (0.2, 0.6, 0.2)
                  {0.1, 0.2, 0.7}, {0.3, 0.2, 0.5}};  // r_2: s^ = (0.2, 0.2, 0.6)
  const auto t = casLoss(logitsOf(p), rowMask({0, 0, 1, 1, 2, 2}));
  // Each pixel is 0.1 off in two channels: 0.02 per pixel and per region; U sums 3 regions.
  const double u_mean = 0.02, u = 3 * u_mean;
  // Every pair of descriptors differs by 0.4 in two channels: 0.16 + 0.16 = 0.32; N (N - 1) = 6
  // ordered pairs.
  const double d_mean = 0.32, d = 6 * d_mean;
  EXPECT_NEAR(t.uniformer.item<double>(), u, 1e-12);
  EXPECT_NEAR(t.discriminator.item<double>(), d, 1e-12);
  EXPECT_NEAR(t.total.item<double>(), 0.1 * 0.06 - 0.9 * 1.92, 1e-12);  // = -1.722
  // With means (over regions, over pairs) the loss would be 0.1 * 0.02 - 0.9 * 0.32 = -0.286. For
  // two regions sums and means differ by one factor (2 and 2: a scale); here U grows 3x and D 6x,
  // so the balance of the terms changes: D / U is 32 with Eq. 1's sums, 16 with means.
  const double with_means = 0.1 * u_mean - 0.9 * d_mean;
  EXPECT_GT(std::abs(t.total.item<double>() - with_means), 1.0);
  EXPECT_NEAR(t.discriminator.item<double>() / t.uniformer.item<double>(), 2 * (d_mean / u_mean), 1e-9);
}

TEST(CasPaper, AutogradOfEq1IsEq2) {
  // Eq. 2 written out term by term, for the weights omega = the logits z (so grad_omega s(x) is the
  // softmax Jacobian ds_m(x)/dz_n(x) = s_m (delta_mn - s_n), zero for other pixels' logits), with the
  // printed products read as dot products over the channels:
  //   sum_i int_{r_i} 2 alpha (s(x) - s^(r_i)) . (grad s(x) - grad s^(r_i)) / |r_i| dx
  //   - sum_i sum_{j != i} 2 (1 - alpha) (s^(r_i) - s^(r_j)) . (grad s^(r_i) - grad s^(r_j)),
  //   grad s^(r_i) = (1/|r_i|) int_{r_i} grad s(x) dx.
  torch::manual_seed(11);
  const int64_t m = 3, n_pix = 6;
  const std::vector<int64_t> label = {0, 0, 1, 2, 2, 2};  // regions of 2, 1 and 3 pixels
  const int64_t regions = 3;
  auto z = torch::randn({1, m, 1, n_pix}, torch::kDouble).requires_grad_();
  const double alpha = 0.1;
  casLoss(z, rowMask(label)).total.backward();
  const auto grad = z.grad();

  // Plain arithmetic from here on.
  std::vector<std::vector<double>> s(n_pix, std::vector<double>(m));
  for (int64_t x = 0; x < n_pix; ++x) {
    double sum = 0;
    for (int64_t c = 0; c < m; ++c) sum += std::exp(z[0][c][0][x].item<double>());
    for (int64_t c = 0; c < m; ++c) s[x][c] = std::exp(z[0][c][0][x].item<double>()) / sum;
  }
  std::vector<double> area(regions, 0.0);
  std::vector<std::vector<double>> mean(regions, std::vector<double>(m, 0.0));
  for (int64_t x = 0; x < n_pix; ++x) area[label[x]] += 1;
  for (int64_t x = 0; x < n_pix; ++x)
    for (int64_t c = 0; c < m; ++c) mean[label[x]][c] += s[x][c] / area[label[x]];
  // d s_c(x) / d z_k(y).
  auto ds = [&](int64_t x, int64_t c, int64_t y, int64_t k) { return x != y ? 0.0 : s[x][c] * ((c == k) - s[x][k]); };
  auto dmean = [&](int64_t i, int64_t c, int64_t y, int64_t k) {
    double v = 0;
    for (int64_t x = 0; x < n_pix; ++x)
      if (label[x] == i) v += ds(x, c, y, k) / area[i];
    return v;
  };
  for (int64_t y = 0; y < n_pix; ++y) {
    for (int64_t k = 0; k < m; ++k) {
      double eq2 = 0;
      for (int64_t x = 0; x < n_pix; ++x) {
        const int64_t i = label[x];
        for (int64_t c = 0; c < m; ++c)
          eq2 += 2 * alpha * (s[x][c] - mean[i][c]) * (ds(x, c, y, k) - dmean(i, c, y, k)) / area[i];
      }
      for (int64_t i = 0; i < regions; ++i)
        for (int64_t j = 0; j < regions; ++j) {
          if (i == j) continue;
          for (int64_t c = 0; c < m; ++c)
            eq2 -= 2 * (1 - alpha) * (mean[i][c] - mean[j][c]) * (dmean(i, c, y, k) - dmean(j, c, y, k));
        }
      EXPECT_NEAR(grad[0][k][0][y].item<double>(), eq2, 1e-12) << "pixel " << y << ", logit " << k;
    }
  }
}

TEST(CasPaper, ChannelSelectionPicksTheChannelOfHighestCorrelation) {
  // Two validation images of 1 x 4 pixels, three channels. Channel 0 follows the GT, channel 1 is
  // its opposite, channel 2 is constant within each image and higher on the image with less GT.
  const std::vector<double> gt = {1, 1, 0, 0, /* image 2 */ 1, 0, 0, 0};
  const Rows p = {{0.6, 0.1, 0.3}, {0.5, 0.2, 0.3}, {0.2, 0.5, 0.3}, {0.1, 0.6, 0.3},
                  {0.3, 0.1, 0.6}, {0.2, 0.2, 0.6}, {0.1, 0.3, 0.6}, {0.2, 0.2, 0.6}};
  SaliencyChannelSelector selector(3);
  EXPECT_EQ(selector.best(), -1);  // nothing seen yet
  for (int64_t image = 0; image < 2; ++image) {
    auto probs = torch::zeros({3, 1, 4}, torch::kDouble);
    auto g = torch::zeros({1, 1, 4}, torch::kDouble);
    for (int64_t x = 0; x < 4; ++x) {
      const auto row = static_cast<size_t>(image * 4 + x);
      g[0][0][x] = gt[row];
      for (int64_t c = 0; c < 3; ++c) probs[c][0][x] = p[row][static_cast<size_t>(c)];
    }
    selector.add(probs, g);
  }
  // Pearson r over all eight pixels, two-pass, by plain arithmetic.
  double mg = 0;
  for (double v : gt) mg += v / 8;
  std::vector<double> expected(3);
  for (size_t c = 0; c < 3; ++c) {
    double mp = 0;
    for (const auto& row : p) mp += row[c] / 8;
    double cov = 0, vp = 0, vg = 0;
    for (size_t x = 0; x < 8; ++x) {
      cov += (p[x][c] - mp) * (gt[x] - mg);
      vp += (p[x][c] - mp) * (p[x][c] - mp);
      vg += (gt[x] - mg) * (gt[x] - mg);
    }
    expected[c] = cov / std::sqrt(vp * vg);
  }
  const auto r = selector.correlations();
  ASSERT_EQ(r.size(), 3u);
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(r[c], expected[c], 1e-12) << "channel " << c;
  EXPECT_GT(r[0], 0.8);
  EXPECT_LT(r[1], 0.0);
  EXPECT_LT(r[2], 0.0);
  EXPECT_EQ(selector.best(), 0);

  // Two channels (S and 1 - S, the paper's case): the maximum correlation, not the largest |r|.
  SaliencyChannelSelector two(2);
  auto s = torch::tensor({0.9, 0.8, 0.3, 0.1}, torch::kDouble).view({1, 1, 2, 2});
  const auto probs = torch::cat({s, 1 - s}, 1);  // [B=1, M=2, H=2, W=2]
  two.add(probs, torch::tensor({0.0, 0.0, 1.0, 1.0}, torch::kDouble).view({1, 1, 2, 2}));
  EXPECT_NEAR(two.correlations()[0], -two.correlations()[1], 1e-12);
  EXPECT_EQ(two.best(), 1);  // the GT is where channel 0 is low
}

TEST(CasPaper, CaceIsTheBestLabelAssignmentPerImage) {
  // The paper's CACE as printed, min(-y log p, -(1 - y) log p), is 0 for y in {0, 1} whatever p:
  for (const double y : {0.0, 1.0})
    for (const double prob : {0.1, 0.5, 0.9}) {
      const double printed = std::min(-y * std::log(prob), -(1 - y) * std::log(prob));
      EXPECT_EQ(printed, 0.0);
    }
  // Our reading: per image, the CE under the better of the label -> channel assignments.
  const Rows p = {{0.9, 0.1}, {0.7, 0.3}, {0.2, 0.8}, {0.4, 0.6}};
  const auto one = logitsOf(p);
  const auto logits = torch::cat({one, one}, 0);
  // Image 1 labels (0, 0, 1, 1), image 2 the same pixels labelled (1, 1, 0, 0).
  const auto mask = torch::cat({rowMask({0, 0, 1, 1}), rowMask({1, 1, 0, 0})}, 0);
  const double direct = -(std::log(0.9) + std::log(0.7) + std::log(0.8) + std::log(0.6)) / 4;   // 0 -> ch 0
  const double swapped = -(std::log(0.1) + std::log(0.3) + std::log(0.2) + std::log(0.4)) / 4;  // 0 -> ch 1
  // Each image takes its own best: image 1 the direct, image 2 the swapped assignment.
  EXPECT_NEAR(caceLoss(logits, mask).item<double>(), direct, 1e-12);
  // One assignment for the whole batch would pay (direct + swapped) / 2.
  EXPECT_GT((direct + swapped) / 2, direct + 0.5);
}
