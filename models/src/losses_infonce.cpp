#include "rgbdsod/models/losses_infonce.h"

#include <torch/nn/functional/loss.h>

namespace rgbdsod::models {

torch::Tensor infoNceLogits(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& queue,
                            double temperature) {
  TORCH_CHECK(q.dim() == 2 && k.sizes() == q.sizes(), "InfoNCE: q and k must both be [N, D]");
  TORCH_CHECK(queue.dim() == 2 && queue.size(1) == q.size(1), "InfoNCE: queue must be [K, D]");
  TORCH_CHECK(temperature > 0.0, "InfoNCE: temperature must be positive");
  const auto positive = (q * k.detach()).sum(1, /*keepdim=*/true);  // [N, 1]
  const auto negatives = torch::mm(q, queue.detach().t());           // [N, K]
  return torch::cat({positive, negatives}, 1) / temperature;
}

torch::Tensor infoNceLoss(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& queue,
                          double temperature) {
  const auto logits = infoNceLogits(q, k, queue, temperature);
  const auto labels = torch::zeros({logits.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(q.device()));
  return torch::nn::functional::cross_entropy(logits, labels);
}

}  // namespace rgbdsod::models
