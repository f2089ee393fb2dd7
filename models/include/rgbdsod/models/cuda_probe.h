#pragma once
// Compiled only with RGBDSOD_WITH_CUDA (RGBDSOD_HAVE_CUDA_PROBE is then defined).
#include <string>

namespace rgbdsod::models {

struct CudaProbe {
  int devices = 0;         // 0 when there is no usable GPU
  std::string status;      // "ok", or why no GPU is usable (e.g. driver missing)
  std::string first_name;  // name of device 0, when there is one
};

// Asks the CUDA runtime for devices and runs one tiny kernel on device 0 when present.
CudaProbe probeCuda();

}  // namespace rgbdsod::models
