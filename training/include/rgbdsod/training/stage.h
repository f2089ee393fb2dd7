#pragma once
// A training stage: a network, its parameter groups and its loss over a batch. The trainer owns
// the loop (optimiser, schedule, checkpoints, validation); a stage only says what to compute.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/types.h>

#include "rgbdsod/models/prediction.h"
#include "rgbdsod/training/batch_loader.h"
#include "rgbdsod/training/config.h"

namespace rgbdsod::training {

struct LossTerms {
  torch::Tensor total;  // what is back-propagated
  std::vector<std::pair<std::string, torch::Tensor>> terms;  // named parts, for the metrics
};

// The backbone (pre-trainable trunk, optim.backbone_lr_mult) and the layers new to the method.
struct ParamGroups {
  std::vector<torch::Tensor> backbone;
  std::vector<torch::Tensor> head;
};

struct StageNeeds {
  bool depth = false;      // the batches carry depth
  bool two_views = false;  // ... and a second random view
  bool gt = true;          // the loss needs GT masks (false: unlabeled RGB-D pairs are enough)
  bool saliency = true;    // predict() gives a saliency map (false: pre-training, nothing to validate)
};

// How a stage is built: Fresh starts a run and pulls in what the config references (torchvision
// weights, the runs of earlier stages); Architecture builds the same network without reading
// them, for resume and inference, where the run's own checkpoint provides every weight.
enum class StageBuild { Fresh, Architecture };

class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string name() const = 0;
  virtual StageNeeds needs() const = 0;
  virtual torch::nn::Module& model() = 0;  // what the checkpoints hold
  virtual ParamGroups parameterGroups() = 0;
  // Forward on the batch (the caller sets train mode) and the loss against batch.gt.
  virtual LossTerms loss(const Batch& batch) = 0;
  virtual models::Prediction predict(const models::NetworkInput& input) = 0;

  // Around each optimiser step (MoCo: momentum update before, queue update after).
  virtual void beforeStep() {}
  virtual void afterStep() {}
  // Called before each validation, and after the last step when there is none, with the labeled
  // held-out samples (null without a validation split). CAS picks its saliency channel here.
  virtual void calibrate(const SampleSource* /*validation*/, int /*size*/, std::size_t /*max_images*/) {}
  // Data-parallel training: every rank's rows of a per-sample tensor, in rank order (the whole
  // global batch). MoCo queues every rank's keys with it, so the queues stay the same on all ranks.
  using BatchGather = std::function<torch::Tensor(const torch::Tensor&)>;
  virtual void setBatchGather(BatchGather /*gather*/) {}
};

// Builds the stage named by config.stage with its model from config.model (width, variant, ...);
// torch's RNG must be seeded before (the initial weights come from it). Throws ConfigError for
// bad stage keys, core::FileError for a referenced run that cannot be read.
std::unique_ptr<Stage> makeStage(const TrainConfig& config, StageBuild build = StageBuild::Architecture);

// Parameters whose name starts with `prefix` (e.g. "backbone.") vs. the others.
ParamGroups splitParameters(torch::nn::Module& model, const std::string& prefix);
ParamGroups splitParameters(torch::nn::Module& model, const std::vector<std::string>& prefixes);

// The saliency probability [B,1,H,W] of a prediction (sigmoid of the logits, or the map itself
// for networks whose final output is already a probability).
torch::Tensor saliencyProbability(const models::Prediction& p);

// Stage factories (one translation unit per paper).
std::unique_ptr<Stage> makeTeacherStage(const TrainConfig& config, StageBuild build);
std::unique_ptr<Stage> makeDistillStage(const TrainConfig& config, StageBuild build);
std::unique_ptr<Stage> makeFuseStage(const TrainConfig& config, StageBuild build);
std::unique_ptr<Stage> makeRecNetStage(const TrainConfig& config, StageBuild build);
std::unique_ptr<Stage> makeTransferStage(const TrainConfig& config, StageBuild build);
std::unique_ptr<Stage> makeContrastStage(const TrainConfig& config, StageBuild build);
std::unique_ptr<Stage> makeDownstreamStage(const TrainConfig& config, StageBuild build);
std::unique_ptr<Stage> makeCasStage(const TrainConfig& config, StageBuild build);

}  // namespace rgbdsod::training
