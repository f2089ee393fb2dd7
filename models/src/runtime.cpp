#include "rgbdsod/models/runtime.h"

#include <algorithm>
#include <thread>

#include <torch/cuda.h>
#include <torch/types.h>
#include <torch/utils.h>
#include <torch/version.h>

namespace rgbdsod::models {

RuntimeInfo runtimeInfo() {
  RuntimeInfo info;
  info.torch_version = TORCH_VERSION;
  info.intra_op_threads = torch::get_num_threads();
  info.cuda_available = torch::cuda::is_available();
  info.cuda_devices = info.cuda_available ? static_cast<int>(torch::cuda::device_count()) : 0;
  return info;
}

RuntimeInfo initRuntime(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(threads);
  return runtimeInfo();
}

}  // namespace rgbdsod::models
