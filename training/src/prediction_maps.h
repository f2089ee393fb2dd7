#pragma once
// The one prediction path of a trained network on one sample: every map of its models::Prediction
// as an InspectMap (named as model_core.h lists them) at the sample's original size. ModelCore,
// predictSample (validation during training) and `rgbdsod infer` all go through predictionMaps,
// so the studio shows exactly the bytes that `infer` writes. Private to training/ (includes torch).
#include <string>
#include <utility>
#include <vector>

#include "rgbdsod/training/data_source.h"
#include "rgbdsod/training/model_core.h"
#include "rgbdsod/training/stage.h"

namespace rgbdsod::training {

struct PredictionMapOptions {
  bool own_input = true;   // the maps of the sample's own input (RGB, and depth when the network takes it)
  bool zero_shot = false;  // the maps of the depth fed to an RGB-only network, named "zero_shot/<name>"
  bool extras = true;      // every map; false: "final" only (validation)
};

// Puts the model in eval mode and runs without gradients (the caller restores train mode); the
// inputs go to the model's device, the maps come back on the CPU. Each map: the probability
// (sigmoid of the logits; "final" through saliencyProbability) resized bilinearly to
// sample.original (CV_32FC1, clamped to [0,1]), and its 8-bit image converted (x255) from that
// resized float before clamping, as `infer` has always written it. Order: "final", side/levelN,
// side_combined/levelN, side_fused, foreground, background, branches by modality and level; then
// the zero-shot maps in the same order. Throws core::Error for zero_shot on a network that takes
// depth, or on a sample without depth.
std::vector<InspectMap> predictionMaps(Stage& stage, const LoadedSample& sample, int size,
                                       const PredictionMapOptions& options);

inline std::vector<InspectMap> predictionMaps(Stage& stage, const LoadedSample& sample, int size, bool zero_shot) {
  PredictionMapOptions o;
  o.zero_shot = zero_shot;
  return predictionMaps(stage, sample, size, o);
}

// What `rgbdsod infer --sides` writes of these maps, as <sample>_<tag>.png: the maps of the own
// input (zero_shot false) or of the zero-shot input (true, the "zero_shot/" prefix dropped), final
// excluded. Tags: side<N> (the combined side output P~_N when the network has them, else the raw
// P_N), side<N>_raw (P_N, when combined ones exist), side_fused, fg, bg, and the branch maps with
// '/' as '_' (rgb_level3).
std::vector<std::pair<std::string, const InspectMap*>> sideFileTags(const std::vector<InspectMap>& maps,
                                                                     bool zero_shot);

}  // namespace rgbdsod::training
