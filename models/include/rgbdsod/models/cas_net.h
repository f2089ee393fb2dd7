#pragma once
// The segmentation network trained with the class-agnostic segmentation (CAS) loss: K output
// channels whose meaning is learned (no channel is told to be "salient"). The paper uses a
// fully-convolutional ResNet-101 / DeepLab-v3; here a VGG-16 trunk (the same as the LSF streams,
// so torchvision weights import the same way) with a light top-down decoder over its six levels.
// After training, the channel that correlates best with the GT of held-out samples is the
// saliency channel (SaliencyChannelSelector below); it is a buffer of the module, so checkpoints
// carry it.
#include <cstdint>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "rgbdsod/models/prediction.h"
#include "rgbdsod/models/vgg16.h"

namespace rgbdsod::models {

struct CasNetOptions {
  Vgg16Options backbone;
  int64_t classes = 2;            // K >= 2 output channels
  int64_t decoder_channels = 64;  // before width scaling
};

class CasNetImpl : public torch::nn::Module {
 public:
  explicit CasNetImpl(const CasNetOptions& options = {});
  torch::Tensor logits(const torch::Tensor& rgb);  // [B,K,H,W] at the input size
  // final = softmax channel `saliencyChannel()` (a probability); features "class<k>" hold every
  // channel's probability for inspection.
  Prediction forward(const torch::Tensor& rgb);

  int64_t saliencyChannel() const;
  void setSaliencyChannel(int64_t k);
  const CasNetOptions& options() const { return options_; }

  Vgg16 backbone{nullptr};
  torch::nn::ModuleList lateral{nullptr}, smooth{nullptr};
  torch::nn::Conv2d classifier{nullptr};

 private:
  CasNetOptions options_;
  torch::Tensor saliency_channel_;
};
TORCH_MODULE(CasNet);

// The paper's channel-selection rule (Sec. 4.2): "The network has 2 sparse output channels, the
// correct saliency map S, and 1 - S. We choose the channel for the salient object label by
// calculating the correlation of the output channels with the saliency map on the validation set
// and selecting the channel with maximum correlation value as saliency map."
// The paper does not say how the correlation is aggregated over the set; ours: one Pearson r per
// channel over every pixel of every image added (pooled sums in double), the GT used as it is
// ([0, 1]). Ties, and channels of zero variance (r counted 0), go to the lowest index.
class SaliencyChannelSelector {
 public:
  explicit SaliencyChannelSelector(int64_t channels);
  // probs [M,H,W] or [B,M,H,W] (softmax probabilities); gt [H,W], [1,H,W], [B,H,W] or [B,1,H,W].
  void add(const torch::Tensor& probs, const torch::Tensor& gt);
  double pixels() const { return n_; }
  std::vector<double> correlations() const;  // Pearson r per channel
  int64_t best() const;                      // argmax of correlations(); -1 before any pixel

 private:
  std::vector<double> sp_, spp_, spg_;  // per channel: sum p, sum p^2, sum p g
  double sg_ = 0, sgg_ = 0, n_ = 0;
};

}  // namespace rgbdsod::models
