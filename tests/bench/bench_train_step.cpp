// Issue 16 item 5: the C++ half of the eager-PyTorch-vs-rgbdsod comparison.
// Builds a stage's network exactly as `rgbdsod train` does (resolveConfig + makeStage, the
// stage's own loss and makeOptimizer with the stage defaults), then times on random inputs, after
// warm-up:
//   train: model.train(), schedule, beforeStep, stage->loss(batch), loss.item(), zero_grad,
//          backward, clipGradients (a no-op at the default clip_norm 0), optimizer step,
//          afterStep — the trainer's step (contrast: momentum update before, enqueue after);
//   infer: model.eval(), NoGradGuard, stage->predict(), saliency probability summed to a scalar
//          (contrast, which predicts no saliency: the online encoders' three embeddings).
// Networks: teacher (LSF RGB stream), fuse (LSF CA-Fuse fusion net), recnet, contrast (the
// one-stage contrastive pre-training). On CUDA (models/device.h): cudnn.benchmark, channels-last
// weights and inputs, bf16 by autocast around forward + loss, clocks read after a synchronize.
// Usage: rgbdsod_bench_train_step <teacher|fuse|recnet|contrast> <width> <size> <batch> <threads>
//            <steps> [warmup] [--device cpu|cuda|cuda:N] [--precision fp32|bf16]
// Prints one JSON line (keys as tests/bench/eager_train_step.py, its PyTorch-eager twin);
// tests/bench/eager_vs_rgbdsod.sh runs both.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <torch/cuda.h>
#include <torch/torch.h>
#include <torch/version.h>

#include "rgbdsod/models/contrastive_pretrain.h"
#include "rgbdsod/models/device.h"
#include "rgbdsod/training/batch_loader.h"
#include "rgbdsod/training/config.h"
#include "rgbdsod/training/optimisation.h"
#include "rgbdsod/training/stage.h"

namespace {

namespace models = rgbdsod::models;
namespace training = rgbdsod::training;
using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Args {
  std::vector<std::string> positional;
  std::string device = "cpu";
  std::string precision = "fp32";
};

// Positional arguments and --device / --precision (as "--flag value" or "--flag=value").
Args parseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    std::string* flag = nullptr;
    std::string name = arg.substr(0, arg.find('='));
    if (name == "--device") flag = &a.device;
    if (name == "--precision") flag = &a.precision;
    if (flag == nullptr) {
      a.positional.push_back(arg);
    } else if (arg.size() > name.size()) {
      *flag = arg.substr(name.size() + 1);
    } else if (i + 1 < argc) {
      *flag = argv[++i];
    }
  }
  return a;
}

// The contrastive encoder's inference: what the downstream stage reads from it (per-modality and
// fused embeddings of the online encoders; the fusion's mask off as for a key).
torch::Tensor embedAll(models::ContrastivePretrainNetImpl& net, const training::Batch& b) {
  const auto fr = net.rgb_encoder->forward(b.rgb).layer4;
  const auto fd = net.depth_encoder->forward(b.depth).layer4;
  const auto q_rgb = net.rgb_projector->forward(fr.mean({2, 3}));
  const auto q_depth = net.depth_projector->forward(fd.mean({2, 3}));
  const auto q_fusion = net.fusion->embed(net.fusion->forward(fr, fd, 0.0));
  return q_rgb.to(torch::kFloat).sum() + q_depth.to(torch::kFloat).sum() + q_fusion.to(torch::kFloat).sum();
}

