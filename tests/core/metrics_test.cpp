// Hand-checkable cases for every metric and the edge cases of the field's conventions. Each expected
// value is derived in the comment above it (and equals PySODMetrics v1.6.2's output).
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "rgbdsod/core/metrics.h"

using namespace rgbdsod::core;

namespace {

cv::Mat img(int rows, int cols, std::vector<int> values) {
  cv::Mat m(rows, cols, CV_8UC1);
  for (int i = 0; i < rows * cols; ++i) m.at<std::uint8_t>(i / cols, i % cols) = static_cast<std::uint8_t>(values[i]);
  return m;
}

constexpr double kTol = 1e-12;

}  // namespace

TEST(Metrics, MaeOfNormalisedPrediction) {
  // pred {0,255,255,0} normalises to {0,1,1,0}; GT {1,1,0,0}: |0-1|+|1-1|+|1-0|+|0-0| = 2, / 4.
  EXPECT_NEAR(mae(img(2, 2, {0, 255, 255, 0}), img(2, 2, {255, 255, 0, 0})), 0.5, kTol);
  // A constant map is not stretched: 51 stays 51/255 = 0.2; empty GT: MAE = 0.2, S = 1 - 0.2.
  EXPECT_NEAR(mae(img(1, 4, {51, 51, 51, 51}), img(1, 4, {0, 0, 0, 0})), 0.2, kTol);
  EXPECT_NEAR(smeasure(img(1, 4, {51, 51, 51, 51}), img(1, 4, {0, 0, 0, 0})), 0.8, kTol);
  // Min-max: {100, 200} becomes {0, 1} whatever the raw levels.
  EXPECT_NEAR(mae(img(1, 2, {100, 200}), img(1, 2, {0, 255})), 0.0, kTol);
}

TEST(Metrics, GtIsStrictlyAbove128) {
  // GT {128, 129} is {background, foreground}; pred constant 255 = 1: MAE = (1 + 0) / 2.
  EXPECT_NEAR(mae(img(1, 2, {255, 255}), img(1, 2, {128, 129})), 0.5, kTol);
}

TEST(Metrics, FmeasureCurveCountsAtOrAboveEachThreshold) {
  // pred {0,128,255,255} -> {0, 128/255, 1, 1}, bins {0,128,255,255} (128/255*255 is exactly 128.0);
  // GT {0,1,1,0}. t = 0: all 4 predicted, TP 2: P = 1/2, R = 1, F = 1.3*0.5/(0.3*0.5 + 1) = 0.565217...
  // t = 1..128: 3 predicted, TP 2: P = 2/3, R = 1, F = 1.3*(2/3)/(0.2 + 1) = 0.722222...
  // t = 129..255: 2 predicted, TP 1: P = R = 1/2, F = 1.3*0.25/(0.15 + 0.5) = 0.5.
  const FmeasureResult f = fmeasure(img(1, 4, {0, 128, 255, 255}), img(1, 4, {0, 255, 255, 0}));
  EXPECT_NEAR(f.fmeasure[0], 1.3 * 0.5 / 1.15, kTol);
  EXPECT_NEAR(f.fmeasure[1], 1.3 * (2.0 / 3) / 1.2, kTol);
  EXPECT_NEAR(f.fmeasure[128], 1.3 * (2.0 / 3) / 1.2, kTol);
  EXPECT_NEAR(f.fmeasure[129], 0.5, kTol);
  EXPECT_NEAR(f.fmeasure[255], 0.5, kTol);
  EXPECT_NEAR(f.precision[128], 2.0 / 3, kTol);
  EXPECT_NEAR(f.recall[128], 1.0, kTol);
  EXPECT_NEAR(f.recall[200], 0.5, kTol);
  // Adaptive: threshold min(2 * mean, 1) = min(2 * (0 + 0.50196 + 2) / 4, 1) = 1: {1, 1} predicted, F = 0.5.
  EXPECT_NEAR(f.adaptive, 0.5, kTol);
}

TEST(Metrics, PrecisionIsZeroWhenNothingIsPredicted) {
  // An all-zero map is constant 0: bin 0 everywhere, so for t >= 1 nothing is positive: P = R = F = 0.
  const FmeasureResult f = fmeasure(img(2, 2, {0, 0, 0, 0}), img(2, 2, {255, 0, 0, 0}));
  for (int t = 1; t < 256; ++t) {
    EXPECT_EQ(f.precision[t], 0.0);
    EXPECT_EQ(f.fmeasure[t], 0.0);
  }
  // t = 0: everything predicted, P = 1/4, R = 1, F = 1.3*0.25/(0.075 + 1).
  EXPECT_NEAR(f.fmeasure[0], 1.3 * 0.25 / 1.075, kTol);
  // Adaptive threshold 0: everything >= 0, the same binary map.
  EXPECT_NEAR(f.adaptive, 1.3 * 0.25 / 1.075, kTol);
}

