#pragma once
// Learn-Select-Fuse, fusion part (Sec. 3.2-3.3, Fig. 3): the CA-Fuse block (Table 1 adaptation of
// each modality, cross-modal residual selection, R-b / D-b predictions, the cross-level
// representation community and its joint prediction, the transition layer to the level below)
// and the top-down RGB-D fusion network over levels 2..6 with BPDC (Eq. 5) and the fused term of
// Eq. 6. The Table 4 ablations are options of the same network.
#include <array>
#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/moduledict.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "rgbdsod/models/lsf_stream.h"
#include "rgbdsod/models/prediction.h"
#include "rgbdsod/models/vgg16.h"

namespace rgbdsod::models {

enum class CaFuseMode {
  Select,  // the paper's CA-Fuse (Fig. 3(c)): 1x1 selectors add each modality's complement as a residual
  Concat,  // Table 4 "F3(b)": plain concatenation of the two modalities' features (Fig. 3(b))
};

// One block's layer sizes, all channels already scaled by the width multiplier.
struct CaFuseOptions {
  int level = 0;               // 2..6
  int64_t rgb_channels = 0;    // trunk channels of this level, RGB stream
  int64_t depth_channels = 0;  // trunk channels of this level, depth stream
  LsfHeadSpec adaptation;      // Table 1 adaptation of both modalities (layers 0: none)
  int64_t upper_channels = 0;  // channels of the transition output of level m+1; 0 = none
  int64_t transition = 0;      // channels of this level's transition to level m-1; 0 = none
  CaFuseMode mode = CaFuseMode::Select;
  bool branch_heads = true;    // R-b / D-b predictions (Table 4 "F3(c)-LR-LD": false)

  int64_t adaptedChannels() const { return lsfAdaptedChannels(rgb_channels, adaptation); }
  // Channels of F~^m_RD = [F~^m_R, F~^m_D, up(F~^{m+1}_{m,RD})].
  int64_t representationChannels() const { return 2 * adaptedChannels() + upper_channels; }
};

class CaFuseBlockImpl : public torch::nn::Module {
 public:
  explicit CaFuseBlockImpl(const CaFuseOptions& options);
  struct Output {
    torch::Tensor representation;  // F~^m_RD (the concatenation the joint prediction reads)
    torch::Tensor down;            // F~^m_{m-1,RD}: the transition output (undefined: none)
    torch::Tensor joint;           // P^m_RD (logits)
    torch::Tensor rgb_branch;      // P~^m_{R-b} logits (undefined without branch heads)
    torch::Tensor depth_branch;    // P~^m_{D-b} logits (undefined without branch heads)
  };
  // `rgb` / `depth` are this level's trunk features; `upper` the transition output of level m+1
  // (undefined at the top level or without cross-level transmission), upsampled here.
  Output forward(const torch::Tensor& rgb, const torch::Tensor& depth, const torch::Tensor& upper);
  const CaFuseOptions& options() const { return options_; }

  torch::nn::Sequential adapt_rgb{nullptr}, adapt_depth{nullptr};
  torch::nn::Conv2d select_depth_to_rgb{nullptr}, select_rgb_to_depth{nullptr};
  torch::nn::Conv2d rgb_head{nullptr}, depth_head{nullptr};
  torch::nn::Conv2d joint_head{nullptr};
  torch::nn::Sequential transition{nullptr};

 private:
  CaFuseOptions options_;
};
TORCH_MODULE(CaFuseBlock);

struct LsfFusionOptions {
  Vgg16Options rgb = lsfTrunkOptions(1.0, 3);    // the RGB teacher's trunk
  Vgg16Options depth = lsfTrunkOptions(1.0, 1);  // the depth student's trunk (in_channels of the depth input)
  std::array<LsfTable1Row, kLsfLevels> table = lsfTable1();  // full width, scaled by rgb.backbone.width
  CaFuseMode mode = CaFuseMode::Select;
  bool branch_supervision = true;  // Table 4: false removes the R-b / D-b heads ("F3(c)-LR-LD")
  bool cross_level = true;         // Table 4: false removes the transitions ("F3(c)-F~^{m+1}_{m,RD}")
};

// The block sizes of a fusion network, levels 2..6, without building it (cheap at width 1).
std::array<CaFuseOptions, kLsfLevels> lsfFusionBlocks(const LsfFusionOptions& options);

// Top-down fusion network. Module dict "blocks" has keys "level2".."level6".
// Prediction: sides = joint P_2..P_6, sides_combined = their BPDC (Eq. 5), sides_fused = Eq. 6's
// sum_m w~_m P~_m at the input size, final = P~_2 resized to the input, branches "rgb/level<m>"
// and "depth/level<m>" (when enabled), features "fused/level<m>" (F~^m_RD).
class LsfFusionNetImpl : public torch::nn::Module {
 public:
  static constexpr int kFirstLevel = kLsfFirstLevel;  // level 1 takes no part in inference
  static constexpr int kLevels = kLsfLevels;          // levels 2..6

  explicit LsfFusionNetImpl(const LsfFusionOptions& options = {});
  Prediction forward(const NetworkInput& input);
  // RD-(C) of Table 3: starts the trunks and each level's adaptation layers from the trained
  // teacher's and student's (the features F^m_R, F^m_D are "the adapted deep features from the
  // RGB and depth streams"). The selectors, branch / joint heads and transitions start fresh.
  void loadStreams(LsfStream& teacher, LsfStream& student);
  const LsfFusionOptions& options() const { return options_; }
  CaFuseBlockImpl& block(int level);  // level 2..6
  const CaFuseBlockImpl& block(int level) const;

  Vgg16 rgb{nullptr};
  Vgg16 depth{nullptr};
  torch::nn::ModuleDict blocks{nullptr};
  Bpdc bpdc{nullptr};
  LsfSideFusion side_fusion{nullptr};

 private:
  LsfFusionOptions options_;
};
TORCH_MODULE(LsfFusionNet);

}  // namespace rgbdsod::models
