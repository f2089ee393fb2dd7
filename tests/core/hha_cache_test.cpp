// The dataset HHA cache (hit, miss, invalidation, cancellation) and the depth modalities.
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth_modality.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/hha_cache.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;
using rgbdsod::test::TempDir;
using rgbdsod::test::writeBytes;

namespace {

// A small dataset with 16-bit millimetre depth of a tilted plane (different per sample).
void writeDataset(const fs::path& root, int samples, int depth_type = CV_16U) {
  for (const char* d : {"RGB", "depth", "GT"}) fs::create_directories(root / d);
  for (int i = 0; i < samples; ++i) {
    const std::string name = fmt::format("s{}", i);  // not "s" + to_string: GCC 12 -Wrestrict false positive
    cv::Mat depth(48, 64, depth_type);
    cv::Mat gt(48, 64, CV_8U, cv::Scalar(0));
    gt(cv::Rect(20, 15, 24, 18)).setTo(255);
    for (int y = 0; y < 48; ++y)
      for (int x = 0; x < 64; ++x) {
        const double mm = 1500 + 20 * y + 5 * x + 100 * i - (gt.at<std::uint8_t>(y, x) ? 400 : 0);
        if (depth_type == CV_16U) depth.at<std::uint16_t>(y, x) = static_cast<std::uint16_t>(mm);
        else depth.at<std::uint8_t>(y, x) = cv::saturate_cast<std::uint8_t>(255 - (mm - 1000) / 12);  // near-bright
      }
    cv::imwrite((root / "RGB" / (name + ".jpg")).string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar(90, 120, 150)));
    cv::imwrite((root / "depth" / (name + ".png")).string(), depth);
    cv::imwrite((root / "GT" / (name + ".png")).string(), gt);
  }
}

}  // namespace

TEST(HhaCache, HitMissAndInvalidation) {
  TempDir dir;
  writeDataset(dir.path(), 3);
  const Dataset ds = openDataset(dir.path());
  const DepthConfig config;
  HhaCacheSummary s = buildHhaCache(ds, config);
  EXPECT_EQ(s.computed, 3u);
  EXPECT_EQ(s.reused, 0u);
  EXPECT_FALSE(s.polarity);  // 16-bit metric depth needs none
  ASSERT_TRUE(fs::exists(dir / "hha/s0.png"));
  ASSERT_TRUE(fs::exists(dir / "hha/.rgbdsod-hha.json"));
  const cv::Mat first = cv::imread((dir / "hha/s1.png").string());
  EXPECT_EQ(first.size(), cv::Size(64, 48));

  s = buildHhaCache(ds, config);  // everything up to date
  EXPECT_EQ(s.computed, 0u);
  EXPECT_EQ(s.reused, 3u);

  // A changed depth file (same size on disk or not) is encoded again, the others are reused.
  cv::Mat d = cv::imread((dir / "depth/s1.png").string(), cv::IMREAD_UNCHANGED);
  d += 300;
  cv::imwrite((dir / "depth/s1.png").string(), d);
  s = buildHhaCache(ds, config);
  EXPECT_EQ(s.computed, 1u);
  EXPECT_EQ(s.reused, 2u);
  EXPECT_NE(cv::norm(first, cv::imread((dir / "hha/s1.png").string()), cv::NORM_INF), 0.0);

  // Other intrinsics invalidate every image; --force too.
  DepthConfig other = config;
  other.camera = CameraIntrinsics{60, 60, 32.5, 24.5};
  EXPECT_EQ(buildHhaCache(ds, other).computed, 3u);
  EXPECT_EQ(buildHhaCache(ds, other).reused, 3u);
  EXPECT_EQ(buildHhaCache(ds, other, /*force=*/true).computed, 3u);

  // A deleted image is encoded again.
  fs::remove(dir / "hha/s2.png");
  EXPECT_EQ(buildHhaCache(ds, other).computed, 1u);

  // The manifest records what the cache depends on.
  std::ifstream in(dir / "hha/.rgbdsod-hha.json");
  const nlohmann::json m = nlohmann::json::parse(in);
  EXPECT_EQ(m["files"]["s0"]["depth"], "depth/s0.png");
  EXPECT_EQ(m["files"]["s0"]["hash"], fileContentHash(dir / "depth/s0.png"));
  EXPECT_EQ(m["files"]["s0"]["settings"], other.fingerprint());
}

