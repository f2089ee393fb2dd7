#pragma once
// RecNet, the reciprocal attention network: a dilated ResNet-50 gives common features; two
// feature-integration blocks turn them into a foreground feature F and a background feature B at
// 1/8 resolution; the reciprocal attention module (RAM) lets each branch read the other; two heads
// give foreground and background logits; saliency = relu(sigmoid(F) - sigmoid(B)) (Eq. 6).
#include <array>
#include <cstdint>
#include <utility>

#include <torch/nn.h>
#include <torch/types.h>

#include "rgbdsod/models/prediction.h"
#include "rgbdsod/models/resnet50.h"

namespace rgbdsod::models {

// The settings of RecNet's Table 2, by the names used there. "RecNet w/o cooperative loss" is
// Full with RecNetLossOptions::cooperative = false.
enum class RecNetVariant {
  Full,                 // "RecNet": two branches, RAM both ways (Eqs. 2 and 3)
  BackboneForeground,   // "Backbone+Foreground": one integration block and the foreground head; final = F logits
  BackboneTwoBranches,  // "Backbone+Two Branches": both branches, no RAM
  BackgroundRam,        // "Background-RAM": "Eqs. (3) is disabled": only B+ (Eq. 2); F stays as integrated
  ForegroundRam,        // "Foreground-RAM": "Eqs. (2) doesnot work": only F+ (Eq. 3); B stays as integrated
};

// How Eqs. 2-3 index X (see ReciprocalAttentionImpl).
enum class RecNetAttentionIndex {
  Danet,    // out_j = sum_i x_ij V_i: the softmax index of Eq. 1 is the summed one (default)
  Printed,  // out_j = sum_i x_ji V_i with x from Eq. 1, literally as Eqs. 2-3 are printed (ours, an option)
};

// How depth enters. RecNet is an RGB method; the workbench trains it on RGB-D data too.
enum class RecNetDepthInput {
  None,         // RGB only (the paper)
  EarlyFusion,  // depth concatenated to RGB as extra input channels of conv1 (3 + depth_channels)
};

struct RecNetOptions {
  // Scales the backbone, the 256-channel integration, the 512-channel F2/B2 and the 128-channel heads.
  double width = 1.0;
  RecNetVariant variant = RecNetVariant::Full;
  RecNetAttentionIndex attention_index = RecNetAttentionIndex::Danet;
  RecNetDepthInput depth_input = RecNetDepthInput::None;
  int64_t depth_channels = 1;
};

// Channels of F2 and B2 (the query/key space): "a convolution layers with 512 kernels of 1 x 1", scaled.
int64_t recnetAttentionChannels(double width);

// Per backbone level (stem, layer1..layer4): 3x3 conv, 3x3 conv, 1x1 conv to 256*width channels,
// with the strides that bring every level to 1/8; the five maps are concatenated.
class FeatureIntegrationImpl : public torch::nn::Module {
 public:
  FeatureIntegrationImpl(const std::array<int64_t, 5>& level_channels, int64_t out_channels);
  torch::Tensor forward(const ResNet50Features& features);
  int64_t outChannels() const { return out_channels_ * 5; }

 private:
  int64_t out_channels_;
  std::array<torch::nn::Sequential, 5> levels_;
};
TORCH_MODULE(FeatureIntegration);

struct ReciprocalAttentionOptions {
  int64_t channels = 0;     // C of F and B; F1 and B1 keep C (Eqs. 2-3 add them to B and F)
  int64_t qk_channels = 0;  // channels of F2 and B2 (512 * width in RecNet)
  bool update_foreground = true;  // Eq. 3 (F+); false in Background-RAM
  bool update_background = true;  // Eq. 2 (B+); false in Foreground-RAM
  RecNetAttentionIndex index = RecNetAttentionIndex::Danet;
};

// Eq. 1: x_ij = exp(B2_i . F2_j) / sum_i exp(B2_i . F2_j), X [N, N] with each column j summing to 1.
// Eq. 2: B+ = alpha * (F1 X) + B; Eq. 3: F+ = beta * (B1 X) + F; alpha = beta = 0 at
// initialisation (the module starts as the identity and learns how much to borrow).
// (With RecNetAttentionIndex::Printed, X^T replaces X in Eqs. 2-3.)
class ReciprocalAttentionImpl : public torch::nn::Module {
 public:
  explicit ReciprocalAttentionImpl(const ReciprocalAttentionOptions& options);
  // Returns {F+, B+} (an equation that is disabled returns its input unchanged).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& fg, const torch::Tensor& bg);
  // X [B, N, N] of Eq. 1, X[i, j] = x_ij (N = h * w positions).
  torch::Tensor attention(const torch::Tensor& fg, const torch::Tensor& bg);
  const ReciprocalAttentionOptions& options() const { return options_; }

  // Learned scalars: alpha (Eq. 2) is undefined without update_background, beta (Eq. 3) without
  // update_foreground.
  torch::Tensor alpha, beta;
  // F1 / B1 (values, C channels) exist only for the equation that reads them; F2 / B2 always.
  torch::nn::Conv2d f1{nullptr}, f2{nullptr}, b1{nullptr}, b2{nullptr};

 private:
  ReciprocalAttentionOptions options_;
};
TORCH_MODULE(ReciprocalAttention);

// Two 3x3 convs with 128*width channels and a 1x1 conv to one logit.
class SaliencyHeadImpl : public torch::nn::Module {
 public:
  SaliencyHeadImpl(int64_t in_channels, int64_t mid_channels);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
};
TORCH_MODULE(SaliencyHead);

class RecNetImpl : public torch::nn::Module {
 public:
  explicit RecNetImpl(RecNetOptions options = {});
  // final: relu(sigmoid(F) - sigmoid(B)) with final_is_probability = true (BackboneForeground: the
  // F logits), foreground/background: logits at the input size; features "fg", "bg" (1/8, after
  // attention) for inspection.
  Prediction forward(const NetworkInput& input);

  const RecNetOptions& options() const { return options_; }
  ResNet50 backbone{nullptr};
  ReciprocalAttention attention{nullptr};  // null for BackboneForeground and BackboneTwoBranches

 private:
  RecNetOptions options_;
  FeatureIntegration fg_integration{nullptr}, bg_integration{nullptr};
  SaliencyHead fg_head{nullptr}, bg_head{nullptr};
};
TORCH_MODULE(RecNet);

}  // namespace rgbdsod::models
