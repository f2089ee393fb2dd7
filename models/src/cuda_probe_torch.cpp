// The own-kernel probe on a torch CUDA tensor (issue 16): proves that memory LibTorch allocated and
// a kernel of ours compiled by nvcc meet, which is what a custom op needs. Compiled only with
// RGBDSOD_WITH_CUDA; with a CPU-only LibTorch (Debian's) it reports why it was skipped.
#include <exception>
#include <string>

#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/torch.h>
#include <torch/version.h>

#include "rgbdsod/models/cuda_probe.h"

namespace rgbdsod::models {

std::string probeCudaOnTorchTensor() {
  if (!torch::cuda::is_available()) {
    return fmt::format("skipped: LibTorch {} reports no CUDA device (a CPU-only build, or no GPU)", TORCH_VERSION);
  }
  try {
    constexpr int64_t n = int64_t{1} << 20;  // exact in fp32 after 2x + 1 (below 2^24)
    const auto options = torch::TensorOptions().dtype(torch::kFloat).device(torch::kCUDA, 0);
    torch::Tensor x = torch::arange(n, options);
    const torch::Tensor expected = x * 2.0 + 1.0;
    // Our kernel runs on the legacy default stream of our runtime: let torch's work finish first.
    torch::cuda::synchronize(0);
    const std::string error = runProbeKernel(x.data_ptr<float>(), n, 2.0F, 1.0F, 0);
    if (!error.empty()) return "failed: " + error;
    if (!torch::equal(x, expected)) return "failed: the kernel's result differs from torch's";
    return fmt::format("ok ({} floats of a torch tensor on cuda:0)", n);
  } catch (const std::exception& e) {
    return std::string("failed: ") + e.what();
  }
}

}  // namespace rgbdsod::models
