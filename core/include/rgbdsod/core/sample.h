#pragma once
// One RGB-D sample: the files that belong together and, once loaded, their pixels.
#include <filesystem>
#include <string>

#include <opencv2/core/mat.hpp>

namespace rgbdsod::core {

enum class Modality { Rgb, Depth, Gt };
const char* toString(Modality m);

// The files of one sample, paired by name. A path is empty when that partner is missing.
struct SampleFiles {
  std::string name;  // the stem shared by every folder ("x_rgb"), else the stripped stem ("0086" for 0086_GT.png)
  std::filesystem::path rgb;
  std::filesystem::path depth;
  std::filesystem::path gt;
};

struct Sample {
  std::string name;
  cv::Mat rgb;    // CV_8UC3 BGR (readRgb)
  cv::Mat depth;  // CV_8UC1 or CV_16UC1 as stored (readDepth)
  cv::Mat gt;     // CV_8UC1 0..255 (readMask); empty for unlabeled datasets
};

}  // namespace rgbdsod::core
