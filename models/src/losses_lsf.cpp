#include "rgbdsod/models/losses_lsf.h"

#include <stdexcept>
#include <string>

#include <torch/nn/functional/loss.h>

#include "rgbdsod/models/lsf_stream.h"

namespace rgbdsod::models {

namespace F = torch::nn::functional;

namespace {

void checkMask(const torch::Tensor& mask) {
  if (!mask.defined() || mask.dim() != 4 || mask.size(1) != 1) {
    throw std::invalid_argument("LSF loss: mask must be [B,1,H,W]");
  }
}

torch::Tensor zeroLike(const torch::Tensor& like) { return torch::zeros({}, like.options()); }

}  // namespace

torch::Tensor saliencyBce(const torch::Tensor& logits, const torch::Tensor& mask) {
  checkMask(mask);
  const torch::Tensor resized = resizeLogits(logits, mask.sizes().slice(2));
  return F::binary_cross_entropy_with_logits(resized, mask.to(resized.dtype()));
}

torch::Tensor deepSupervisionLoss(const std::vector<torch::Tensor>& sides, const torch::Tensor& mask,
                                  const std::vector<double>& weights) {
  if (!weights.empty() && weights.size() != sides.size()) {
    throw std::invalid_argument("deepSupervisionLoss: " + std::to_string(weights.size()) +
                                " weights for " + std::to_string(sides.size()) + " side outputs");
  }
  checkMask(mask);
  torch::Tensor total = zeroLike(mask.to(torch::kFloat));
  for (size_t i = 0; i < sides.size(); ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    if (w != 0.0) total = total + w * saliencyBce(sides[i], mask);
  }
  return total;
}

namespace {

// d(sum_i w~_i P~_i, Y): the fused term of Eqs. 6 and 9.
torch::Tensor fusedTerm(const Prediction& p, const torch::Tensor& mask, const char* what) {
  if (!p.sides_fused.defined()) {
    throw std::invalid_argument(std::string(what) + ": the fused term needs Prediction::sides_fused "
                                "(set its weight to 0 for a prediction without one)");
  }
  return saliencyBce(p.sides_fused, mask);
}

}  // namespace

torch::Tensor lsfTeacherLoss(const Prediction& p, const torch::Tensor& mask,
                             const TeacherLossOptions& options) {
  torch::Tensor total = zeroLike(mask.to(torch::kFloat));
  if (options.side_weight != 0.0) {
    total = total + options.side_weight * deepSupervisionLoss(p.sides, mask);  // ours
  }
  if (options.combined_weight != 0.0) {
    // Eq. 9: sum_{i=2}^{K} d(P~^i_R, Y)
    total = total + options.combined_weight * deepSupervisionLoss(p.sides_combined, mask);
  }
  if (options.fused_weight != 0.0) {
    // Eq. 9: + d(sum_{i=2}^{6} w~^i_R P~^i_R, Y)
    total = total + options.fused_weight * fusedTerm(p, mask, "lsfTeacherLoss");
  }
  return total;
}

torch::Tensor hcdLoss(const Prediction& student, const Prediction& teacher,
                      const HcdLossOptions& options) {
  if (student.sides_combined.size() != teacher.sides_combined.size() ||
      student.sides_combined.empty()) {
    throw std::invalid_argument("hcdLoss: student and teacher must have the same, non-zero number "
                                "of combined side outputs");
  }
  torch::Tensor total;
  for (size_t i = 0; i < student.sides_combined.size(); ++i) {
    torch::Tensor s = student.sides_combined[i];
    torch::Tensor t = teacher.sides_combined[i].detach();
    if (!s.sizes().equals(t.sizes()) || s.dim() < 2) {
      throw std::invalid_argument("hcdLoss: combined side output " + std::to_string(i) +
                                  " sizes differ between student and teacher");
    }
    if (options.on_probabilities) {  // ours
      s = torch::sigmoid(s);
      t = torch::sigmoid(t);
    }
    const torch::Tensor squared = (s - t).pow(2);
    // Eq. 3 with g(x, y) = ||x - y||_2^2: per pair the sum over the level's pixels (then summed over
    // levels and averaged over the pairs); Mean: the level's mean over elements (ours).
    const torch::Tensor term = options.reduction == HcdReduction::Sum ? squared.flatten(1).sum(1).mean()
                                                                      : squared.mean();
    total = total.defined() ? total + term : term;
  }
  return total;
}

torch::Tensor lsfJointLoss(const Prediction& p, const torch::Tensor& mask,
                           const JointLossOptions& options) {
  torch::Tensor total = zeroLike(mask.to(torch::kFloat));
  if (options.side_weight != 0.0) total = total + options.side_weight * deepSupervisionLoss(p.sides, mask);  // ours
  if (options.combined_weight != 0.0) {
    // Eq. 6: sum_m d(P~^m_RD, Y)
    total = total + options.combined_weight * deepSupervisionLoss(p.sides_combined, mask);
  }
  if (options.branch_weight != 0.0) {
    // Eq. 6: sum_m [d(P~^m_{R-b}, Y) + d(P~^m_{D-b}, Y)]
    for (const auto& branch : p.branches) {
      total = total + options.branch_weight * saliencyBce(branch.second, mask);
    }
  }
  if (options.fused_weight != 0.0) {
    // Eq. 6: + d(sum_m w~_m P~^m_RD, Y)
    total = total + options.fused_weight * fusedTerm(p, mask, "lsfJointLoss");
  }
  return total;
}

}  // namespace rgbdsod::models