TEST(Metrics, AdaptiveThresholdOfExactlyOne) {
  // 3 rows of {255,255,0,0}: mean 0.5, so the threshold is exactly 1 and the map {1,1,0,0} is kept.
  // GT rows {1,0,0,1}: TP 3 of 6 predicted and 6 true: P = R = 1/2, F = 0.5.
  const cv::Mat pred = img(3, 4, {255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0});
  const cv::Mat gt = img(3, 4, {255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255});
  EXPECT_NEAR(fmeasure(pred, gt).adaptive, 0.5, kTol);
  // E-measure of that binary map: mean_pred = mean_gt = 1/2, demeaned values +-1/2. The four parts
  // (3 px each) have alignment 2ab/(a^2+b^2) = +1 (TP, TN) or -1 (FP, FN), enhanced (1+/-1)^2/4 = 1 or 0:
  // sum 6, divided by N - 1 = 11.
  EXPECT_NEAR(emeasure(pred, gt).adaptive, 6.0 / 11, kTol);
}

TEST(Metrics, EmeasureSpecialCasesOfEmptyAndFullGt) {
  // Empty GT: the sum is the number of pixels predicted background. An all-zero map: at t = 0 all are
  // predicted foreground (sum 0), for t >= 1 none (sum 4); divided by N - 1 + eps = 3.
  const EmeasureResult empty = emeasure(img(2, 2, {0, 0, 0, 0}), img(2, 2, {0, 0, 0, 0}));
  EXPECT_NEAR(empty.curve[0], 0.0, kTol);
  EXPECT_NEAR(empty.curve[1], 4.0 / 3, kTol);
  EXPECT_NEAR(empty.curve[255], 4.0 / 3, kTol);
  // Adaptive threshold 0: all predicted foreground, sum 0.
  EXPECT_NEAR(empty.adaptive, 0.0, kTol);
  // Full GT: the number predicted foreground; a constant 255 map is 1 everywhere: 4 / 3 at every t.
  const EmeasureResult full = emeasure(img(2, 2, {255, 255, 255, 255}), img(2, 2, {255, 255, 255, 255}));
  EXPECT_NEAR(full.curve[0], 4.0 / 3, kTol);
  EXPECT_NEAR(full.curve[255], 4.0 / 3, kTol);
  // A 1x1 image divides by eps (the reference's formula): 1 / 2^-52.
  EXPECT_EQ(emeasure(img(1, 1, {255}), img(1, 1, {255})).curve[7], 4503599627370496.0);
}

TEST(Metrics, EmeasureOfAPerfectMapIsNotOne) {
  // 2x2 with one foreground pixel, perfect map. t = 0: all predicted, mean_pred = 1, demeaned pred 0:
  // alignment 0, enhanced 1/4 for all 4 pixels: sum 1, / 3. t >= 1: perfect: 4 pixels of enhanced 1:
  // 4 / 3 (the reference divides by N - 1).
  const EmeasureResult e = emeasure(img(2, 2, {255, 0, 0, 0}), img(2, 2, {255, 0, 0, 0}));
  EXPECT_NEAR(e.curve[0], 1.0 / 3, kTol);
  EXPECT_NEAR(e.curve[1], 4.0 / 3, kTol);
  EXPECT_NEAR(e.curve[255], 4.0 / 3, kTol);
}

TEST(Metrics, SmeasureOfEmptyFullAndPerfect) {
  // Empty GT: 1 - mean(pred); {0,255,0,0} normalises to {0,1,0,0}: 1 - 1/4.
  EXPECT_NEAR(smeasure(img(2, 2, {0, 255, 0, 0}), img(2, 2, {0, 0, 0, 0})), 0.75, kTol);
  // Full GT: mean(pred).
  EXPECT_NEAR(smeasure(img(2, 2, {0, 255, 0, 0}), img(2, 2, {255, 255, 255, 255})), 0.25, kTol);
  // Perfect map, one foreground pixel top-left: object term: foreground {1}: 2*1/(1+1+0) = 1, background
  // (1 - pred) {1,1,1}: 1; region: centroid (0,0) -> split after row 1 / column 1, each quadrant is
  // constant with matching GT: alpha = beta = 0 -> 1. S = 0.5 * 1 + 0.5 * 1.
  EXPECT_NEAR(smeasure(img(2, 2, {255, 0, 0, 0}), img(2, 2, {255, 0, 0, 0})), 1.0, kTol);
}

