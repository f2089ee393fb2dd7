#pragma once
// Losses of Learn-Select-Fuse and supervision transfer. Every saliency term d(P, Y) (Eq. 10,
// printed without its minus sign) is binary cross entropy computed from logits
// (binary_cross_entropy_with_logits, numerically stable), with the side output resized
// (bilinear) to the mask's size, averaged over pixels and the batch (ours: only a scale; the
// paper's Caffe losses sum over pixels, so its learning rates of Sec. 4.2 do not carry over).
// Masks are float [B,1,H,W] with values in [0,1].
#include <vector>

#include <torch/types.h>

#include "rgbdsod/models/prediction.h"

namespace rgbdsod::models {

// BCE of one logit map against the mask, after resizing the logits to the mask.
torch::Tensor saliencyBce(const torch::Tensor& logits, const torch::Tensor& mask);

// Deep supervision: sum_i weights[i] * saliencyBce(sides[i], mask); weights default to 1.
torch::Tensor deepSupervisionLoss(const std::vector<torch::Tensor>& sides, const torch::Tensor& mask,
                                  const std::vector<double>& weights = {});

// Teacher loss, Eq. 9:
//   L_Teac = sum_{i=2}^{K} d(P~^i_R, Y) + d(sum_{i=2}^{6} w~^i_R P~^i_R, Y)
// over the combined side outputs P~_i (p.sides_combined) and the fused term (p.sides_fused),
// d the cross entropy of Eq. 10 (saliencyBce). side_weight adds sum_i d(P_i, Y) on the raw level
// predictions: ours, not in Eq. 9 (the earlier default), 0 by default.
struct TeacherLossOptions {
  double side_weight = 0.0;      // ours: sum_i BCE(P_i, G)
  double combined_weight = 1.0;  // Eq. 9: sum_i BCE(P~_i, G)
  double fused_weight = 1.0;     // Eq. 9: BCE(sum_i w~_i P~_i, G); needs p.sides_fused
};
torch::Tensor lsfTeacherLoss(const Prediction& p, const torch::Tensor& mask,
                             const TeacherLossOptions& options = {});

// Hierarchical cross-modal distillation, Eq. 3:
//   L_HCD = sum_{(I_r, I_d)} sum_i g(P~^i_R(I_r), P~^i_D(I_d)),   g(x, y) = ||x - y||_2^2
// on the combined side outputs P~_i (logits, as the side outputs are), levels 2..6. The teacher
// side is detached.
enum class HcdReduction {
  Sum,   // the paper: per pair the squared L2 norm over every pixel of every level, then the mean
         // over the batch's pairs (a mini-batch estimate of Eq. 3's sum divided by the constant
         // number of pairs, so the step size does not depend on the batch size)
  Mean,  // ours (the earlier behaviour): per level the mean over elements, summed over levels
};
struct HcdLossOptions {
  bool on_probabilities = false;  // ours: compare sigmoid(P~_i) instead of the logits
  HcdReduction reduction = HcdReduction::Sum;
};
torch::Tensor hcdLoss(const Prediction& student, const Prediction& teacher,
                      const HcdLossOptions& options = {});

// Joint loss of the fusion network, Eq. 6:
//   L_final = sum_m [d(P~^m_{R-b}, Y) + d(P~^m_{D-b}, Y) + d(P~^m_RD, Y)] + d(sum_m w~_m P~^m_RD, Y)
// over the fused levels m = 2..6 (level 1 takes no part, Sec. 4.2): the branch predictions
// (p.branches), the combined joint predictions (p.sides_combined) and the fused term
// (p.sides_fused). side_weight adds the raw joint predictions P^m_RD: ours, 0 by default.
struct JointLossOptions {
  double side_weight = 0.0;      // ours: sum_m BCE(P_m, G)
  double combined_weight = 1.0;  // Eq. 6: sum_m BCE(P~_m, G)
  double branch_weight = 1.0;    // Eq. 6: sum_m [BCE(R_m, G) + BCE(D_m, G)] over p.branches
  double fused_weight = 1.0;     // Eq. 6: BCE(sum_m w~_m P~_m, G); needs p.sides_fused
};
torch::Tensor lsfJointLoss(const Prediction& p, const torch::Tensor& mask,
                           const JointLossOptions& options = {});

}  // namespace rgbdsod::models
