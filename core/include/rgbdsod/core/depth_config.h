#pragma once
// Per-dataset depth configuration: how stored depth values become metres, which polarity they
// have, and which camera took them. HHA needs all three, and SOD datasets record none of them.
// It is read from <dataset>/depth.json when present and can be overridden on the command line.
//
// depth.json (every key optional; unknown keys are errors, so that typos do not pass silently):
//   {
//     "encoding": "metric" | "relative",   // default: by bit depth (16-bit metric, 8-bit relative)
//     "scale": 0.001,                      // metric: metres per stored unit (0.001 = millimetres)
//     "near_m": 1.25, "far_m": 5.0,        // relative: depth of the nearest / farthest stored value
//     "polarity": "near-bright" | "near-dark" | "auto",   // relative only; metric is near-dark
//     "intrinsics": {"fx": 518.9, "fy": 519.5, "cx": 325.6, "cy": 253.7},  // 1-based pixel grid
//     "intrinsics_file": "camera.txt",     // instead of "intrinsics"; relative to depth.json's folder
//     "intrinsics_size": [640, 480]        // the image size the intrinsics are for; they are then
//   }                                      // resized to each image (default: used as given)
//
// Default for SOD data: 8-bit maps are relative (they have no unit; most releases are min-max
// normalised per image), their polarity is detected per dataset (depth.h) and their values map
// linearly in depth to 1.25..5 m, and the camera is the NYU Depth v2 colour camera scaled to the
// image width (square pixels), the camera the reference HHA code and the SOD works that feed HHA
// to CNNs use. 1.25 m is just above 1.216 m, where the reference's disparity 31000/Z_cm reaches 255,
// so the nearest (usually salient) object keeps disparity contrast; 5 m is the far end of Kinect-
// class indoor depth (NYU, NLPR). 16-bit maps are metric millimetres (Kinect, RealSense), 0 = missing.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/depth.h"
#include "rgbdsod/core/hha.h"

namespace rgbdsod::core {

enum class DepthEncoding {
  Metric,    // stored value * scale = metres; 0 = no measurement
  Relative,  // unit-less nearness; mapped linearly in depth to near_m..far_m after polarity
};
const char* toString(DepthEncoding e);  // "metric" / "relative"
std::optional<DepthEncoding> parseDepthEncoding(std::string_view text);

struct DepthConfig {
  std::optional<DepthEncoding> encoding;  // nullopt: by bit depth (CV_16U metric, CV_8U relative)
  double scale = 0.001;                   // metric
  double near_m = 1.25;                   // relative
  double far_m = 5.0;                     // relative
  std::optional<DepthPolarity> polarity;  // relative; nullopt = "auto" (detect per dataset)
  std::optional<CameraIntrinsics> camera; // nullopt: NYU colour camera scaled to each image
  std::optional<cv::Size> camera_size;    // the size `camera` is for; nullopt: use it as given
  std::filesystem::path source;           // the depth.json it came from; empty for defaults

  // Empty when consistent; otherwise "<key>: <problem>".
  std::string problem() const;
  // A canonical one-line JSON of everything that changes the metric depth or the camera (not
  // `source`): the HHA cache records it to notice a changed configuration.
  std::string fingerprint() const;
};

// Reads a depth.json. Throws FileError naming the file and the key: not JSON, not an object,
// unknown key, wrong type, non-positive scale or focal length, near_m >= far_m, a bad intrinsics
// file, polarity set for metric depth.
DepthConfig readDepthConfig(const std::filesystem::path& json_file);
DepthConfig parseDepthConfig(std::string_view json_text, const std::filesystem::path& origin);
// <root>/depth.json when it exists, the defaults otherwise.
DepthConfig datasetDepthConfig(const std::filesystem::path& dataset_root);
inline constexpr const char* kDepthConfigFile = "depth.json";

// The encoding used for a stored map: the configured one, else by type (16-bit metric, else relative).
DepthEncoding encodingFor(const DepthConfig& config, const cv::Mat& stored);

// NYU's colour camera for an image of the given size: focal lengths scaled by width/640 (square
// pixels, NYU's horizontal field of view), principal point keeping NYU's offset from the centre.
CameraIntrinsics defaultCamera(cv::Size image);
// The camera for an image of this size under the configuration.
CameraIntrinsics cameraFor(const DepthConfig& config, cv::Size image);

// Stored depth as metres (CV_64FC1) and its measured-pixel map (CV_8UC1, 0 = missing), ready for
// computeHha(metres, measured, camera). Relative depth needs a polarity: `polarity` when the
// config has none (throws std::invalid_argument when both are empty).
struct MetricDepth {
  cv::Mat metres;
  cv::Mat measured;
};
MetricDepth toMetric(const cv::Mat& stored, const DepthConfig& config,
                     std::optional<DepthPolarity> polarity = std::nullopt);

}  // namespace rgbdsod::core
