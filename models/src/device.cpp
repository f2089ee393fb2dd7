#include "rgbdsod/models/device.h"

#include <algorithm>
#include <cctype>

#include <ATen/autocast_mode.h>
#include <ATen/Context.h>
#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/version.h>

namespace rgbdsod::models {

// LibTorch 2.4 replaced the CUDA-only autocast calls by per-device ones (the old ones warn as
// deprecated); 1.13 has only the old ones. This is the one place that knows.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define RGBDSOD_AUTOCAST_PER_DEVICE 1
#endif

namespace {

bool cudaAutocastEnabled() {
#ifdef RGBDSOD_AUTOCAST_PER_DEVICE
  return at::autocast::is_autocast_enabled(at::kCUDA);
#else
  return at::autocast::is_enabled();
#endif
}

at::ScalarType cudaAutocastDtype() {
#ifdef RGBDSOD_AUTOCAST_PER_DEVICE
  return at::autocast::get_autocast_dtype(at::kCUDA);
#else
  return at::autocast::get_autocast_gpu_dtype();
#endif
}

void setCudaAutocast(bool enabled, at::ScalarType dtype) {
#ifdef RGBDSOD_AUTOCAST_PER_DEVICE
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
#else
  at::autocast::set_enabled(enabled);
  at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}

}  // namespace

DeviceChoice chooseDevice(const std::string& wanted) {
  DeviceChoice c;
  const bool cuda = torch::cuda::is_available();
  if (wanted == "cpu" || ((wanted == "auto" || wanted.empty()) && !cuda)) {
    c.device = torch::Device(torch::kCPU);
    c.name = "cpu";
    return c;
  }
  int index = -1;
  if (wanted == "auto" || wanted.empty() || wanted == "cuda") {
    index = 0;
  } else if (wanted.rfind("cuda:", 0) == 0 && wanted.size() > 5 && wanted.size() <= 8 &&
             std::all_of(wanted.begin() + 5, wanted.end(), [](unsigned char ch) { return std::isdigit(ch) != 0; })) {
    index = std::stoi(wanted.substr(5));
  }
  if (index < 0) {
    c.name = wanted;
    c.error = "device '" + wanted + "': not a device name (auto, cpu, cuda or cuda:N)";
    return c;
  }
  c.name = "cuda:" + std::to_string(index);
  if (!cuda) {
    c.error = fmt::format("device {}: no CUDA device was found (LibTorch {} reports CUDA unavailable: a CPU-only "
                          "build, or no GPU and driver); use device cpu or auto",
                          c.name, TORCH_VERSION);
    return c;
  }
  const int count = static_cast<int>(torch::cuda::device_count());
  if (index >= count) {
    c.error = fmt::format("device {}: no such CUDA device ({} found)", c.name, count);
    return c;
  }
  c.device = torch::Device(torch::kCUDA, static_cast<torch::DeviceIndex>(index));
  return c;
}

std::optional<Precision> parsePrecision(const std::string& name) {
  if (name == "fp32") return Precision::Fp32;
  if (name == "bf16") return Precision::Bf16;
  if (name == "fp16") return Precision::Fp16;
  return std::nullopt;
}

const char* toString(Precision p) {
  switch (p) {
    case Precision::Fp32: return "fp32";
    case Precision::Bf16: return "bf16";
    case Precision::Fp16: return "fp16";
  }
  return "fp32";
}

std::string precisionProblem(Precision p, const torch::Device& device) {
  if (p == Precision::Fp32 || device.is_cuda()) return {};
  return fmt::format("precision {} needs a CUDA device (this run is on {}); use fp32 on the CPU", toString(p),
                     device.str());
}

void configureDeviceForSpeed(const torch::Device& device) {
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
}

bool prefersChannelsLast(const torch::Device& device) { return device.is_cuda(); }

void toChannelsLast(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
}

torch::Tensor toDeviceInput(const torch::Tensor& t, const torch::Device& device, bool non_blocking) {
  if (!t.defined()) return t;
  torch::Tensor moved = t.device() == device ? t : t.to(device, non_blocking);
  if (prefersChannelsLast(device) && moved.dim() == 4) moved = moved.contiguous(at::MemoryFormat::ChannelsLast);
  return moved;
}

AutocastScope::AutocastScope(const torch::Device& device, Precision precision) {
  if (!device.is_cuda() || precision == Precision::Fp32) return;
  active_ = true;
  was_enabled_ = cudaAutocastEnabled();
  was_dtype_ = cudaAutocastDtype();
  setCudaAutocast(true, precision == Precision::Bf16 ? at::kBFloat16 : at::kHalf);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // The cast weights are cached while autocast is on; the outermost scope drops them.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  setCudaAutocast(was_enabled_, was_dtype_);
}

torch::Tensor GradScaler::scale(const torch::Tensor& loss) {
  unscaled_ = false;
  found_inf_ = false;
  return enabled_ ? loss * scale_value_ : loss;
}

void GradScaler::unscale(torch::optim::Optimizer& optimizer) {
  if (!enabled_ || unscaled_) return;
  unscaled_ = true;
  std::vector<torch::Tensor> finite;
  torch::NoGradGuard no_grad;
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      p.mutable_grad().mul_(1.0 / scale_value_);
      finite.push_back(torch::isfinite(p.grad()).all());
    }
  // One device-to-host copy for all parameters, not one per tensor.
  found_inf_ = !finite.empty() && !torch::stack(finite).all().item<bool>();
}

bool GradScaler::step(torch::optim::Optimizer& optimizer) {
  if (!enabled_) {
    optimizer.step();
    return true;
  }
  unscale(optimizer);
  if (found_inf_) return false;
  optimizer.step();
  return true;
}

void GradScaler::update() {
  if (!enabled_) return;
  if (found_inf_) {
    scale_value_ *= 0.5;
    growth_tracker_ = 0;
  } else if (++growth_tracker_ >= 2000) {
    scale_value_ *= 2.0;
    growth_tracker_ = 0;
  }
}

}  // namespace rgbdsod::models
