// Weighted F-measure (Margolin et al., CVPR 2014), beta^2 = 1, as the reference computes it (a port of
// the authors' MATLAB code): errors near the GT edge are taken from the nearest foreground pixel,
// smoothed by a 7x7 Gaussian (sigma 5) inside the foreground, and background errors are weighted by
// their distance to the foreground.
#include <algorithm>
#include <cmath>
#include <vector>

#include "metrics_detail.h"
#include "metrics_edt.h"
#include "rgbdsod/core/metrics.h"

namespace rgbdsod::core {
namespace detail {
namespace {

constexpr int kRadius = 3;  // fspecial('gaussian', 7, 5)

// MATLAB's fspecial('gaussian', 7, 5) (the reference's matlab_style_gauss2D) is exp(-(x^2+y^2)/50)
// normalised, which factors into this 1-D kernel applied along rows and then columns. The products
// differ from the 2-D kernel's entries by an ulp, far below 1e-9 in the result. (No entry is below
// eps * max, so the reference's zeroing of tiny entries changes nothing.)
std::array<double, 2 * kRadius + 1> gaussianKernel() {
  std::array<double, 2 * kRadius + 1> k{};
  double sum = 0;
  for (int i = -kRadius; i <= kRadius; ++i) sum += k[i + kRadius] = std::exp(-(i * i) / (2.0 * 5.0 * 5.0));
  for (double& v : k) v /= sum;
  return k;
}

// Background weight B = 2 - exp(log(1 - 0.5) / 5 * distance), cached by squared distance (an integer).
class DistanceWeight {
 public:
  // Fills the table up to the largest squared distance of a rows x cols image (capped; beyond the
  // cap each weight is computed directly).
  void reserve(int rows, int cols) {
    const std::int64_t need = std::min<std::int64_t>(std::int64_t{rows} * rows + std::int64_t{cols} * cols + 1, kMaxCached);
    for (auto sq = static_cast<std::int64_t>(table_.size()); sq < need; ++sq) table_.push_back(compute(static_cast<std::int32_t>(sq)));
  }
  // True when every squared distance of a rows x cols image is in the table (after reserve).
  bool coversImage(int rows, int cols) const {
    return std::int64_t{rows} * rows + std::int64_t{cols} * cols < static_cast<std::int64_t>(table_.size());
  }
  const double* data() const { return table_.data(); }
  double operator()(std::int32_t sq) const {
    return static_cast<std::size_t>(sq) < table_.size() ? table_[static_cast<std::size_t>(sq)] : compute(sq);
  }

