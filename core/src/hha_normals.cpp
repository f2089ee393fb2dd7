// Surface normals by least-squares plane fits over square windows, as the reference's
// computeNormalsSquareSupport.m does, but with running box sums (O(1) per pixel and window size)
// instead of a 2-D convolution per term.
#include <algorithm>
#include <cmath>
#include <limits>

#include <opencv2/core.hpp>
#include <opencv2/core/hal/intrin.hpp>

#include "hha_detail.h"

namespace rgbdsod::core::hha_detail {
namespace {

constexpr int K = kTerms;

// The reference passes z_cm / 100 to computeNormalsSquareSupport, which multiplies by 100 again.
inline double referenceZ(double z_cm) { return (z_cm / 100.0) * 100.0; }
// Its getPointCloudFromZ on the 1-based grid: ((u - cx) * Z) / fx.
inline double pointX(int x, double z, const CameraIntrinsics& c) { return ((x + 1 - c.cx) * z) / c.fx; }
inline double pointY(int y, double z, const CameraIntrinsics& c) { return ((y + 1 - c.cy) * z) / c.fy; }

// The reference's per-pixel terms, with its operations in its order: its X/Z is not exactly
// (u - cx)/fx, and degenerate fits (see fitNormals) depend on every rounding.
inline void referenceTerms(double z_cm, int x, int y, const CameraIntrinsics& c, double* out) {
  const double zn = referenceZ(z_cm);
  const double px = pointX(x, zn, c);
  const double py = pointY(y, zn, c);
  const double a = px / zn;
  const double b = py / zn;
  const double zz = zn * zn;
  out[0] = a * a;
  out[1] = a * b;
  out[2] = a;
  out[3] = b * b;
  out[4] = b;
  out[5] = 1.0;
  out[6] = px / zz;
  out[7] = py / zz;
  out[8] = 1.0 / zn;
}

// The window's sums added in the order of the reference's 2-D convolution (row by row, left to
// right; missing pixels add exact zeros), so that they match it bit for bit.
void exactWindowSum(const FitInputs& t, int y, int x, int r, double* s) {
  for (int k = 0; k < K; ++k) s[k] = 0.0;
  double f[K];
  for (int yy = std::max(0, y - r); yy <= std::min(t.z_cm.rows - 1, y + r); ++yy) {
    const double* z = t.z_cm.ptr<double>(yy);
    const std::uint8_t* ok = t.valid.ptr<std::uint8_t>(yy);
    for (int xx = std::max(0, x - r); xx <= std::min(t.z_cm.cols - 1, x + r); ++xx) {
      if (!ok[xx]) continue;
      referenceTerms(z[xx], xx, yy, t.camera, f);
      for (int k = 0; k < K; ++k) s[k] += f[k];
    }
  }
}

// Horizontal running sum over [x - r, x + r] (clipped) of the column sums (interleaved), written
// term by term (box[k * width + x]) for the row solver.
void horizontalBox(const double* col, double* box, int width, int r) {
  double s[K] = {};
  for (int x = 0; x <= std::min(r, width - 1); ++x)
    for (int k = 0; k < K; ++k) s[k] += col[x * K + k];
  for (int x = 0; x < width; ++x) {
    if (x > 0) {
      const int add = x + r;
      const int sub = x - r - 1;
      if (add < width)
        for (int k = 0; k < K; ++k) s[k] += col[add * K + k];
      if (sub >= 0)
        for (int k = 0; k < K; ++k) s[k] -= col[sub * K + k];
    }
    for (int k = 0; k < K; ++k) box[k * width + x] = s[k];
  }
}

// Solves one window's normal from its summed terms (the reference's invertIt + mutiplyIt: the
// adjugate of the symmetric AtA times Atb, then normalised), and orients it.
// `exact` keeps the reference's three divisions; otherwise one reciprocal is cheaper.
inline void solveNormal(const double* t, double px, double py, double pz, double* n, bool exact) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (t[5] == 0.0) {  // t[5] counts the window's valid pixels: an empty window has no plane
    n[0] = n[1] = n[2] = nan;
    return;
  }
  const double a0 = t[0], a1 = t[1], a2 = t[2], a3 = t[3], a4 = t[4], a5 = t[5];
  const double c0 = a3 * a5 - a4 * a4;
  const double c1 = -a1 * a5 + a2 * a4;
  const double c2 = a1 * a4 - a2 * a3;
  const double c3 = a0 * a5 - a2 * a2;
  const double c4 = -a0 * a4 + a1 * a2;
  const double c5 = a0 * a3 - a1 * a1;
  double nx = c0 * t[6] + c1 * t[7] + c2 * t[8];
  double ny = c1 * t[6] + c3 * t[7] + c4 * t[8];
  double nz = c2 * t[6] + c4 * t[7] + c5 * t[8];
  const double len = std::sqrt(nx * nx + ny * ny + nz * nz);
  if (exact) {
    nx /= len;  // 0/0 gives NaN for a degenerate fit, as in the reference
    ny /= len;
    nz /= len;
  } else {
    const double inv = 1.0 / len;  // inf for a zero solution: 0 * inf is NaN, as 0/0 is
    nx *= inv;
    ny *= inv;
    nz *= inv;
  }
  // The reference first makes n_z >= 0, then flips the normal so that n . P >= 0 (P the pixel's
  // point, missing or not); a zero or NaN sign keeps the orientation.
  if (nz < 0.0) {
    nx = -nx;
    ny = -ny;
    nz = -nz;
  }
  if (nx * px + ny * py + nz * pz < 0.0) {
    nx = -nx;
    ny = -ny;
    nz = -nz;
  }
  n[0] = nx;
  n[1] = ny;
  n[2] = nz;
}

// The fast path of one row, two pixels at a time where the CPU has 64-bit float vectors: the
// same arithmetic as solveNormal(..., exact = false). Returns the first pixel left to the caller.
int solveRowVector(const double* box, int width, const double* z, const double* ax, double vy, double* n) {
  int x = 0;
#if CV_SIMD128_64F
  const cv::v_float64x2 zero = cv::v_setzero_f64(), one = cv::v_setall_f64(1.0), minus = cv::v_setall_f64(-1.0);
  const cv::v_float64x2 nan = cv::v_setall_f64(std::numeric_limits<double>::quiet_NaN());
  const cv::v_float64x2 vyv = cv::v_setall_f64(vy);
  const auto term = [&](int k, int at) { return cv::v_load(box + k * width + at); };
  for (; x + 2 <= width; x += 2) {
    const cv::v_float64x2 a0 = term(0, x), a1 = term(1, x), a2 = term(2, x), a3 = term(3, x), a4 = term(4, x),
                          a5 = term(5, x), b0 = term(6, x), b1 = term(7, x), b2 = term(8, x);
    const cv::v_float64x2 c0 = a3 * a5 - a4 * a4, c1 = a2 * a4 - a1 * a5, c2 = a1 * a4 - a2 * a3;
    const cv::v_float64x2 c3 = a0 * a5 - a2 * a2, c4 = a1 * a2 - a0 * a4, c5 = a0 * a3 - a1 * a1;
    cv::v_float64x2 nx = c0 * b0 + c1 * b1 + c2 * b2;
    cv::v_float64x2 ny = c1 * b0 + c3 * b1 + c4 * b2;
    cv::v_float64x2 nz = c2 * b0 + c4 * b1 + c5 * b2;
    const cv::v_float64x2 inv = one / cv::v_sqrt(nx * nx + ny * ny + nz * nz);
    const cv::v_float64x2 s1 = cv::v_select(nz * inv < zero, minus, one) * inv;
    nx = nx * s1;
    ny = ny * s1;
    nz = nz * s1;
    const cv::v_float64x2 pz = cv::v_load(z + x);
    const cv::v_float64x2 d = nx * (cv::v_load(ax + x) * pz) + ny * (vyv * pz) + nz * pz;
    const cv::v_float64x2 s2 = cv::v_select(d < zero, minus, one);
    const cv::v_float64x2 empty = a5 == zero;
    cv::v_store_interleave(n + 3 * x, cv::v_select(empty, nan, nx * s2), cv::v_select(empty, nan, ny * s2),
                           cv::v_select(empty, nan, nz * s2));
  }
#else
  (void)box, (void)width, (void)z, (void)ax, (void)vy, (void)n;
#endif
  return x;
}

// The fast terms of one image row (the reference's, up to rounding): zeros where missing.
void termsRow(const FitInputs& in, const double* ax, int y, double* out) {
  const double* z = in.z_cm.ptr<double>(y);
  const std::uint8_t* ok = in.valid.ptr<std::uint8_t>(y);
  const double b = (y + 1 - in.camera.cy) / in.camera.fy;  // Y / Z on the 1-based grid
  for (int x = 0; x < in.z_cm.cols; ++x, out += K) {
    if (!ok[x]) {
      std::fill(out, out + K, 0.0);
      continue;
    }
    const double a = ax[x];  // X / Z
    const double inv_z = 1.0 / z[x];
    out[0] = a * a;
    out[1] = a * b;
    out[2] = a;
    out[3] = b * b;
    out[4] = b;
    out[5] = 1.0;
    out[6] = a * inv_z;  // X / Z^2
    out[7] = b * inv_z;  // Y / Z^2
    out[8] = inv_z;
  }
}

// Normals of one row from its column sums.
void solveRow(const FitInputs& in, const double* col, double* box, const double* ax, int y, int r, double* n) {
  const int cols = in.z_cm.cols;
  horizontalBox(col, box, cols, r);
  const double* z = in.z_cm.ptr<double>(y);
  const double vy = (y + 1 - in.camera.cy) / in.camera.fy;
  double t[K];
  for (int x = solveRowVector(box, cols, z, ax, vy, n); x < cols; ++x) {
    for (int k = 0; k < K; ++k) t[k] = box[k * cols + x];
    solveNormal(t, ax[x] * z[x], vy * z[x], z[x], n + 3 * x, false);
  }
  // Only where a window holds at most 2r+1 valid pixels can they all lie on one line (a line
  // crosses at most 2r+1 pixels of the window): the fit is degenerate and its solution is
  // rounding noise, which the reference's exact sums and operations reproduce.
  const double* count = box + 5 * cols;
  for (int x = 0; x < cols; ++x) {
    if (count[x] > 0.0 && count[x] <= 2 * r + 1) {
      exactWindowSum(in, y, x, r, t);
      const double zn = referenceZ(z[x]);
      solveNormal(t, pointX(x, zn, in.camera), pointY(y, zn, in.camera), zn, n + 3 * x, true);
    }
  }
}

}  // namespace

