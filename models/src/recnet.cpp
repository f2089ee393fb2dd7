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

int64_t recnetAttentionChannels(double width) { return scaledChannels(512, width); }

ReciprocalAttentionImpl::ReciprocalAttentionImpl(const ReciprocalAttentionOptions& options) : options_(options) {
  TORCH_CHECK(options_.channels > 0 && options_.qk_channels > 0, "ReciprocalAttention: channels must be positive");
  TORCH_CHECK(options_.update_foreground || options_.update_background,
              "ReciprocalAttention: at least one of Eqs. 2-3 must be enabled");
  // "a convolution layers with 512 kernels of 1 x 1 to generate four new feature maps F1, F2, B1
  // and B2 ... {F1,F2,B1,B2} in R^{CxHxW}": the 512 kernels apply to F2 and B2, which only meet in
  // the dot product of Eq. 1; F1 and B1 keep C channels because Eqs. 2-3 add them to B and F.
  const int64_t c = options_.channels;
  f2 = register_module("f2", conv(c, options_.qk_channels, 1));
  if (options_.update_foreground) b1 = register_module("b1", conv(c, c, 1));
  b2 = register_module("b2", conv(c, options_.qk_channels, 1));
  // "alpha is initialized as 0 and gradually learn to assign more weight"; the same for beta.
  if (options_.update_foreground) beta = register_parameter("beta", torch::zeros({1}));
  if (options_.update_background) {
    f1 = register_module("f1", conv(c, c, 1));
    alpha = register_parameter("alpha", torch::zeros({1}));
  }
}

torch::Tensor ReciprocalAttentionImpl::attention(const torch::Tensor& fg, const torch::Tensor& bg) {
  const auto b2_flat = b2(bg).flatten(2);  // [B, C', N]
  const auto f2_flat = f2(fg).flatten(2);  // [B, C', N]
  // Eq. 1: x_ij = exp(B2_i . F2_j) / sum_{i=1..N} exp(B2_i . F2_j): (B2^T F2)[i, j] = B2_i . F2_j,
  // softmax over i (dim 1), so each column j of X sums to one.
  return torch::softmax(torch::bmm(b2_flat.transpose(1, 2), f2_flat), 1);
}

std::pair<torch::Tensor, torch::Tensor> ReciprocalAttentionImpl::forward(const torch::Tensor& fg,
                                                                         const torch::Tensor& bg) {
  const auto x = attention(fg, bg);
  // Eqs. 2-3 print B+_j = alpha sum_i (x_ji F1_i) + B_j and F+_j = beta sum_i (x_ji B1_i) + F_j, but
  // Eq. 1 normalises x over its first index. The module's equations and wording follow DANet's
  // position attention (s_ji = exp(B_i . C_j) / sum_i exp(B_i . C_j), E_j = alpha sum_i s_ji D_i +
  // A_j) with Eq. 1's subscripts swapped: there, and in SAGAN (presumably the "Zhang et al. 2018a"
  // cited for the zero-initialised scale), the weight is normalised over the summed source index i.
  // We follow that convention (RecNetAttentionIndex::Danet, the default), which is also the
  // text's "a matrix multiplication between F1 and X" (C x N times N x N): out_j = sum_i x_ij V_i =
  // (V X)[:, j], each output a convex combination of the sources; the same X for both directions, as
  // the paper's single "reciprocal attention weight map X". Printed takes the subscripts literally:
  // out_j = sum_i x_ji V_i = (V X^T)[:, j] (weights normalised over the outputs instead).
  const auto w = options_.index == RecNetAttentionIndex::Printed ? x.transpose(1, 2) : x;
  const auto shape = fg.sizes();
  auto f_plus = fg;
  auto b_plus = bg;
  if (options_.update_foreground) f_plus = beta * torch::bmm(b1(bg).flatten(2), w).view(shape) + fg;  // Eq. 3
  if (options_.update_background) b_plus = alpha * torch::bmm(f1(fg).flatten(2), w).view(shape) + bg;  // Eq. 2
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
  // "Backbone+Foreground ... there is only one foreground branch in this setting."
  if (options_.variant == RecNetVariant::BackboneForeground) return;
  bg_integration = register_module("bg_integration", FeatureIntegration(level_channels, per_level));
  bg_head = register_module("bg_head", SaliencyHead(bg_integration->outChannels(), head_mid));
  if (options_.variant == RecNetVariant::BackboneTwoBranches) return;
  ReciprocalAttentionOptions ao;
  ao.channels = fg_integration->outChannels();
  ao.qk_channels = recnetAttentionChannels(options_.width);
  // "In the setting 'Background-RAM', Eqs. (3) is disabled and Eqs. (2) doesnot work in 'Foreground-RAM'."
  ao.update_foreground = options_.variant != RecNetVariant::BackgroundRam;
  ao.update_background = options_.variant != RecNetVariant::ForegroundRam;
  ao.index = options_.attention_index;
  attention = register_module("attention", ReciprocalAttention(ao));
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
  if (options_.variant == RecNetVariant::BackboneForeground) {
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
  // Eq. 6: "Sal = relu(Sig(phi_F) - Sig(phi_B))".
  p.final = torch::relu(torch::sigmoid(p.foreground) - torch::sigmoid(p.background));
  p.final_is_probability = true;
  return p;
}

}  // namespace rgbdsod::models
