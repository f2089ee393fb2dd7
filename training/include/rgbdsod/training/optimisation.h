#pragma once
// Optimisation as in the papers: SGD with momentum and weight decay or Adam, two parameter
// groups (backbone at lr * backbone_lr_mult, new layers at lr), the poly schedule
// lr * (1 - step / steps)^power, and gradient-norm clipping.
#include <cstdint>
#include <memory>
#include <vector>

#include <torch/optim/optimizer.h>

#include "rgbdsod/training/config.h"
#include "rgbdsod/training/stage.h"

namespace rgbdsod::training {

struct OptimizerSetup {
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<double> base_lrs;  // per param group, before the schedule
};

// Empty groups are left out (a stage without a pre-trainable backbone has one group).
OptimizerSetup makeOptimizer(const OptimConfig& config, const ParamGroups& groups);

// (1 - step / steps)^power, the poly factor at `step` (0-based: the step about to be taken).
double polyFactor(std::int64_t step, std::int64_t steps, double power);

// Sets every group's lr for `step`; returns the lr of the last group (the new layers).
double applySchedule(OptimizerSetup& setup, const OptimConfig& config, std::int64_t step, std::int64_t steps);

// Clips the global L2 norm of all gradients to max_norm (no-op when <= 0); returns the norm before.
double clipGradients(torch::optim::Optimizer& optimizer, double max_norm);

}  // namespace rgbdsod::training
