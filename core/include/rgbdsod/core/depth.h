#pragma once
// Depth polarity and normalisation. Dataset copies of the field disagree on polarity: some store
// near = dark (metric depth, e.g. raw Kinect millimetres), others near = bright (the inverted 8-bit
// maps of many SOD releases). Polarity is a per-dataset setting, detected with stated evidence and
// overridable, never silently assumed.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace rgbdsod::core {

enum class DepthPolarity { NearIsBright, NearIsDark };

// "near-bright" / "near-dark"
const char* toString(DepthPolarity p);
// Accepts "near-bright", "near-dark" (also "bright", "dark"); nullopt otherwise.
std::optional<DepthPolarity> parsePolarity(std::string_view text);

// The outcome of polarity detection, with the evidence that a user can check.
struct PolarityEstimate {
  std::optional<DepthPolarity> polarity;  // nullopt: the evidence does not decide
  std::size_t images_examined = 0;        // images compared (voters and those below the margin)
  std::size_t images_used = 0;            // images that gave a vote
  std::size_t votes_bright = 0;           // images whose salient object is brighter than its surround
  std::size_t votes_dark = 0;             // ... darker than its surround
  double median_contrast = 0.0;           // median over images of (object - surround), in depth-range units
  std::string method;                     // "gt-contrast" or "vertical-gradient"
  std::string evidence;                   // one sentence for reports and the status bar
};

// Decides polarity from depth/GT pairs: the salient object is, in the field's datasets, nearer
// than its surroundings. Without GT it falls back to the floor cue (the bottom of a scene is
// nearer than its top). Pairs with an empty depth are skipped.
//
// gt-contrast: per image, the mean depth inside the GT (> 128) minus that of the background, each
// a 10%-trimmed mean, in units of the depth range of both regions; zeros (holes) are left out unless
// they make up nearly all of a region. An image votes when |contrast| > 0.02. The polarity is
// decided when at least two thirds of the votes agree. vertical-gradient (used when no GT has
// foreground): the same with the bottom quarter of rows as "object" and the top quarter as "surround".
// gts may be empty (no GT) or parallel to depths; an empty or size-mismatched GT is not used.
PolarityEstimate estimatePolarity(const std::vector<cv::Mat>& depths, const std::vector<cv::Mat>& gts);

// Depth as CV_32FC1 in [0,1] with 1 = nearest, 0 = farthest. Zero pixels of near-dark (metric)
// depth are missing measurements (holes) and map to 0; values are min-max scaled per image over
// the valid pixels. A constant map becomes all zeros.
cv::Mat normaliseDepth(const cv::Mat& depth, DepthPolarity polarity);

// Colour-mapped view of a normalised depth (CV_8UC3 BGR, turbo colour map) for display.
cv::Mat colourMapDepth(const cv::Mat& normalised);

}  // namespace rgbdsod::core