TEST(Metrics, SmeasureIsNanWhenTheCentroidIsOnTheLastRow) {
  // GT centroid (1,1) in a 2x2: the split is after row 2 = the last, the bottom quadrants are empty,
  // their SSIM is NaN (mean of nothing) and NaN * 0 stays NaN: the reference (and MATLAB) give NaN.
  EXPECT_TRUE(std::isnan(smeasure(img(2, 2, {10, 20, 30, 40}), img(2, 2, {0, 0, 0, 255}))));
  // One row: every centroid is on the last row.
  EXPECT_TRUE(std::isnan(smeasure(img(1, 3, {255, 0, 255}), img(1, 3, {255, 0, 0}))));
}

TEST(Metrics, SmeasureCentroidRoundsHalfToEven) {
  // A zero map on 8x8 GTs with two foreground pixels in column 2. Object term: foreground values {0,0}
  // score 0; background (1 - 0) = 1 on 62 pixels scores 2/(1+1) = 1, weighted 62/64: 0.96875.
  // Region term: x = 0 in every quadrant, so a quadrant scores 1 without foreground (alpha = beta = 0)
  // and 0 with some; it is the area of the quadrants without foreground.
  cv::Mat pred = cv::Mat::zeros(8, 8, CV_8UC1);
  // Rows {3,4}: mean 3.5 -> 4 -> split after row 5, column 3: both pixels top-left (15/64 of the area):
  // region 49/64, S = 0.5 * 0.96875 + 0.5 * 49/64 = 0.8671875.
  cv::Mat gt_a = cv::Mat::zeros(8, 8, CV_8UC1);
  gt_a.at<std::uint8_t>(3, 2) = 255;
  gt_a.at<std::uint8_t>(4, 2) = 255;
  EXPECT_NEAR(smeasure(pred, gt_a), 0.8671875, kTol);
  // Rows {4,5}: mean 4.5 -> 4 (half to even; half up would give 5): split after row 5, one pixel
  // top-left, one bottom-left (9/64): region 40/64, S = 0.796875 (half up: 46/64, S = 0.84375).
  cv::Mat gt_b = cv::Mat::zeros(8, 8, CV_8UC1);
  gt_b.at<std::uint8_t>(4, 2) = 255;
  gt_b.at<std::uint8_t>(5, 2) = 255;
  EXPECT_NEAR(smeasure(pred, gt_b), 0.796875, kTol);
}

TEST(Metrics, WeightedFmeasureByHand) {
  // Empty GT: 0 by definition.
  EXPECT_EQ(weightedFmeasure(img(2, 2, {0, 255, 0, 0}), img(2, 2, {0, 0, 0, 0})), 0.0);
  // 1x3, GT {1,0,0}, pred {255,0,255} -> {1,0,1}. E = {0,0,1}. The foreground error 0 is copied to the
  // background (Et = 0), so EA = 0 and the foreground sum is 0: TPw = 1, R = 1. The background pixel at
  // distance 2 weighs B = 2 - 0.5^(2/5) = 1.2421417...: FPw = 1.2421417, P = 1 / 2.2421417 = 0.4460022,
  // Q = 2RP / (R + P) = 0.6168762.
  const double b = 2 - std::pow(0.5, 0.4);
  const double p = 1 / (1 + b);
  EXPECT_NEAR(weightedFmeasure(img(1, 3, {255, 0, 255}), img(1, 3, {255, 0, 0})), 2 * p / (1 + p), 1e-12);
  // 1x1 full GT, zero map: E = 1, EA = the Gaussian's centre weight only (zero padding):
  // k = exp(-i^2/50) / sum_{-3..3} = 1 / 6.4771711 = 0.1543885, centre 2-D weight k^2 = 0.0238358;
  // R = 1 - 0.0238358, P = TPw / (TPw + eps) ~ 1, Q = 2R / (R + 1) = 0.9879384.
  double sum = 0;
  for (int i = -3; i <= 3; ++i) sum += std::exp(-(i * i) / 50.0);
  const double r = 1 - 1 / (sum * sum);
  EXPECT_NEAR(weightedFmeasure(img(1, 1, {0}), img(1, 1, {255})), 2 * r / (r + 1), 1e-12);
  // A perfect map: all errors 0, R = 1, P = n / (n + eps): Q = 1 up to an ulp.
  EXPECT_NEAR(weightedFmeasure(img(2, 3, {255, 0, 0, 255, 255, 0}), img(2, 3, {255, 0, 0, 255, 255, 0})), 1.0, 1e-15);
}

