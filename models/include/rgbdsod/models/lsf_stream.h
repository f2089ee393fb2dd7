#pragma once
// Learn-Select-Fuse (Chen & Li, IJCV 2021), single-modality part: the side-output heads with
// their adaptation layers (Table 1), the dense backward combination of side predictions (BPDC),
// one stream (VGG-16 + heads + BPDC) used as the RGB teacher or the depth student, and the
// teacher->student pair of hierarchical cross-modal distillation (HCD).
#include <array>
#include <cstdint>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "rgbdsod/models/prediction.h"
#include "rgbdsod/models/vgg16.h"

namespace rgbdsod::models {

// One side path's adaptation layers: `layers` convs of `kernel` x `kernel` with `channels`
// output channels (full width) and ReLU, followed by a 1x1 conv to one logit channel.
struct LsfHeadSpec {
  int64_t kernel = 3;
  int64_t channels = 128;
  int64_t layers = 2;
};

// Our reading of Table 1, levels 1..6 (see models/README.md: kernels grow with the level so the
// side path sees more context where the map is coarse).
std::array<LsfHeadSpec, 6> lsfDefaultHeads();

class LsfSideHeadImpl : public torch::nn::Module {
 public:
  LsfSideHeadImpl(int64_t in_channels, const LsfHeadSpec& spec, double width);
  torch::Tensor adapt(const torch::Tensor& feature);  // adaptation layers only
  torch::Tensor forward(const torch::Tensor& feature);  // logits [B,1,h,w] at the feature's size
  int64_t adaptedChannels() const { return channels_; }

  torch::nn::Sequential adaptation{nullptr};
  torch::nn::Conv2d predict{nullptr};

 private:
  int64_t channels_ = 0;
};
TORCH_MODULE(LsfSideHead);

// Dense backward combination over L levels (finest first, level index i = 0..L-1):
//   P~_{L-1} = w_{L-1} P_{L-1},   P~_i = w_i P_i + sum_{k>i} w~_{k,i} up(P~_k)
// where up() resizes (bilinear) to P_i's size. Parameters "level<i>" hold [w_i, w~_{i+1,i}, ...,
// w~_{L-1,i}]. Initialised as a convex combination (w_i = 1/2, w~_{k,i} = 1/(2(L-1-i)), the
// coarsest w = 1), so equal inputs give equal outputs at the start of training.
class BpdcImpl : public torch::nn::Module {
 public:
  explicit BpdcImpl(int levels);
  // `sides` are the raw predictions of levels first_level .. L-1 (so a network that only has the
  // coarser levels, like the franken network, combines them with the same weights).
  std::vector<torch::Tensor> forward(const std::vector<torch::Tensor>& sides, int first_level = 0);
  int levels() const { return static_cast<int>(weights_.size()); }
  // [w_i, w~_{i+1,i}, ..., w~_{L-1,i}] of level i.
  const torch::Tensor& levelWeights(int i) const { return weights_.at(static_cast<size_t>(i)); }

 private:
  std::vector<torch::Tensor> weights_;
};
TORCH_MODULE(Bpdc);

struct LsfStreamOptions {
  Vgg16Options backbone;  // in_channels 3 for the RGB teacher; 1 or 3 (HHA) for the depth student
  std::array<LsfHeadSpec, 6> heads = lsfDefaultHeads();
};

// One modality's saliency network: VGG-16 (levels 1..6), six side heads, BPDC.
// Prediction: sides = P_1..P_6, sides_combined = P~_1..P~_6 (logits, own resolution),
// final = P~_1 resized to the input, features "level1".."level6" (backbone features).
class LsfStreamImpl : public torch::nn::Module {
 public:
  explicit LsfStreamImpl(const LsfStreamOptions& options = {});
  Prediction forward(const torch::Tensor& image);
  // The upper part from a tapped backbone feature (levels vggTapLevel(tap)..6 only): used by the
  // franken network. sides/sides_combined then hold only those levels, finest first.
  Prediction forwardFromTap(const torch::Tensor& tapped, VggTap tap, torch::IntArrayRef out_size);
  const LsfStreamOptions& options() const { return options_; }

  Vgg16 backbone{nullptr};
  torch::nn::ModuleList heads{nullptr};
  Bpdc bpdc{nullptr};

 private:
  Prediction predictLevels(const std::vector<torch::Tensor>& levels, int first_level,
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
