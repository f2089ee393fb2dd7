#pragma once
// Where a network runs and in which arithmetic: the device named by `run.device` (auto, cpu, cuda,
// cuda:N) and the precision named by `run.precision` (fp32, bf16, fp16), with the CUDA-only
// speed settings (autocast, channels-last, cudnn.benchmark, a grad scaler for fp16). Every call
// that differs between LibTorch 1.13 (Debian's CPU build) and 2.x (a CUDA build) lives in
// device.cpp, so the rest of the program uses one API. On the CPU none of this changes anything.
#include <optional>
#include <string>

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

namespace rgbdsod::models {

// The device a name asks for, or why there is none (`error` names what was found).
struct DeviceChoice {
  std::optional<torch::Device> device;
  std::string name;   // "cpu", "cuda:0", ...
  std::string error;  // set when `device` is empty
};
DeviceChoice chooseDevice(const std::string& wanted);

enum class Precision { Fp32, Bf16, Fp16 };
std::optional<Precision> parsePrecision(const std::string& name);
const char* toString(Precision p);
// Empty when the precision can run on the device; otherwise the reason (bf16 / fp16 need CUDA).
std::string precisionProblem(Precision p, const torch::Device& device);

// The CUDA settings for a training or inference process: cudnn.benchmark (the input size is fixed).
void configureDeviceForSpeed(const torch::Device& device);

// Conv trunks in channels-last on CUDA (NHWC kernels of cuDNN); a no-op on the CPU, where the
// measured default NCHW path is kept (issue 16: the CPU path does not change).
bool prefersChannelsLast(const torch::Device& device);
void toChannelsLast(torch::nn::Module& model);
torch::Tensor toDeviceInput(const torch::Tensor& t, const torch::Device& device, bool non_blocking);

// Autocast for the forward pass while the scope lives (CUDA, bf16 or fp16); inert otherwise.
class AutocastScope {
 public:
  AutocastScope(const torch::Device& device, Precision precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  bool was_enabled_ = false;
  at::ScalarType was_dtype_ = at::kHalf;
};

// Dynamic loss scaling for fp16 (as torch.cuda.amp.GradScaler: init 2^16, growth 2 every 2000
// finite steps, backoff 0.5): scale() before backward, unscale() before clipping, then step() skips
// the optimiser step when a gradient is inf/NaN. Disabled (a pass-through) for fp32 and bf16.
class GradScaler {
 public:
  explicit GradScaler(bool enabled) : enabled_(enabled) {}
  bool enabled() const noexcept { return enabled_; }
  torch::Tensor scale(const torch::Tensor& loss);
  void unscale(torch::optim::Optimizer& optimizer);  // once per step, before clipping
  bool step(torch::optim::Optimizer& optimizer);     // false: skipped (non-finite gradients)
  void update();
  double currentScale() const noexcept { return scale_value_; }

 private:
  bool enabled_;
  double scale_value_ = 65536.0;
  int growth_tracker_ = 0;
  bool unscaled_ = false;
  bool found_inf_ = false;
};

}  // namespace rgbdsod::models
