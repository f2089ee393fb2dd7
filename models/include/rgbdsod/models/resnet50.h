#pragma once
// ResNet-50 with torchvision's module names (conv1, bn1, layer1..layer4, Bottleneck
// conv1/bn1/conv2/bn2/conv3/bn3/downsample.0/.1), so torchvision weights map by name. The last two
// stages can be dilated instead of strided (output stride 8, torchvision's
// replace_stride_with_dilation = [False, True, True]) as RecNet and the contrastive pre-training use.
#include <array>
#include <cstdint>

#include <torch/nn.h>
#include <torch/types.h>

#include "rgbdsod/models/backbone_config.h"

namespace rgbdsod::models {

// torchvision's Bottleneck (v1.5: the stride sits on the 3x3 conv).
class BottleneckImpl : public torch::nn::Module {
 public:
  BottleneckImpl(int64_t in_channels, int64_t mid_channels, int64_t out_channels, int64_t stride,
                 int64_t dilation);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};  // conv 1x1 + BN, only when the shape changes
};
TORCH_MODULE(Bottleneck);

struct ResNet50Options {
  BackboneConfig backbone;  // width multiplier and input channels
  bool dilated = true;      // true: layer3/layer4 dilated (stride 8); false: plain stride 32
};

// Per-level features, finest first. Strides (dilated): stem 2, layer1 4, layer2..layer4 8.
struct ResNet50Features {
  torch::Tensor stem;  // after conv1/bn1/relu, before the max-pool
  torch::Tensor layer1, layer2, layer3, layer4;
  std::array<torch::Tensor, 5> levels() const { return {stem, layer1, layer2, layer3, layer4}; }
};

class ResNet50Impl : public torch::nn::Module {
 public:
  explicit ResNet50Impl(ResNet50Options options = {});
  ResNet50Features forward(const torch::Tensor& x);

  // Channels of level 0..4 (stem, layer1..layer4) at this width.
  int64_t channels(int level) const;
  const ResNet50Options& options() const { return options_; }

 private:
  torch::nn::Sequential makeLayer(int64_t& in_channels, int64_t planes, int64_t blocks,
                                  int64_t stride, bool dilate, int64_t& dilation);

  ResNet50Options options_;
  std::array<int64_t, 5> channels_{};
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::MaxPool2d maxpool{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
};
TORCH_MODULE(ResNet50);

}  // namespace rgbdsod::models
