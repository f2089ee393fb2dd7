#pragma once
// Learn-Select-Fuse (H. Chen, Y. Li), single-modality part: the adaptation layers and side
// predictions of Table 1, the backward prediction dense connection (BPDC, Eqs. 1/2/5), the fused
// term of Eqs. 6 and 9, one stream (VGG-16 + global layer + heads + BPDC) used as the RGB teacher
// or the depth student, and the teacher->student pair of hierarchical cross-modal distillation.
//
// Levels 1..6 are VGG-16's five blocks and the global layer. Level 1 has no side output: "it may
// be difficult for the first convolutional block to provide reliable cues, we do not involve it
// into inference for the teacher, student and the final RGB-D fusion network" (Sec. 4.2), so
// every side output list here holds levels 2..6 (K = 6), finest first.
#include <array>
#include <cstdint>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/moduledict.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "rgbdsod/models/prediction.h"
#include "rgbdsod/models/vgg16.h"

namespace rgbdsod::models {

inline constexpr int kLsfFirstLevel = 2;  // the first level that predicts (level 1 does not)
inline constexpr int kLsfLevels = 5;      // levels 2..6

// Adaptation layers of one level: `layers` convs of `kernel` x `kernel` with `channels` output
// channels (full width), each followed by ReLU; layers = 0: none (the level's feature is used as
// it is).
struct LsfHeadSpec {
  int64_t kernel = 3;
  int64_t channels = 128;
  int64_t layers = 2;
};

// One row of Table 1 ("The Parameters of the Adaptation Layers and the Cross-level Transition
// Layers"), full width: the level's adaptation layers (shared by the streams and the CA-Fuse
// block of that level) and the channels of its 1x1 transition layer, which passes the level's
// fused RGB-D representation down to level - 1 (0: none).
struct LsfTable1Row {
  int level = 0;
  LsfHeadSpec adaptation;
  int64_t transition = 0;
};

// Table 1, levels 2..6 (finest first):
//   CA-Fuse 6: —              —            384, 1x1
//   CA-Fuse 5: 384, 1x1       —            384, 1x1
//   CA-Fuse 4: 384, 3x3       384, 3x3     256, 1x1
//   CA-Fuse 3: 192, 3x3       192, 3x3     128, 1x1
//   CA-Fuse 2: 128, 3x3       128, 3x3     —
const std::array<LsfTable1Row, kLsfLevels>& lsfTable1();
// Its adaptation column.
std::array<LsfHeadSpec, kLsfLevels> lsfDefaultHeads();

// The adaptation layers of `spec` (channels already scaled) on `in_channels` inputs: conv + ReLU
// per layer, padding kernel / 2 so the map keeps its size. Empty when spec.layers == 0.
torch::nn::Sequential lsfAdaptation(int64_t in_channels, const LsfHeadSpec& spec);
// Channels out of lsfAdaptation (in_channels when it has no layer).
int64_t lsfAdaptedChannels(int64_t in_channels, const LsfHeadSpec& spec);

// One level's side path: the adaptation layers, then "the adapted features are used to infer
// level-specific saliency P_i via a 1x1 convolutional layer" (Sec. 4.2).
class LsfSideHeadImpl : public torch::nn::Module {
 public:
  // `spec` at full width; its channels are scaled by `width`.
  LsfSideHeadImpl(int64_t in_channels, const LsfHeadSpec& spec, double width);
  torch::Tensor adapt(const torch::Tensor& feature);    // adaptation layers only
  torch::Tensor forward(const torch::Tensor& feature);  // logits [B,1,h,w] at the feature's size
  int64_t adaptedChannels() const { return channels_; }

  torch::nn::Sequential adaptation{nullptr};
  torch::nn::Conv2d predict{nullptr};

 private:
  int64_t channels_ = 0;
};
TORCH_MODULE(LsfSideHead);

// BPDC over L levels (local index i = 0..L-1, finest first; i = L-1 is level K), Eq. 1:
//   P~_i = w_i P_i + sum_{k>i} w~_{k,i} up(P~_k)   (i < L-1),      P~_{L-1} = P_{L-1}
// up() resizes (bilinear) to P_i's size. The coarsest level has no weight (P~_K = P_K).
// Parameter "level<n>" (n = first_level_number + i, the paper's level) holds
// [w_i, w~_{i+1,i}, ..., w~_{L-1,i}]. Initialised as a convex combination (w_i = 1/2,
// w~_{k,i} = 1/(2(L-1-i))), so equal inputs give equal outputs at the start of training (ours:
// the paper gives no initialisation).
class BpdcImpl : public torch::nn::Module {
 public:
  explicit BpdcImpl(int levels, int first_level_number = kLsfFirstLevel);
  // `sides` are the raw predictions of local levels first_level .. L-1 (so a network that only
  // has the coarser levels, like the franken network, combines them with the same weights).
  std::vector<torch::Tensor> forward(const std::vector<torch::Tensor>& sides, int first_level = 0);
  int levels() const { return levels_; }
  // [w_i, w~_{i+1,i}, ..., w~_{L-1,i}] of local level i < L-1.
  const torch::Tensor& levelWeights(int i) const { return weights_.at(static_cast<size_t>(i)); }

