// The one pass over the pixels that every metric shares, the reference's normalisation, NumPy's
// summation order, and the adaptive threshold.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "metrics_detail.h"

namespace rgbdsod::core::detail {
namespace {

constexpr std::size_t kNumpyChunk = 8192;  // NumPy's default iterator buffer size
constexpr std::size_t kPairwiseBlock = 128;  // NumPy's PW_BLOCKSIZE

void checkInputs(const cv::Mat& pred, const cv::Mat& gt) {
  if (pred.type() != CV_8UC1 || gt.type() != CV_8UC1)
    throw std::invalid_argument("metrics: prediction and GT must be CV_8UC1 (8-bit, one channel)");
  if (pred.size() != gt.size())
    throw std::invalid_argument("metrics: prediction and GT differ in size");
  if (pred.empty()) throw std::invalid_argument("metrics: empty images");
}

}  // namespace

PreparedPair prepare(const cv::Mat& pred, const cv::Mat& gt) {
  checkInputs(pred, gt);
  PreparedPair p;
  p.pred = &pred;
  p.gt = &gt;
  p.rows = pred.rows;
  p.cols = pred.cols;
  p.n = static_cast<std::int64_t>(pred.rows) * pred.cols;

  // Four interleaved histograms so that runs of equal values do not serialise on one counter.
  // Index: (GT bit << 8) | raw value.
  std::vector<std::uint32_t> hist(4 * 512, 0);
  std::uint32_t* h0 = hist.data();
  std::uint32_t* h1 = h0 + 512;
  std::uint32_t* h2 = h1 + 512;
  std::uint32_t* h3 = h2 + 512;
  for (int y = 0; y < p.rows; ++y) {
    const std::uint8_t* pv = pred.ptr<std::uint8_t>(y);
    const std::uint8_t* gv = gt.ptr<std::uint8_t>(y);
    std::int64_t row_fg = 0;
    std::int64_t row_x = 0;
    for (int x = 0; x < p.cols; ++x) {
      const int f = gv[x] > 128 ? 1 : 0;  // the reference: gt = gt > 128 (so 128 is background)
      row_fg += f;
      row_x += f * x;
    }
    int x = 0;
    for (; x + 4 <= p.cols; x += 4) {
      ++h0[(gv[x] > 128 ? 256 : 0) | pv[x]];
      ++h1[(gv[x + 1] > 128 ? 256 : 0) | pv[x + 1]];
      ++h2[(gv[x + 2] > 128 ? 256 : 0) | pv[x + 2]];
      ++h3[(gv[x + 3] > 128 ? 256 : 0) | pv[x + 3]];
    }
    for (; x < p.cols; ++x) ++h0[(gv[x] > 128 ? 256 : 0) | pv[x]];
    if (row_fg > 0) {  // the foreground's bounding box, for the weighted F-measure
      if (p.fg_bottom < 0) p.fg_top = y, p.fg_left = p.cols, p.fg_right = -1;
      p.fg_bottom = y;
      int first = 0;
      while (gv[first] <= 128) ++first;
      int last = p.cols - 1;
      while (gv[last] <= 128) --last;
      p.fg_left = std::min(p.fg_left, first);
      p.fg_right = std::max(p.fg_right, last);
    }
    p.n_fg += row_fg;
    p.fg_row_sum += row_fg * y;
    p.fg_col_sum += row_x;
  }
  for (int v = 0; v < 256; ++v) {
    p.hist_bg[v] = std::int64_t{h0[v]} + h1[v] + h2[v] + h3[v];
    p.hist_fg[v] = std::int64_t{h0[256 + v]} + h1[256 + v] + h2[256 + v] + h3[256 + v];
  }
  p.vmin = 255;
  p.vmax = 0;
  for (int v = 0; v < 256; ++v) {
    if (p.hist_bg[v] + p.hist_fg[v] == 0) continue;
    p.vmin = std::min(p.vmin, v);
    p.vmax = std::max(p.vmax, v);
  }

  // The reference (prepare_data, MATLAB's mapminmax(im2double(x))): pred = pred / 255 in float64,
  // then, unless max == min, (pred - min) / (max - min) on those floats. A constant map stays /255.
  // Replaying the same float operations per raw value gives the same bits as the reference's map.
  const double lo = p.vmin / 255.0;
  const double hi = p.vmax / 255.0;
  for (int v = 0; v < 256; ++v) {
    const double scaled = v / 255.0;
    p.value[v] = p.vmax != p.vmin ? (scaled - lo) / (hi - lo) : scaled;
    // The curves: (pred * 255).astype(np.uint8) truncates, so e.g. 0.99999999 * 255 falls in bin 254.
    // Clamped for the raw values outside [vmin, vmax] (never present; their bin is unused).
    const double scaled255 = std::clamp(p.value[v], 0.0, 1.0) * 255.0;
    p.bin[v] = static_cast<std::uint8_t>(scaled255);
  }
  return p;
}

double valueSum(const PreparedPair& p) {
  double sum = 0;
  for (int v = p.vmin; v <= p.vmax; ++v)
    sum += static_cast<double>(p.hist_fg[v] + p.hist_bg[v]) * p.value[v];
  return sum;
}

double numpyPairwise(const double* a, std::size_t n) {
  if (n < 8) {
    double res = 0.;  // NumPy starts this branch from 0. (-0.0 inputs become +0.0)
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= kPairwiseBlock) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;  // split at a multiple of the unroll factor, as NumPy does
  return numpyPairwise(a, n2) + numpyPairwise(a + n2, n - n2);
}

double numpySum(const double* a, std::size_t n) {
  double total = 0.;  // the add reduction's identity
  for (std::size_t at = 0; at < n; at += kNumpyChunk) total += numpyPairwise(a + at, std::min(kNumpyChunk, n - at));
  return total;
}

namespace {

double pairwiseConstant(double c, std::size_t n) {
  if (n < 8) {
    double res = 0.;
    for (std::size_t i = 0; i < n; ++i) res += c;
    return res;
  }
  if (n <= kPairwiseBlock) {
    double r = c;  // all eight accumulators hold the same value
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8) r += c;
    double res = ((r + r) + (r + r)) + ((r + r) + (r + r));
    for (; i < n; ++i) res += c;
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwiseConstant(c, n2) + pairwiseConstant(c, n - n2);
}

}  // namespace

double numpySumConstant(double c, std::size_t n) {
  const double full_chunk = n >= kNumpyChunk ? pairwiseConstant(c, kNumpyChunk) : 0.0;
  double total = 0.;
  std::size_t at = 0;
  for (; at + kNumpyChunk <= n; at += kNumpyChunk) total += full_chunk;
  if (at < n) total += pairwiseConstant(c, n - at);
  return total;
}

double adaptiveThreshold(const PreparedPair& p) {
  // The reference: min(2 * pred.mean(), 1), then `pred >= threshold` on the float map. Only the
  // comparisons matter, and they can only differ from the accurate mean's when a present value lies
  // within rounding distance of 2*mean (e.g. half the pixels at 1: 2*mean is exactly 1). Then the
  // mean is recomputed in NumPy's own order over the row-major map.
  const double accurate = std::min(2.0 * (valueSum(p) / static_cast<double>(p.n)), 1.0);
  constexpr double kGuard = 1e-11;  // far above both sums' rounding (< 1e-13), far below value spacing
  bool close = false;
  for (int v = p.vmin; v <= p.vmax && !close; ++v)
    close = p.hist_fg[v] + p.hist_bg[v] > 0 && std::abs(p.value[v] - accurate) <= kGuard;
  if (!close) return accurate;

  std::vector<double> chunk(std::min<std::size_t>(kNumpyChunk, static_cast<std::size_t>(p.n)));
  std::size_t filled = 0;
  double total = 0.;
  for (int y = 0; y < p.rows; ++y) {
    const std::uint8_t* pv = p.pred->ptr<std::uint8_t>(y);
    for (int x = 0; x < p.cols; ++x) {
      chunk[filled++] = p.value[pv[x]];
      if (filled == chunk.size()) {
        total += numpyPairwise(chunk.data(), filled);
        filled = 0;
      }
    }
  }
  if (filled > 0) total += numpyPairwise(chunk.data(), filled);
  return std::min(2.0 * (total / static_cast<double>(p.n)), 1.0);
}

}  // namespace rgbdsod::core::detail
