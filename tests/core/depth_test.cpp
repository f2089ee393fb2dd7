// Depth polarity names, normalisation and the polarity detector on synthetic scenes.
#include <cstdint>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/depth.h"
#include "rgbdsod/core/errors.h"

using namespace rgbdsod::core;

namespace {

// A scene whose salient object (a disc) is nearer than the background, which slopes so that
// the bottom (the floor) is nearer than the top. Values are distances (near = small).
struct Scene {
  cv::Mat distance;  // CV_32F, metres-like
  cv::Mat gt;        // CV_8UC1 0/255
};

Scene scene(int w = 80, int h = 60, int seed = 1) {
  Scene s;
  s.distance.create(h, w, CV_32F);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) s.distance.at<float>(y, x) = 3.0f - 1.5f * static_cast<float>(y) / static_cast<float>(h);
  cv::Mat noise(h, w, CV_32F);
  cv::RNG rng(static_cast<std::uint64_t>(seed));
  rng.fill(noise, cv::RNG::NORMAL, 0.0, 0.05);
  s.distance += noise;
  s.gt = cv::Mat::zeros(h, w, CV_8UC1);
  cv::circle(s.gt, {w / 2 + seed % 5, h / 2}, h / 4, cv::Scalar(255), cv::FILLED);
  s.distance.setTo(1.0f, s.gt);
  return s;
}

// Near-dark metric depth in millimetres (16-bit).
cv::Mat metric(const Scene& s) {
  cv::Mat mm;
  s.distance.convertTo(mm, CV_16U, 1000.0);
  return mm;
}

// Near-bright 8-bit: 255 = nearest.
cv::Mat inverted8(const Scene& s) {
  cv::Mat b;
  s.distance.convertTo(b, CV_8U, -80.0, 255.0);
  return b;
}

}  // namespace

TEST(DepthPolarity, NamesRoundTrip) {
  EXPECT_STREQ(toString(DepthPolarity::NearIsBright), "near-bright");
  EXPECT_STREQ(toString(DepthPolarity::NearIsDark), "near-dark");
  EXPECT_EQ(parsePolarity("near-bright"), DepthPolarity::NearIsBright);
  EXPECT_EQ(parsePolarity("Near_Dark"), DepthPolarity::NearIsDark);
  EXPECT_EQ(parsePolarity("bright"), DepthPolarity::NearIsBright);
  EXPECT_EQ(parsePolarity("dark"), DepthPolarity::NearIsDark);
  EXPECT_FALSE(parsePolarity("auto"));
  EXPECT_FALSE(parsePolarity(""));
}

TEST(NormaliseDepth, NearDarkSixteenBitTreatsZerosAsHoles) {
  cv::Mat d = (cv::Mat_<std::uint16_t>(1, 4) << 0, 1000, 2000, 3000);
  const cv::Mat n = normaliseDepth(d, DepthPolarity::NearIsDark);
  ASSERT_EQ(n.type(), CV_32FC1);
  EXPECT_TRUE(n.isContinuous());
  EXPECT_FLOAT_EQ(n.at<float>(0, 0), 0.0f);  // hole
  EXPECT_FLOAT_EQ(n.at<float>(0, 1), 1.0f);  // nearest
  EXPECT_FLOAT_EQ(n.at<float>(0, 2), 0.5f);
  EXPECT_FLOAT_EQ(n.at<float>(0, 3), 0.0f);  // farthest
}

TEST(NormaliseDepth, NearBrightEightBitIsMinMaxScaledAndKeepsZero) {
  cv::Mat d = (cv::Mat_<uchar>(1, 3) << 0, 100, 200);
  const cv::Mat n = normaliseDepth(d, DepthPolarity::NearIsBright);
  EXPECT_FLOAT_EQ(n.at<float>(0, 0), 0.0f);
  EXPECT_FLOAT_EQ(n.at<float>(0, 1), 0.5f);
  EXPECT_FLOAT_EQ(n.at<float>(0, 2), 1.0f);
  cv::Mat e = (cv::Mat_<uchar>(1, 3) << 50, 100, 150);
  const cv::Mat m = normaliseDepth(e, DepthPolarity::NearIsBright);
  EXPECT_FLOAT_EQ(m.at<float>(0, 0), 0.0f);
  EXPECT_FLOAT_EQ(m.at<float>(0, 2), 1.0f);
}

TEST(NormaliseDepth, ConstantAndAllHoleMapsBecomeZeros) {
  for (auto p : {DepthPolarity::NearIsBright, DepthPolarity::NearIsDark}) {
    EXPECT_EQ(cv::countNonZero(normaliseDepth(cv::Mat(4, 4, CV_8UC1, cv::Scalar(7)), p)), 0);
    EXPECT_EQ(cv::countNonZero(normaliseDepth(cv::Mat::zeros(4, 4, CV_16UC1), p)), 0);
  }
  // One valid value among holes is constant too.
  cv::Mat d = (cv::Mat_<std::uint16_t>(1, 3) << 0, 500, 0);
  EXPECT_EQ(cv::countNonZero(normaliseDepth(d, DepthPolarity::NearIsDark)), 0);
  EXPECT_THROW(normaliseDepth(cv::Mat(), DepthPolarity::NearIsDark), Error);
  EXPECT_THROW(normaliseDepth(cv::Mat(2, 2, CV_8UC3), DepthPolarity::NearIsDark), Error);
}

