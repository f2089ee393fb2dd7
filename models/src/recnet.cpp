#include "rgbdsod/models/recnet.h"

#include <string>

#include <torch/nn/functional/upsampling.h>

namespace rgbdsod::models {
namespace {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2));
}

torch::Tensor resizeTo(const torch::Tensor& x, int64_t h, int64_t w) {
  if (x.size(2) == h && x.size(3) == w) return x;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{h, w})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

}  // namespace

FeatureIntegrationImpl::FeatureIntegrationImpl(const std::array<int64_t, 5>& level_channels, int64_t out_channels)
    : out_channels_(out_channels) {
  // Level strides in the dilated backbone are 2, 4, 8, 8, 8: the 3x3 convs take the rest to 1/8.
  const std::array<std::array<int64_t, 2>, 5> strides = {{{2, 2}, {2, 1}, {1, 1}, {1, 1}, {1, 1}}};
  for (size_t i = 0; i < levels_.size(); ++i) {
    levels_[i] = register_module(
        "level" + std::to_string(i),
        nn::Sequential(conv(level_channels[i], out_channels, 3, strides[i][0]), nn::ReLU(),
                       conv(out_channels, out_channels, 3, strides[i][1]), nn::ReLU(),
                       conv(out_channels, out_channels, 1), nn::ReLU()));
  }
}

torch::Tensor FeatureIntegrationImpl::forward(const ResNet50Features& features) {
  const auto levels = features.levels();
  const int64_t h = features.layer4.size(2), w = features.layer4.size(3);
  std::vector<torch::Tensor> maps;
  for (size_t i = 0; i < levels_.size(); ++i) {
    // Sizes not divisible by 8 round differently per level: align them to layer4's grid.
    maps.push_back(resizeTo(levels_[i]->forward(levels[i]), h, w));
  }
  return torch::cat(maps, 1);
}

ReciprocalAttentionImpl::ReciprocalAttentionImpl(int64_t channels, int64_t reduction, bool update_background)
    : update_background_(update_background) {
  const int64_t qk = std::max<int64_t>(1, channels / reduction);
  f2 = register_module("f2", conv(channels, qk, 1));
  b1 = register_module("b1", conv(channels, channels, 1));
  b2 = register_module("b2", conv(channels, qk, 1));
  beta = register_parameter("beta", torch::zeros({1}));
  if (update_background_) {
    f1 = register_module("f1", conv(channels, channels, 1));
    alpha = register_parameter("alpha", torch::zeros({1}));
  }
}

torch::Tensor ReciprocalAttentionImpl::attention(const torch::Tensor& fg, const torch::Tensor& bg) {
  const auto q = b2(bg).flatten(2);  // [B, C', N]
  const auto k = f2(fg).flatten(2);  // [B, C', N]
  // (B2^T F2)[i, j] = b2_i . f2_j; softmax over i so each output position j averages the others.
  return torch::softmax(torch::bmm(q.transpose(1, 2), k), 1);
}

std::pair<torch::Tensor, torch::Tensor> ReciprocalAttentionImpl::forward(const torch::Tensor& fg,
                                                                         const torch::Tensor& bg) {
  const auto x = attention(fg, bg);
  const auto shape = fg.sizes();
  const auto f_plus = beta * torch::bmm(b1(bg).flatten(2), x).view(shape) + fg;
  if (!update_background_) return {f_plus, bg};
  const auto b_plus = alpha * torch::bmm(f1(fg).flatten(2), x).view(shape) + bg;
  return {f_plus, b_plus};
}

SaliencyHeadImpl::SaliencyHeadImpl(int64_t in_channels, int64_t mid_channels) {
  conv1 = register_module("conv1", conv(in_channels, mid_channels, 3));
  conv2 = register_module("conv2", conv(mid_channels, mid_channels, 3));
  conv3 = register_module("conv3", conv(mid_channels, 1, 1));
}

torch::Tensor SaliencyHeadImpl::forward(const torch::Tensor& x) {
  return conv3(torch::relu(conv2(torch::relu(conv1(x)))));
}

RecNetImpl::RecNetImpl(RecNetOptions options) : options_(options) {
  ResNet50Options bo;
  bo.backbone.width = options_.width;
  bo.backbone.in_channels =
      options_.depth_input == RecNetDepthInput::EarlyFusion ? 3 + options_.depth_channels : 3;
  bo.dilated = true;
  backbone = register_module("backbone", ResNet50(bo));
  std::array<int64_t, 5> level_channels{};
  for (int i = 0; i < 5; ++i) level_channels[static_cast<size_t>(i)] = backbone->channels(i);
  const int64_t per_level = scaledChannels(256, options_.width);
  const int64_t head_mid = scaledChannels(128, options_.width);

  fg_integration = register_module("fg_integration", FeatureIntegration(level_channels, per_level));
  fg_head = register_module("fg_head", SaliencyHead(fg_integration->outChannels(), head_mid));
  if (options_.variant == RecNetVariant::ForegroundOnly) return;
  bg_integration = register_module("bg_integration", FeatureIntegration(level_channels, per_level));
  bg_head = register_module("bg_head", SaliencyHead(bg_integration->outChannels(), head_mid));
  if (options_.variant == RecNetVariant::Full || options_.variant == RecNetVariant::OneWayAttention) {
    attention = register_module(
        "attention", ReciprocalAttention(fg_integration->outChannels(), options_.attention_reduction,
                                         options_.variant == RecNetVariant::Full));
  }
}

Prediction RecNetImpl::forward(const NetworkInput& input) {
  TORCH_CHECK(input.rgb.defined(), "RecNet needs an RGB input");
  auto x = input.rgb;
  const int64_t h = x.size(2), w = x.size(3);
  if (options_.depth_input == RecNetDepthInput::EarlyFusion) {
    TORCH_CHECK(input.depth.defined() && input.depth.size(1) == options_.depth_channels,
                "RecNet (early fusion) needs a depth input with ", options_.depth_channels, " channel(s)");
    x = torch::cat({x, resizeTo(input.depth.to(x.dtype()), h, w)}, 1);
  }
  const auto features = backbone->forward(x);
  Prediction p;
  auto fg = fg_integration->forward(features);
  if (options_.variant == RecNetVariant::ForegroundOnly) {
    p.features["fg"] = fg;
    p.foreground = resizeTo(fg_head->forward(fg), h, w);
    p.final = p.foreground;
    return p;
  }
  auto bg = bg_integration->forward(features);
  if (attention) std::tie(fg, bg) = attention->forward(fg, bg);
  p.features["fg"] = fg;
  p.features["bg"] = bg;
  p.foreground = resizeTo(fg_head->forward(fg), h, w);
  p.background = resizeTo(bg_head->forward(bg), h, w);
  p.final = torch::relu(torch::sigmoid(p.foreground) - torch::sigmoid(p.background));
  p.final_is_probability = true;
  return p;
}

}  // namespace rgbdsod::models
