// HHA encoder: agreement with the reference's shipped outputs on an NYU frame, and exact values
// on synthetic scenes (a floor and a wall rendered from known intrinsics).
#include <cmath>
#include <cstdio>
#include <numbers>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/hha.h"
#include "test_support.h"

namespace fs = std::filesystem;
using rgbdsod::core::CameraIntrinsics;
using rgbdsod::core::computeHha;
using rgbdsod::core::HhaOptions;

namespace {

// Share of pixels per channel (R = disparity, G = height, B = angle) within `tolerance` of the
// reference.
cv::Vec3d agreement(const cv::Mat& ours, const cv::Mat& reference, int tolerance) {
  cv::Vec3d share;
  for (int c = 0; c < 3; ++c) {
    std::size_t ok = 0;
    for (int y = 0; y < ours.rows; ++y)
      for (int x = 0; x < ours.cols; ++x)
        ok += std::abs(int(ours.at<cv::Vec3b>(y, x)[c]) - int(reference.at<cv::Vec3b>(y, x)[c])) <= tolerance;
    share[2 - c] = double(ok) / double(ours.total());  // report in R, G, B order
  }
  return share;
}

struct NyuFrame {
  cv::Mat depth_m;  // CV_64F metres, as the reference computes it (uint16 / 10000)
  cv::Mat raw;
  CameraIntrinsics camera;
};

NyuFrame loadNyu(const fs::path& shared) {
  const fs::path dir = shared / "hha_reference";
  NyuFrame f;
  cv::Mat d16 = cv::imread((dir / "nyu_demo" / "0.png").string(), cv::IMREAD_UNCHANGED);
  f.raw = cv::imread((dir / "nyu_demo" / "0_raw.png").string(), cv::IMREAD_UNCHANGED);
  // Divided, not multiplied by 1e-4: degenerate plane fits are rounding noise, reproduced only
  // from the reference's exact inputs.
  f.depth_m.create(d16.size(), CV_64F);
  for (int y = 0; y < d16.rows; ++y)
    for (int x = 0; x < d16.cols; ++x) f.depth_m.at<double>(y, x) = d16.at<std::uint16_t>(y, x) / 10000.0;
  f.camera = rgbdsod::core::readIntrinsicsFile(dir / "camera_intrinsics.txt");
  return f;
}

// The issue asks for +-1 on 99.5 % of pixels per channel; min_equal guards the bit-exact agreement
// reached with the reference's exact inputs (its images are reproduced byte for byte).
void expectAgreement(const char* label, const rgbdsod::core::HhaResult& r, const cv::Mat& reference,
                     double min_equal = 0.0) {
  ASSERT_EQ(r.hha.size(), reference.size());
  const cv::Vec3d share = agreement(r.hha, reference, 1);
  const cv::Vec3d equal = agreement(r.hha, reference, 0);
  std::printf("[ agreement ] %s: within +-1: R (disparity) %.4f%%, G (height) %.4f%%, B (angle) %.4f%%; "
              "equal: R %.4f%%, G %.4f%%, B %.4f%%; gravity [%.6f %.6f %.6f], lowest %.2f cm, no normal %.2f%%\n",
              label, 100 * share[0], 100 * share[1], 100 * share[2], 100 * equal[0], 100 * equal[1],
              100 * equal[2], r.gravity[0], r.gravity[1], r.gravity[2], r.lowest_cm, 100 * r.no_normal_fraction);
  for (int c = 0; c < 3; ++c) {
    EXPECT_GE(share[c], 0.995) << label << " channel " << "RGB"[c];
    EXPECT_GE(equal[c], min_equal) << label << " channel " << "RGB"[c];
  }
}

}  // namespace

TEST(HhaReference, MaskedByRawDepthAgreesWithReference) {
  RGBDSOD_REQUIRE_SHARED_DATA(shared);
  const NyuFrame f = loadNyu(shared);
  const auto r = computeHha(f.depth_m, f.raw, f.camera);
  // The reference's intermediate values (hha_reference/README.md).
  EXPECT_NEAR(r.gravity[0], -0.04063, 1e-4);
  EXPECT_NEAR(r.gravity[1], 0.999154, 1e-5);
  EXPECT_NEAR(r.gravity[2], -0.006333, 1e-4);
  EXPECT_NEAR(r.lowest_cm, -126.28, 0.01);
  EXPECT_NEAR(r.no_normal_fraction, 0.206, 0.001);
  expectAgreement("D,RD", r, cv::imread((shared / "hha_reference/nyu_demo/shipped_hha_D_RD.png").string()), 0.999);
}

TEST(HhaReference, UnmaskedAgreesWithReference) {
  RGBDSOD_REQUIRE_SHARED_DATA(shared);
  const NyuFrame f = loadNyu(shared);
  const auto r = computeHha(f.depth_m, cv::Mat(), f.camera);
  EXPECT_NEAR(r.gravity[0], -0.038804, 1e-4);
  EXPECT_NEAR(r.gravity[1], 0.999205, 1e-5);
  EXPECT_NEAR(r.gravity[2], -0.009132, 1e-4);
  EXPECT_NEAR(r.lowest_cm, -125.47, 0.01);
  expectAgreement("D,D", r, cv::imread((shared / "hha_reference/nyu_demo/shipped_hha_D_D.png").string()), 0.999);
}

TEST(HhaReference, Float32DepthAgreesToo) {
  RGBDSOD_REQUIRE_SHARED_DATA(shared);
  const NyuFrame f = loadNyu(shared);
  cv::Mat d32;
  f.depth_m.convertTo(d32, CV_32F);
  expectAgreement("D,D float32", computeHha(d32, cv::Mat(), f.camera),
                  cv::imread((shared / "hha_reference/nyu_demo/shipped_hha_D_D.png").string()));
}