 private:
  static constexpr std::int64_t kMaxCached = std::int64_t{1} << 21;  // 16 MiB per thread at most
  static double compute(std::int32_t sq) { return 2 - std::exp(std::log(0.5) / 5 * std::sqrt(static_cast<double>(sq))); }
  std::vector<double> table_;
};

struct Buffers {  // per thread, reused between images
  std::vector<std::int32_t> sq_distance;
  std::vector<std::int32_t> nearest;
  std::vector<double> horizontal;
  std::vector<double> row;
  DistanceWeight weight;
};

}  // namespace

double weightedFmeasureOf(const PreparedPair& p) {
  if (p.n_fg == 0) return 0;  // the reference returns 0 for an empty GT before any computation
  thread_local Buffers buf;
  const cv::Mat pred = p.pred->isContinuous() ? *p.pred : p.pred->clone();
  const cv::Mat gt = p.gt->isContinuous() ? *p.gt : p.gt->clone();
  const int rows = p.rows;
  const int cols = p.cols;
  const std::uint8_t* pv = pred.ptr<std::uint8_t>(0);
  const std::uint8_t* gv = gt.ptr<std::uint8_t>(0);

  // [Dst, IDXT] = bwdist(dGT): distance and index of the nearest GT foreground pixel (itself inside).
  featureTransform(gt, 128, buf.sq_distance, buf.nearest);
  const std::int32_t* sq = buf.sq_distance.data();
  const std::int32_t* near = buf.nearest.data();

  // E = |pred - gt|: over the foreground |value - 1|, over the background the value itself.
  std::array<double, 256> error_fg{};
  for (int v = 0; v < 256; ++v) error_fg[v] = std::abs(p.value[v] - 1.0);

  // Et = E, with E of the nearest foreground pixel copied onto the background ("to deal correctly with
  // the edges"); EA = Et convolved with the Gaussian, zero outside the image (convolve mode='constant').
  // EA is used only inside the foreground, so it is computed over the foreground's bounding box: rows
  // first (for the box's rows +-3), then columns.
  static const std::array<double, 2 * kRadius + 1> k = gaussianKernel();
  const int y0 = p.fg_top, y1 = p.fg_bottom, x0 = p.fg_left, x1 = p.fg_right;
  const int hy0 = std::max(0, y0 - kRadius);
  const int hy1 = std::min(rows - 1, y1 + kRadius);
  const int box_w = x1 - x0 + 1;
  buf.horizontal.resize(static_cast<std::size_t>(hy1 - hy0 + 1) * box_w);
  buf.row.resize(static_cast<std::size_t>(box_w + 2 * kRadius));
  double* et_row = buf.row.data();
  for (int y = hy0; y <= hy1; ++y) {
    const std::size_t base = static_cast<std::size_t>(y) * cols;
    for (int i = 0; i < box_w + 2 * kRadius; ++i) {
      const int x = x0 - kRadius + i;
      et_row[i] = x < 0 || x >= cols ? 0.0 : error_fg[pv[near[base + x]]];
    }
    double* out = buf.horizontal.data() + static_cast<std::size_t>(y - hy0) * box_w;
    for (int i = 0; i < box_w; ++i) {
      double s = 0;
      for (int d = 0; d <= 2 * kRadius; ++d) s += k[d] * et_row[i + d];
      out[i] = s;
    }
  }

  // MIN_E_EA = EA where GT & EA < E, else E; Ew = MIN_E_EA * B with B = 1 on the foreground.
  double fg_sum = 0;  // sum of Ew over the foreground
  for (int y = y0; y <= y1; ++y) {
    const int d0 = std::max(-kRadius, hy0 - y);  // taps outside the image are zero padding
    const int d1 = std::min(kRadius, hy1 - y);
    double* ea = et_row;  // reused: EA of this row of the box
    std::fill(ea, ea + box_w, 0.0);
    for (int d = d0; d <= d1; ++d) {
      const double w = k[d + kRadius];
      const double* in = buf.horizontal.data() + static_cast<std::size_t>(y + d - hy0) * box_w;
      for (int i = 0; i < box_w; ++i) ea[i] += w * in[i];
    }
    const std::uint8_t* g = gv + static_cast<std::size_t>(y) * cols + x0;
    const std::uint8_t* v = pv + static_cast<std::size_t>(y) * cols + x0;
    for (int i = 0; i < box_w; ++i) {
      const double e = error_fg[v[i]];
      const double m = ea[i] < e ? ea[i] : e;
      fg_sum += g[i] > 128 ? m : 0.0;
    }
  }
  // Background: Ew = E * B, with B = 2 - exp(log(0.5) / 5 * Dst). Branch-free with four partial
  // sums (the loop was a third of this metric's time): foreground pixels take value 0 from the
  // table (and their distance is 0), so they add +0.0, as do pixels whose value is 0.
  buf.weight.reserve(rows, cols);
  std::array<double, 512> bg_value{};  // index (GT bit << 8) | raw value
  for (int v = 0; v < 256; ++v) bg_value[v] = p.value[v];
  double fp = 0;
  if (buf.weight.coversImage(rows, cols)) {
    const double* w = buf.weight.data();
    double acc[4] = {0, 0, 0, 0};
    const std::size_t n = static_cast<std::size_t>(p.n);
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
      for (std::size_t j = 0; j < 4; ++j) acc[j] += bg_value[(gv[i + j] > 128 ? 256u : 0u) | pv[i + j]] * w[sq[i + j]];
    for (; i < n; ++i) acc[0] += bg_value[(gv[i] > 128 ? 256u : 0u) | pv[i]] * w[sq[i]];
    fp = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  } else {
    for (std::size_t i = 0; i < static_cast<std::size_t>(p.n); ++i)
      if (gv[i] <= 128) fp += p.value[pv[i]] * buf.weight(sq[i]);
  }
  const double n_fg = static_cast<double>(p.n_fg);
  const double tp = n_fg - fg_sum;                // TPw = sum(GT) - sum(Ew(GT))
  const double recall = 1 - fg_sum / n_fg;        // R = 1 - mean(Ew(GT))
  const double precision = tp / (tp + fp + kEps);  // P = TPw / (eps + TPw + FPw)
  return 2 * recall * precision / (recall + precision + kEps);  // (1 + beta^2) R P / (R + beta^2 P + eps)
}

}  // namespace detail

double weightedFmeasure(const cv::Mat& pred, const cv::Mat& gt) {
  return detail::weightedFmeasureOf(detail::prepare(pred, gt));
}

}  // namespace rgbdsod::core
