#pragma once
// RecNet's losses, all computed from logits with log-sigmoid so that saturated branches give
// finite values and gradients:
//   L = CE(F, G) + CE(B, 1 - G) + lambda * L_coop
// CE is the pixel-mean binary cross-entropy. The cooperative loss asks the two branches to be
// complementary, p_F = sigmoid(F) close to 1 - p_B = sigmoid(-B), as a symmetric Bernoulli KL:
//   L_coop = mean_x [ KL(p_F || 1 - p_B) + KL(1 - p_B || p_F) ]
//   KL(Ber(a) || Ber(b)) = a (log a - log b) + (1 - a) (log(1 - a) - log(1 - b)).
// (The paper names the cooperative term without printing its formula in the material available
// here; this reading is the complementarity it describes and is documented in models/README.md.)
#include <torch/types.h>

#include "rgbdsod/models/prediction.h"

namespace rgbdsod::models {

// KL(Ber(sigmoid(a)) || Ber(sigmoid(b))) per element, from logits.
torch::Tensor bernoulliKlFromLogits(const torch::Tensor& logit_a, const torch::Tensor& logit_b);

struct RecNetLossOptions {
  double cooperative_weight = 1.0;  // lambda
};

struct RecNetLossTerms {
  torch::Tensor foreground_ce;  // CE(F, G)
  torch::Tensor background_ce;  // CE(B, 1 - G)
  torch::Tensor kl_fg_to_bg;    // mean KL(p_F || 1 - p_B)
  torch::Tensor kl_bg_to_fg;    // mean KL(1 - p_B || p_F)
  torch::Tensor total;
};

// fg/bg logits [B,1,h,w] (resized bilinearly to the mask when sizes differ), mask [B,1,H,W] in [0,1].
RecNetLossTerms recnetLoss(const torch::Tensor& fg_logits, const torch::Tensor& bg_logits,
                           const torch::Tensor& mask, const RecNetLossOptions& options = {});

// Convenience over a Prediction; a foreground-only prediction (no background) gets CE(F, G) only.
RecNetLossTerms recnetLoss(const Prediction& prediction, const torch::Tensor& mask,
                           const RecNetLossOptions& options = {});

}  // namespace rgbdsod::models
