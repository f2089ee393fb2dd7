#pragma once
// The one output contract of every network: the studio and the trainer show and train whatever a
// model provides (side outputs, foreground/background maps, per-modality branches) without
// knowing which model it is. Every field is optional (an undefined tensor / empty container).
#include <map>
#include <string>
#include <vector>

#include <torch/types.h>

namespace rgbdsod::models {

struct Prediction {
  // Saliency LOGITS [B,1,H,W] at the input resolution; sigmoid gives the saliency map.
  // (RecNet's final map is relu(sigmoid(F) - sigmoid(B)), already a probability: see final_is_probability.)
  torch::Tensor final;
  bool final_is_probability = false;

  // Side outputs per level, finest level first, as logits at their own resolution.
  std::vector<torch::Tensor> sides;           // raw level-specific predictions P_i
  std::vector<torch::Tensor> sides_combined;  // after dense backward combination (BPDC), P~_i
  // The paper's level number of sides[0], so that side outputs are named as in the paper
  // (Learn-Select-Fuse: 2, level 1 takes no part in inference; the franken net: its tap's level).
  int first_side_level = 1;
  // Learned combination sum_i w~_i P~_i of all combined side outputs, logits at the input size
  // (Learn-Select-Fuse's fused term in Eqs. 6 and 9); undefined for other networks.
  torch::Tensor sides_fused;

  // Foreground / background logits [B,1,H,W] (RecNet).
  torch::Tensor foreground;
  torch::Tensor background;

  // Per-modality branch predictions (logits), e.g. "rgb/level3", "depth/level3" for CA-Fuse's R-b / D-b.
  std::map<std::string, torch::Tensor> branches;

  // Named intermediate features for distillation / supervision transfer, e.g. "conv4".
  std::map<std::string, torch::Tensor> features;
};

// The inputs of RGB-D networks: either may be undefined for single-modality networks.
struct NetworkInput {
  torch::Tensor rgb;    // [B,3,H,W], ImageNet-normalised
  torch::Tensor depth;  // [B,C,H,W], C = 1 or 3 (raw, replicated, disparity or HHA), near = high
};

}  // namespace rgbdsod::models
