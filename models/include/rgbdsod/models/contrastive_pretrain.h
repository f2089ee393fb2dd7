#pragma once
// Modality-balanced contrastive pre-training (Chen, Shen, Zhang). RGB and depth ResNet-50 encoders
// learn by MoCo within their modality (L_intra); a fusion encoder over both layer4 maps, whose RGB
// input has its top-k% channels by attention masked, learns by MoCo on the fused "synthetic
// modality" (L_inter). J = lambda_intra * L_intra + lambda_inter * L_inter.
//
// One training step, in MoCo's order (the trainer's `contrast-intra` / `contrast-inter` stages):
//   net->momentumStep();                 // key encoders <- EMA of the online ones
//   auto out = net->forward(view1, view2);
//   out.loss.backward(); optimiser.step();
//   net->enqueue(out);                   // this batch's keys become negatives
// forward() itself changes no queue, so a fixed batch gives a reproducible loss.
// Details the available text of the paper leaves open (where the mask applies, the attention MLP,
// the fusion conv, the downstream decoder) are choices listed in models/README.md.
#include <cstdint>

#include <torch/nn.h>
#include <torch/types.h>

#include "rgbdsod/models/contrastive_fusion.h"
#include "rgbdsod/models/momentum.h"
#include "rgbdsod/models/prediction.h"
#include "rgbdsod/models/resnet50.h"

namespace rgbdsod::models {

// The inter-modal objective: the paper's fusion encoder, or the cross-modal alignment baseline of
// its Table 4 (InfoNCE between RGB queries and depth keys and vice versa, CMC style).
enum class InterObjective { Fusion, Alignment };

struct ContrastivePretrainOptions {
  double width = 1.0;              // scales encoders, fusion conv and projection hidden layer
  int64_t depth_channels = 1;      // 1 (raw depth) or 3 (replicated / HHA)
  int64_t embedding_dim = 128;
  int64_t projection_hidden = 2048;  // before width scaling
  int64_t queue_size = 16384;      // negatives per queue (MoCo uses 65536 on ImageNet)
  double momentum = 0.999;
  double temperature = 0.07;
  double mask_ratio = 0.5;         // k: 0, 0.25 or 0.5 of the RGB channels zeroed
  double lambda_intra = 1.0;       // l1; 0 skips L_intra (stage contrast-inter alone)
  double lambda_inter = 1.0;       // l2; 0 skips L_inter (stage contrast-intra)
  InterObjective inter = InterObjective::Fusion;
  int64_t attention_reduction = 16;
};

struct ContrastiveOutput {
  torch::Tensor loss;   // J
  torch::Tensor intra;  // L_intra = L_rgb + L_depth (undefined when lambda_intra = 0)
  torch::Tensor inter;  // L_inter (fusion, or the alignment baseline; undefined when lambda_inter = 0)
  // Keys from the momentum encoders (view 2), queued by enqueue().
  torch::Tensor key_rgb, key_depth, key_fusion;
  // The query path's channel attention and mask, for inspection.
  torch::Tensor attention_rgb, mask_rgb;
};

class ContrastivePretrainNetImpl : public torch::nn::Module {
 public:
  explicit ContrastivePretrainNetImpl(ContrastivePretrainOptions options = {});

  // view1 gives the queries (online encoders), view2 the keys (momentum encoders); both need
  // rgb and depth of the same images under independent augmentations.
  ContrastiveOutput forward(const NetworkInput& view1, const NetworkInput& view2);
  void momentumStep();
  void enqueue(const ContrastiveOutput& out);

  const ContrastivePretrainOptions& options() const { return options_; }

  // Online (trained) modules.
  ResNet50 rgb_encoder{nullptr}, depth_encoder{nullptr};
  ProjectionMlp rgb_projector{nullptr}, depth_projector{nullptr};
  FusionEncoder fusion{nullptr};
  // Momentum copies: no gradient, updated by momentumStep().
  ResNet50 rgb_encoder_m{nullptr}, depth_encoder_m{nullptr};
  ProjectionMlp rgb_projector_m{nullptr}, depth_projector_m{nullptr};
  FusionEncoder fusion_m{nullptr};
  FeatureQueue rgb_queue{nullptr}, depth_queue{nullptr}, fusion_queue{nullptr};

 private:
  ContrastivePretrainOptions options_;
};
TORCH_MODULE(ContrastivePretrainNet);

}  // namespace rgbdsod::models
