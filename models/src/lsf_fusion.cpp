#include "rgbdsod/models/lsf_fusion.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/activation.h>
#include <torch/utils.h>

namespace rgbdsod::models {

namespace F = torch::nn::functional;

namespace {

torch::nn::Sequential convRelu(int64_t in, int64_t out, int64_t kernel) {
  return torch::nn::Sequential(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).padding(kernel / 2)),
      torch::nn::ReLU(torch::nn::ReLUOptions(true)));
}

torch::Tensor resizeFeature(const torch::Tensor& x, torch::IntArrayRef size) {
  if (x.size(2) == size[0] && x.size(3) == size[1]) return x;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{size[0], size[1]})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

// Copies every parameter and buffer of `from` into `to` (same architecture, same width).
void copyModule(const torch::nn::Module& from, torch::nn::Module& to, const std::string& what) {
  torch::NoGradGuard no_grad;
  auto source = from.named_parameters();
  for (auto& item : to.named_parameters()) {
    const torch::Tensor* src = source.find(item.key());
    if (src == nullptr || !src->sizes().equals(item.value().sizes())) {
      throw std::invalid_argument("LsfFusionNet::loadStreams: " + what + " has no parameter '" +
                                  item.key() + "' of the fusion trunk's shape (width or input "
                                  "channels differ?)");
    }
    item.value().copy_(*src);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
CaFuseBlockImpl::CaFuseBlockImpl(const CaFuseOptions& options) : options_(options) {
  const int64_t c = options.channels;
  // Adaptation of each modality's backbone feature to the block's working width.
  reduce_rgb = register_module("reduce_rgb", convRelu(options.rgb_channels, c, 3));
  reduce_depth = register_module("reduce_depth", convRelu(options.depth_channels, c, 3));
  if (options.mode == CaFuseMode::Select) {
    select_depth_to_rgb = register_module("select_depth_to_rgb",
                                          torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c, 1)));
    select_rgb_to_depth = register_module("select_rgb_to_depth",
                                          torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c, 1)));
  }
  if (options.branch_heads) {
    rgb_head = register_module("rgb_head", torch::nn::Conv2d(torch::nn::Conv2dOptions(c, 1, 1)));
    depth_head = register_module("depth_head", torch::nn::Conv2d(torch::nn::Conv2dOptions(c, 1, 1)));
  }
  int64_t fuse_in = 2 * c;
  if (options.upper_channels > 0) {
    transition = register_module("transition", convRelu(options.upper_channels, c, 1));
    fuse_in += c;
  }
  fuse = register_module("fuse", convRelu(fuse_in, c, 3));
  joint_head = register_module("joint_head", torch::nn::Conv2d(torch::nn::Conv2dOptions(c, 1, 1)));
}

CaFuseBlockImpl::Output CaFuseBlockImpl::forward(const torch::Tensor& rgb_feature,
                                                 const torch::Tensor& depth_feature,
                                                 const torch::Tensor& upper) {
  torch::Tensor r = reduce_rgb->forward(rgb_feature);
  torch::Tensor d = reduce_depth->forward(depth_feature);
  if (options_.mode == CaFuseMode::Select) {
    // Residual selection: each modality keeps its own feature and adds what the selector picks
    // from the other one; both selectors read the features before either is updated.
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
  if (!transition.is_empty()) {
    if (!upper.defined()) throw std::invalid_argument("CaFuseBlock: the level above is missing");
    parts.push_back(resizeFeature(transition->forward(upper), r.sizes().slice(2)));
  }
  out.fused = fuse->forward(torch::cat(parts, 1));
  out.joint = joint_head->forward(out.fused);
  return out;
}

// ---------------------------------------------------------------------------------------------
LsfFusionNetImpl::LsfFusionNetImpl(const LsfFusionOptions& options) : options_(options) {
  rgb = register_module("rgb", Vgg16(options.rgb));
  depth = register_module("depth", Vgg16(options.depth));
  blocks = torch::nn::ModuleList();
  const double width = options.rgb.backbone.width;
  for (int j = 0; j < kLevels; ++j) {
    const auto level = static_cast<size_t>(j + kFirstLevel - 1);  // index into levelChannels
    CaFuseOptions block;
    block.rgb_channels = rgb->levelChannels()[level];
    block.depth_channels = depth->levelChannels()[level];
    block.channels = scaledChannels(options.channels[static_cast<size_t>(j)], width);
    const bool has_upper = options.cross_level && j + 1 < kLevels;
    block.upper_channels =
        has_upper ? scaledChannels(options.channels[static_cast<size_t>(j + 1)], width) : 0;
    block.mode = options.mode;
    block.branch_heads = options.branch_supervision;
    blocks->push_back(CaFuseBlock(block));
  }
  register_module("blocks", blocks);
  bpdc = register_module("bpdc", Bpdc(kLevels));
}

Prediction LsfFusionNetImpl::forward(const NetworkInput& input) {
  if (!input.rgb.defined() || !input.depth.defined()) {
    throw std::invalid_argument("LsfFusionNet: needs both rgb and depth");
  }
  const std::vector<torch::Tensor> fr = rgb->forward(input.rgb);
  const std::vector<torch::Tensor> fd = depth->forward(input.depth);

  Prediction p;
  p.sides.resize(kLevels);
  torch::Tensor upper;
  // Top-down: level 6 first, each block receiving the fused feature of the block above.
  for (int j = kLevels - 1; j >= 0; --j) {
    const auto level = static_cast<size_t>(j + kFirstLevel - 1);
    auto out = blocks[static_cast<size_t>(j)]->as<CaFuseBlockImpl>()->forward(
        fr[level], fd[level], options_.cross_level ? upper : torch::Tensor());
    const std::string name = "level" + std::to_string(j + kFirstLevel);
    p.sides[static_cast<size_t>(j)] = out.joint;
    if (out.rgb_branch.defined()) {
      p.branches["rgb/" + name] = out.rgb_branch;
      p.branches["depth/" + name] = out.depth_branch;
    }
    p.features["fused/" + name] = out.fused;
    upper = out.fused;
  }
  p.sides_combined = bpdc->forward(p.sides);
  p.final = resizeLogits(p.sides_combined.front(), input.rgb.sizes().slice(2));
  return p;
}

void LsfFusionNetImpl::loadStreams(LsfStream& teacher, LsfStream& student) {
  copyModule(*teacher->backbone, *rgb, "the teacher's backbone");
  copyModule(*student->backbone, *depth, "the student's backbone");
}

}  // namespace rgbdsod::models
