#pragma once
// Supervision transfer (Gupta, Hoffman, Malik, CVPR 2016): a depth network learns to reproduce a
// mid-level layer of a trained RGB network on paired images (Eq. 2), through a 1x1 conv + ReLU
// adaptation layer ("an adaptation layer comprising of 1 x 1 convolutions followed by ReLU") and
// the L2 loss f(x, y) = ||x - y||_2^2; no depth labels are needed. The "franken" network then runs
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

// How the L2 loss f(x, y) = ||x - y||_2^2 is reduced. Both have the same minimiser; they differ by
// the constant C*H*W of the tapped map, i.e. only in the step size an optimiser takes.
//   Sum (the paper as written): per pair the squared norm of the whole tapped map (sum over
//     C x H x W), then the mean over the batch's pairs. Eq. 2 sums f over all pairs; a batch mean
//     is its mini-batch estimate divided by the constant |P|, so the step does not grow with the
//     batch size.
//   Mean (the stage's default, loss.reduction "mean"): the mean over every element, = Sum / (C*H*W).
//     With SGD at the project's lr 0.01 the Sum diverged on the second step at the default width
//     and size (pool5 1024 elements per pair), and a learning rate fit for the Sum would have to
//     change with the tap, the width and the image size; the paper gives no transfer lr.
enum class TransferReduction { Sum, Mean };

// The transfer loss on adapted [N, C, H, W] and target (same shape, detached here).
torch::Tensor transferL2Loss(const torch::Tensor& adapted, const torch::Tensor& target, TransferReduction reduction);

struct SupervisionTransferOptions {
  // The paper: "use the last convolutional layer pool5 for all experiments" (Table 4: conv3, conv4,
  // pool5 comparable). Conv3 / Conv4 are also offered; pool1, pool2, fc6, fc7 are not.
  VggTap tap = VggTap::Pool5;
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
