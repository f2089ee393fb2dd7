#include <cuda_runtime.h>

#include <algorithm>
#include <string>

#include "rgbdsod/models/cuda_probe.h"

namespace rgbdsod::models {
namespace {

__global__ void fillIota(int* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = i;
}

// x <- a * x + b, grid-stride, on memory of any origin (a torch tensor's storage).
__global__ void affine(float* x, long long n, float a, float b) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x)
    x[i] = a * x[i] + b;
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

std::string runProbeKernel(float* device_data, long long n, float a, float b, int device) {
  cudaError_t err = cudaSetDevice(device);
  if (err == cudaSuccess) {
    constexpr int threads = 256;
    const int blocks = static_cast<int>(std::min<long long>((n + threads - 1) / threads, 4096));
    affine<<<blocks, threads>>>(device_data, n, a, b);
    err = cudaGetLastError();
    // The caller reads the result through another runtime (LibTorch's): finish here.
    if (err == cudaSuccess) err = cudaDeviceSynchronize();
  }
  if (err == cudaSuccess) return {};
  (void)cudaGetLastError();
  return cudaGetErrorString(err);
}

}  // namespace rgbdsod::models
