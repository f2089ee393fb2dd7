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

// The probe's own kernel (x <- a * x + b) on `n` floats of device memory that another runtime
// may have allocated, e.g. a torch CUDA tensor's storage; waits for it. Empty on success, else
// the CUDA error.
std::string runProbeKernel(float* device_data, long long n, float a, float b, int device);

// With a CUDA LibTorch and a GPU: runProbeKernel on a torch CUDA tensor, the result checked
// against torch's own arithmetic. "ok (...)", "skipped: ..." (no CUDA in LibTorch) or "failed: ...".
// In the models library (it needs LibTorch); declared here to keep this header torch-free.
std::string probeCudaOnTorchTensor();

}  // namespace rgbdsod::models
