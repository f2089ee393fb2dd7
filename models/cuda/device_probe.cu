#include <cuda_runtime.h>

#include "rgbdsod/models/cuda_probe.h"

namespace rgbdsod::models {
namespace {

__global__ void fillIota(int* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = i;
}

}  // namespace

CudaProbe probeCuda() {
  CudaProbe probe;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    // cudaErrorInsufficientDriver (35) / cudaErrorNoDevice on machines without a GPU.
    probe.status = cudaGetErrorString(err);
    (void)cudaGetLastError();
    return probe;
  }
  probe.devices = count;
  if (count == 0) {
    probe.status = "no CUDA device";
    return probe;
  }
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  probe.first_name = prop.name;

  constexpr int n = 256;
  int* dev = nullptr;
  if (cudaMalloc(&dev, n * sizeof(int)) != cudaSuccess) {
    probe.status = "cudaMalloc failed";
    return probe;
  }
  fillIota<<<1, n>>>(dev, n);
  int host[n] = {};
  const cudaError_t copy = cudaMemcpy(host, dev, sizeof(host), cudaMemcpyDeviceToHost);
  cudaFree(dev);
  probe.status = (copy == cudaSuccess && host[n - 1] == n - 1) ? "ok" : "kernel check failed";
  return probe;
}

}  // namespace rgbdsod::models
