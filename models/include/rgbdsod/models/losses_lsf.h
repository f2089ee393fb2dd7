#pragma once
// Losses of Learn-Select-Fuse and supervision transfer. Every saliency term is binary cross
// entropy computed from logits (binary_cross_entropy_with_logits, numerically stable), with the
// side output resized (bilinear) to the mask's size, averaged over pixels and the batch.
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

// Teacher loss (Eq. 9): supervision of every level-specific prediction P_i and every combined
// prediction P~_i of the RGB stream.
struct TeacherLossOptions {
  double side_weight = 1.0;      // weight of sum_i BCE(P_i, G)
  double combined_weight = 1.0;  // weight of sum_i BCE(P~_i, G)
};
torch::Tensor lsfTeacherLoss(const Prediction& p, const torch::Tensor& mask,
                             const TeacherLossOptions& options = {});

// Hierarchical cross-modal distillation (Eq. 3): sum over levels i of the mean squared
// difference between the student's and the teacher's combined side outputs P~_i. The teacher
// side is detached. On probabilities (sigmoid of the logits) by default, so a confident teacher
// does not produce unbounded targets; on raw logits when on_probabilities is false.
struct HcdLossOptions {
  bool on_probabilities = true;
};
torch::Tensor hcdLoss(const Prediction& student, const Prediction& teacher,
                      const HcdLossOptions& options = {});

// Joint loss of the fusion network (Eq. 6): per fused level m, the joint prediction P_m, its
// combined prediction P~_m and, when present, the R-b and D-b branch predictions.
struct JointLossOptions {
  double side_weight = 1.0;      // sum_m BCE(P_m, G)
  double combined_weight = 1.0;  // sum_m BCE(P~_m, G)
  double branch_weight = 1.0;    // sum_m [BCE(R_m, G) + BCE(D_m, G)] over p.branches
};
torch::Tensor lsfJointLoss(const Prediction& p, const torch::Tensor& mask,
                           const JointLossOptions& options = {});

// Supervision transfer: mean over all elements of (adapted - target)^2; target detached.
torch::Tensor supervisionTransferLoss(const torch::Tensor& adapted, const torch::Tensor& target);

}  // namespace rgbdsod::models