 private:
  int levels_ = 0;
  std::vector<torch::Tensor> weights_;
};
TORCH_MODULE(Bpdc);

// The fused term of Eq. 9 (teacher) and Eq. 6 (fusion network): sum_i w~_i P~_i over all combined
// side outputs, each resized (bilinear) to `size` first. Parameter "weights" [L], initialised to
// 1/L (ours: an average, so equal maps stay equal).
class LsfSideFusionImpl : public torch::nn::Module {
 public:
  explicit LsfSideFusionImpl(int levels);
  torch::Tensor forward(const std::vector<torch::Tensor>& combined, torch::IntArrayRef size);

  torch::Tensor weights;
};
TORCH_MODULE(LsfSideFusion);

// The trunk options of Learn-Select-Fuse: VGG-16 with the global layer "a new 512 13x13
// convolutional layer" (Sec. 4.2) on pool5.
Vgg16Options lsfTrunkOptions(double width, int64_t in_channels);

struct LsfStreamOptions {
  Vgg16Options backbone = lsfTrunkOptions(1.0, 3);  // in_channels 3 (RGB teacher); 1 or 3 (depth)
  std::array<LsfHeadSpec, kLsfLevels> heads = lsfDefaultHeads();  // levels 2..6
};

// One modality's saliency network: VGG-16 (levels 1..6), side heads of levels 2..6 (module dict
// keys "level2".."level6"), BPDC and the fused term.
// Prediction: sides = P_2..P_6, sides_combined = P~_2..P~_6 (logits, own resolution),
// sides_fused = sum_i w~_i P~_i at the input size, final = P~_2 resized to the input (the finest
// combined side output; ours: the paper does not say which map is the output), features
// "level2".."level6" (trunk features; level 1 is not part of the prediction).
class LsfStreamImpl : public torch::nn::Module {
 public:
  explicit LsfStreamImpl(const LsfStreamOptions& options = {});
  Prediction forward(const torch::Tensor& image);
  // The upper part from a tapped trunk feature (levels vggTapLevel(tap)..6 only): used by the
  // franken network. sides/sides_combined then hold only those levels, finest first; no fused term.
  Prediction forwardFromTap(const torch::Tensor& tapped, VggTap tap, torch::IntArrayRef out_size);
  const LsfStreamOptions& options() const { return options_; }
  LsfSideHeadImpl& head(int level);  // level 2..6
  const LsfSideHeadImpl& head(int level) const;

  Vgg16 backbone{nullptr};
  torch::nn::ModuleDict heads{nullptr};
  Bpdc bpdc{nullptr};
  LsfSideFusion side_fusion{nullptr};

 private:
  // `levels` are trunk features of levels first_trunk_level..6 (1-based); level 1 is skipped.
  Prediction predictLevels(const std::vector<torch::Tensor>& levels, int first_trunk_level,
                           torch::IntArrayRef out_size);
  LsfStreamOptions options_;
};
TORCH_MODULE(LsfStream);

// Hierarchical cross-modal distillation: a frozen RGB teacher (no gradients, always in eval
// mode) supervises a depth student of the same architecture through its combined side outputs.
class LsfDistillationImpl : public torch::nn::Module {
 public:
  LsfDistillationImpl(LsfStream teacher, LsfStream student);
  struct Output {
    Prediction student;
    Prediction teacher;  // computed under NoGradGuard
  };
  Output forward(const NetworkInput& input);
  void train(bool on = true) override;  // keeps the teacher in eval mode

  LsfStream teacher{nullptr};
  LsfStream student{nullptr};
};
TORCH_MODULE(LsfDistillation);

// Resizes logits [B,1,h,w] to `size` (bilinear, align_corners = false), a no-op at equal size.
torch::Tensor resizeLogits(const torch::Tensor& logits, torch::IntArrayRef size);

}  // namespace rgbdsod::models
