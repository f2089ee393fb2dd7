#include "rgbdsod/models/lsf_stream.h"

#include <memory>
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

namespace {

std::string levelKey(int level) { return "level" + std::to_string(level); }

}  // namespace

const std::array<LsfTable1Row, kLsfLevels>& lsfTable1() {
  // {level, {kernel, channels, layers}, transition}: Table 1, full width.
  static const std::array<LsfTable1Row, kLsfLevels> table = {{
      {2, {3, 128, 2}, 0},    // 128 3x3, 128 3x3; no transition (no level below)
      {3, {3, 192, 2}, 128},  // 192 3x3, 192 3x3; transition 128 1x1
      {4, {3, 384, 2}, 256},  // 384 3x3, 384 3x3; transition 256 1x1
      {5, {1, 384, 1}, 384},  // 384 1x1;           transition 384 1x1
      {6, {1, 0, 0}, 384},    // no adaptation (the global layer itself); transition 384 1x1
  }};
  return table;
}

std::array<LsfHeadSpec, kLsfLevels> lsfDefaultHeads() {
  std::array<LsfHeadSpec, kLsfLevels> heads;
  for (size_t j = 0; j < heads.size(); ++j) heads[j] = lsfTable1()[j].adaptation;
  return heads;
}

torch::nn::Sequential lsfAdaptation(int64_t in_channels, const LsfHeadSpec& spec) {
  torch::nn::Sequential seq;
  int64_t in = in_channels;
  for (int64_t i = 0; i < spec.layers; ++i) {
    seq->push_back(torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, spec.channels, spec.kernel).padding(spec.kernel / 2)));
    seq->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
    in = spec.channels;
  }
  return seq;
}

int64_t lsfAdaptedChannels(int64_t in_channels, const LsfHeadSpec& spec) {
  return spec.layers > 0 ? spec.channels : in_channels;
}

Vgg16Options lsfTrunkOptions(double width, int64_t in_channels) {
  Vgg16Options o;
  o.backbone = {width, in_channels};
  // "We add a new 512 13x13 convolutional layer for perceiving precedent features globally"
  // (Sec. 4.2), on pool5 as DSS [49] places its extra layers. At a 224-px input pool5 is 7x7, and
  // 13 = 2*7 - 1 is the smallest kernel whose "same" padding (6) lets every output position see
  // every input position: the layer is global there. Vgg16 pads kernel / 2.
  o.level6_kernel = 13;
  o.level6_channels = 512;
  return o;
}

torch::Tensor resizeLogits(const torch::Tensor& logits, torch::IntArrayRef size) {
  if (logits.size(-2) == size[0] && logits.size(-1) == size[1]) return logits;
  return F::interpolate(logits, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{size[0], size[1]})
                                    .mode(torch::kBilinear)
                                    .align_corners(false));
}

// ---------------------------------------------------------------------------------------------
LsfSideHeadImpl::LsfSideHeadImpl(int64_t in_channels, const LsfHeadSpec& spec, double width) {
  LsfHeadSpec scaled = spec;
  scaled.channels = spec.layers > 0 ? scaledChannels(spec.channels, width) : 0;
  channels_ = lsfAdaptedChannels(in_channels, scaled);
  adaptation = register_module("adaptation", lsfAdaptation(in_channels, scaled));
  predict = register_module("predict", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels_, 1, 1)));
}

torch::Tensor LsfSideHeadImpl::adapt(const torch::Tensor& feature) {
  return adaptation->is_empty() ? feature : adaptation->forward(feature);
}

torch::Tensor LsfSideHeadImpl::forward(const torch::Tensor& feature) {
  return predict->forward(adapt(feature));
}

// ---------------------------------------------------------------------------------------------
BpdcImpl::BpdcImpl(int levels, int first_level_number) : levels_(levels) {
  if (levels < 1) throw std::invalid_argument("Bpdc: needs at least one level");
  // Level K (i = L-1) has no parameter: P~_K = P_K.
  for (int i = 0; i + 1 < levels; ++i) {
    const int coarser = levels - 1 - i;
    torch::Tensor w = torch::full({coarser + 1}, 0.5 / coarser);
    w[0] = 0.5;
    weights_.push_back(register_parameter(levelKey(first_level_number + i), w));
  }
}

