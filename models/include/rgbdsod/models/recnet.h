#pragma once
// RecNet, the reciprocal attention network: a dilated ResNet-50 gives common features; two
// feature-integration blocks turn them into a foreground feature F and a background feature B at
// 1/8 resolution; the reciprocal attention module lets each branch read the other; two heads give
// foreground and background logits; saliency = relu(sigmoid(F) - sigmoid(B)).
#include <array>
#include <cstdint>
#include <utility>

#include <torch/nn.h>
#include <torch/types.h>

#include "rgbdsod/models/prediction.h"
#include "rgbdsod/models/resnet50.h"

namespace rgbdsod::models {

// The settings of RecNet's ablation (its Table 2) and the full model.
enum class RecNetVariant {
  Full,                  // two branches, reciprocal attention both ways
  ForegroundOnly,        // one integration block and the foreground head; final = F logits
  TwoBranchNoAttention,  // both branches, no attention module
  OneWayAttention,       // only F+ = beta * (B1 X) + F; B stays as integrated
};

// How depth enters. RecNet is an RGB method; the workbench trains it on RGB-D data too.
enum class RecNetDepthInput {
  None,         // RGB only (the paper)
  EarlyFusion,  // depth concatenated to RGB as extra input channels of conv1 (3 + depth_channels)
};

struct RecNetOptions {
  double width = 1.0;  // scales the backbone, the 256-channel integration and the 128-channel heads
  RecNetVariant variant = RecNetVariant::Full;
  RecNetDepthInput depth_input = RecNetDepthInput::None;
  int64_t depth_channels = 1;
  int64_t attention_reduction = 8;  // channels of F2/B2 = C / reduction (the query/key space)
};

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

// F1, B1 (values, C channels) and F2, B2 (C / reduction channels) are 1x1 convs;
// X[i, j] = softmax over positions i of (B2^T F2)[i, j], i.e. each column of X sums to one;
// B+ = alpha * (F1 X) + B and F+ = beta * (B1 X) + F, alpha = beta = 0 at initialisation
// (the module starts as the identity and learns how much to borrow).
class ReciprocalAttentionImpl : public torch::nn::Module {
 public:
  ReciprocalAttentionImpl(int64_t channels, int64_t reduction, bool update_background = true);
  // Returns {F+, B+}.
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& fg, const torch::Tensor& bg);
  // X [B, N, N] for inspection (N = h * w positions).
  torch::Tensor attention(const torch::Tensor& fg, const torch::Tensor& bg);

  torch::Tensor alpha, beta;  // learned scalars; alpha is undefined for one-way attention

 private:
  bool update_background_;
  torch::nn::Conv2d f1{nullptr}, f2{nullptr}, b1{nullptr}, b2{nullptr};
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
  // final: relu(sigmoid(F) - sigmoid(B)) with final_is_probability = true (ForegroundOnly: the F
  // logits), foreground/background: logits at the input size; features "fg", "bg" (1/8, after
  // attention) for inspection.
  Prediction forward(const NetworkInput& input);

  const RecNetOptions& options() const { return options_; }
  ResNet50 backbone{nullptr};
  ReciprocalAttention attention{nullptr};  // null for ForegroundOnly and TwoBranchNoAttention

 private:
  RecNetOptions options_;
  FeatureIntegration fg_integration{nullptr}, bg_integration{nullptr};
  SaliencyHead fg_head{nullptr}, bg_head{nullptr};
};
TORCH_MODULE(RecNet);

}  // namespace rgbdsod::models
