#include "rgbdsod/models/lsf_stream.h"

#include <stdexcept>
#include <string>
#include <utility>

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/any.h>
#include <torch/utils.h>

namespace rgbdsod::models {

namespace F = torch::nn::functional;

std::array<LsfHeadSpec, 6> lsfDefaultHeads() {
  // {kernel, channels, layers} per level, full width.
  return {{{3, 128, 2}, {3, 128, 2}, {5, 256, 2}, {5, 256, 2}, {5, 512, 2}, {7, 512, 2}}};
}

torch::Tensor resizeLogits(const torch::Tensor& logits, torch::IntArrayRef size) {
  if (logits.size(-2) == size[0] && logits.size(-1) == size[1]) return logits;
  return F::interpolate(logits, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{size[0], size[1]})
                                    .mode(torch::kBilinear)
                                    .align_corners(false));
}

// ---------------------------------------------------------------------------------------------
LsfSideHeadImpl::LsfSideHeadImpl(int64_t in_channels, const LsfHeadSpec& spec, double width)
    : channels_(scaledChannels(spec.channels, width)) {
  adaptation = torch::nn::Sequential();
  int64_t in = in_channels;
  for (int64_t i = 0; i < spec.layers; ++i) {
    adaptation->push_back(torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, channels_, spec.kernel).padding(spec.kernel / 2)));
    adaptation->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
    in = channels_;
  }
  if (spec.layers == 0) channels_ = in_channels;  // a head without adaptation predicts directly
  register_module("adaptation", adaptation);
  predict = register_module("predict", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels_, 1, 1)));
}

torch::Tensor LsfSideHeadImpl::adapt(const torch::Tensor& feature) {
  return adaptation->is_empty() ? feature : adaptation->forward(feature);
}

torch::Tensor LsfSideHeadImpl::forward(const torch::Tensor& feature) {
  return predict->forward(adapt(feature));
}

// ---------------------------------------------------------------------------------------------
BpdcImpl::BpdcImpl(int levels) {
  if (levels < 1) throw std::invalid_argument("Bpdc: needs at least one level");
  for (int i = 0; i < levels; ++i) {
    const int coarser = levels - 1 - i;
    torch::Tensor w = torch::empty({coarser + 1});
    if (coarser == 0) {
      w.fill_(1.0);
    } else {
      w.fill_(0.5 / coarser);
      w[0] = 0.5;
    }
    weights_.push_back(register_parameter("level" + std::to_string(i), w));
  }
}

std::vector<torch::Tensor> BpdcImpl::forward(const std::vector<torch::Tensor>& sides, int first_level) {
  const int total = levels();
  if (first_level < 0 || first_level + static_cast<int>(sides.size()) != total) {
    throw std::invalid_argument("Bpdc: expected " + std::to_string(total - first_level) +
                                " side outputs from level " + std::to_string(first_level) + ", got " +
                                std::to_string(sides.size()));
  }
  // Coarsest first, because every finer combination reads the coarser combined maps.
  std::vector<torch::Tensor> combined(sides.size());
  for (int i = total - 1; i >= first_level; --i) {
    const auto local = static_cast<size_t>(i - first_level);
    const torch::Tensor& w = weights_[static_cast<size_t>(i)];
    torch::Tensor acc = w[0] * sides[local];
    for (int k = i + 1; k < total; ++k) {
      const auto kl = static_cast<size_t>(k - first_level);
      acc = acc + w[k - i] * resizeLogits(combined[kl], sides[local].sizes().slice(2));
    }
    combined[local] = acc;
  }
  return combined;
}

// ---------------------------------------------------------------------------------------------
LsfStreamImpl::LsfStreamImpl(const LsfStreamOptions& options) : options_(options) {
  backbone = register_module("backbone", Vgg16(options.backbone));
  heads = torch::nn::ModuleList();
  const auto& channels = backbone->levelChannels();
  for (size_t i = 0; i < channels.size(); ++i) {
    heads->push_back(LsfSideHead(channels[i], options.heads[i], options.backbone.backbone.width));
  }
  register_module("heads", heads);
  bpdc = register_module("bpdc", Bpdc(Vgg16Impl::kLevels));
}

Prediction LsfStreamImpl::predictLevels(const std::vector<torch::Tensor>& levels, int first_level,
                                        torch::IntArrayRef out_size) {
  Prediction p;
  for (size_t j = 0; j < levels.size(); ++j) {
    const int level = first_level + static_cast<int>(j);  // 0-based
    p.sides.push_back(heads[static_cast<size_t>(level)]->as<LsfSideHeadImpl>()->forward(levels[j]));
    p.features["level" + std::to_string(level + 1)] = levels[j];
  }
  p.sides_combined = bpdc->forward(p.sides, first_level);
  p.final = resizeLogits(p.sides_combined.front(), out_size);
  return p;
}

Prediction LsfStreamImpl::forward(const torch::Tensor& image) {
  return predictLevels(backbone->forward(image), 0, image.sizes().slice(2));
}

Prediction LsfStreamImpl::forwardFromTap(const torch::Tensor& tapped, VggTap tap,
                                         torch::IntArrayRef out_size) {
  return predictLevels(backbone->forwardFrom(tapped, tap), vggTapLevel(tap) - 1, out_size);
}

// ---------------------------------------------------------------------------------------------
LsfDistillationImpl::LsfDistillationImpl(LsfStream teacher_net, LsfStream student_net) {
  teacher = register_module("teacher", std::move(teacher_net));
  student = register_module("student", std::move(student_net));
  for (auto& p : teacher->parameters()) p.set_requires_grad(false);
  teacher->eval();
}

LsfDistillationImpl::Output LsfDistillationImpl::forward(const NetworkInput& input) {
  if (!input.rgb.defined() || !input.depth.defined()) {
    throw std::invalid_argument("LsfDistillation: needs both rgb (teacher) and depth (student)");
  }
  Output out;
  {
    torch::NoGradGuard no_grad;
    out.teacher = teacher->forward(input.rgb);
  }
  out.student = student->forward(input.depth);
  return out;
}

void LsfDistillationImpl::train(bool on) {
  torch::nn::Module::train(on);
  teacher->eval();
}

}  // namespace rgbdsod::models
