// Gravity direction from surface normals (the reference's getYDir.m / getYDirHelper) and the
// rotation that aligns the camera's y axis with it (getRMatrix.m).
#include <cmath>
#include <numbers>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/hal/intrin.hpp>

#include "hha_detail.h"

namespace rgbdsod::core::hha_detail {
namespace {

// The reference's yDirParam: angle thresholds in degrees and iterations per threshold.
constexpr double kThresholdsDeg[] = {45.0, 15.0};
constexpr int kIterations = 5;

// Valid normals as three separate arrays, so that the loop below runs on packed registers.
struct NormalSet {
  std::vector<double> x, y, z;
};

// One iteration: normals nearly parallel to y are "floor", nearly perpendicular are "wall";
// the new y is the direction most parallel to floors and most perpendicular to walls.
cv::Vec3d refine(const NormalSet& n, const cv::Vec3d& y, double threshold_rad) {
  const double cos_t = std::cos(threshold_rad);
  const double sin_t = std::sin(threshold_rad);
  // Upper triangle of sum(wall n n^T) - sum(floor n n^T), in two interleaved partial sums
  // (branch-free: the weight is -1 floor, +1 wall, 0 neither), two normals at a time where the
  // CPU has 64-bit float vectors.
  double acc[2][6] = {};
  const std::size_t count = n.x.size();
  const double* nx = n.x.data();
  const double* ny = n.y.data();
  const double* nz = n.z.data();
  std::size_t i = 0;
#if CV_SIMD128_64F
  {
    using V = cv::v_float64x2;
    const V cos_v = cv::v_setall_f64(cos_t), sin_v = cv::v_setall_f64(sin_t), one = cv::v_setall_f64(1.0);
    const V zero = cv::v_setzero_f64();
    const V y0 = cv::v_setall_f64(y[0]), y1 = cv::v_setall_f64(y[1]), y2 = cv::v_setall_f64(y[2]);
    V s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero;
    for (; i + 2 <= count; i += 2) {
      const V x = cv::v_load(nx + i), yy = cv::v_load(ny + i), z = cv::v_load(nz + i);
      const V s = cv::v_abs(y0 * x + y1 * yy + y2 * z);
      const V w = cv::v_select(s < sin_v, one, zero) - cv::v_select(s > cos_v, one, zero);
      const V wx = w * x, wy = w * yy;
      s0 += wx * x;
      s1 += wx * yy;
      s2 += wx * z;
      s3 += wy * yy;
      s4 += wy * z;
      s5 += w * z * z;
    }
    double lanes[2];
    for (auto [v, k] : {std::pair{s0, 0}, {s1, 1}, {s2, 2}, {s3, 3}, {s4, 4}, {s5, 5}}) {
      cv::v_store(lanes, v);
      acc[0][k] += lanes[0];
      acc[1][k] += lanes[1];
    }
  }
#endif
  // Scalar path: the remaining normal, or all of them without vectors.
  const auto add = [&](double* a, std::size_t k) {
    const double s = std::abs(y[0] * nx[k] + y[1] * ny[k] + y[2] * nz[k]);
    const double w = static_cast<double>(s < sin_t) - static_cast<double>(s > cos_t);
    const double wx = w * nx[k], wy = w * ny[k];
    a[0] += wx * nx[k];
    a[1] += wx * ny[k];
    a[2] += wx * nz[k];
    a[3] += wy * ny[k];
    a[4] += wy * nz[k];
    a[5] += w * nz[k] * nz[k];
  };
  for (; i < count; ++i) add(acc[i % 2], i);
  double a[6];
  for (int k = 0; k < 6; ++k) a[k] = acc[0][k] + acc[1][k];
  if (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0 && a[4] == 0 && a[5] == 0) return y;  // nothing to fit
  const cv::Matx33d m(a[0], a[1], a[2], a[1], a[3], a[4], a[2], a[4], a[5]);
  cv::Mat values, vectors;
  cv::eigen(m, values, vectors);  // eigenvalues in descending order, eigenvectors as rows
  cv::Vec3d v(vectors.at<double>(2, 0), vectors.at<double>(2, 1), vectors.at<double>(2, 2));
  v /= cv::norm(v);
  return v.dot(y) < 0.0 ? -v : v;  // keep the previous estimate's sense
}

}  // namespace

cv::Vec3d estimateGravity(const cv::Mat& normals) {
  thread_local NormalSet valid;  // reused from frame to frame, like the encoder's other buffers
  for (auto* v : {&valid.x, &valid.y, &valid.z}) {
    v->clear();
    v->reserve(normals.total());
  }
  for (int y = 0; y < normals.rows; ++y) {
    const cv::Vec3d* n = normals.ptr<cv::Vec3d>(y);
    for (int x = 0; x < normals.cols; ++x) {
      if (std::isnan(n[x][0])) continue;
      valid.x.push_back(n[x][0]);
      valid.y.push_back(n[x][1]);
      valid.z.push_back(n[x][2]);
    }
  }
  cv::Vec3d y(0.0, 1.0, 0.0);
  for (const double deg : kThresholdsDeg) {
    const double rad = std::numbers::pi * deg / 180.0;
    for (int i = 0; i < kIterations; ++i) y = refine(valid, y, rad);
  }
  return y;
}

cv::Matx33d rotationBetween(const cv::Vec3d& from, const cv::Vec3d& to) {
  const cv::Vec3d a = from / cv::norm(from);
  const cv::Vec3d b = to / cv::norm(to);
  const double phi_deg = std::acos(std::max(-1.0, std::min(1.0, a.dot(b)))) * 180.0 / std::numbers::pi;
  if (!(std::abs(phi_deg) > 0.1)) return cv::Matx33d::eye();
  cv::Vec3d axis = a.cross(b);
  axis /= cv::norm(axis);
  const double phi = phi_deg * std::numbers::pi / 180.0;
  // Rodrigues: R = I + sin(phi) [axis]x + (1 - cos(phi)) [axis]x^2
  const cv::Matx33d s(0, -axis[2], axis[1], axis[2], 0, -axis[0], -axis[1], axis[0], 0);
  return cv::Matx33d::eye() + std::sin(phi) * s + (1.0 - std::cos(phi)) * (s * s);
}

}  // namespace rgbdsod::core::hha_detail
