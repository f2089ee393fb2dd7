#pragma once
// VGG-16 trunk in torchvision's module layout ("features.0" ... "features.30", so torchvision
// weights import by name), with a width multiplier, any number of input channels, and the extra
// global large-kernel conv layer of Learn-Select-Fuse on top of pool5 ("conv6", level 6).
#include <cstdint>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "rgbdsod/models/backbone_config.h"

namespace rgbdsod::models {

// Mid-level layers of the RGB network that supervision transfer (Gupta et al.) teaches a depth
// network to reproduce; also where the franken network switches from the depth to the RGB trunk.
// Conv3 = relu(conv3_3), Conv4 = relu(conv4_3), Pool5 = max-pool after conv5_3.
enum class VggTap { Conv3, Conv4, Pool5 };

const char* vggTapName(VggTap tap);
// The first level (1..6) whose feature is computed from the tapped tensor: 3, 4 or 6.
int vggTapLevel(VggTap tap);

struct Vgg16Options {
  BackboneConfig backbone;
  // Level 6, Learn-Select-Fuse: "a new 512 13x13 convolutional layer for perceiving precedent
  // features globally", on pool5; padding kernel/2 keeps the map size (at a 224-px input pool5 is
  // 7x7, and 13 = 2*7 - 1 lets every output see every input).
  int64_t level6_kernel = 13;
  int64_t level6_channels = 512;
};

class Vgg16Impl : public torch::nn::Module {
 public:
  static constexpr int kLevels = 6;

  explicit Vgg16Impl(const Vgg16Options& options = {});

  // The six level features, finest first: conv1_2, conv2_2, conv3_3, conv4_3, conv5_3 (each after
  // ReLU, strides 1, 2, 4, 8, 16) and conv6 (stride 32). Needs inputs of at least 32 px.
  std::vector<torch::Tensor> forward(const torch::Tensor& x);

  // The tapped feature only (runs the trunk up to the tap).
  torch::Tensor forwardTo(const torch::Tensor& x, VggTap tap);

  // Continues from a tapped feature: levels vggTapLevel(tap) .. 6, finest first. For Conv3 and
  // Conv4 the tapped tensor itself is the first returned level.
  std::vector<torch::Tensor> forwardFrom(const torch::Tensor& tapped, VggTap tap);

  // Channels of each level's feature at this width.
  const std::vector<int64_t>& levelChannels() const { return level_channels_; }
  int64_t tapChannels(VggTap tap) const;
  const Vgg16Options& options() const { return options_; }

  torch::nn::Sequential features{nullptr};  // torchvision's vgg16().features, same indices
  torch::nn::Conv2d conv6{nullptr};         // Learn-Select-Fuse's global conv (level 6)

 private:
  torch::Tensor runRange(torch::Tensor x, int begin, int end);
  torch::Tensor level6(const torch::Tensor& pooled);

  Vgg16Options options_;
  std::vector<int64_t> level_channels_;
};
TORCH_MODULE(Vgg16);

}  // namespace rgbdsod::models
