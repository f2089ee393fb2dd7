#include "rgbdsod/models/supervision_transfer.h"

#include <stdexcept>
#include <string>
#include <utility>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/utils.h>

namespace rgbdsod::models {

torch::Tensor transferL2Loss(const torch::Tensor& adapted, const torch::Tensor& target, TransferReduction reduction) {
  if (!adapted.sizes().equals(target.sizes()) || adapted.dim() < 2) {
    throw std::invalid_argument("transferL2Loss: adapted and target must have the same [N, ...] shape");
  }
  const torch::Tensor squared = (adapted - target.detach()).pow(2);
  // "we use L2 distance between the feature vectors, f(x, y) = ||x - y||_2^2": per pair, then the
  // mean over the pairs (Sum); Mean divides that by the C*H*W elements of a pair's map.
  if (reduction == TransferReduction::Mean) return squared.mean();
  return squared.flatten(1).sum(1).mean();
}

SupervisionTransferImpl::SupervisionTransferImpl(LsfStream rgb_network,
                                                 const SupervisionTransferOptions& options)
    : options_(options) {
  rgb = register_module("rgb", std::move(rgb_network));
  Vgg16Options depth_options = rgb->options().backbone;
  depth_options.backbone = options.depth;
  if (options.depth.width != rgb->options().backbone.backbone.width) {
    // The adapted depth feature enters the RGB network's upper layers: channels must agree.
    throw std::invalid_argument("SupervisionTransfer: depth width must equal the RGB network's");
  }
  depth = register_module("depth", Vgg16(depth_options));
  const int64_t c = rgb->backbone->tapChannels(options.tap);
  adaptation = register_module(
      "adaptation", torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c, 1)),
                                          torch::nn::ReLU()));
  for (auto& p : rgb->parameters()) p.set_requires_grad(false);
  rgb->eval();
}

SupervisionTransferImpl::Output SupervisionTransferImpl::forward(const NetworkInput& input) {
  if (!input.rgb.defined() || !input.depth.defined()) {
    throw std::invalid_argument("SupervisionTransfer: needs paired rgb and depth images");
  }
  Output out;
  {
    torch::NoGradGuard no_grad;
    out.target = rgb->backbone->forwardTo(input.rgb, options_.tap);
  }
  out.adapted = adaptation->forward(depth->forwardTo(input.depth, options_.tap));
  return out;
}

Prediction SupervisionTransferImpl::franken(const torch::Tensor& depth_image) {
  const torch::Tensor lower = adaptation->forward(depth->forwardTo(depth_image, options_.tap));
  Prediction p = rgb->forwardFromTap(lower, options_.tap, depth_image.sizes().slice(2));
  p.features[vggTapName(options_.tap)] = lower;
  return p;
}

void SupervisionTransferImpl::train(bool on) {
  torch::nn::Module::train(on);
  rgb->eval();
}

}  // namespace rgbdsod::models
