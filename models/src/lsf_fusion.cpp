#include "rgbdsod/models/lsf_fusion.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/activation.h>
#include <torch/utils.h>

namespace rgbdsod::models {

namespace F = torch::nn::functional;

namespace {

std::string levelKey(int level) { return "level" + std::to_string(level); }

// Fixed upsampling of the transition output to the level below ("upsampled by a fixed
// de-convolutional layer"): bilinear, which is what a fixed bilinear deconvolution computes.
torch::Tensor resizeFeature(const torch::Tensor& x, torch::IntArrayRef size) {
  if (x.size(2) == size[0] && x.size(3) == size[1]) return x;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{size[0], size[1]})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

torch::Tensor applyAdaptation(torch::nn::Sequential& seq, const torch::Tensor& x) {
  return seq->is_empty() ? x : seq->forward(x);
}

// VGG-16's level channels (blocks 1..5, then the global layer) at the options' width, as
// Vgg16Impl::levelChannels() computes them.
std::array<int64_t, Vgg16Impl::kLevels> trunkChannels(const Vgg16Options& o) {
  const double w = o.backbone.width;
  return {scaledChannels(64, w),  scaledChannels(128, w), scaledChannels(256, w),
          scaledChannels(512, w), scaledChannels(512, w), scaledChannels(o.level6_channels, w)};
}

// Copies every parameter of `from` into `to` (same architecture, same width).
void copyModule(const torch::nn::Module& from, torch::nn::Module& to, const std::string& what) {
  torch::NoGradGuard no_grad;
  auto source = from.named_parameters();
  auto target = to.named_parameters();
  if (source.size() != target.size()) {
    throw std::invalid_argument("LsfFusionNet::loadStreams: " + what + " has " + std::to_string(source.size()) +
                                " parameters, the fusion network's counterpart " + std::to_string(target.size()));
  }
  for (auto& item : target) {
    const torch::Tensor* src = source.find(item.key());
    if (src == nullptr || !src->sizes().equals(item.value().sizes())) {
      throw std::invalid_argument("LsfFusionNet::loadStreams: " + what + " has no parameter '" +
                                  item.key() + "' of the fusion network's shape (width, input "
                                  "channels or adaptation layers differ?)");
    }
    item.value().copy_(*src);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
CaFuseBlockImpl::CaFuseBlockImpl(const CaFuseOptions& options) : options_(options) {
  const int64_t c = options.adaptedChannels();
  if (lsfAdaptedChannels(options.depth_channels, options.adaptation) != c) {
    throw std::invalid_argument("CaFuseBlock: the RGB and depth features of level " +
                                std::to_string(options.level) + " must have the same channels");
  }
  adapt_rgb = register_module("adapt_rgb", lsfAdaptation(options.rgb_channels, options.adaptation));
  adapt_depth = register_module("adapt_depth", lsfAdaptation(options.depth_channels, options.adaptation));
  if (options.mode == CaFuseMode::Select) {
    // "A 1x1 convolutional layer, acting as a selector" (Sec. 3.2), one per direction.
    select_depth_to_rgb = register_module("select_depth_to_rgb",
                                          torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c, 1)));
    select_rgb_to_depth = register_module("select_rgb_to_depth",
                                          torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c, 1)));
  }
  if (options.branch_heads) {
    rgb_head = register_module("rgb_head", torch::nn::Conv2d(torch::nn::Conv2dOptions(c, 1, 1)));
    depth_head = register_module("depth_head", torch::nn::Conv2d(torch::nn::Conv2dOptions(c, 1, 1)));
  }
  const int64_t rd = options.representationChannels();
  // delta^m_rd of Eq. 4 "for fusing cross-modal cross-level features and performing joint
  // inference": a 1x1 conv to one logit (ours: the paper gives no layer; as for P_i in the streams).
  joint_head = register_module("joint_head", torch::nn::Conv2d(torch::nn::Conv2dOptions(rd, 1, 1)));
  if (options.transition > 0) {
    // Table 1's transition layer "selected from the m+1 layer F~^{m+1}_RD": 1x1 conv + ReLU.
    transition = register_module(
        "transition", torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(rd, options.transition, 1)),
                                            torch::nn::ReLU(torch::nn::ReLUOptions(true))));
  }
}

CaFuseBlockImpl::Output CaFuseBlockImpl::forward(const torch::Tensor& rgb_feature,
                                                 const torch::Tensor& depth_feature,
                                                 const torch::Tensor& upper) {
  torch::Tensor r = applyAdaptation(adapt_rgb, rgb_feature);    // F^m_R
  torch::Tensor d = applyAdaptation(adapt_depth, depth_feature);  // F^m_D
  if (options_.mode == CaFuseMode::Select) {
    // F~^m_R = F^m_R + S_1(F^m_D) and the symmetric F~^m_D = F^m_D + S_2(F^m_R); both selectors
    // read the features before either residual is added.
    torch::Tensor r_sel = r + select_depth_to_rgb->forward(d);
    torch::Tensor d_sel = d + select_rgb_to_depth->forward(r);
    r = r_sel;
    d = d_sel;
  }
  Output out;
  if (options_.branch_heads) {
    out.rgb_branch = rgb_head->forward(r);
    out.depth_branch = depth_head->forward(d);
  }
  std::vector<torch::Tensor> parts = {r, d};
  if (options_.upper_channels > 0) {
    if (!upper.defined()) throw std::invalid_argument("CaFuseBlock: the level above is missing");
    parts.push_back(resizeFeature(upper, r.sizes().slice(2)));
  }
  out.representation = torch::cat(parts, 1);                 // F~^m_RD
  out.joint = joint_head->forward(out.representation);        // Eq. 4: P^m_RD = delta(F~^m_RD)
  if (!transition.is_empty()) out.down = transition->forward(out.representation);
  return out;
}

