// HHA on rendered scenes with known geometry: a floor 150 cm below the camera, a ceiling 150 cm
// above it and a wall 610 cm ahead, seen by a known camera, level or rolled about its optical axis.
// Plane fits of exact planes give exact normals; the scene is point-symmetric about the principal
// point, so the mixed normals of windows that straddle two planes cancel in the gravity estimate.
// Gravity, angles and heights must therefore come out exactly (up to float rounding).
#include <cmath>
#include <numbers>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/depth_config.h"
#include "rgbdsod/core/hha.h"

using namespace rgbdsod::core;

namespace {

constexpr double kFloorCm = 150.0;  // floor Y_world = +150, ceiling Y_world = -150 (y points down)
constexpr double kWallCm = 610.0;   // wall Z_world = 610
const CameraIntrinsics kCamera{200.0, 200.0, 160.5, 120.5};  // 320x240, principal point at the centre
enum Plane : std::uint8_t { kWall = 0, kFloor = 1, kCeiling = 2 };

struct Scene {
  cv::Mat depth_m;  // CV_64F
  cv::Mat plane;    // CV_8U, Plane
  cv::Matx33d world_to_camera;
};

// Camera rolled by `roll_deg` about its optical axis.
Scene render(double roll_deg) {
  const double t = roll_deg * std::numbers::pi / 180.0;
  Scene s;
  s.world_to_camera = cv::Matx33d(std::cos(t), -std::sin(t), 0, std::sin(t), std::cos(t), 0, 0, 0, 1);
  const cv::Matx33d camera_to_world = s.world_to_camera.t();
  s.depth_m.create(240, 320, CV_64F);
  s.plane.create(240, 320, CV_8U);
  for (int v = 0; v < 240; ++v)
    for (int u = 0; u < 320; ++u) {
      const cv::Vec3d ray_c((u + 1 - kCamera.cx) / kCamera.fx, (v + 1 - kCamera.cy) / kCamera.fy, 1.0);
      const cv::Vec3d ray_w = camera_to_world * ray_c;
      double z = kWallCm / ray_w[2];  // the ray has Z = 1 in both frames: the parameter is Z in cm
      Plane p = kWall;
      if (ray_w[1] > 0 && kFloorCm / ray_w[1] < z) {
        z = kFloorCm / ray_w[1];
        p = kFloor;
      } else if (ray_w[1] < 0 && -kFloorCm / ray_w[1] < z) {
        z = -kFloorCm / ray_w[1];
        p = kCeiling;
      }
      s.depth_m.at<double>(v, u) = z / 100.0;
      s.plane.at<std::uint8_t>(v, u) = p;
    }
  return s;
}

// Pixels whose (2r+1)^2 window lies on one plane.
cv::Mat cleanWindows(const Scene& s, int r) {
  cv::Mat lo, hi;
  const cv::Mat k = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2 * r + 1, 2 * r + 1));
  cv::erode(s.plane, lo, k, {-1, -1}, 1, cv::BORDER_REPLICATE);
  cv::dilate(s.plane, hi, k, {-1, -1}, 1, cv::BORDER_REPLICATE);
  return lo == hi;
}

