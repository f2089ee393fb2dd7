#pragma once
// Prediction of single samples with a stage's model, as the evaluation protocol wants it: the
// whole image resized to the training resolution, the saliency probability resized back to the
// GT's original size as 8-bit. Used by validation during training and by `rgbdsod infer`.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/training/data_source.h"
#include "rgbdsod/training/stage.h"

namespace rgbdsod::training {

struct SamplePrediction {
  cv::Mat saliency;  // CV_8UC1 at the sample's original size
  // With extras, the file tags of `infer --sides` (training/src/prediction_maps.cpp): "side<N>" by
  // the paper's level (combined side outputs when the model has them, else raw ones), "side<N>_raw"
  // beside combined ones, "side_fused", "fg" / "bg", branch maps "rgb_level3", "depth_level3";
  // each CV_8UC1 at the original size.
  std::vector<std::pair<std::string, cv::Mat>> extras;
};

// Puts the model in eval mode and runs without gradients; the caller restores train mode.
// depth_as_rgb feeds the sample's depth (replicated, ImageNet-normalised) to an RGB network: the
// zero-shot baseline of cross-modal transfer (an RGB teacher looking at depth).
SamplePrediction predictSample(Stage& stage, const LoadedSample& sample, int size, bool extras = false,
                               bool depth_as_rgb = false);

// Predicts the first max_images samples of `source` and evaluates them against their GT.
core::DatasetMetrics validate(Stage& stage, const SampleSource& source, int size, std::size_t max_images);

}  // namespace rgbdsod::training
