#pragma once
// RecNet's losses, all computed from logits with log-sigmoid so that saturated branches give
// finite values and gradients. Total (the paper: "we use all losses above to jointly train"):
//   L = L_CE + L_KL
//   L_CE = Dc(Sig(B), G_B) + Dc(Sig(F), G_F), G_F = G, G_B = 1 - G                 (Eq. 4)
//   L_KL = D_KL(Sig(F), 1 - Sig(B)) + D_KL(Sig(F) .* Sig(B), 0)                     (Eq. 5)
// Dc is the pixel-mean binary cross-entropy. D_KL is read per pixel as the KL divergence between
// Bernoulli distributions (Sig(.) is a per-pixel probability, as in Eq. 4's Dc), averaged over the
// pixels like Dc:  KL(Ber(a) || Ber(b)) = a (log a - log b) + (1 - a) (log(1 - a) - log(1 - b)).
// Argument order: Eq. 4 writes Dc(prediction, target); read the same way, D_KL(prediction, target)
// is the KL loss of a prediction against its target, KL(target || prediction) (default,
// RecNetKlDirection::TargetFirst):
//   L_KL = KL(1 - p_B || p_F) + KL(0 || p_F p_B),   KL(Ber(0) || Ber(q)) = -log(1 - q),
// finite as printed and 0 exactly when the overlap p_F p_B is 0. PredictionFirst takes the
// arguments in the mathematical order, KL(p_F || 1 - p_B) + KL(p_F p_B || 0); KL against Ber(0) is
// infinite wherever the overlap is positive, so its target is then Ber(eps)
// (RecNetLossOptions::overlap_epsilon). See models/README.md.
#include <torch/types.h>

#include "rgbdsod/models/prediction.h"

namespace rgbdsod::models {

enum class RecNetKlDirection {
  TargetFirst,      // D_KL(prediction, target) = KL(target || prediction) (default)
  PredictionFirst,  // KL(prediction || target), the 0 target as Ber(overlap_epsilon) (an option)
};

// KL(Ber(sigmoid(a)) || Ber(sigmoid(b))) per element, from logits.
torch::Tensor bernoulliKlFromLogits(const torch::Tensor& logit_a, const torch::Tensor& logit_b);

// Eq. 5's overlap term per element from logits, p = sigmoid(f) * sigmoid(b):
// TargetFirst: KL(Ber(0) || Ber(p)) = -log(1 - p); PredictionFirst: KL(Ber(p) || Ber(eps)).
torch::Tensor overlapKlFromLogits(const torch::Tensor& fg_logits, const torch::Tensor& bg_logits,
                                  RecNetKlDirection direction, double eps = 1e-6);

struct RecNetLossOptions {
  bool cooperative = true;          // Eq. 5 on; false is Table 2's "RecNet w/o cooperative loss"
  double cooperative_weight = 1.0;  // ours: a weight on L_KL; the paper adds it unweighted (1)
  RecNetKlDirection kl_direction = RecNetKlDirection::TargetFirst;
  double overlap_epsilon = 1e-6;    // PredictionFirst only: the "0" of D_KL(., 0), in (0, 0.5)
};

struct RecNetLossTerms {
  torch::Tensor foreground_ce;  // Dc(Sig(F), G)
  torch::Tensor background_ce;  // Dc(Sig(B), 1 - G)
  torch::Tensor kl_complement;  // Eq. 5's first term, pixel mean
  torch::Tensor kl_overlap;     // Eq. 5's second term, pixel mean
  torch::Tensor total;          // the two CEs, plus cooperative_weight * (both KL terms) when cooperative
};

// fg/bg logits [B,1,h,w] (resized bilinearly to the mask when sizes differ), mask [B,1,H,W] in [0,1].
// The KL terms are computed (for logging) even when options.cooperative is false.
RecNetLossTerms recnetLoss(const torch::Tensor& fg_logits, const torch::Tensor& bg_logits,
                           const torch::Tensor& mask, const RecNetLossOptions& options = {});

// Convenience over a Prediction; a foreground-only prediction (no background) gets CE(F, G) only.
RecNetLossTerms recnetLoss(const Prediction& prediction, const torch::Tensor& mask,
                           const RecNetLossOptions& options = {});

}  // namespace rgbdsod::models