void expectGeometry(const Scene& s, const HhaResult& r) {
  const cv::Vec3d up = s.world_to_camera * cv::Vec3d(0, 1, 0);  // the floor normal, in camera coordinates
  EXPECT_NEAR(r.gravity[0], up[0], 1e-9);
  EXPECT_NEAR(r.gravity[1], up[1], 1e-9);
  EXPECT_NEAR(r.gravity[2], up[2], 1e-9);
  EXPECT_NEAR(r.lowest_cm, -kFloorCm, 1e-6);
  EXPECT_FALSE(r.floor_fallback);
  const cv::Mat clean = cleanWindows(s, 3);
  int count[3] = {0, 0, 0};
  for (int v = 0; v < 240; ++v)
    for (int u = 0; u < 320; ++u) {
      if (!clean.at<std::uint8_t>(v, u)) continue;
      const cv::Vec3f g = r.geocentric.at<cv::Vec3f>(v, u);
      const double z_cm = s.depth_m.at<double>(v, u) * 100.0;
      const cv::Vec3d p((u + 1 - kCamera.cx) * z_cm / kCamera.fx, (v + 1 - kCamera.cy) * z_cm / kCamera.fy, z_cm);
      const double y_world = (s.world_to_camera.t() * p)[1];
      ASSERT_NEAR(g[0], 31000.0 / std::max(z_cm, 100.0), 1e-3) << u << "," << v;
      ASSERT_NEAR(g[1], kFloorCm - y_world, 1e-3) << u << "," << v;  // height above the floor
      // Angle with gravity (+38): floor 0, wall 90, ceiling 180 degrees.
      const Plane plane = static_cast<Plane>(s.plane.at<std::uint8_t>(v, u));
      const double angle = plane == kFloor ? 0.0 : plane == kWall ? 90.0 : 180.0;
      ASSERT_NEAR(g[2], angle + 38.0, 1e-3) << u << "," << v;
      ASSERT_EQ(r.hha.at<cv::Vec3b>(v, u)[0], angle + 38.0) << u << "," << v;
      ASSERT_LE(std::abs(r.hha.at<cv::Vec3b>(v, u)[1] - std::min(255.0, kFloorCm - y_world)), 0.5 + 1e-6) << u << "," << v;
      ++count[plane];
    }
  for (int p = 0; p < 3; ++p) EXPECT_GT(count[p], 5000) << "plane " << p;
}

HhaOptions keepFloats() {
  HhaOptions o;
  o.keep_geocentric = true;
  return o;
}

}  // namespace

TEST(HhaSynthetic, LevelCameraGivesExactAnglesAndHeights) {
  const Scene s = render(0.0);
  expectGeometry(s, computeHha(s.depth_m, cv::Mat(), kCamera, keepFloats()));
}

TEST(HhaSynthetic, PitchedCameraSeeingOnlyFloorRecoversGravityExactly) {
  // Pitched 45 degrees down: the top image row looks 14 degrees below the horizon, all floor.
  const double t = 45.0 * std::numbers::pi / 180.0;
  const cv::Matx33d world_to_camera(1, 0, 0, 0, std::cos(t), -std::sin(t), 0, std::sin(t), std::cos(t));
  cv::Mat depth(240, 320, CV_64F);
  for (int v = 0; v < 240; ++v)
    for (int u = 0; u < 320; ++u) {
      const cv::Vec3d ray_w = world_to_camera.t() * cv::Vec3d((u + 1 - kCamera.cx) / kCamera.fx,
                                                              (v + 1 - kCamera.cy) / kCamera.fy, 1.0);
      ASSERT_GT(ray_w[1], 0.0);
      depth.at<double>(v, u) = kFloorCm / ray_w[1] / 100.0;
    }
  const HhaResult r = computeHha(depth, cv::Mat(), kCamera, keepFloats());
  const cv::Vec3d up = world_to_camera * cv::Vec3d(0, 1, 0);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(r.gravity[i], up[i], 1e-9);
  EXPECT_NEAR(r.lowest_cm, -kFloorCm, 1e-6);
  double worst_angle = 0, worst_height = 0;
  for (int v = 0; v < 240; ++v)
    for (int u = 0; u < 320; ++u) {
      worst_angle = std::max(worst_angle, std::abs(r.geocentric.at<cv::Vec3f>(v, u)[2] - 38.0));
      worst_height = std::max(worst_height, std::abs(r.geocentric.at<cv::Vec3f>(v, u)[1] - 0.0));
    }
  EXPECT_LT(worst_angle, 1e-3);  // degrees: every normal is the floor's
  EXPECT_LT(worst_height, 1e-3);  // cm: every point is on the floor
  EXPECT_EQ(cv::norm(r.hha.reshape(1, 240 * 320).col(0), cv::NORM_INF), 38.0);
}

