#pragma once
// Internal to the metrics (not a public header): the shared one-pass preparation of a
// (prediction, GT) pair, and NumPy's summation order where a result depends on its last bit.
#include <array>
#include <cstddef>
#include <cstdint>

#include <opencv2/core/mat.hpp>

namespace rgbdsod::core::detail {

// np.spacing(1) = 2^-52: the reference's EPS (MATLAB's eps).
inline constexpr double kEps = 2.220446049250313e-16;

// Everything the metrics need from one pass over the pixels. Every per-pixel quantity of the
// reference is a function of the raw 8-bit prediction value v and the GT bit, so most metrics are
// computed from the two histograms below in O(256).
struct PreparedPair {
  const cv::Mat* pred = nullptr;  // CV_8UC1
  const cv::Mat* gt = nullptr;    // CV_8UC1
  int rows = 0;
  int cols = 0;
  std::int64_t n = 0;     // rows * cols
  std::int64_t n_fg = 0;  // GT pixels > 128
  std::array<std::int64_t, 256> hist_fg{};  // raw prediction values over GT foreground
  std::array<std::int64_t, 256> hist_bg{};  // ... over GT background
  int vmin = 0;  // smallest / largest raw prediction value
  int vmax = 0;
  // The reference's float map per raw value: v/255, min-max normalised unless constant.
  std::array<double, 256> value{};
  // The curves' bin per raw value: (value * 255) truncated to uint8.
  std::array<std::uint8_t, 256> bin{};
  std::int64_t fg_row_sum = 0;  // sums of the row / column indices of GT foreground pixels
  std::int64_t fg_col_sum = 0;
  int fg_top = 0;  // bounding box of the GT foreground (inclusive; empty when n_fg == 0)
  int fg_bottom = -1;
  int fg_left = 0;
  int fg_right = -1;
};

// Throws std::invalid_argument for inputs that are not CV_8UC1 of equal, non-zero size.
PreparedPair prepare(const cv::Mat& pred, const cv::Mat& gt);

// Sum of value[v] over all pixels, from the histograms (accurate to a few ulps; not NumPy's bits).
double valueSum(const PreparedPair& p);

// NumPy 1.24's float64 sum of a contiguous array: chunks of 8192 elements (the iterator's buffer
// size) added in order, each chunk summed pairwise (blocks of 128 with 8 accumulators).
double numpyPairwise(const double* a, std::size_t n);
double numpySum(const double* a, std::size_t n);
// The same sum for n copies of one value (the reference sums constant regions).
double numpySumConstant(double c, std::size_t n);

// min(2 * np.mean(pred), 1), bit-exact where it decides a comparison `value >= threshold`: computed
// from the histograms, and by NumPy's own summation order only when a pixel value lies within
// rounding distance of the threshold.
double adaptiveThreshold(const PreparedPair& p);

// Per-metric parts of computeImageMetrics on a prepared pair.
double maeOf(const PreparedPair& p);
double smeasureOf(const PreparedPair& p);
double weightedFmeasureOf(const PreparedPair& p);
void fmeasureOf(const PreparedPair& p, double threshold, double& adaptive, double* precision, double* recall,
                double* fmeasure);
void emeasureOf(const PreparedPair& p, double threshold, double& adaptive, double* curve);

}  // namespace rgbdsod::core::detail
