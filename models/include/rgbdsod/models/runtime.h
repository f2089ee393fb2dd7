#pragma once
// The LibTorch runtime as the rest of the program sees it: thread count and devices.
// Torch-free header, so the CLI and the studio can report it without including LibTorch.
#include <string>

namespace rgbdsod::models {

struct RuntimeInfo {
  std::string torch_version;  // e.g. "1.13.1"
  int intra_op_threads = 0;   // after initRuntime
  bool cuda_available = false;
  int cuda_devices = 0;
};

// Sets LibTorch's intra-op thread count. Debian's LibTorch starts with ONE thread (c10 halves
// hardware_concurrency); full-width convolutions run 1.6-1.9x faster with both cores of a
// 2-core machine. threads <= 0 means "all cores". Call once at program start.
RuntimeInfo initRuntime(int threads = 0);

// The current state without changing it.
RuntimeInfo runtimeInfo();

}  // namespace rgbdsod::models