std::vector<torch::Tensor> BpdcImpl::forward(const std::vector<torch::Tensor>& sides, int first_level) {
  const int total = levels();
  if (sides.empty() || first_level < 0 || first_level + static_cast<int>(sides.size()) != total) {
    throw std::invalid_argument("Bpdc: expected " + std::to_string(total - first_level) +
                                " side outputs from level " + std::to_string(first_level) + ", got " +
                                std::to_string(sides.size()));
  }
  // Coarsest first, because every finer combination reads the coarser combined maps.
  std::vector<torch::Tensor> combined(sides.size());
  combined.back() = sides.back();  // Eq. 1, i = K: P~_K = P_K
  for (int i = total - 2; i >= first_level; --i) {
    const auto local = static_cast<size_t>(i - first_level);
    const torch::Tensor& w = weights_[static_cast<size_t>(i)];
    // Eq. 1, i < K: w_i P_i + sum_{k=i+1}^{K} w~_{k,i} P~_k
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
LsfSideFusionImpl::LsfSideFusionImpl(int levels) {
  if (levels < 1) throw std::invalid_argument("LsfSideFusion: needs at least one level");
  weights = register_parameter("weights", torch::full({levels}, 1.0 / levels));
}

torch::Tensor LsfSideFusionImpl::forward(const std::vector<torch::Tensor>& combined,
                                         torch::IntArrayRef size) {
  if (static_cast<int64_t>(combined.size()) != weights.size(0)) {
    throw std::invalid_argument("LsfSideFusion: expected " + std::to_string(weights.size(0)) +
                                " combined side outputs, got " + std::to_string(combined.size()));
  }
  // Eq. 9: sum_{i=2}^{6} w~_i P~_i;  Eq. 6: sum_m w~_m P~_m.
  torch::Tensor acc;
  for (size_t i = 0; i < combined.size(); ++i) {
    const torch::Tensor term = weights[static_cast<int64_t>(i)] * resizeLogits(combined[i], size);
    acc = acc.defined() ? acc + term : term;
  }
  return acc;
}

// ---------------------------------------------------------------------------------------------
LsfStreamImpl::LsfStreamImpl(const LsfStreamOptions& options) : options_(options) {
  backbone = register_module("backbone", Vgg16(options.backbone));
  const auto& channels = backbone->levelChannels();  // levels 1..6
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> items;
  for (int level = kLsfFirstLevel; level <= Vgg16Impl::kLevels; ++level) {
    const auto j = static_cast<size_t>(level - kLsfFirstLevel);
    items.emplace_back(levelKey(level), LsfSideHead(channels[static_cast<size_t>(level - 1)], options.heads[j],
                                                    options.backbone.backbone.width)
                                            .ptr());
  }
  heads = register_module("heads", torch::nn::ModuleDict(items));
  bpdc = register_module("bpdc", Bpdc(kLsfLevels));
  side_fusion = register_module("side_fusion", LsfSideFusion(kLsfLevels));
}

LsfSideHeadImpl& LsfStreamImpl::head(int level) { return heads->at<LsfSideHeadImpl>(levelKey(level)); }
const LsfSideHeadImpl& LsfStreamImpl::head(int level) const {
  return static_cast<const torch::nn::ModuleDictImpl&>(*heads).at<LsfSideHeadImpl>(levelKey(level));
}

Prediction LsfStreamImpl::predictLevels(const std::vector<torch::Tensor>& levels, int first_trunk_level,
                                        torch::IntArrayRef out_size) {
  Prediction p;
  int first_predicted = 0;
  for (size_t j = 0; j < levels.size(); ++j) {
    const int level = first_trunk_level + static_cast<int>(j);
    if (level < kLsfFirstLevel) continue;  // level 1 takes no part in inference
    if (first_predicted == 0) first_predicted = level;
    p.sides.push_back(head(level).forward(levels[j]));
    p.features[levelKey(level)] = levels[j];
  }
  p.first_side_level = first_predicted;
  p.sides_combined = bpdc->forward(p.sides, first_predicted - kLsfFirstLevel);
  if (first_predicted == kLsfFirstLevel) p.sides_fused = side_fusion->forward(p.sides_combined, out_size);
  p.final = resizeLogits(p.sides_combined.front(), out_size);
  return p;
}

Prediction LsfStreamImpl::forward(const torch::Tensor& image) {
  return predictLevels(backbone->forward(image), 1, image.sizes().slice(2));
}

Prediction LsfStreamImpl::forwardFromTap(const torch::Tensor& tapped, VggTap tap,
                                         torch::IntArrayRef out_size) {
  return predictLevels(backbone->forwardFrom(tapped, tap), vggTapLevel(tap), out_size);
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