void fitNormals(const FitInputs& in, int r_small, int r_large, cv::Mat& n_small, cv::Mat& n_large) {
  CV_Assert(0 <= r_small && r_small <= r_large);
  const int rows = in.z_cm.rows;
  const int cols = in.z_cm.cols;
  const int row_len = cols * K;
  n_small.create(rows, cols, CV_64FC3);
  n_large.create(rows, cols, CV_64FC3);
  std::vector<double> ax(static_cast<std::size_t>(cols));  // X / Z of each column
  for (int x = 0; x < cols; ++x) ax[static_cast<std::size_t>(x)] = (x + 1 - in.camera.cx) / in.camera.fx;
  // One sweep down the image serves both window sizes. The terms of the rows inside the larger
  // window live in a ring buffer (about 1 MB for 640 columns), so they stay in cache instead of
  // making a 22 MB image. Stripes of rows run independently, each starting its sums afresh; their
  // number does not depend on the thread count, so neither does the result.
  const int ring = 2 * r_large + 2;
  const int stripes = std::max(1, std::min(8, rows / 64));
  const auto sweep = [&](const cv::Range& range) {
    std::vector<double> terms(static_cast<std::size_t>(ring) * row_len);
    std::vector<double> col_s(static_cast<std::size_t>(row_len), 0.0), col_l(col_s), box(col_s);
    const auto row = [&](int y) { return terms.data() + static_cast<std::size_t>(y % ring) * row_len; };
    const auto add = [&](std::vector<double>& col, int y, double sign) {
      const double* t = row(y);
      for (int i = 0; i < row_len; ++i) col[static_cast<std::size_t>(i)] += sign * t[i];
    };
    for (int y = std::max(0, range.start - r_large); y <= std::min(rows - 1, range.start + r_large); ++y) {
      termsRow(in, ax.data(), y, row(y));
      add(col_l, y, 1.0);
      if (std::abs(y - range.start) <= r_small) add(col_s, y, 1.0);
    }
    for (int y = range.start; y < range.end; ++y) {
      if (y > range.start) {
        if (y + r_large < rows) {
          termsRow(in, ax.data(), y + r_large, row(y + r_large));
          add(col_l, y + r_large, 1.0);
        }
        if (y - r_large - 1 >= 0) add(col_l, y - r_large - 1, -1.0);
        if (y + r_small < rows) add(col_s, y + r_small, 1.0);
        if (y - r_small - 1 >= 0) add(col_s, y - r_small - 1, -1.0);
      }
      solveRow(in, col_s.data(), box.data(), ax.data(), y, r_small, n_small.ptr<double>(y));
      solveRow(in, col_l.data(), box.data(), ax.data(), y, r_large, n_large.ptr<double>(y));
    }
  };
  // OpenCV hands a single thread the whole range at once: the stripes are cut here instead.
  cv::parallel_for_(cv::Range(0, stripes), [&](const cv::Range& which) {
    for (int i = which.start; i < which.end; ++i) sweep(cv::Range(i * rows / stripes, (i + 1) * rows / stripes));
  }, stripes);
}

}  // namespace rgbdsod::core::hha_detail
