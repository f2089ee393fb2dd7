// S-measure (Fan et al., ICCV 2017), alpha = 0.5: object-aware term from the histograms, region-aware
// term from exact integer moments of the four quadrants around the GT centroid.
#include <algorithm>
#include <cmath>
#include <limits>

#include "metrics_detail.h"
#include "rgbdsod/core/metrics.h"

namespace rgbdsod::core {
namespace detail {
namespace {

constexpr double kAlpha = 0.5;
__extension__ typedef __int128 Int128;  // exact products of pixel sums (GCC/Clang)

// Integer moments of the raw prediction values v over a rectangle, with the GT bit g.
struct Moments {
  std::int64_t n = 0;
  std::int64_t sum_v = 0;
  std::int64_t sum_vv = 0;
  std::int64_t n_fg = 0;
  std::int64_t sum_fg_v = 0;  // sum of v over GT foreground
  Moments& operator+=(const Moments& o) {
    n += o.n;
    sum_v += o.sum_v;
    sum_vv += o.sum_vv;
    n_fg += o.n_fg;
    sum_fg_v += o.sum_fg_v;
    return *this;
  }
};

Moments rowSegment(const std::uint8_t* pv, const std::uint8_t* gv, int from, int to) {
  std::uint64_t sv = 0, svv = 0, nf = 0, sfv = 0;
  for (int x = from; x < to; ++x) {
    const std::uint32_t v = pv[x];
    const std::uint32_t f = gv[x] > 128 ? 1u : 0u;
    sv += v;
    svv += v * v;
    nf += f;
    sfv += v * f;
  }
  return Moments{to - from, static_cast<std::int64_t>(sv), static_cast<std::int64_t>(svv),
                 static_cast<std::int64_t>(nf), static_cast<std::int64_t>(sfv)};
}

// np.round: half to even. Exact on the integer ratio sum / count (count > 0, sum >= 0).
std::int64_t roundHalfEven(std::int64_t sum, std::int64_t count) {
  const std::int64_t q = sum / count;
  const std::int64_t twice_r = 2 * (sum % count);
  if (twice_r < count) return q;
  if (twice_r > count) return q + 1;
  return q % 2 == 0 ? q : q + 1;
}

// The reference's ssim() on one quadrant. The map value of raw v is (v - offset) * scale up to an
// ulp, so the sums of the reference are these moments, exact in integers, scaled once.
double quadrantSsim(const PreparedPair& p, const Moments& m, double offset, double scale) {
  // An empty quadrant (the centroid rounds to the last row / column): np.mean of nothing is NaN, and
  // NaN * weight 0 is NaN, so the reference's S-measure is NaN. Kept, to stay number for number.
  if (m.n == 0) return std::numeric_limits<double>::quiet_NaN();
  const double n = static_cast<double>(m.n);
  const double denominator = static_cast<double>(m.n - 1) + kEps;  // N - 1 + eps, as the reference
  const Int128 sxx = static_cast<Int128>(m.n) * m.sum_vv - static_cast<Int128>(m.sum_v) * m.sum_v;
  const Int128 sxy = static_cast<Int128>(m.n) * m.sum_fg_v - static_cast<Int128>(m.sum_v) * m.n_fg;
  const bool gt_constant = m.n_fg == 0 || m.n_fg == m.n;
  if (sxx == 0 && gt_constant) {
    // Constant prediction c over a constant GT: sigma_y = sigma_xy = 0, and the reference's result
    // hinges on whether its float mean of n copies of c gives c back (then sigma_x = 0, score 1) or
    // misses by an ulp (sigma_x > 0, score 0). NumPy's summation order is replayed to know.
    const double c = p.value[static_cast<std::size_t>(m.sum_v / m.n)];
    const double mean = numpySumConstant(c, static_cast<std::size_t>(m.n)) / n;
    return mean == c ? 1.0 : 0.0;
  }
  const double x = scale * (static_cast<double>(m.sum_v - m.n * static_cast<std::int64_t>(offset)) / n);
  const double y = static_cast<double>(m.n_fg) / n;
  const double sigma_x = static_cast<double>(sxx) / n * scale * scale / denominator;
  const double sigma_y = static_cast<double>(m.n_fg) * static_cast<double>(m.n - m.n_fg) / n / denominator;
  const double sigma_xy = static_cast<double>(sxy) / n * scale / denominator;
  const double alpha = 4 * x * y * sigma_xy;
  const double beta = (x * x + y * y) * (sigma_x + sigma_y);
  if (alpha != 0) return alpha / (beta + kEps);
  return beta == 0 ? 1.0 : 0.0;
}

// The reference's s_object(): 2*mean / (mean^2 + 1 + std + eps), std with ddof = 1 (0 for one pixel).
// `complement` uses 1 - value (the background term).
double objectScore(const PreparedPair& p, const std::array<std::int64_t, 256>& hist, std::int64_t count,
                   bool complement) {
  auto val = [&](int v) { return complement ? 1 - p.value[v] : p.value[v]; };
  double sum = 0;
  for (int v = p.vmin; v <= p.vmax; ++v) sum += static_cast<double>(hist[v]) * val(v);
  const double mean = sum / static_cast<double>(count);
  double std_dev = 0;
  if (count > 1) {
    double ss = 0;
    for (int v = p.vmin; v <= p.vmax; ++v) ss += static_cast<double>(hist[v]) * (val(v) - mean) * (val(v) - mean);
    std_dev = std::sqrt(ss / static_cast<double>(count - 1));
  }
  return 2 * mean / (mean * mean + 1 + std_dev + kEps);
}

double regionScore(const PreparedPair& p) {
  const int h = p.rows;
  const int w = p.cols;
  // Centroid of the GT foreground, rounded half to even (np.round), plus one: the reference keeps
  // MATLAB's 1-based split, so the top-left quadrant is rows [0, cy) x columns [0, cx).
  const std::int64_t cy = roundHalfEven(p.fg_row_sum, p.n_fg) + 1;
  const std::int64_t cx = roundHalfEven(p.fg_col_sum, p.n_fg) + 1;
  Moments lt, rt, lb, rb;
  for (int y = 0; y < h; ++y) {
    const std::uint8_t* pv = p.pred->ptr<std::uint8_t>(y);
    const std::uint8_t* gv = p.gt->ptr<std::uint8_t>(y);
    const Moments left = rowSegment(pv, gv, 0, static_cast<int>(cx));
    const Moments right = rowSegment(pv, gv, static_cast<int>(cx), w);
    (y < cy ? lt : lb) += left;
    (y < cy ? rt : rb) += right;
  }
  const bool constant = p.vmax == p.vmin;  // the map is v/255 then, else (v - min) / (max - min)
  const double offset = constant ? 0.0 : p.vmin;
  const double scale = constant ? 1.0 / 255.0 : 1.0 / (p.vmax - p.vmin);
  const double area = static_cast<double>(p.n);
  const double w_lt = static_cast<double>(cx * cy) / area;
  const double w_rt = static_cast<double>(cy * (w - cx)) / area;
  const double w_lb = static_cast<double>((h - cy) * cx) / area;
  const double w_rb = 1 - w_lt - w_rt - w_lb;
  return quadrantSsim(p, lt, offset, scale) * w_lt + quadrantSsim(p, rt, offset, scale) * w_rt +
         quadrantSsim(p, lb, offset, scale) * w_lb + quadrantSsim(p, rb, offset, scale) * w_rb;
}

}  // namespace

double smeasureOf(const PreparedPair& p) {
  const double mean_pred = valueSum(p) / static_cast<double>(p.n);
  if (p.n_fg == 0) return 1 - mean_pred;  // empty GT: 1 - mean(pred)
  if (p.n_fg == p.n) return mean_pred;    // full GT: mean(pred)
  const double y = static_cast<double>(p.n_fg) / static_cast<double>(p.n);
  const double object = objectScore(p, p.hist_fg, p.n_fg, false) * y +
                        objectScore(p, p.hist_bg, p.n - p.n_fg, true) * (1 - y);
  const double score = object * kAlpha + regionScore(p) * (1 - kAlpha);
  return std::isnan(score) ? score : std::max(0.0, score);  // np.maximum propagates NaN
}

}  // namespace detail

double smeasure(const cv::Mat& pred, const cv::Mat& gt) { return detail::smeasureOf(detail::prepare(pred, gt)); }

}  // namespace rgbdsod::core
