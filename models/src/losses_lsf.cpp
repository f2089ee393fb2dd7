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

torch::Tensor lsfTeacherLoss(const Prediction& p, const torch::Tensor& mask,
                             const TeacherLossOptions& options) {
  torch::Tensor total = zeroLike(mask.to(torch::kFloat));
  if (options.side_weight != 0.0) {
    total = total + options.side_weight * deepSupervisionLoss(p.sides, mask);
  }
  if (options.combined_weight != 0.0) {
    total = total + options.combined_weight * deepSupervisionLoss(p.sides_combined, mask);
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
    if (!s.sizes().equals(t.sizes())) {
      throw std::invalid_argument("hcdLoss: level " + std::to_string(i + 1) +
                                  " sizes differ between student and teacher");
    }
    if (options.on_probabilities) {
      s = torch::sigmoid(s);
      t = torch::sigmoid(t);
    }
    const torch::Tensor term = (s - t).pow(2).mean();
    total = total.defined() ? total + term : term;
  }
  return total;
}

torch::Tensor lsfJointLoss(const Prediction& p, const torch::Tensor& mask,
                           const JointLossOptions& options) {
  torch::Tensor total = zeroLike(mask.to(torch::kFloat));
  if (options.side_weight != 0.0) total = total + options.side_weight * deepSupervisionLoss(p.sides, mask);
  if (options.combined_weight != 0.0) {
    total = total + options.combined_weight * deepSupervisionLoss(p.sides_combined, mask);
  }
  if (options.branch_weight != 0.0) {
    for (const auto& branch : p.branches) {
      total = total + options.branch_weight * saliencyBce(branch.second, mask);
    }
  }
  return total;
}

torch::Tensor supervisionTransferLoss(const torch::Tensor& adapted, const torch::Tensor& target) {
  if (!adapted.sizes().equals(target.sizes())) {
    throw std::invalid_argument("supervisionTransferLoss: adapted and target shapes differ");
  }
  return (adapted - target.detach()).pow(2).mean();
}

}  // namespace rgbdsod::models
