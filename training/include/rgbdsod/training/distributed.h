#pragma once
// Multi-process data-parallel training over PyTorch's c10d (ProcessGroupGloo; the engine behind
// torch.distributed and DDP), launched by torchrun or SLURM. This header is c10d-free: the
// process group lives behind a pointer, so only distributed.cpp includes the c10d headers.
//
// The contract between the ranks (the trainer keeps it): every rank builds the same network from
// the same seed and config (rank 0's, shared through the store), rank 0's weights are broadcast
// once, each rank loads its shard of every global batch, gradients are averaged before the
// optimiser step, and so every rank holds the same model after every step. Rank 0 alone writes
// the run folder.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/types.h>

namespace rgbdsod::training {

// The launcher's description of this process: torchrun's RANK, LOCAL_RANK, WORLD_SIZE,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT, or SLURM's SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID
// (with MASTER_ADDR / MASTER_PORT exported by the job script).
struct DistEnv {
  int rank = 0;
  int world = 1;
  int local_rank = 0;
  int local_world = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string launcher = "none";  // "torchrun" (its variables), "slurm" or "none"
  // torchrun's elastic agent already serves the store at MASTER_ADDR:MASTER_PORT
  // (TORCHELASTIC_USE_AGENT_STORE=True): every rank is its client, under the key prefix of the
  // restart attempt (TORCHELASTIC_RESTART_COUNT), as torch.distributed's env:// does.
  bool agent_store = false;
  int restart = 0;
  bool distributed() const noexcept { return world > 1; }
};

// Reads the variables through `get` (getenv in the program, a table in tests). Throws core::Error
// naming the variable for a value that is not a number or out of range.
using EnvLookup = std::function<const char*(const char*)>;
DistEnv readDistEnv(const EnvLookup& get);
DistEnv readDistEnv();  // the process environment

// The ranks' process group. Every collective is a member so that a failure (a rank that died, a
// timeout) becomes one core::Error that says which rank saw it and what probably happened.
class ProcessGroup {
 public:
  // Rendezvous through a TCPStore at MASTER_ADDR:MASTER_PORT (rank 0 serves it), then Gloo's
  // full mesh. `timeout` bounds the rendezvous and every collective.
  static std::unique_ptr<ProcessGroup> connect(const DistEnv& env, std::chrono::milliseconds timeout);
  // The device the network trains on: for CUDA, in a build with NCCL (RGBDSOD_HAVE_NCCL), the
  // collectives on CUDA tensors go through NCCL from then on; CPU tensors stay with Gloo.
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const noexcept;
  int size() const noexcept;
  void useDevice(const torch::Device& device);
  std::string backend() const;  // "gloo" or "gloo+nccl"

  void allReduceSum(std::vector<torch::Tensor>& tensors, const char* what);  // in place, waits
  void broadcast(std::vector<torch::Tensor>& tensors, int root, const char* what);
  void barrier(const char* what);
  // Every rank's `rows` (the same shape on each) concatenated along dim 0 in rank order.
  torch::Tensor allGatherRows(const torch::Tensor& rows, const char* what);
  // A string published by one rank and read (waiting up to the timeout) by the others.
  void publish(const std::string& key, const std::string& value);
  std::string fetch(const std::string& key);

  // Asynchronous all-reduce for the gradient buckets: start() returns a handle, wait() completes it.
  struct Pending;
  std::shared_ptr<Pending> startAllReduceSum(torch::Tensor flat, const char* what);
  void wait(const std::shared_ptr<Pending>& pending);

 private:
  struct Impl;
  explicit ProcessGroup(std::unique_ptr<Impl> impl);
  [[noreturn]] void fail(const char* what, const std::exception& e) const;
  std::unique_ptr<Impl> impl_;
};

// Gradient averaging in buckets (DDP's scheme): parameters in reverse registration order (the
// order backward produces them), buckets of `bucket_bytes` (the first one small, so that
// communication starts early). With `overlap`, a hook on each parameter copies its gradient into
// its bucket and a full bucket's all-reduce starts during the backward pass, buckets in order on
// every rank; otherwise every bucket is reduced after backward. Either way finish() leaves each
// parameter's .grad the mean over the ranks.
class GradientAverager {
 public:
  GradientAverager(ProcessGroup& group, std::vector<torch::Tensor> params, bool overlap,
                   std::size_t bucket_bytes = std::size_t{25} << 20, std::size_t first_bucket_bytes = std::size_t{1} << 20);
  ~GradientAverager();
  GradientAverager(const GradientAverager&) = delete;
  GradientAverager& operator=(const GradientAverager&) = delete;

  void prepare();  // before backward
  void finish();   // after backward, before clipping and the optimiser step
  std::size_t buckets() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Rank 0's parameters and buffers to every rank (the network's start).
void broadcastModel(ProcessGroup& group, torch::nn::Module& model);
// BatchNorm running statistics averaged over the ranks (each rank normalises with its own
// shard's batch statistics, as DDP does without SyncBatchNorm); other buffers (MoCo's queue, a
// chosen channel) are left alone.
void averageNormStatistics(ProcessGroup& group, torch::nn::Module& model);

}  // namespace rgbdsod::training
