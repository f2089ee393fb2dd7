#include "rgbdsod/models/vgg16.h"

#include <array>
#include <stdexcept>
#include <string>

#include <torch/nn/functional/activation.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/pooling.h>

namespace rgbdsod::models {
namespace {

// torchvision's "D" configuration: channels per conv, 0 = max-pool. Module indices in
// `features` follow from it (conv, ReLU pairs and pools), exactly as in vgg16().features.
constexpr std::array<int64_t, 18> kConfig = {64,  64,  0,   128, 128, 0,   256, 256, 256,
                                             0,   512, 512, 512, 0,   512, 512, 512, 0};

// Exclusive end index in `features` of levels 1..5 (after the last ReLU of each block) and of
// pool5 (index 30).
constexpr std::array<int, 5> kLevelEnd = {4, 9, 16, 23, 30};
constexpr int kPool5End = 31;

int tapEnd(VggTap tap) {
  switch (tap) {
    case VggTap::Conv3: return kLevelEnd[2];
    case VggTap::Conv4: return kLevelEnd[3];
    case VggTap::Pool5: return kPool5End;
  }
  throw std::invalid_argument("unknown VggTap");
}

}  // namespace

const char* vggTapName(VggTap tap) {
  switch (tap) {
    case VggTap::Conv3: return "conv3";
    case VggTap::Conv4: return "conv4";
    case VggTap::Pool5: return "pool5";
  }
  return "?";
}

int vggTapLevel(VggTap tap) {
  switch (tap) {
    case VggTap::Conv3: return 3;
    case VggTap::Conv4: return 4;
    case VggTap::Pool5: return 6;
  }
  throw std::invalid_argument("unknown VggTap");
}

Vgg16Impl::Vgg16Impl(const Vgg16Options& options) : options_(options) {
  const double width = options.backbone.width;
  features = torch::nn::Sequential();
  int64_t in = options.backbone.in_channels;
  for (const int64_t full : kConfig) {
    if (full == 0) {
      features->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).stride(2)));
      level_channels_.push_back(in);  // a block ends at each pool: its output channels
      continue;
    }
    const int64_t out = scaledChannels(full, width);
    features->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)));
    features->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
    in = out;
  }
  register_module("features", features);

  const int64_t c6 = scaledChannels(options.level6_channels, width);
  conv6 = register_module(
      "conv6", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, c6, options.level6_kernel)
                                     .padding(options.level6_kernel / 2)));
  level_channels_.push_back(c6);

  // torchvision's initialisation (He normal, fan-out, zero bias): PyTorch's default conv init is
  // too small for a 14-layer plain stack trained from scratch.
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      torch::nn::init::zeros_(conv->bias);
    }
  }
}

torch::Tensor Vgg16Impl::runRange(torch::Tensor x, int begin, int end) {
  auto it = features->begin() + begin;
  for (int i = begin; i < end; ++i, ++it) x = it->forward(x);
  return x;
}

torch::Tensor Vgg16Impl::level6(const torch::Tensor& pooled) {
  return torch::nn::functional::relu(conv6->forward(pooled));
}

std::vector<torch::Tensor> Vgg16Impl::forward(const torch::Tensor& x) {
  if (x.dim() != 4 || x.size(1) != options_.backbone.in_channels) {
    throw std::invalid_argument("Vgg16: expected [B," + std::to_string(options_.backbone.in_channels) +
                                ",H,W] input");
  }
  if (x.size(2) < 32 || x.size(3) < 32) {
    throw std::invalid_argument("Vgg16: inputs must be at least 32x32 (five 2x poolings)");
  }
  std::vector<torch::Tensor> levels;
  levels.reserve(kLevels);
  torch::Tensor h = x;
  int begin = 0;
  for (const int end : kLevelEnd) {
    h = runRange(h, begin, end);
    levels.push_back(h);
    begin = end;
  }
  levels.push_back(level6(runRange(h, begin, kPool5End)));
  return levels;
}

torch::Tensor Vgg16Impl::forwardTo(const torch::Tensor& x, VggTap tap) {
  return runRange(x, 0, tapEnd(tap));
}

std::vector<torch::Tensor> Vgg16Impl::forwardFrom(const torch::Tensor& tapped, VggTap tap) {
  std::vector<torch::Tensor> levels;
  if (tap == VggTap::Pool5) {
    levels.push_back(level6(tapped));
    return levels;
  }
  levels.push_back(tapped);
  torch::Tensor h = tapped;
  for (int level = vggTapLevel(tap) + 1; level <= 5; ++level) {
    h = runRange(h, kLevelEnd[level - 2], kLevelEnd[level - 1]);
    levels.push_back(h);
  }
  levels.push_back(level6(runRange(h, kLevelEnd[4], kPool5End)));
  return levels;
}

int64_t Vgg16Impl::tapChannels(VggTap tap) const {
  // Pool5 keeps conv5_3's channels.
  return tap == VggTap::Pool5 ? level_channels_[4] : level_channels_[vggTapLevel(tap) - 1];
}

}  // namespace rgbdsod::models
