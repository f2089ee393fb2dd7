#pragma once
// Supervision transfer (Gupta, Hoffman, Malik, CVPR 2016): a depth network learns to reproduce a
// mid-level layer of a trained RGB network on paired images, through a 1x1 conv + ReLU
// adaptation layer and an L2 loss; no depth labels are needed. The "franken" network then runs
// the depth network's lower part, the adaptation layer and the RGB network's upper part (trunk
// above the tap, side heads, BPDC) for zero-shot saliency on depth.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "rgbdsod/models/backbone_config.h"
#include "rgbdsod/models/lsf_stream.h"
#include "rgbdsod/models/prediction.h"
#include "rgbdsod/models/vgg16.h"

namespace rgbdsod::models {

struct SupervisionTransferOptions {
  VggTap tap = VggTap::Pool5;  // the paper's best single layer; conv3/conv4 also supported
  // The depth trunk: width must equal the RGB network's; in_channels 1 (raw depth) or 3 (HHA).
  BackboneConfig depth{1.0, 3};
};

class SupervisionTransferImpl : public torch::nn::Module {
 public:
  // `rgb_network` is the trained RGB saliency network; it is frozen here.
  SupervisionTransferImpl(LsfStream rgb_network, const SupervisionTransferOptions& options = {});

  struct Output {
    torch::Tensor adapted;  // adaptation(depth trunk up to the tap)
    torch::Tensor target;   // the RGB network's tapped feature (no gradient)
  };
  Output forward(const NetworkInput& input);

  // Zero-shot saliency on depth alone. sides / sides_combined hold the levels from the tap's
  // level up (conv3: 3..6, conv4: 4..6, pool5: 6), finest first; final is at the input size.
  Prediction franken(const torch::Tensor& depth_image);

  void train(bool on = true) override;  // keeps the RGB network in eval mode
  const SupervisionTransferOptions& options() const { return options_; }

  LsfStream rgb{nullptr};
  Vgg16 depth{nullptr};
  torch::nn::Sequential adaptation{nullptr};  // 1x1 conv + ReLU, tap channels -> tap channels

 private:
  SupervisionTransferOptions options_;
};
TORCH_MODULE(SupervisionTransfer);

}  // namespace rgbdsod::models
