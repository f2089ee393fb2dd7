// computeHha: the reference's saveHHA.m + processDepthImage.m, channel by channel.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include <opencv2/core.hpp>

#include "hha_detail.h"
#include "rgbdsod/core/hha.h"

namespace rgbdsod::core {
namespace {

// processDepthImage.m: when the lowest point is less than 90 cm below the camera, the floor is
// assumed to be out of view and put 130 cm below it.
constexpr double kFloorMissingAboveCm = -90.0;
constexpr double kFloorFallbackCm = -130.0;
// saveHHA.m: disparity = 31000 / max(Z_cm, 100); angle channel = angle + 128 - 90.
constexpr double kDisparityNumerator = 31000.0;
constexpr double kMinDepthCm = 100.0;
constexpr double kAngleOffset = 128.0 - 90.0;
constexpr double kNoNormalAngleDeg = 180.0;  // acosd(max(-1, NaN)) in MATLAB; the port sets NaN -> 180

// 8-bit conversion: round half to even (np.rint, which produced the reference files; MATLAB's
// uint8 differs only on exact halves), then saturate to 0..255 as MATLAB's uint8 does, NaN -> 0.
inline std::uint8_t toByte(double v) {
  if (!(v == v)) return 0;
  const double r = std::nearbyint(v);
  return static_cast<std::uint8_t>(std::clamp(r, 0.0, 255.0));
}

// Buffers of one thread, reused from frame to frame: about 40 MB for 640x480, whose fresh pages
// would otherwise cost more than a tenth of the encoding time in page faults.
struct Workspace {
  cv::Mat z_cm;
  cv::Mat n_angle;
  cv::Mat n_gravity;
};

// Plane fits use a pixel when the raw map has a measurement there and the depth is usable.
cv::Mat validMask(const cv::Mat& z_cm, const cv::Mat& raw) {
  cv::Mat valid(z_cm.size(), CV_8U);
  cv::Mat raw_nonzero;
  if (!raw.empty()) raw_nonzero = raw != 0;
  for (int y = 0; y < z_cm.rows; ++y) {
    const double* z = z_cm.ptr<double>(y);
    const std::uint8_t* r = raw.empty() ? nullptr : raw_nonzero.ptr<std::uint8_t>(y);
    std::uint8_t* v = valid.ptr<std::uint8_t>(y);
    for (int x = 0; x < z_cm.cols; ++x) v[x] = (std::isfinite(z[x]) && z[x] > 0.0 && (!r || r[x])) ? 1 : 0;
  }
  return valid;
}

void checkInputs(const cv::Mat& depth_m, const cv::Mat& raw, const CameraIntrinsics& camera) {
  if (depth_m.empty()) throw std::invalid_argument("computeHha: the depth map is empty");
  if (depth_m.type() != CV_32FC1 && depth_m.type() != CV_64FC1)
    throw std::invalid_argument("computeHha: depth must be CV_32FC1 or CV_64FC1 metres");
  if (!raw.empty() && (raw.channels() != 1 || raw.size() != depth_m.size()))
    throw std::invalid_argument("computeHha: the raw depth must be one channel of the depth's size");
  if (const std::string p = camera.problem(); !p.empty())
    throw std::invalid_argument("computeHha: bad camera intrinsics: " + p);
}

}  // namespace

HhaResult computeHha(const cv::Mat& depth_m, const cv::Mat& raw, const CameraIntrinsics& camera,
                     const HhaOptions& options) {
  checkInputs(depth_m, raw, camera);
  thread_local Workspace ws;
  depth_m.convertTo(ws.z_cm, CV_64F, 100.0);  // the reference's D * 100 (exact for CV_64F input)
  const cv::Mat& z_cm = ws.z_cm;
  const hha_detail::FitInputs inputs{z_cm, validMask(z_cm, raw), camera};
  if (options.normal_radius <= options.gravity_radius)
    hha_detail::fitNormals(inputs, options.normal_radius, options.gravity_radius, ws.n_angle, ws.n_gravity);
  else
    hha_detail::fitNormals(inputs, options.gravity_radius, options.normal_radius, ws.n_gravity, ws.n_angle);
  const cv::Mat& n_angle = ws.n_angle;
  const cv::Mat& n_gravity = ws.n_gravity;

  HhaResult result;
  result.gravity = hha_detail::estimateGravity(n_gravity);
  const cv::Vec3d y = result.gravity;
  const cv::Matx33d rot = hha_detail::rotationBetween(cv::Vec3d(0.0, 1.0, 0.0), y);
  // Height = -(R^T P)_y = -(column 1 of R) . P
  const double r0 = rot(0, 1), r1 = rot(1, 1), r2 = rot(2, 1);
  const int rows = z_cm.rows, cols = z_cm.cols;
  const auto pointX = [&](int x, double z) { return (x + 1 - camera.cx) * z / camera.fx; };
  const auto pointY = [&](int v, double z) { return (v + 1 - camera.cy) * z / camera.fy; };

  double lowest = std::numeric_limits<double>::infinity();
  for (int v = 0; v < rows; ++v) {
    const double* z = z_cm.ptr<double>(v);
    for (int x = 0; x < cols; ++x) {
      const double h = -(r0 * pointX(x, z[x]) + r1 * pointY(v, z[x]) + r2 * z[x]);
      if (h < lowest) lowest = h;  // NaN never compares less
    }
  }
  result.lowest_cm = lowest;
  result.floor_fallback = !(lowest <= kFloorMissingAboveCm);
  const double floor_cm = result.floor_fallback ? kFloorFallbackCm : lowest;

  result.hha.create(rows, cols, CV_8UC3);
  if (options.keep_geocentric) result.geocentric.create(rows, cols, CV_32FC3);
  std::size_t no_normal = 0;
  for (int v = 0; v < rows; ++v) {
    const double* z = z_cm.ptr<double>(v);
    const cv::Vec3d* n = n_angle.ptr<cv::Vec3d>(v);
    cv::Vec3b* out = result.hha.ptr<cv::Vec3b>(v);
    cv::Vec3f* geo = options.keep_geocentric ? result.geocentric.ptr<cv::Vec3f>(v) : nullptr;
    for (int x = 0; x < cols; ++x) {
      const double height = -(r0 * pointX(x, z[x]) + r1 * pointY(v, z[x]) + r2 * z[x]) - floor_cm;
      const double disparity = kDisparityNumerator / std::max(z[x], kMinDepthCm);
      double angle = kNoNormalAngleDeg;
      if (std::isnan(n[x][0])) {
        ++no_normal;
      } else {
        const double c = std::min(1.0, std::max(-1.0, n[x][0] * y[0] + n[x][1] * y[1] + n[x][2] * y[2]));
        angle = std::acos(c) * (180.0 / std::numbers::pi);
      }
      const double angle_channel = angle + kAngleOffset;
      out[x] = cv::Vec3b(toByte(angle_channel), toByte(height), toByte(disparity));
      if (geo) geo[x] = cv::Vec3f(static_cast<float>(disparity), static_cast<float>(height), static_cast<float>(angle_channel));
    }
  }
  result.no_normal_fraction = static_cast<double>(no_normal) / static_cast<double>(std::max<std::size_t>(1, z_cm.total()));
  return result;
}

}  // namespace rgbdsod::core