TEST(NormaliseDepth, BothPolaritiesAgreeOnTheSameScene) {
  const Scene s = scene();
  const cv::Mat from_metric = normaliseDepth(metric(s), DepthPolarity::NearIsDark);
  const cv::Mat from_bright = normaliseDepth(inverted8(s), DepthPolarity::NearIsBright);
  // The object is the nearest thing in both.
  EXPECT_GT(cv::mean(from_metric, s.gt)[0], 0.9);
  EXPECT_GT(cv::mean(from_bright, s.gt)[0], 0.9);
  EXPECT_LT(cv::norm(from_metric, from_bright, cv::NORM_INF), 0.1);
}

TEST(ColourMapDepth, HolesAreBlackAndValidPixelsAreNot) {
  cv::Mat n = (cv::Mat_<float>(1, 3) << 0.0f, 0.001f, 1.0f);
  const cv::Mat c = colourMapDepth(n);
  ASSERT_EQ(c.type(), CV_8UC3);
  EXPECT_EQ(c.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
  EXPECT_NE(c.at<cv::Vec3b>(0, 1), cv::Vec3b(0, 0, 0));
  EXPECT_NE(c.at<cv::Vec3b>(0, 2), c.at<cv::Vec3b>(0, 1));
  EXPECT_TRUE(colourMapDepth(cv::Mat()).empty());
}

TEST(EstimatePolarity, GtContrastFindsBothPolarities) {
  std::vector<cv::Mat> bright, dark, gts;
  for (int i = 0; i < 5; ++i) {
    const Scene s = scene(80, 60, i + 1);
    bright.push_back(inverted8(s));
    dark.push_back(metric(s));
    gts.push_back(s.gt);
  }
  const PolarityEstimate b = estimatePolarity(bright, gts);
  EXPECT_EQ(b.method, "gt-contrast");
  EXPECT_EQ(b.polarity, DepthPolarity::NearIsBright);
  EXPECT_EQ(b.votes_bright, 5u);
  EXPECT_EQ(b.images_used, 5u);
  EXPECT_GT(b.median_contrast, 0.1);
  EXPECT_NE(b.evidence.find("near-bright"), std::string::npos) << b.evidence;

  const PolarityEstimate d = estimatePolarity(dark, gts);
  EXPECT_EQ(d.polarity, DepthPolarity::NearIsDark);
  EXPECT_EQ(d.votes_dark, 5u);
  EXPECT_LT(d.median_contrast, -0.1);
}

TEST(EstimatePolarity, HolesAroundTheObjectDoNotFlipMetricDepth) {
  Scene s = scene();
  cv::Mat d = metric(s);
  // Sensor shadows: a band of zeros along the object's border, and scattered dropouts.
  cv::Mat edge;
  cv::dilate(s.gt, edge, cv::getStructuringElement(cv::MORPH_ELLIPSE, {7, 7}));
  d.setTo(0, edge & ~s.gt);
  d(cv::Rect(0, 0, 20, 10)).setTo(0);
  const PolarityEstimate e = estimatePolarity({d}, {s.gt});
  EXPECT_EQ(e.polarity, DepthPolarity::NearIsDark) << e.evidence;
}

TEST(EstimatePolarity, WithoutGtUsesTheFloorCue) {
  std::vector<cv::Mat> dark;
  for (int i = 0; i < 3; ++i) dark.push_back(metric(scene(80, 60, i + 1)));
  const PolarityEstimate e = estimatePolarity(dark, {});
  EXPECT_EQ(e.method, "vertical-gradient");
  EXPECT_EQ(e.polarity, DepthPolarity::NearIsDark);
  EXPECT_NE(e.evidence.find("lower confidence"), std::string::npos) << e.evidence;
  // Empty GTs count as no GT.
  const std::vector<cv::Mat> empty_gts(3, cv::Mat::zeros(60, 80, CV_8UC1));
  EXPECT_EQ(estimatePolarity(dark, empty_gts).method, "vertical-gradient");
}

TEST(EstimatePolarity, UndecidedWhenEvidenceIsFlatSplitOrAbsent) {
  const PolarityEstimate none = estimatePolarity({}, {});
  EXPECT_FALSE(none.polarity);
  EXPECT_EQ(none.images_examined, 0u);
  EXPECT_FALSE(none.evidence.empty());

  const Scene s = scene();
  const cv::Mat flat(60, 80, CV_8UC1, cv::Scalar(90));
  EXPECT_FALSE(estimatePolarity({flat}, {s.gt}).polarity);

  const PolarityEstimate split = estimatePolarity({inverted8(s), metric(s)}, {s.gt, s.gt});
  EXPECT_FALSE(split.polarity);
  EXPECT_EQ(split.votes_bright, 1u);
  EXPECT_EQ(split.votes_dark, 1u);
  EXPECT_NE(split.evidence.find("undecided"), std::string::npos) << split.evidence;

  // Empty depths are skipped.
  const PolarityEstimate skip = estimatePolarity({cv::Mat(), inverted8(s)}, {s.gt, s.gt});
  EXPECT_EQ(skip.images_examined, 1u);
  EXPECT_EQ(skip.polarity, DepthPolarity::NearIsBright);
}
