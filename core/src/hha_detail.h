#pragma once
// Internal steps of the HHA encoder (hha_*.cpp), separated so each file keeps one purpose.
#include <vector>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>

#include "rgbdsod/core/hha.h"

namespace rgbdsod::core::hha_detail {

// Least-squares plane fits n . P = 1 over square windows (the reference's
// computeNormalsSquareSupport): per pixel the terms (a^2, ab, a, b^2, b, 1, a/Z, b/Z, 1/Z) with
// a = X/Z, b = Y/Z, summed over the window's valid pixels (zero padding at the border).
inline constexpr int kTerms = 9;
struct FitInputs {
  cv::Mat z_cm;   // CV_64F, depth in cm (the reference's z)
  cv::Mat valid;  // CV_8U, nonzero where the pixel takes part in the fits
  CameraIntrinsics camera;
};

// Unit normals (CV_64FC3) for windows of half-width r_small and r_large (r_small <= r_large) in
// one sweep, oriented as the reference orients them (first n_z >= 0, then n . P >= 0). NaN where
// the window holds no valid pixel or the fit is degenerate (zero solution). The outputs are
// passed in so that their memory is reused from frame to frame.
void fitNormals(const FitInputs& inputs, int r_small, int r_large, cv::Mat& n_small, cv::Mat& n_large);

// The reference's getYDir: starting from (0, 1, 0), two rounds (45 and 15 degrees) of five
// iterations, each taking the smallest-eigenvalue direction of sum(wall n n^T) - sum(floor n n^T).
// NaN normals are skipped.
cv::Vec3d estimateGravity(const cv::Mat& normals);

// The reference's getRMatrix(from, to): the rotation taking `from` to `to` about from x to;
// the identity when they are within 0.1 degrees.
cv::Matx33d rotationBetween(const cv::Vec3d& from, const cv::Vec3d& to);

}  // namespace rgbdsod::core::hha_detail