int run(int argc, char** argv) {
  const Args args = parseArgs(argc, argv);
  const auto& pos = args.positional;
  const std::vector<std::string> networks{"teacher", "fuse", "recnet", "contrast"};
  if (pos.size() < 6 || std::find(networks.begin(), networks.end(), pos[0]) == networks.end()) {
    std::fprintf(stderr,
                 "usage: %s <teacher|fuse|recnet|contrast> <width> <size> <batch> <threads> <steps> [warmup] "
                 "[--device cpu|cuda|cuda:N] [--precision fp32|bf16]\n",
                 argv[0]);
    return 2;
  }
  const std::string network = pos[0];
  const double width = std::stod(pos[1]);
  const int size = std::stoi(pos[2]);
  const int batch = std::stoi(pos[3]);
  const int threads = std::stoi(pos[4]);
  const int steps = std::max(1, std::stoi(pos[5]));
  const int warmup = pos.size() > 6 ? std::max(0, std::stoi(pos[6])) : 2;

  const models::DeviceChoice choice = models::chooseDevice(args.device);
  if (!choice.device) {
    std::fprintf(stderr, "rgbdsod_bench_train_step: %s\n", choice.error.c_str());
    return 1;
  }
  const torch::Device device = *choice.device;
  const auto precision = models::parsePrecision(args.precision);
  if (!precision || *precision == models::Precision::Fp16) {
    std::fprintf(stderr, "rgbdsod_bench_train_step: precision must be fp32 or bf16, got %s\n", args.precision.c_str());
    return 2;
  }
  if (const std::string problem = models::precisionProblem(*precision, device); !problem.empty()) {
    std::fprintf(stderr, "rgbdsod_bench_train_step: %s\n", problem.c_str());
    return 1;
  }
  const bool cuda = device.is_cuda();
  // Work queued on the GPU has to finish before a clock is read.
  const auto sync = [&] {
    if (cuda) torch::cuda::synchronize(device.index());
  };

  torch::set_num_threads(threads);
  torch::manual_seed(1);
  models::configureDeviceForSpeed(device);

  char width_text[64];
  std::snprintf(width_text, sizeof width_text, "%.17g", width);
  const training::TrainConfig config = training::resolveConfig(
      network, {},
      {std::string("model.width=") + width_text, "data.size=" + std::to_string(size),
       "data.batch_size=" + std::to_string(batch), "run.steps=" + std::to_string(warmup + steps)});
  auto stage = training::makeStage(config, training::StageBuild::Architecture);
  torch::nn::Module& model = stage->model();

  std::int64_t params = 0;
  std::int64_t tensors = 0;
  for (const auto& p : model.parameters()) {
    params += p.numel();
    ++tensors;
  }
  model.to(device);
  if (models::prefersChannelsLast(device)) models::toChannelsLast(model);

  // After the move: the optimiser holds the parameters as they are now.
  training::OptimizerSetup opt = training::makeOptimizer(config.optim, stage->parameterGroups());

  training::Batch b;
  const auto place = [&](const torch::Tensor& t) { return models::toDeviceInput(t, device, false); };
  b.rgb = place(torch::randn({batch, 3, size, size}));
  b.depth = place(torch::rand({batch, 1, size, size}));
  b.gt = place((torch::rand({batch, 1, size, size}) > 0.5).to(torch::kFloat));
  if (network == "contrast") {
    b.rgb2 = place(torch::randn({batch, 3, size, size}));
    b.depth2 = place(torch::rand({batch, 1, size, size}));
  }

  // Training steps (the trainer's loop body without data loading, metrics and checkpoints).
  std::vector<double> train_ms;
  const std::int64_t total = warmup + steps;
  double last_loss = 0;
  sync();
  for (std::int64_t step = 0; step < total; ++step) {
    const auto t0 = Clock::now();
    model.train();
    training::applySchedule(opt, config.optim, step, total);
    stage->beforeStep();
    training::LossTerms terms;
    {
      const models::AutocastScope autocast(device, *precision);
      terms = stage->loss(b);
    }
    last_loss = terms.total.item<double>();
    opt.optimizer->zero_grad();
    terms.total.backward();
    training::clipGradients(*opt.optimizer, config.optim.clip_norm);
    opt.optimizer->step();
    stage->afterStep();
    sync();
    if (step >= warmup) train_ms.push_back(msSince(t0));
  }

  // Inference forwards.
  std::vector<double> infer_ms;
  {
    model.eval();
    torch::NoGradGuard no_grad;
    auto* contrastive = dynamic_cast<models::ContrastivePretrainNetImpl*>(&model);
    models::NetworkInput input{b.rgb, b.depth};
    for (int i = 0; i < warmup + steps; ++i) {
      const auto t0 = Clock::now();
      torch::Tensor value;
      {
        const models::AutocastScope autocast(device, *precision);
        value = contrastive != nullptr ? embedAll(*contrastive, b)
                                       : training::saliencyProbability(stage->predict(input)).sum();
      }
      (void)value.item<float>();
      if (i >= warmup) infer_ms.push_back(msSince(t0));
    }
  }

  const double train = median(train_ms);
  const double infer = median(infer_ms);
  std::printf(
      "{\"impl\":\"rgbdsod\",\"network\":\"%s\",\"width\":%g,\"size\":%d,\"batch\":%d,\"threads\":%d,"
      "\"steps\":%d,\"device\":\"%s\",\"precision\":\"%s\",\"torch\":\"%s\",\"params\":%lld,"
      "\"param_tensors\":%lld,\"train_ms\":%.3f,\"infer_ms\":%.3f,\"train_steps_per_s\":%.3f,"
      "\"infer_images_per_s\":%.2f,\"last_loss\":%.6g}\n",
      network.c_str(), width, size, batch, torch::get_num_threads(), steps, device.str().c_str(),
      models::toString(*precision), TORCH_VERSION, static_cast<long long>(params), static_cast<long long>(tensors),
      train, infer, 1e3 / train, batch * 1e3 / infer, last_loss);
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
