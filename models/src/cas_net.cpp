#include "rgbdsod/models/cas_net.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>

#include "rgbdsod/models/backbone_config.h"

namespace rgbdsod::models {
namespace {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

torch::Tensor upTo(const torch::Tensor& x, const torch::Tensor& like) {
  if (x.size(2) == like.size(2) && x.size(3) == like.size(3)) return x;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{like.size(2), like.size(3)})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

}  // namespace

CasNetImpl::CasNetImpl(const CasNetOptions& options) : options_(options) {
  if (options.classes < 2) throw std::invalid_argument("CasNet: needs at least 2 output channels");
  backbone = register_module("backbone", Vgg16(options.backbone));
  const int64_t d = scaledChannels(options.decoder_channels, options.backbone.backbone.width);
  lateral = nn::ModuleList();
  smooth = nn::ModuleList();
  for (const int64_t c : backbone->levelChannels()) {
    lateral->push_back(nn::Conv2d(nn::Conv2dOptions(c, d, 1)));
    smooth->push_back(nn::Sequential(nn::Conv2d(nn::Conv2dOptions(d, d, 3).padding(1)), nn::ReLU()));
  }
  register_module("lateral", lateral);
  register_module("smooth", smooth);
  classifier = register_module("classifier", nn::Conv2d(nn::Conv2dOptions(d, options.classes, 1)));
  saliency_channel_ = register_buffer("saliency_channel", torch::tensor(int64_t{1}));
}

torch::Tensor CasNetImpl::logits(const torch::Tensor& rgb) {
  const std::vector<torch::Tensor> levels = backbone->forward(rgb);
  torch::Tensor x;
  for (int l = static_cast<int>(levels.size()) - 1; l >= 0; --l) {
    const auto i = static_cast<size_t>(l);
    torch::Tensor lat = lateral[i]->as<nn::Conv2dImpl>()->forward(levels[i]);
    if (x.defined()) lat = lat + upTo(x, lat);
    x = smooth[i]->as<nn::SequentialImpl>()->forward(lat);
  }
  return upTo(classifier->forward(x), rgb);
}

Prediction CasNetImpl::forward(const torch::Tensor& rgb) {
  const torch::Tensor probs = torch::softmax(logits(rgb), 1);
  Prediction p;
  const int64_t k = saliencyChannel();
  p.final = probs.narrow(1, k, 1);
  p.final_is_probability = true;
  for (int64_t c = 0; c < probs.size(1); ++c) p.features["class" + std::to_string(c)] = probs.narrow(1, c, 1);
  return p;
}

int64_t CasNetImpl::saliencyChannel() const { return saliency_channel_.item<int64_t>(); }

void CasNetImpl::setSaliencyChannel(int64_t k) {
  if (k < 0 || k >= options_.classes) throw std::out_of_range("CasNet: no output channel " + std::to_string(k));
  saliency_channel_.fill_(k);
}

SaliencyChannelSelector::SaliencyChannelSelector(int64_t channels)
    : sp_(static_cast<size_t>(channels)), spp_(sp_.size()), spg_(sp_.size()) {
  if (channels < 1) throw std::invalid_argument("SaliencyChannelSelector: needs at least one channel");
}

void SaliencyChannelSelector::add(const torch::Tensor& probs, const torch::Tensor& gt) {
  const auto m = static_cast<int64_t>(sp_.size());
  const torch::Tensor p = (probs.dim() == 3 ? probs.unsqueeze(0) : probs).detach().to(torch::kCPU, torch::kDouble);
  if (p.dim() != 4 || p.size(1) != m)
    throw std::invalid_argument("SaliencyChannelSelector: probs must be [M,H,W] or [B,M,H,W] with M = " +
                                std::to_string(m));
  const torch::Tensor g = gt.detach().to(torch::kCPU, torch::kDouble).reshape({p.size(0), 1, p.size(2), p.size(3)});
  sg_ += g.sum().item<double>();
  sgg_ += (g * g).sum().item<double>();
  n_ += static_cast<double>(g.numel());
  const torch::Tensor s = p.sum({0, 2, 3}), ss = (p * p).sum({0, 2, 3}), sg = (p * g).sum({0, 2, 3});
  for (int64_t c = 0; c < m; ++c) {
    const auto i = static_cast<size_t>(c);
    sp_[i] += s[c].item<double>();
    spp_[i] += ss[c].item<double>();
    spg_[i] += sg[c].item<double>();
  }
}

std::vector<double> SaliencyChannelSelector::correlations() const {
  std::vector<double> r(sp_.size(), 0.0);
  if (n_ == 0) return r;
  const double mg = sg_ / n_, vg = sgg_ / n_ - mg * mg;
  for (size_t c = 0; c < sp_.size(); ++c) {
    const double mp = sp_[c] / n_, vp = spp_[c] / n_ - mp * mp;
    const double cov = spg_[c] / n_ - mp * mg;
    // A (numerically) constant channel or GT has no correlation: counted 0, not a 0/0.
    r[c] = vp > 1e-12 && vg > 1e-12 ? cov / std::sqrt(vp * vg) : 0.0;
  }
  return r;
}

int64_t SaliencyChannelSelector::best() const {
  if (n_ == 0) return -1;
  const std::vector<double> r = correlations();
  size_t top = 0;
  for (size_t c = 1; c < r.size(); ++c)
    if (r[c] > r[top]) top = c;
  return static_cast<int64_t>(top);
}

}  // namespace rgbdsod::models