// ---------------------------------------------------------------------------------------------
std::array<CaFuseOptions, kLsfLevels> lsfFusionBlocks(const LsfFusionOptions& options) {
  if (options.rgb.backbone.width != options.depth.backbone.width ||
      options.rgb.level6_channels != options.depth.level6_channels) {
    throw std::invalid_argument("LsfFusionNet: the RGB and depth trunks must have the same width");
  }
  const double width = options.rgb.backbone.width;
  const auto rgb_channels = trunkChannels(options.rgb);
  const auto depth_channels = trunkChannels(options.depth);
  std::array<CaFuseOptions, kLsfLevels> blocks;
  for (int j = 0; j < kLsfLevels; ++j) {
    const auto ju = static_cast<size_t>(j);
    const LsfTable1Row& row = options.table[ju];
    CaFuseOptions& b = blocks[ju];
    b.level = j + kLsfFirstLevel;
    b.rgb_channels = rgb_channels[static_cast<size_t>(b.level - 1)];
    b.depth_channels = depth_channels[static_cast<size_t>(b.level - 1)];
    b.adaptation = row.adaptation;
    b.adaptation.channels = row.adaptation.layers > 0 ? scaledChannels(row.adaptation.channels, width) : 0;
    // Level 2 passes nothing down; without cross-level transmission no level does.
    b.transition = options.cross_level && j > 0 && row.transition > 0 ? scaledChannels(row.transition, width) : 0;
    b.mode = options.mode;
    b.branch_heads = options.branch_supervision;
  }
  for (int j = 0; j + 1 < kLsfLevels; ++j) {
    blocks[static_cast<size_t>(j)].upper_channels = blocks[static_cast<size_t>(j + 1)].transition;
  }
  return blocks;
}

LsfFusionNetImpl::LsfFusionNetImpl(const LsfFusionOptions& options) : options_(options) {
  const auto specs = lsfFusionBlocks(options);
  rgb = register_module("rgb", Vgg16(options.rgb));
  depth = register_module("depth", Vgg16(options.depth));
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> items;
  for (const CaFuseOptions& spec : specs) {
    const auto trunk = static_cast<size_t>(spec.level - 1);
    if (rgb->levelChannels()[trunk] != spec.rgb_channels || depth->levelChannels()[trunk] != spec.depth_channels) {
      throw std::logic_error("LsfFusionNet: lsfFusionBlocks disagrees with the trunks' channels");
    }
    items.emplace_back(levelKey(spec.level), CaFuseBlock(spec).ptr());
  }
  blocks = register_module("blocks", torch::nn::ModuleDict(items));
  bpdc = register_module("bpdc", Bpdc(kLevels));
  side_fusion = register_module("side_fusion", LsfSideFusion(kLevels));
}

CaFuseBlockImpl& LsfFusionNetImpl::block(int level) { return blocks->at<CaFuseBlockImpl>(levelKey(level)); }
const CaFuseBlockImpl& LsfFusionNetImpl::block(int level) const {
  return static_cast<const torch::nn::ModuleDictImpl&>(*blocks).at<CaFuseBlockImpl>(levelKey(level));
}

Prediction LsfFusionNetImpl::forward(const NetworkInput& input) {
  if (!input.rgb.defined() || !input.depth.defined()) {
    throw std::invalid_argument("LsfFusionNet: needs both rgb and depth");
  }
  const std::vector<torch::Tensor> fr = rgb->forward(input.rgb);  // levels 1..6; level 1 unused
  const std::vector<torch::Tensor> fd = depth->forward(input.depth);

  Prediction p;
  p.sides.resize(kLevels);
  torch::Tensor upper;
  // Top-down: level 6 first, each block receiving the transition output of the block above.
  for (int level = kFirstLevel + kLevels - 1; level >= kFirstLevel; --level) {
    const auto trunk = static_cast<size_t>(level - 1);
    auto out = block(level).forward(fr[trunk], fd[trunk], upper);
    const std::string name = levelKey(level);
    p.sides[static_cast<size_t>(level - kFirstLevel)] = out.joint;
    if (out.rgb_branch.defined()) {
      p.branches["rgb/" + name] = out.rgb_branch;
      p.branches["depth/" + name] = out.depth_branch;
    }
    p.features["fused/" + name] = out.representation;
    upper = out.down;
  }
  const torch::IntArrayRef size = input.rgb.sizes().slice(2);
  p.first_side_level = kFirstLevel;
  p.sides_combined = bpdc->forward(p.sides);  // Eq. 5
  p.sides_fused = side_fusion->forward(p.sides_combined, size);  // Eq. 6's last term
  p.final = resizeLogits(p.sides_combined.front(), size);
  return p;
}

void LsfFusionNetImpl::loadStreams(LsfStream& teacher, LsfStream& student) {
  copyModule(*teacher->backbone, *rgb, "the teacher's backbone");
  copyModule(*student->backbone, *depth, "the student's backbone");
  for (int level = kFirstLevel; level < kFirstLevel + kLevels; ++level) {
    const std::string name = levelKey(level);
    copyModule(*teacher->head(level).adaptation, *block(level).adapt_rgb, "the teacher's heads." + name + ".adaptation");
    copyModule(*student->head(level).adaptation, *block(level).adapt_depth, "the student's heads." + name + ".adaptation");
  }
}

}  // namespace rgbdsod::models
