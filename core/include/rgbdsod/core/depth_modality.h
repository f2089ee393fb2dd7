#pragma once
// The forms in which depth is fed to a model's depth input: the raw map (one channel, or
// replicated to three for backbones pretrained on RGB), disparity, or HHA. The training side
// picks one per model input in its configs; this is the core (torch-free) part that makes the
// float maps.
#include <cstddef>
#include <optional>
#include <string_view>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth.h"
#include "rgbdsod/core/depth_config.h"

namespace rgbdsod::core {

enum class DepthModality {
  Raw1,       // normalised depth, 1 = nearest (normaliseDepth), one channel
  Raw3,       // the same replicated to three channels
  Disparity,  // the HHA disparity channel 31000 / max(Z_cm, 100), saturated at 255, / 255; one channel
  Hha,        // HHA / 255, three channels in the cached PNG's BGR order (B angle, G height, R disparity)
};

const char* toString(DepthModality m);  // "raw", "raw3", "disparity", "hha"
// Accepts the names above (also "raw1", "depth", "depth3"), case-insensitively; nullopt otherwise.
std::optional<DepthModality> parseDepthModality(std::string_view text);
int channels(DepthModality m);

// The model input for one stored depth map: CV_32FC1 or CV_32FC3 in [0,1] at the map's size.
// polarity: that of the dataset (used by Raw1/Raw3, and by Disparity/Hha for relative depth when
// the config has none). Missing pixels are 0 in Raw and Disparity. HHA is computed here (no cache).
cv::Mat depthInput(const cv::Mat& stored, DepthModality m, const DepthConfig& config, DepthPolarity polarity);

// The same for a dataset sample; HHA comes from the dataset's HHA cache (loadHha).
cv::Mat depthInput(const Dataset& dataset, std::size_t index, DepthModality m, const DepthConfig& config,
                   DepthPolarity polarity);

}  // namespace rgbdsod::core
