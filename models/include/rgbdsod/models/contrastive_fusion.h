#pragma once
// Building blocks of the modality-balanced contrastive pre-training (Chen, Shen, Zhang): the
// projection MLP and the fusion encoder with its attentive mask of the strong (RGB) modality.
#include <cstdint>

#include <torch/nn.h>
#include <torch/types.h>

namespace rgbdsod::models {

// MoCo v2's head: Linear -> ReLU -> Linear, then L2 normalisation of the embedding.
class ProjectionMlpImpl : public torch::nn::Module {
 public:
  ProjectionMlpImpl(int64_t in_features, int64_t hidden, int64_t out_features);
  torch::Tensor forward(const torch::Tensor& pooled);  // [B, in] -> unit vectors [B, out]

 private:
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(ProjectionMlp);

// Mask [B, C] that is 0 on the floor(ratio * C) channels of highest score per sample and 1
// elsewhere (among equal scores topk decides). ratio in [0, 1). No gradient.
torch::Tensor attentiveMask(const torch::Tensor& scores, double ratio);

struct FusionEncoderOptions {
  int64_t rgb_channels = 2048;    // layer4 channels of each encoder
  int64_t depth_channels = 2048;
  int64_t fused_channels = 2048;  // output of the fusion conv
  int64_t reduction = 16;         // channel-attention bottleneck (SE style)
  int64_t projection_hidden = 2048;
  int64_t embedding_dim = 128;
};

struct FusionOutput {
  torch::Tensor fused;           // [B, fused_channels, h, w] after the conv
  torch::Tensor attention_rgb;   // [B, Cr] channel attention scores in (0, 1)
  torch::Tensor attention_depth; // [B, Cd]
  torch::Tensor mask_rgb;        // [B, Cr] the attentive mask applied (all ones for ratio 0)
};

// Global average pooling -> channel attention per modality (sigmoid of a two-layer MLP) ->
// reweighting, with the top-k% RGB channels by attention score zeroed -> concatenation -> 1x1 conv
// + BN + ReLU. embed() adds pooling and the projection MLP for the contrastive loss.
class FusionEncoderImpl : public torch::nn::Module {
 public:
  explicit FusionEncoderImpl(FusionEncoderOptions options);
  FusionOutput forward(const torch::Tensor& rgb, const torch::Tensor& depth, double mask_ratio);
  torch::Tensor embed(const FusionOutput& out);  // unit vectors [B, embedding_dim]
  const FusionEncoderOptions& options() const { return options_; }

 private:
  FusionEncoderOptions options_;
  torch::nn::Sequential rgb_attention{nullptr}, depth_attention{nullptr}, fuse{nullptr};
  ProjectionMlp projector{nullptr};
};
TORCH_MODULE(FusionEncoder);

}  // namespace rgbdsod::models
