#pragma once
// The downstream RGB-D SOD network of the modality-balanced contrastive pre-training: the
// pre-trained RGB and depth encoders (and the fusion encoder's fusion conv) are copied in and
// frozen (no gradient, always in eval mode); a light top-down decoder is trained on saliency masks.
#include <array>
#include <cstdint>

#include <torch/nn.h>
#include <torch/types.h>

#include "rgbdsod/models/contrastive_pretrain.h"
#include "rgbdsod/models/prediction.h"

namespace rgbdsod::models {

struct ContrastiveSodOptions {
  int64_t decoder_channels = 64;  // before width scaling (the width is the pre-trained one)
  bool use_fusion = true;         // add the frozen fusion encoder's map (mask ratio 0) at layer4
};

// Decoder per level l = layer1..layer4: lateral 1x1 conv over concat(rgb_l, depth_l); top-down
// x_l = smooth_l(lateral_l + up(x_{l+1})); side logits per level; final = side of layer1 upsampled.
class ContrastiveSodNetImpl : public torch::nn::Module {
 public:
  ContrastiveSodNetImpl(ContrastivePretrainNetImpl& pretrained, ContrastiveSodOptions options = {});
  // final: saliency logits at the input size; sides: logits per level (layer1..layer4, finest
  // first); features "rgb/layer4", "depth/layer4" (and "fusion").
  Prediction forward(const NetworkInput& input);
  // Keeps the frozen encoders in eval mode (their BN statistics are part of what was pre-trained).
  void train(bool on = true) override;

  ResNet50 rgb_encoder{nullptr}, depth_encoder{nullptr};
  FusionEncoder fusion{nullptr};  // null when !use_fusion

 private:
  ContrastiveSodOptions options_;
  std::array<torch::nn::Sequential, 4> lateral_, smooth_;
  std::array<torch::nn::Conv2d, 4> side_{{nullptr, nullptr, nullptr, nullptr}};
  torch::nn::Conv2d fusion_lateral{nullptr};
};
TORCH_MODULE(ContrastiveSodNet);

}  // namespace rgbdsod::models
