// Issue 16 item 5 (partial): the C++ half of the eager-PyTorch-vs-rgbdsod comparison.
// Builds a stage's network exactly as `rgbdsod train` does (resolveConfig + makeStage, the
// stage's own loss and makeOptimizer with the stage defaults: SGD, momentum 0.9, weight decay
// 5e-4, two parameter groups, poly schedule), then times on random inputs, after warm-up:
//   train: model.train(), schedule, stage->loss(batch), loss.item(), zero_grad, backward,
//          clipGradients (a no-op at the default clip_norm 0), optimizer step — the trainer's step;
//   infer: model.eval(), NoGradGuard, stage->predict(), saliency probability summed to a scalar.
// Usage: rgbdsod_bench_train_step <teacher|recnet> <width> <size> <batch> <threads> <steps> [warmup]
// Prints one JSON line: {"impl":"rgbdsod","params":N,"param_tensors":K,"threads":T,
//                        "train_ms":median,"infer_ms":median,...}. tests/bench/eager_train_step.py is
// the PyTorch-eager twin; tests/bench/eager_vs_rgbdsod.sh runs both.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "rgbdsod/training/batch_loader.h"
#include "rgbdsod/training/config.h"
#include "rgbdsod/training/optimisation.h"
#include "rgbdsod/training/stage.h"

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

int run(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s <teacher|recnet> <width> <size> <batch> <threads> <steps> [warmup]\n", argv[0]);
    return 2;
  }
  const std::string network = argv[1];
  if (network != "teacher" && network != "recnet") {
    std::fprintf(stderr, "network must be teacher or recnet, got %s\n", network.c_str());
    return 2;
  }
  const double width = std::stod(argv[2]);
  const int size = std::stoi(argv[3]);
  const int batch = std::stoi(argv[4]);
  const int threads = std::stoi(argv[5]);
  const int steps = std::max(1, std::stoi(argv[6]));
  const int warmup = argc > 7 ? std::max(0, std::stoi(argv[7])) : 2;

  torch::set_num_threads(threads);
  torch::manual_seed(1);

  char width_text[64];
  std::snprintf(width_text, sizeof width_text, "%.17g", width);
  const rgbdsod::training::TrainConfig config = rgbdsod::training::resolveConfig(
      network, {},
      {std::string("model.width=") + width_text, "data.size=" + std::to_string(size),
       "data.batch_size=" + std::to_string(batch), "run.steps=" + std::to_string(warmup + steps)});
  auto stage = rgbdsod::training::makeStage(config, rgbdsod::training::StageBuild::Architecture);
  torch::nn::Module& model = stage->model();

  std::int64_t params = 0;
  std::int64_t tensors = 0;
  for (const auto& p : model.parameters()) {
    params += p.numel();
    ++tensors;
  }

  rgbdsod::training::OptimizerSetup opt =
      rgbdsod::training::makeOptimizer(config.optim, stage->parameterGroups());

  rgbdsod::training::Batch b;
  b.rgb = torch::randn({batch, 3, size, size});
  b.gt = (torch::rand({batch, 1, size, size}) > 0.5).to(torch::kFloat);

  // Training steps (the trainer's loop body without data loading, metrics and checkpoints).
  std::vector<double> train_ms;
  const std::int64_t total = warmup + steps;
  double last_loss = 0;
  for (std::int64_t step = 0; step < total; ++step) {
    const auto t0 = Clock::now();
    model.train();
    rgbdsod::training::applySchedule(opt, config.optim, step, total);
    stage->beforeStep();
    rgbdsod::training::LossTerms terms = stage->loss(b);
    last_loss = terms.total.item<double>();
    opt.optimizer->zero_grad();
    terms.total.backward();
    rgbdsod::training::clipGradients(*opt.optimizer, config.optim.clip_norm);
    opt.optimizer->step();
    stage->afterStep();
    if (step >= warmup) train_ms.push_back(msSince(t0));
  }

  // Inference forwards.
  std::vector<double> infer_ms;
  {
    model.eval();
    torch::NoGradGuard no_grad;
    rgbdsod::models::NetworkInput input;
    input.rgb = b.rgb;
    for (int i = 0; i < warmup + steps; ++i) {
      const auto t0 = Clock::now();
      const rgbdsod::models::Prediction p = stage->predict(input);
      (void)rgbdsod::training::saliencyProbability(p).sum().item<float>();
      if (i >= warmup) infer_ms.push_back(msSince(t0));
    }
  }

  std::printf(
      "{\"impl\":\"rgbdsod\",\"network\":\"%s\",\"width\":%g,\"size\":%d,\"batch\":%d,\"threads\":%d,"
      "\"steps\":%d,\"params\":%lld,\"param_tensors\":%lld,\"train_ms\":%.3f,\"infer_ms\":%.3f,"
      "\"last_loss\":%.6g}\n",
      network.c_str(), width, size, batch, torch::get_num_threads(), steps, static_cast<long long>(params),
      static_cast<long long>(tensors), median(train_ms), median(infer_ms), last_loss);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rgbdsod_bench_train_step: %s\n", e.what());
    return 1;
  }
}
