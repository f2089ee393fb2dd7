#include "rgbdsod/training/stage.h"

#include <torch/nn/module.h>

namespace rgbdsod::training {

std::unique_ptr<Stage> makeStage(const TrainConfig& config) {
  if (config.stage == "teacher") return makeTeacherStage(config);
  if (config.stage == "recnet") return makeRecNetStage(config);
  throw ConfigError("stage", "--stage", "no implementation for stage '" + config.stage + "'");
}

ParamGroups splitParameters(torch::nn::Module& model, const std::string& prefix) {
  ParamGroups g;
  for (const auto& item : model.named_parameters(true)) {
    if (!item.value().requires_grad()) continue;
    (item.key().rfind(prefix, 0) == 0 ? g.backbone : g.head).push_back(item.value());
  }
  return g;
}

torch::Tensor saliencyProbability(const models::Prediction& p) {
  return p.final_is_probability ? p.final : torch::sigmoid(p.final);
}

}  // namespace rgbdsod::training