TEST(HhaSynthetic, RolledCameraRecoversGravityClosely) {
  // Windows across the tilted plane edges mix two planes; they perturb the estimate a little.
  const Scene s = render(15.0);
  const HhaResult r = computeHha(s.depth_m, cv::Mat(), kCamera);
  const cv::Vec3d up = s.world_to_camera * cv::Vec3d(0, 1, 0);
  EXPECT_GT(r.gravity.dot(up), std::cos(0.5 * std::numbers::pi / 180.0));  // within half a degree
  const cv::Mat clean = cleanWindows(s, 3);
  int ok = 0;
  for (int v = 0; v < 240; ++v)
    for (int u = 0; u < 320; ++u) {
      if (!clean.at<std::uint8_t>(v, u)) continue;
      const Plane plane = static_cast<Plane>(s.plane.at<std::uint8_t>(v, u));
      const int expected = plane == kFloor ? 38 : plane == kWall ? 128 : 218;
      ok += std::abs(r.hha.at<cv::Vec3b>(v, u)[0] - expected) <= 1;
    }
  EXPECT_GE(ok, 0.99 * cv::countNonZero(clean));
}

TEST(HhaSynthetic, HolesHaveNoNormalAndTheReferenceAngle) {
  const Scene s = render(0.0);
  cv::Mat measured(s.depth_m.size(), CV_8U, cv::Scalar(1));
  measured(cv::Rect(40, 90, 60, 40)).setTo(0);  // a hole in the wall
  measured(cv::Rect(200, 200, 30, 20)).setTo(0);  // and one in the floor
  const HhaResult r = computeHha(s.depth_m, measured, kCamera, keepFloats());
  // Where a 7x7 window holds no measured pixel, the angle is the reference's 180 (+38).
  cv::Mat empty;
  cv::erode(measured == 0, empty, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(7, 7)));
  const int holes = cv::countNonZero(empty);
  ASSERT_EQ(holes, 54 * 34 + 24 * 14);
  for (int v = 0; v < 240; ++v)
    for (int u = 0; u < 320; ++u) {
      if (empty.at<std::uint8_t>(v, u)) {
        ASSERT_EQ(r.hha.at<cv::Vec3b>(v, u)[0], 218) << u << "," << v;
      }
    }
  // (Windows that see only a corner pixel of a hole's rim have a degenerate fit as well.)
  EXPECT_GE(r.no_normal_fraction, double(holes) / s.depth_m.total());
  EXPECT_LE(r.no_normal_fraction, double(holes + 8) / s.depth_m.total());
  // Holes still get disparity and height from the (filled) depth, as in the reference.
  EXPECT_EQ(r.hha.at<cv::Vec3b>(110, 70)[2], 51);  // 31000 / 610
  EXPECT_EQ(r.hha.at<cv::Vec3b>(110, 70)[1], static_cast<int>(std::nearbyint(kFloorCm - (111 - kCamera.cy) * 3.05)));
}

TEST(HhaSynthetic, FloorOutOfViewUsesTheFallback) {
  // The top 100 rows see the ceiling and the wall above the camera: the lowest point is 62.5 cm
  // above it.
  const Scene s = render(0.0);
  const cv::Mat top = s.depth_m(cv::Rect(0, 0, 320, 100)).clone();
  const HhaResult r = computeHha(top, cv::Mat(), kCamera);
  EXPECT_GT(r.lowest_cm, -90.0);
  EXPECT_TRUE(r.floor_fallback);
  // The floor is put 130 cm below the camera: height = 130 cm + the point's height above the camera.
  const double y = (100 - kCamera.cy) * kWallCm / kCamera.fy;  // the crop's last row, v = 100
  EXPECT_NEAR(r.lowest_cm, -y, 5.0);  // the gravity estimate sees ceiling/wall windows: close, not exact
  // Heights are measured from 130 cm below the camera, so the lowest point has height lowest + 130.
  double lowest_g = 0;
  std::vector<cv::Mat> ch;
  cv::split(r.hha, ch);
  cv::minMaxLoc(ch[1], &lowest_g);
  EXPECT_NEAR(lowest_g, r.lowest_cm + 130.0, 0.5 + 1e-9);
}

