#include "rgbdsod/models/contrastive_sod.h"

#include <string>

#include <torch/nn/functional/upsampling.h>

#include "rgbdsod/models/momentum.h"

namespace rgbdsod::models {
namespace {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

torch::Tensor resizeTo(const torch::Tensor& x, int64_t h, int64_t w) {
  if (x.size(2) == h && x.size(3) == w) return x;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{h, w})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

nn::Sequential convRelu(int64_t in, int64_t out, int64_t k) {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, k).padding(k / 2)), nn::ReLU());
}

}  // namespace

ContrastiveSodNetImpl::ContrastiveSodNetImpl(ContrastivePretrainNetImpl& pretrained, ContrastiveSodOptions options)
    : options_(options) {
  // Fresh modules of the same shapes, then the pre-trained values: the pre-training net stays as it is.
  rgb_encoder = register_module("rgb_encoder", ResNet50(pretrained.rgb_encoder->options()));
  depth_encoder = register_module("depth_encoder", ResNet50(pretrained.depth_encoder->options()));
  copyState(*pretrained.rgb_encoder, *rgb_encoder);
  copyState(*pretrained.depth_encoder, *depth_encoder);
  freeze(*rgb_encoder);
  freeze(*depth_encoder);
  const int64_t d = scaledChannels(options_.decoder_channels, pretrained.options().width);
  if (options_.use_fusion) {
    fusion = register_module("fusion", FusionEncoder(pretrained.fusion->options()));
    copyState(*pretrained.fusion, *fusion);
    freeze(*fusion);
    fusion_lateral = register_module(
        "fusion_lateral", nn::Conv2d(nn::Conv2dOptions(fusion->options().fused_channels, d, 1)));
  }
  for (int l = 0; l < 4; ++l) {
    const auto i = static_cast<size_t>(l);
    const std::string tag = std::to_string(l + 1);
    const int64_t in = rgb_encoder->channels(l + 1) + depth_encoder->channels(l + 1);
    lateral_[i] = register_module("lateral" + tag, convRelu(in, d, 1));
    smooth_[i] = register_module("smooth" + tag, convRelu(d, d, 3));
    side_[i] = register_module("side" + tag, nn::Conv2d(nn::Conv2dOptions(d, 1, 1)));
  }
  train(is_training());
}

void ContrastiveSodNetImpl::train(bool on) {
  torch::nn::Module::train(on);
  rgb_encoder->eval();
  depth_encoder->eval();
  if (fusion) fusion->eval();
}

Prediction ContrastiveSodNetImpl::forward(const NetworkInput& input) {
  TORCH_CHECK(input.rgb.defined() && input.depth.defined(), "the contrastive SOD network needs RGB and depth");
  const int64_t h = input.rgb.size(2), w = input.rgb.size(3);
  ResNet50Features fr, fd;
  torch::Tensor fused;
  {
    // Frozen: no graph is kept through the encoders.
    torch::NoGradGuard no_grad;
    fr = rgb_encoder->forward(input.rgb);
    fd = depth_encoder->forward(resizeTo(input.depth.to(input.rgb.dtype()), h, w));
    if (fusion) fused = fusion->forward(fr.layer4, fd.layer4, 0.0).fused;
  }
  const auto rl = fr.levels();
  const auto dl = fd.levels();
  Prediction p;
  std::array<torch::Tensor, 4> sides;
  torch::Tensor x;
  for (int l = 3; l >= 0; --l) {
    const auto i = static_cast<size_t>(l);
    auto lat = lateral_[i]->forward(torch::cat({rl[i + 1], dl[i + 1]}, 1));
    if (l == 3 && fusion) lat = lat + fusion_lateral(fused);
    if (x.defined()) lat = lat + resizeTo(x, lat.size(2), lat.size(3));
    x = smooth_[i]->forward(lat);
    sides[i] = side_[i](x);
  }
  p.sides.assign(sides.begin(), sides.end());
  p.final = resizeTo(sides[0], h, w);
  p.features["rgb/layer4"] = fr.layer4;
  p.features["depth/layer4"] = fd.layer4;
  if (fused.defined()) p.features["fusion"] = fused;
  return p;
}

}  // namespace rgbdsod::models
