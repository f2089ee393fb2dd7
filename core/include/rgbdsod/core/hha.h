#pragma once
// HHA, the geocentric depth encoding of Gupta et al. (ECCV 2014): per pixel the horizontal
// disparity, the height above the lowest point of the scene and the angle between the surface
// normal and gravity, each as 8 bits. The encoder reproduces the public reference (MATLAB
// s-gupta/rcnn-depth saveHHA.m/processDepthImage.m and its Python port charlesCXK/Depth2HHA-python,
// whose outputs the tests compare against) to within +-1 grey level, and runs its window sums as
// running (separable) box sums so that a 640x480 frame takes milliseconds, not seconds.
#include <filesystem>
#include <string>
#include <string_view>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>

namespace rgbdsod::core {

// Pinhole intrinsics in pixels on the reference's 1-based pixel grid (as in MATLAB):
// X = (u - cx) * Z / fx and Y = (v - cy) * Z / fy for u = 1..width, v = 1..height.
struct CameraIntrinsics {
  double fx = 0.0;
  double fy = 0.0;
  double cx = 0.0;
  double cy = 0.0;

  // The NYU Depth v2 colour camera (640x480), used by the reference for every HHA it ships.
  static CameraIntrinsics nyuColour();
  // The same camera for an image resized from `from` to `to`: focal lengths scale with the size,
  // and the principal point scales about the 1-based grid's pixel centres (u - 0.5 scales).
  CameraIntrinsics resized(cv::Size from, cv::Size to) const;
  // Empty when usable; otherwise what is wrong ("fx must be a positive number, got -5").
  std::string problem() const;
  bool operator==(const CameraIntrinsics&) const = default;
};

// Reads camera intrinsics from a text file in one of these forms:
//   named values, one per line or ';'-ended statements: "fx 518.8", "fx = 518.8", "fx: 518.8" for
//   fx, fy, cx, cy (names in any case; '#' and '%' start a comment; other names such as cx_crop or
//   k1 are ignored), as in the shared hha_reference/camera_intrinsics.txt;
//   the NYU toolbox's camera_params.m ("fx_rgb = 5.1885790117450188e+02;"): plain names win, then
//   the _rgb (colour) camera, then the _d (depth) camera;
//   a 3x3 camera matrix, 9 numbers row by row ("fx 0 cx / 0 fy cy / 0 0 1"; ',', ';', '[' and ']'
//   count as spaces); or
//   4 numbers "fx fy cx cy".
// Throws FileError naming the file and the problem (missing, unreadable, empty, a missing value, a
// value that is not a number, a matrix that is not a pinhole camera matrix, a non-positive focal
// length); format errors also list the accepted forms.
CameraIntrinsics readIntrinsicsFile(const std::filesystem::path& file);
// The same for text already in memory; `origin` names it in errors.
CameraIntrinsics parseIntrinsics(std::string_view text, const std::filesystem::path& origin);

// The reference's constants (processDepthImage.m / saveHHA.m).
struct HhaOptions {
  int normal_radius = 3;    // half-width of the square window of the angle channel's normals (7x7)
  int gravity_radius = 10;  // half-width of the window of the normals that estimate gravity (21x21)
  bool keep_geocentric = false;  // also return the unrounded channels (HhaResult::geocentric)
};

struct HhaResult {
  // CV_8UC3 in OpenCV's BGR order, so that cv::imwrite gives the reference's files:
  // channel 2 (R) = disparity, channel 1 (G) = height, channel 0 (B) = angle.
  cv::Mat hha;
  // CV_32FC3 (disparity 31000/max(Z_cm,100), height in cm, angle in degrees + 38) before rounding;
  // only with HhaOptions::keep_geocentric. The angle is 180 + 38 where no normal could be fitted.
  cv::Mat geocentric;
  cv::Vec3d gravity{0.0, 1.0, 0.0};  // unit "up" direction in camera coordinates (y points down)
  double lowest_cm = 0.0;            // the lowest point's height before the floor fallback
  bool floor_fallback = false;       // lowest point above -90 cm: the floor is put at -130 cm
  double no_normal_fraction = 0.0;   // share of pixels whose 7x7 window has no usable plane fit
};

// HHA of one frame.
//   depth_m: CV_32FC1 or CV_64FC1, depth in metres (the reference's D; it multiplies by 100 and
//            works in centimetres). Every pixel gives a point; values <= 0 or not finite are also
//            left out of the plane fits.
//   raw:     optional single-channel map of the same size; its zeros mark missing measurements,
//            which are left out of the plane fits (the reference's missingMask = RD == 0). Empty:
//            the depth itself is used (the reference's (D, D) call).
// Throws std::invalid_argument for bad types, sizes or intrinsics.
HhaResult computeHha(const cv::Mat& depth_m, const cv::Mat& raw, const CameraIntrinsics& camera,
                     const HhaOptions& options = {});

}  // namespace rgbdsod::core
