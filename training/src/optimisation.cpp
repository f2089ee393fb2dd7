#include "rgbdsod/training/optimisation.h"

#include <cmath>

#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

namespace rgbdsod::training {

OptimizerSetup makeOptimizer(const OptimConfig& c, const ParamGroups& groups) {
  OptimizerSetup s;
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  auto add = [&](const std::vector<torch::Tensor>& params, double lr) {
    if (params.empty()) return;
    s.base_lrs.push_back(lr);
    if (c.kind == OptimizerKind::Sgd) {
      param_groups.emplace_back(params, std::make_unique<torch::optim::SGDOptions>(
                                            torch::optim::SGDOptions(lr).momentum(c.momentum).weight_decay(c.weight_decay)));
    } else {
      param_groups.emplace_back(params, std::make_unique<torch::optim::AdamOptions>(
                                            torch::optim::AdamOptions(lr).betas({c.beta1, c.beta2}).weight_decay(c.weight_decay)));
    }
  };
  add(groups.backbone, c.lr * c.backbone_lr_mult);
  add(groups.head, c.lr);
  if (c.kind == OptimizerKind::Sgd)
    s.optimizer = std::make_unique<torch::optim::SGD>(std::move(param_groups), torch::optim::SGDOptions(c.lr));
  else
    s.optimizer = std::make_unique<torch::optim::Adam>(std::move(param_groups), torch::optim::AdamOptions(c.lr));
  return s;
}

double polyFactor(std::int64_t step, std::int64_t steps, double power) {
  if (power <= 0 || steps <= 0) return 1.0;
  const double progress = std::min(1.0, static_cast<double>(step) / static_cast<double>(steps));
  return std::pow(1.0 - progress, power);
}

double applySchedule(OptimizerSetup& s, const OptimConfig& c, std::int64_t step, std::int64_t steps) {
  const double f = polyFactor(step, steps, c.poly_power);
  double lr = 0;
  auto& groups = s.optimizer->param_groups();
  for (std::size_t i = 0; i < groups.size(); ++i) {
    lr = s.base_lrs[i] * f;
    groups[i].options().set_lr(lr);
  }
  return lr;
}

double clipGradients(torch::optim::Optimizer& optimizer, double max_norm) {
  std::vector<torch::Tensor> params;
  for (const auto& g : optimizer.param_groups())
    for (const auto& p : g.params())
      if (p.grad().defined()) params.push_back(p);
  if (max_norm <= 0) return 0.0;
  return torch::nn::utils::clip_grad_norm_(params, max_norm);
}

}  // namespace rgbdsod::training
