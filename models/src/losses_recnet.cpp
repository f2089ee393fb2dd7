#include "rgbdsod/models/losses_recnet.h"

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

RecNetLossTerms recnetLoss(const torch::Tensor& fg_logits, const torch::Tensor& bg_logits,
                           const torch::Tensor& mask, const RecNetLossOptions& options) {
  RecNetLossTerms t;
  const auto g = mask.to(fg_logits.dtype());
  const auto f = toMaskSize(fg_logits, mask);
  // binary_cross_entropy_with_logits uses the log-sum-exp form: stable for large |logit|.
  t.foreground_ce = F::binary_cross_entropy_with_logits(f, g);
  t.total = t.foreground_ce;
  if (!bg_logits.defined()) return t;
  const auto b = toMaskSize(bg_logits, mask);
  t.background_ce = F::binary_cross_entropy_with_logits(b, 1.0 - g);
  // 1 - sigmoid(B) = sigmoid(-B): the background branch's foreground belief.
  t.kl_fg_to_bg = bernoulliKlFromLogits(f, -b).mean();
  t.kl_bg_to_fg = bernoulliKlFromLogits(-b, f).mean();
  t.total = t.foreground_ce + t.background_ce + options.cooperative_weight * (t.kl_fg_to_bg + t.kl_bg_to_fg);
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
