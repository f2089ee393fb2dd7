#include <gtest/gtest.h>
#include <torch/torch.h>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/training/sample_tensors.h"

using namespace rgbdsod;

namespace {
core::Sample makeSample() {
  core::Sample s;
  s.name = "t";
  s.rgb = cv::Mat(2, 3, CV_8UC3, cv::Scalar(0, 0, 255));  // pure red in BGR
  s.depth = cv::Mat(2, 3, CV_8UC1, cv::Scalar(10));
  s.depth.at<uchar>(0, 0) = 250;  // nearest pixel under near-bright
  s.gt = cv::Mat(2, 3, CV_8UC1, cv::Scalar(0));
  s.gt.at<uchar>(1, 2) = 255;
  return s;
}
}  // namespace

TEST(SampleTensors, RgbIsChwInRgbOrderAndImageNetNormalised) {
  const auto t = training::toTensors(makeSample(), core::DepthPolarity::NearIsBright);
  ASSERT_EQ(t.rgb.sizes(), (std::vector<int64_t>{3, 2, 3}));
  EXPECT_NEAR(t.rgb[0][0][0].item<float>(), (1.0f - 0.485f) / 0.229f, 1e-5);
  EXPECT_NEAR(t.rgb[2][1][1].item<float>(), (0.0f - 0.406f) / 0.225f, 1e-5);
}

TEST(SampleTensors, DepthFollowsPolaritySoNearIsOne) {
  const auto bright = training::toTensors(makeSample(), core::DepthPolarity::NearIsBright);
  EXPECT_FLOAT_EQ(bright.depth[0][0][0].item<float>(), 1.0f);
  const auto dark = training::toTensors(makeSample(), core::DepthPolarity::NearIsDark);
  EXPECT_LT(dark.depth[0][0][0].item<float>(), dark.depth[0][1][1].item<float>());
}

TEST(SampleTensors, GtIsScaledToUnitRange) {
  const auto t = training::toTensors(makeSample(), core::DepthPolarity::NearIsBright);
  EXPECT_FLOAT_EQ(t.gt[0][1][2].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(t.gt.sum().item<float>(), 1.0f);
}

TEST(SampleTensors, SizeMismatchIsRejectedWithTheSampleName) {
  auto s = makeSample();
  s.gt = cv::Mat(5, 5, CV_8UC1, cv::Scalar(0));
  try {
    training::toTensors(s, core::DepthPolarity::NearIsBright);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("sample t"), std::string::npos);
  }
}
