#pragma once
// InfoNCE with a queue of negatives (MoCo, He et al. 2020), used by the modality-balanced
// contrastive pre-training for L_intra (Eq. 3, per modality), L_inter (Eq. 7, fusion) and the
// alignment baseline of its Table 4. Each term has its own temperature (the paper: tau_intra = 0.1,
// tau_inter = 0.04 for the fusion objective, 0.1 for the alignment baseline).
#include <torch/types.h>

namespace rgbdsod::models {

// logits [N, 1 + K]: column 0 = q_n . k_n / T (the positive), columns 1..K = q_n . queue_j / T.
// q, k [N, D] and queue [K, D] are expected L2-normalised; k and queue carry no gradient.
torch::Tensor infoNceLogits(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& queue,
                            double temperature);

// Eq. 3 / Eq. 7: L = mean_n -log( exp(q.k+ / T) / sum_{i=0..K} exp(q.k_i / T) ), k_0 = k+ (the sum
// includes the positive), i.e. cross-entropy with the positive at index 0, averaged over the batch.
torch::Tensor infoNceLoss(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& queue,
                          double temperature);

}  // namespace rgbdsod::models
