#include "rgbdsod/models/momentum.h"

#include <stdexcept>
#include <string>

#include <torch/nn/functional/normalization.h>

namespace rgbdsod::models {
namespace {

void copyNamed(const torch::OrderedDict<std::string, torch::Tensor>& src,
               torch::OrderedDict<std::string, torch::Tensor>& dst, const char* what) {
  for (auto& item : dst) {
    const torch::Tensor* s = src.find(item.key());
    if (s == nullptr) throw std::runtime_error(std::string("copyState: missing ") + what + " " + item.key());
    if (!s->sizes().equals(item.value().sizes()))
      throw std::runtime_error(std::string("copyState: shape mismatch for ") + what + " " + item.key());
    item.value().copy_(*s);
  }
}

}  // namespace

void copyState(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  auto dst_params = to.named_parameters();
  copyNamed(from.named_parameters(), dst_params, "parameter");
  auto dst_buffers = to.named_buffers();
  copyNamed(from.named_buffers(), dst_buffers, "buffer");
}

void momentumUpdate(const torch::nn::Module& online, torch::nn::Module& target, double momentum) {
  torch::NoGradGuard no_grad;
  const auto src = online.named_parameters();
  for (auto& item : target.named_parameters()) {
    const torch::Tensor* q = src.find(item.key());
    if (q == nullptr) throw std::runtime_error("momentumUpdate: missing parameter " + item.key());
    item.value().mul_(momentum).add_(*q, 1.0 - momentum);
  }
}

void freeze(torch::nn::Module& module) {
  for (auto& p : module.parameters()) p.set_requires_grad(false);
}

FeatureQueueImpl::FeatureQueueImpl(int64_t size, int64_t dim) {
  TORCH_CHECK(size > 0 && dim > 0, "FeatureQueue needs a positive size and dimension");
  // Random unit vectors, as MoCo starts: the first negatives carry no information.
  queue_ = register_buffer(
      "queue", torch::nn::functional::normalize(torch::randn({size, dim}),
                                                torch::nn::functional::NormalizeFuncOptions().dim(1)));
  ptr_ = register_buffer("ptr", torch::zeros({1}, torch::kLong));
}

void FeatureQueueImpl::enqueue(const torch::Tensor& keys) {
  torch::NoGradGuard no_grad;
  TORCH_CHECK(keys.dim() == 2 && keys.size(1) == queue_.size(1), "enqueue: keys must be [N, dim]");
  const int64_t k = queue_.size(0);
  const int64_t n = keys.size(0);
  const int64_t start = ptr_.item<int64_t>();
  // Rows start, start+1, ... modulo the size; a batch larger than the queue keeps its last rows.
  const auto rows = torch::remainder(torch::arange(start, start + n, torch::kLong), k).to(queue_.device());
  const auto src = keys.detach().to(queue_.dtype());
  if (n <= k) {
    queue_.index_copy_(0, rows, src);
  } else {
    queue_.index_copy_(0, rows.slice(0, n - k), src.slice(0, n - k));
  }
  ptr_.fill_((start + n) % k);
}

}  // namespace rgbdsod::models
