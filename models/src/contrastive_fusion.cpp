#include "rgbdsod/models/contrastive_fusion.h"

#include <cmath>

#include <torch/nn/functional/normalization.h>

namespace rgbdsod::models {
namespace {

namespace nn = torch::nn;

torch::Tensor globalAvgPool(const torch::Tensor& x) { return x.mean({2, 3}); }

nn::Sequential channelAttention(int64_t channels, int64_t reduction) {
  const int64_t mid = std::max<int64_t>(1, channels / reduction);
  return nn::Sequential(nn::Linear(channels, mid), nn::ReLU(), nn::Linear(mid, channels), nn::Sigmoid());
}

}  // namespace

ProjectionMlpImpl::ProjectionMlpImpl(int64_t in_features, int64_t hidden, int64_t out_features) {
  fc1 = register_module("fc1", nn::Linear(in_features, hidden));
  fc2 = register_module("fc2", nn::Linear(hidden, out_features));
}

torch::Tensor ProjectionMlpImpl::forward(const torch::Tensor& pooled) {
  return nn::functional::normalize(fc2(torch::relu(fc1(pooled))), nn::functional::NormalizeFuncOptions().dim(1));
}

torch::Tensor attentiveMask(const torch::Tensor& scores, double ratio) {
  TORCH_CHECK(scores.dim() == 2, "attentiveMask: scores must be [B, C]");
  TORCH_CHECK(ratio >= 0.0 && ratio < 1.0, "attentiveMask: ratio must be in [0, 1)");
  torch::NoGradGuard no_grad;
  const int64_t c = scores.size(1);
  // 1e-9 keeps 0.25 * 8 = 2 from flooring to 1 through rounding of the product.
  const auto k = static_cast<int64_t>(std::floor(ratio * static_cast<double>(c) + 1e-9));
  auto mask = torch::ones_like(scores);
  if (k == 0) return mask;
  const auto top = std::get<1>(scores.topk(k, /*dim=*/1, /*largest=*/true, /*sorted=*/false));
  return mask.scatter_(1, top, 0.0);
}

FusionEncoderImpl::FusionEncoderImpl(FusionEncoderOptions options) : options_(options) {
  rgb_attention = register_module("rgb_attention", channelAttention(options_.rgb_channels, options_.reduction));
  depth_attention =
      register_module("depth_attention", channelAttention(options_.depth_channels, options_.reduction));
  fuse = register_module(
      "fuse", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(options_.rgb_channels + options_.depth_channels,
                                                          options_.fused_channels, 1)
                                            .bias(false)),
                             nn::BatchNorm2d(options_.fused_channels), nn::ReLU()));
  projector = register_module(
      "projector", ProjectionMlp(options_.fused_channels, options_.projection_hidden, options_.embedding_dim));
}

FusionOutput FusionEncoderImpl::forward(const torch::Tensor& rgb, const torch::Tensor& depth, double mask_ratio) {
  FusionOutput out;
  out.attention_rgb = rgb_attention->forward(globalAvgPool(rgb));
  out.attention_depth = depth_attention->forward(globalAvgPool(depth));
  // The strong modality's most discriminative channels are hidden, so the fused embedding must
  // also be explained by depth: the mask follows the (detached) attention ranking.
  out.mask_rgb = attentiveMask(out.attention_rgb.detach(), mask_ratio);
  const auto w_rgb = (out.attention_rgb * out.mask_rgb).unsqueeze(-1).unsqueeze(-1);
  const auto w_depth = out.attention_depth.unsqueeze(-1).unsqueeze(-1);
  out.fused = fuse->forward(torch::cat({rgb * w_rgb, depth * w_depth}, 1));
  return out;
}

torch::Tensor FusionEncoderImpl::embed(const FusionOutput& out) { return projector->forward(globalAvgPool(out.fused)); }

}  // namespace rgbdsod::models
