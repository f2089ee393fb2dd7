#pragma once
// Learn-Select-Fuse, fusion part: the CA-Fuse block (cross-modal residual selection with
// per-modality branch predictions, cross-level transition, joint prediction) and the top-down
// RGB-D fusion network over levels 2..6 with BPDC on its joint side outputs. The Table 4
// ablations are options of the same network.
#include <array>
#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "rgbdsod/models/lsf_stream.h"
#include "rgbdsod/models/prediction.h"
#include "rgbdsod/models/vgg16.h"

namespace rgbdsod::models {

enum class CaFuseMode {
  Select,  // the paper's CA-Fuse: 1x1 selectors add each modality's complement as a residual
  Concat,  // Table 4 baseline: plain concatenation of the two modalities' features
};

struct CaFuseOptions {
  int64_t rgb_channels = 0;    // backbone channels of this level, RGB stream
  int64_t depth_channels = 0;  // backbone channels of this level, depth stream
  int64_t channels = 0;        // working channels of the block (already scaled by width)
  int64_t upper_channels = 0;  // channels of the block above (m+1); 0 = no transition input
  CaFuseMode mode = CaFuseMode::Select;
  bool branch_heads = true;    // R-b / D-b predictions (Table 4 "no branch supervision": false)
};

class CaFuseBlockImpl : public torch::nn::Module {
 public:
  explicit CaFuseBlockImpl(const CaFuseOptions& options);
  struct Output {
    torch::Tensor fused;         // the block's fused feature, passed down to level m-1
    torch::Tensor joint;         // joint prediction (logits) of level m
    torch::Tensor rgb_branch;    // R-b logits (undefined without branch heads)
    torch::Tensor depth_branch;  // D-b logits (undefined without branch heads)
  };
  // `upper` is the fused feature of level m+1 (undefined at the top level or without
  // cross-level transmission); it is resized to this level after its transition layer.
  Output forward(const torch::Tensor& rgb, const torch::Tensor& depth, const torch::Tensor& upper);

  torch::nn::Sequential reduce_rgb{nullptr}, reduce_depth{nullptr};
  torch::nn::Conv2d select_depth_to_rgb{nullptr}, select_rgb_to_depth{nullptr};
  torch::nn::Conv2d rgb_head{nullptr}, depth_head{nullptr};
  torch::nn::Sequential transition{nullptr};
  torch::nn::Sequential fuse{nullptr};
  torch::nn::Conv2d joint_head{nullptr};

 private:
  CaFuseOptions options_;
};
TORCH_MODULE(CaFuseBlock);

struct LsfFusionOptions {
  Vgg16Options rgb;    // the RGB teacher's trunk (in_channels 3)
  Vgg16Options depth;  // the depth student's trunk (in_channels of the depth input)
  // Working channels of the blocks of levels 2..6 at full width (scaled by rgb.backbone.width).
  std::array<int64_t, 5> channels = {128, 256, 256, 512, 512};
  CaFuseMode mode = CaFuseMode::Select;
  bool branch_supervision = true;  // Table 4: false removes the R-b / D-b heads
  bool cross_level = true;         // Table 4: false removes the transition from level m+1
};

// Top-down fusion network. Prediction: sides = joint P_2..P_6, sides_combined = BPDC of them,
// final = P~_2 resized to the input, branches "rgb/level<m>" and "depth/level<m>" (when
// enabled), features "fused/level<m>".
class LsfFusionNetImpl : public torch::nn::Module {
 public:
  static constexpr int kFirstLevel = 2;  // level 1 is not fused (too shallow, full resolution)
  static constexpr int kLevels = 5;      // levels 2..6

  explicit LsfFusionNetImpl(const LsfFusionOptions& options = {});
  Prediction forward(const NetworkInput& input);
  // Starts the two trunks from the trained teacher's and student's backbones.
  void loadStreams(LsfStream& teacher, LsfStream& student);
  const LsfFusionOptions& options() const { return options_; }

  Vgg16 rgb{nullptr};
  Vgg16 depth{nullptr};
  torch::nn::ModuleList blocks{nullptr};  // blocks[j] fuses level j + 2
  Bpdc bpdc{nullptr};

 private:
  LsfFusionOptions options_;
};
TORCH_MODULE(LsfFusionNet);

}  // namespace rgbdsod::models