TEST(HhaCache, CancelledRunKeepsWhatWasWritten) {
  TempDir dir;
  writeDataset(dir.path(), 4);
  const Dataset ds = openDataset(dir.path());
  JobContext job;
  job.progress = [&](const ProgressEvent& e) {
    if (e.done == 2) job.cancel.cancel();
  };
  EXPECT_THROW(buildHhaCache(ds, DepthConfig{}, false, job), Cancelled);
  const HhaCacheSummary s = buildHhaCache(ds, DepthConfig{});
  EXPECT_EQ(s.reused, 2u);
  EXPECT_EQ(s.computed, 2u);
}

TEST(HhaCache, RelativeDepthDetectsPolarityAndLoadHhaUsesTheCache) {
  TempDir dir;
  writeDataset(dir.path(), 3, CV_8U);
  const Dataset ds = openDataset(dir.path());
  const HhaCacheSummary s = buildHhaCache(ds, DepthConfig{});
  EXPECT_EQ(s.computed, 3u);
  ASSERT_TRUE(s.polarity);
  EXPECT_EQ(*s.polarity, DepthPolarity::NearIsBright);  // the GT object is brighter than its ring
  EXPECT_NE(s.polarity_evidence.find("detected"), std::string::npos);
  const cv::Mat cached = cv::imread((dir / "hha/s0.png").string());
  EXPECT_EQ(cv::norm(loadHha(ds, 0, DepthConfig{}), cached, cv::NORM_INF), 0.0);
}

TEST(HhaCache, MissingDepthIsAProblemNotAnError) {
  TempDir dir;
  writeDataset(dir.path(), 2);
  fs::remove(dir / "depth/s1.png");
  const HhaCacheSummary s = buildHhaCache(openDataset(dir.path()), DepthConfig{});
  EXPECT_EQ(s.computed, 1u);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_NE(s.problems[0].find("s1: no depth map"), std::string::npos);
}

TEST(DepthModality, ParseAndChannels) {
  for (DepthModality m : {DepthModality::Raw1, DepthModality::Raw3, DepthModality::Disparity, DepthModality::Hha})
    EXPECT_EQ(parseDepthModality(toString(m)), m);
  EXPECT_EQ(parseDepthModality("HHA"), DepthModality::Hha);
  EXPECT_FALSE(parseDepthModality("rgb"));
  EXPECT_EQ(channels(DepthModality::Raw3), 3);
  EXPECT_EQ(channels(DepthModality::Disparity), 1);
}

TEST(DepthModality, MapsAreFloatInUnitRange) {
  TempDir dir;
  writeDataset(dir.path(), 1);
  const Dataset ds = openDataset(dir.path());
  for (DepthModality m : {DepthModality::Raw1, DepthModality::Raw3, DepthModality::Disparity, DepthModality::Hha}) {
    const cv::Mat x = depthInput(ds, 0, m, DepthConfig{}, DepthPolarity::NearIsDark);
    EXPECT_EQ(x.type(), CV_MAKETYPE(CV_32F, channels(m))) << toString(m);
    EXPECT_EQ(x.size(), cv::Size(64, 48));
    double lo = 0, hi = 0;
    cv::minMaxLoc(x.reshape(1), &lo, &hi);
    EXPECT_GE(lo, 0.0);
    EXPECT_LE(hi, 1.0);
    EXPECT_GT(hi, lo) << toString(m);
  }
  // Disparity is the HHA's R channel / 255: 31000 / 130 cm (nearest point of the object).
  const cv::Mat disp = depthInput(ds, 0, DepthModality::Disparity, DepthConfig{}, DepthPolarity::NearIsDark);
  EXPECT_NEAR(disp.at<float>(15, 20), 31000.0 / (100 * (1.5 + 0.02 * 15 + 0.005 * 20 - 0.4)) / 255, 1e-6);
  EXPECT_TRUE(fs::exists(dir / "hha/s0.png"));  // Hha went through the dataset's cache
}