TEST(HhaSynthetic, SixteenBitMillimetresMatchMetres) {
  const Scene s = render(8.0);
  const cv::Mat measured(s.depth_m.size(), CV_8U, cv::Scalar(1));
  cv::Mat mm;
  s.depth_m.convertTo(mm, CV_16U, 1000.0);  // rounded to whole millimetres
  const MetricDepth metric = toMetric(mm, DepthConfig{});
  EXPECT_EQ(encodingFor(DepthConfig{}, mm), DepthEncoding::Metric);
  const HhaResult a = computeHha(metric.metres, measured, kCamera);
  const HhaResult b = computeHha(s.depth_m, measured, kCamera);
  cv::Mat diff;
  cv::absdiff(a.hha, b.hha, diff);
  const cv::Mat clean = cleanWindows(s, 3);
  std::vector<cv::Mat> ch;
  cv::split(diff, ch);
  for (int c = 0; c < 3; ++c) {
    const int within = cv::countNonZero((ch[c] <= 1) & clean);
    EXPECT_GE(within, 0.99 * cv::countNonZero(clean)) << "channel " << c;
  }
}

TEST(HhaSynthetic, EightBitRelativeDepthIsPolaritySymmetric) {
  const Scene s = render(0.0);
  cv::Mat near_bright(s.depth_m.size(), CV_8U);
  for (int v = 0; v < 240; ++v)
    for (int u = 0; u < 320; ++u)  // 1.25..5 m -> 255..0
      near_bright.at<std::uint8_t>(v, u) = cv::saturate_cast<std::uint8_t>(
          255.0 * (5.0 - std::min(5.0, s.depth_m.at<double>(v, u))) / 3.75);
  const cv::Mat near_dark = 255 - near_bright;
  const DepthConfig config;  // defaults: relative 8-bit, NYU camera scaled to the width
  ASSERT_EQ(encodingFor(config, near_bright), DepthEncoding::Relative);
  const MetricDepth a = toMetric(near_bright, config, DepthPolarity::NearIsBright);
  const MetricDepth b = toMetric(near_dark, config, DepthPolarity::NearIsDark);
  EXPECT_EQ(cv::countNonZero(a.measured), int(a.measured.total()));  // near-bright zeros are far, not holes
  const CameraIntrinsics cam = cameraFor(config, near_bright.size());
  EXPECT_NEAR(cam.fx, CameraIntrinsics::nyuColour().fx / 2.0, 1e-9);
  // Near-dark zeros are holes; compare both on the same pixels.
  const HhaResult ra = computeHha(a.metres, b.measured, cam);
  const HhaResult rb = computeHha(b.metres, b.measured, cam);
  EXPECT_LE(cv::norm(ra.hha, rb.hha, cv::NORM_INF), 1.0);
  EXPECT_NEAR(a.metres.at<double>(239, 160), s.depth_m.at<double>(239, 160), 0.01);
  EXPECT_THROW(toMetric(near_bright, config), std::invalid_argument);  // relative needs a polarity
}

TEST(HhaSynthetic, ThreadCountDoesNotChangeTheImage) {
  const Scene s = render(15.0);
  cv::Mat measured(s.depth_m.size(), CV_8U, cv::Scalar(1));
  measured(cv::Rect(40, 90, 60, 40)).setTo(0);
  const int threads = cv::getNumThreads();
  cv::setNumThreads(1);
  const HhaResult one = computeHha(s.depth_m, measured, kCamera);
  cv::setNumThreads(std::max(threads, 4));
  const HhaResult many = computeHha(s.depth_m, measured, kCamera);
  cv::setNumThreads(threads);
  EXPECT_EQ(cv::norm(one.hha, many.hha, cv::NORM_INF), 0.0);
  EXPECT_EQ(one.gravity, many.gravity);
}
