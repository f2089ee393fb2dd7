#pragma once
// Per-image salient object detection metrics, number for number equal to PySODMetrics v1.6.2 (the
// reference of the field, itself checked against the MATLAB toolboxes): MAE, S-measure (alpha 0.5),
// weighted F-measure (beta^2 = 1), F-measure (beta^2 = 0.3) and E-measure, adaptive and per threshold.
//
// Inputs are a prediction and a ground truth of equal size, both CV_8UC1 with values 0..255, exactly
// as cv2.imread(path, IMREAD_GRAYSCALE) gives them to the reference. The conventions (GT > 128,
// min-max normalisation, 256 thresholds `>= t`, ...) are written next to their code in metrics_*.cpp.
#include <array>
#include <cstdint>

#include <opencv2/core/mat.hpp>

namespace rgbdsod::core {

inline constexpr int kThresholdCount = 256;

// A per-threshold curve. Index t holds the value for the binary map "p*255 truncated >= t", t = 0..255.
// The reference stores its arrays the other way round (index i is threshold 255 - i); its recorders
// flip them before use, as we do here once and for all.
using Curve = std::array<double, kThresholdCount>;

struct ImageCurves {
  Curve precision{};
  Curve recall{};
  Curve fmeasure{};  // beta^2 = 0.3
  Curve emeasure{};
};

// The scalars of one image. mean_* and max_* summarise this image's own curves (handy for per-image
// tables); dataset values are NOT means of these for max: see Evaluator.
struct ImageScores {
  double mae = 0;
  double smeasure = 0;           // NaN where the reference gives NaN (see smeasure())
  double weighted_fmeasure = 0;  // 0 when the GT is empty
  double adaptive_fmeasure = 0;
  double adaptive_emeasure = 0;
  double mean_fmeasure = 0;
  double max_fmeasure = 0;
  double mean_emeasure = 0;
  double max_emeasure = 0;
};

struct ImageMetrics {
  ImageScores scores;
  ImageCurves curves;
};

// All metrics of one pair. Throws std::invalid_argument when the inputs are not CV_8UC1 of equal,
// non-zero size.
ImageMetrics computeImageMetrics(const cv::Mat& pred, const cv::Mat& gt);

// The single metrics, each with its own preparation (for tests and tools; computeImageMetrics shares
// the preparation between them).
double mae(const cv::Mat& pred, const cv::Mat& gt);
// NaN exactly where the reference gives NaN: when the GT centroid rounds to the last row or column,
// a quadrant of the region term is empty and its SSIM is NaN (MATLAB toolbox alike).
double smeasure(const cv::Mat& pred, const cv::Mat& gt);
double weightedFmeasure(const cv::Mat& pred, const cv::Mat& gt);

struct FmeasureResult {
  double adaptive = 0;
  Curve precision{};
  Curve recall{};
  Curve fmeasure{};
};
FmeasureResult fmeasure(const cv::Mat& pred, const cv::Mat& gt);

struct EmeasureResult {
  double adaptive = 0;
  Curve curve{};
};
EmeasureResult emeasure(const cv::Mat& pred, const cv::Mat& gt);

// Exact Euclidean feature transform: for every pixel, the nearest pixel where `features` is non-zero,
// with scipy.ndimage.distance_transform_edt's choice among equidistant ones (the smallest column, then
// the smallest row). Linear time (two separable passes). Used by the weighted F-measure; public so
// that tests can check it against brute force.
struct FeatureTransform {
  cv::Mat sq_distance;  // CV_32SC1: squared distance to the nearest feature
  cv::Mat nearest;      // CV_32SC1: its index y * cols + x; -1 everywhere when there is no feature
};
FeatureTransform nearestFeature(const cv::Mat& features);

}  // namespace rgbdsod::core