TEST(Metrics, OnePixelAndThinObjects) {
  // One foreground pixel predicted exactly: F = 1 at every t >= 1, MAE 0.
  cv::Mat gt = cv::Mat::zeros(9, 9, CV_8UC1);
  gt.at<std::uint8_t>(4, 4) = 255;
  const ImageMetrics m = computeImageMetrics(gt, gt);
  EXPECT_EQ(m.scores.mae, 0.0);
  EXPECT_EQ(m.curves.fmeasure[1], 1.0);
  EXPECT_EQ(m.scores.max_fmeasure, 1.0);
  EXPECT_NEAR(m.scores.weighted_fmeasure, 1.0, 1e-15);
  // A one-pixel-wide line predicted one pixel off: no overlap, F = 0 for t >= 1, wF small but > 0
  // (the Gaussian averages the line's error with the copied errors around it).
  cv::Mat line = cv::Mat::zeros(9, 9, CV_8UC1);
  cv::Mat off = cv::Mat::zeros(9, 9, CV_8UC1);
  line.row(4).setTo(255);
  off.row(5).setTo(255);
  const ImageMetrics t = computeImageMetrics(off, line);
  EXPECT_EQ(t.curves.fmeasure[1], 0.0);
  EXPECT_NEAR(t.scores.weighted_fmeasure, 0.1582270626389427, 1e-12);  // the reference's value
}

TEST(Metrics, ImageSummariesOfTheCurves) {
  const ImageMetrics m = computeImageMetrics(img(1, 4, {0, 128, 255, 255}), img(1, 4, {0, 255, 255, 0}));
  // max F = 0.7222 (t = 1..128); mean F = (0.565217 + 128 * 0.722222 + 127 * 0.5) / 256.
  EXPECT_NEAR(m.scores.max_fmeasure, 1.3 * (2.0 / 3) / 1.2, kTol);
  EXPECT_NEAR(m.scores.mean_fmeasure, (1.3 * 0.5 / 1.15 + 128 * (1.3 * (2.0 / 3) / 1.2) + 127 * 0.5) / 256, kTol);
}

TEST(Metrics, RejectsBadInputs) {
  EXPECT_THROW(mae(cv::Mat::zeros(2, 2, CV_8UC1), cv::Mat::zeros(2, 3, CV_8UC1)), std::invalid_argument);
  EXPECT_THROW(mae(cv::Mat::zeros(2, 2, CV_8UC3), cv::Mat::zeros(2, 2, CV_8UC1)), std::invalid_argument);
  EXPECT_THROW(mae(cv::Mat(), cv::Mat()), std::invalid_argument);
}

TEST(Metrics, NearestFeatureTiesAndEmpty) {
  // Features at (0,0) and (2,2) of a 3x3: (0,2) and (2,0) are at squared distance 4 from both;
  // scipy picks the smaller column, then the smaller row: (0,2) -> (0,0) [col 0], (2,0) -> (0,0).
  cv::Mat f = cv::Mat::zeros(3, 3, CV_8UC1);
  f.at<std::uint8_t>(0, 0) = 1;
  f.at<std::uint8_t>(2, 2) = 1;
  const FeatureTransform ft = nearestFeature(f);
  EXPECT_EQ(ft.sq_distance.at<std::int32_t>(0, 2), 4);
  EXPECT_EQ(ft.nearest.at<std::int32_t>(0, 2), 0);
  EXPECT_EQ(ft.nearest.at<std::int32_t>(2, 0), 0);
  EXPECT_EQ(ft.nearest.at<std::int32_t>(1, 1), 0);  // squared distance 2 from both: column 0 wins
  EXPECT_EQ(ft.nearest.at<std::int32_t>(2, 2), 8);
  const FeatureTransform none = nearestFeature(cv::Mat::zeros(2, 2, CV_8UC1));
  EXPECT_EQ(none.nearest.at<std::int32_t>(1, 1), -1);
}
