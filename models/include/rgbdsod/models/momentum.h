#pragma once
// MoCo machinery shared by the contrastive pre-training: parameter copies, the momentum
// (exponential moving average) update of a key encoder, freezing, and the key queue.
#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace rgbdsod::models {

// Copies every parameter and buffer of `from` into `to` by name (same architecture required);
// throws std::runtime_error naming the first key that is missing or has another shape.
void copyState(const torch::nn::Module& from, torch::nn::Module& to);

// theta_k <- m * theta_k + (1 - m) * theta_q for every parameter (MoCo Eq. 2). Buffers (BN running
// statistics) are left to the key encoder's own forward passes, as in MoCo.
void momentumUpdate(const torch::nn::Module& online, torch::nn::Module& target, double momentum);

// requires_grad(false) on every parameter: momentum copies and frozen downstream encoders.
void freeze(torch::nn::Module& module);

// A FIFO of L2-normalised keys [size, dim] kept as buffers (saved with the model). enqueue() writes
// the batch at the pointer and wraps around, so any batch size works (MoCo needs size % batch == 0).
class FeatureQueueImpl : public torch::nn::Module {
 public:
  FeatureQueueImpl(int64_t size, int64_t dim);
  void enqueue(const torch::Tensor& keys);  // keys [N, dim]; detached, no gradient
  const torch::Tensor& keys() const { return queue_; }
  int64_t pointer() const { return ptr_.item<int64_t>(); }
  int64_t size() const { return queue_.size(0); }

 private:
  torch::Tensor queue_;
  torch::Tensor ptr_;
};
TORCH_MODULE(FeatureQueue);

}  // namespace rgbdsod::models
