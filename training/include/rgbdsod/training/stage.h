#pragma once
// A training stage: a network, its parameter groups and its loss over a batch. The trainer owns
// the loop (optimiser, schedule, checkpoints, validation); a stage only says what to compute.
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
};

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
};

// Builds the stage named by config.stage with its model from config.model (width, variant, ...);
// torch's RNG must be seeded before (the initial weights come from it). model.pretrained, when
// set, imports torchvision backbone weights. Throws ConfigError for bad stage keys.
std::unique_ptr<Stage> makeStage(const TrainConfig& config);

// Parameters whose name starts with `prefix` (e.g. "backbone.") vs. the others.
ParamGroups splitParameters(torch::nn::Module& model, const std::string& prefix);

// The saliency probability [B,1,H,W] of a prediction (sigmoid of the logits, or the map itself
// for networks whose final output is already a probability).
torch::Tensor saliencyProbability(const models::Prediction& p);

// Stage factories (one translation unit each).
std::unique_ptr<Stage> makeTeacherStage(const TrainConfig& config);
std::unique_ptr<Stage> makeRecNetStage(const TrainConfig& config);

}  // namespace rgbdsod::training
