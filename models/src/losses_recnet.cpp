#include "rgbdsod/models/losses_recnet.h"

#include <cmath>

#include <torch/nn/functional/loss.h>
#include <torch/nn/functional/upsampling.h>

namespace rgbdsod::models {
namespace {

namespace F = torch::nn::functional;

torch::Tensor toMaskSize(const torch::Tensor& logits, const torch::Tensor& mask) {
  if (logits.sizes().slice(2).equals(mask.sizes().slice(2))) return logits;
  return F::interpolate(logits, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{mask.size(2), mask.size(3)})
                                    .mode(torch::kBilinear)
                                    .align_corners(false));
}

}  // namespace

torch::Tensor bernoulliKlFromLogits(const torch::Tensor& logit_a, const torch::Tensor& logit_b) {
  // log sigmoid(x) and log(1 - sigmoid(x)) = log sigmoid(-x) stay finite for any logit.
  const auto log_a = F::logsigmoid(logit_a);
  const auto log_not_a = F::logsigmoid(-logit_a);
  const auto log_b = F::logsigmoid(logit_b);
  const auto log_not_b = F::logsigmoid(-logit_b);
  return log_a.exp() * (log_a - log_b) + log_not_a.exp() * (log_not_a - log_not_b);
}

torch::Tensor overlapKlFromLogits(const torch::Tensor& fg_logits, const torch::Tensor& bg_logits,
                                  RecNetKlDirection direction, double eps) {
  // p = sig(f) sig(b): log p = log sig(f) + log sig(b). 1 - p = sig(-f) + sig(f) sig(-b) (both
  // parts >= 0), so log(1 - p) is a log-sum-exp and stays finite when both maps saturate at 1.
  const auto log_not_p =
      torch::logaddexp(F::logsigmoid(-fg_logits), F::logsigmoid(fg_logits) + F::logsigmoid(-bg_logits));
  // KL(Ber(0) || Ber(p)) = 0 log(0 / p) + 1 log(1 / (1 - p)).
  if (direction == RecNetKlDirection::TargetFirst) return -log_not_p;
  TORCH_CHECK(eps > 0.0 && eps < 0.5, "overlapKlFromLogits: eps must lie in (0, 0.5), got ", eps);
  const auto log_p = F::logsigmoid(fg_logits) + F::logsigmoid(bg_logits);
  const double log_eps = std::log(eps), log_not_eps = std::log1p(-eps);
  return log_p.exp() * (log_p - log_eps) + log_not_p.exp() * (log_not_p - log_not_eps);
}

RecNetLossTerms recnetLoss(const torch::Tensor& fg_logits, const torch::Tensor& bg_logits,
                           const torch::Tensor& mask, const RecNetLossOptions& options) {
  RecNetLossTerms t;
  const auto g = mask.to(fg_logits.dtype());
  const auto f = toMaskSize(fg_logits, mask);
  // Eq. 4. binary_cross_entropy_with_logits uses the log-sum-exp form: stable for large |logit|.
  t.foreground_ce = F::binary_cross_entropy_with_logits(f, g);
  t.total = t.foreground_ce;
  if (!bg_logits.defined()) return t;
  const auto b = toMaskSize(bg_logits, mask);
  t.background_ce = F::binary_cross_entropy_with_logits(b, 1.0 - g);
  t.total = t.foreground_ce + t.background_ce;
  // Eq. 5, first term: D_KL(Sig(F), 1 - Sig(B)); 1 - sigmoid(B) = sigmoid(-B). TargetFirst:
  // KL(1 - p_B || p_F), PredictionFirst: KL(p_F || 1 - p_B).
  const bool target_first = options.kl_direction == RecNetKlDirection::TargetFirst;
  t.kl_complement = (target_first ? bernoulliKlFromLogits(-b, f) : bernoulliKlFromLogits(f, -b)).mean();
  // Eq. 5, second term: D_KL(Sig(F) .* Sig(B), 0), the overlap driven to 0.
  t.kl_overlap = overlapKlFromLogits(f, b, options.kl_direction, options.overlap_epsilon).mean();
  if (options.cooperative) t.total = t.total + options.cooperative_weight * (t.kl_complement + t.kl_overlap);
  return t;
}

RecNetLossTerms recnetLoss(const Prediction& prediction, const torch::Tensor& mask,
                           const RecNetLossOptions& options) {
  const auto& fg = prediction.foreground.defined() ? prediction.foreground : prediction.final;
  TORCH_CHECK(fg.defined() && !(prediction.final_is_probability && !prediction.foreground.defined()),
              "recnetLoss: the prediction has no foreground logits");
  return recnetLoss(fg, prediction.background, mask, options);
}

}  // namespace rgbdsod::models
