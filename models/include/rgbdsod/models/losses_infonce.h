#pragma once
// InfoNCE with a queue of negatives (MoCo, He et al. 2020, Eq. 1), used by the modality-balanced
// contrastive pre-training for L_intra (per modality), L_inter (fusion) and the alignment baseline.
#include <torch/types.h>

namespace rgbdsod::models {

// logits [N, 1 + K]: column 0 = q_n . k_n / T (the positive), columns 1..K = q_n . queue_j / T.
// q, k [N, D] and queue [K, D] are expected L2-normalised; k and queue carry no gradient.
torch::Tensor infoNceLogits(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& queue,
                            double temperature);

// L = mean_n -log( exp(l_n0) / sum_j exp(l_nj) ): cross-entropy with the positive at index 0.
torch::Tensor infoNceLoss(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& queue,
                          double temperature);

}  // namespace rgbdsod::models
