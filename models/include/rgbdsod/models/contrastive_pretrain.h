#pragma once
// Modality-balanced contrastive pre-training (Chen, Shen, Zhang). RGB and depth ResNet-50 encoders
// learn by MoCo within their modality (L_intra); a fusion encoder over both layer4 maps, whose RGB
// input has its top-k% channels by attention masked, learns by MoCo on the fused "synthetic
// modality" (L_inter). Eq. 8: J = lambda1 * L_intra + lambda2 * L_inter, "we set them as 0.5
// equally"; L_intra = L(q^r, k+^r, k^r) + L(q^d, k+^d, k^d) (Eq. 4, a sum over the modalities).
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
  int64_t queue_size = 16384;      // the paper: "queue size is 16384" (one queue per objective)
  // Key-encoder EMA. The paper gives none (its "momentum of 0.9" is SGD's): MoCo's 0.999.
  double momentum = 0.999;
  // Temperatures, one per term. "The intra-modal temperature coefficient tau_intra is set to 0.1";
  // "For interCLM, the best temperature coefficient is 0.1 for alignment, and 0.04 for ours."
  double tau_intra = 0.1;          // Eq. 3, L_intra (both modalities)
  double tau_inter = 0.04;         // Eq. 7, L_inter on the fused embedding (InterObjective::Fusion)
  double tau_alignment = 0.1;      // the inter term of the Table 4 baseline (InterObjective::Alignment)
  double mask_ratio = 0.5;         // k: 0, 0.25 or 0.5 of the RGB channels zeroed (Table 3: 50% best)
  double lambda_intra = 0.5;       // lambda1 of Eq. 8; 0 skips L_intra
  double lambda_inter = 0.5;       // lambda2 of Eq. 8; 0 skips L_inter (stage contrast-intra)
  InterObjective inter = InterObjective::Fusion;
  int64_t attention_reduction = 16;
};

struct ContrastiveOutput {
  torch::Tensor loss;   // J = lambda_intra * intra + lambda_inter * inter (Eq. 8)
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
