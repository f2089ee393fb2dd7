#include "rgbdsod/training/distributed.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <mutex>

#include <fmt/format.h>
#include <torch/autograd.h>

#include "rgbdsod/core/errors.h"

#if RGBDSOD_HAVE_GLOO
// ProcessGroupGloo.hpp declares its class only with USE_C10D_GLOO (torch's own build flag); the
// library carries it in every LibTorch built with Gloo (Debian's and the PyTorch wheels).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>
#if RGBDSOD_HAVE_NCCL
// A CUDA LibTorch built with NCCL (the PyTorch wheels): the GPUs' own collectives.
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#endif

namespace rgbdsod::training {

namespace {

// An integer variable, or `fallback` when unset; a set but bad value is an error naming it.
int intVariable(const EnvLookup& get, const char* name, int fallback, int min, int max) {
  const char* text = get(name);
  if (text == nullptr || *text == '\0') return fallback;
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
    throw core::Error(fmt::format("environment variable {}={}: expected an integer in [{}, {}]", name, text, min, max));
  return static_cast<int>(v);
}

// SLURM's tasks per node: SLURM_NTASKS_PER_NODE when given, else the first count of
// SLURM_STEP_TASKS_PER_NODE / SLURM_TASKS_PER_NODE ("2(x3),1").
int slurmTasksPerNode(const EnvLookup& get, int world) {
  for (const char* name : {"SLURM_NTASKS_PER_NODE", "SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE"}) {
    const char* text = get(name);
    if (text == nullptr || *text == '\0') continue;
    char* end = nullptr;
    const long v = std::strtol(text, &end, 10);
    if (end != text && v >= 1 && v <= world) return static_cast<int>(v);
  }
  return 1;
}

}  // namespace

DistEnv readDistEnv(const EnvLookup& get) {
  constexpr int kMaxRanks = 1 << 20;
  DistEnv env;
  const bool torchrun = get("WORLD_SIZE") != nullptr;
  const bool slurm = !torchrun && get("SLURM_PROCID") != nullptr && get("SLURM_NTASKS") != nullptr;
  if (torchrun) {
    env.launcher = "torchrun";
    env.world = intVariable(get, "WORLD_SIZE", 1, 1, kMaxRanks);
    env.rank = intVariable(get, "RANK", 0, 0, env.world - 1);
    env.local_world = intVariable(get, "LOCAL_WORLD_SIZE", 1, 1, env.world);
    env.local_rank = intVariable(get, "LOCAL_RANK", 0, 0, env.local_world - 1);
    const char* agent = get("TORCHELASTIC_USE_AGENT_STORE");
    env.agent_store = agent != nullptr && std::string(agent) == "True";
    env.restart = intVariable(get, "TORCHELASTIC_RESTART_COUNT", 0, 0, std::numeric_limits<int>::max());
  } else if (slurm) {
    env.world = intVariable(get, "SLURM_NTASKS", 1, 1, kMaxRanks);
    if (env.world == 1) return DistEnv{};
    env.launcher = "slurm";
    env.rank = intVariable(get, "SLURM_PROCID", 0, 0, env.world - 1);
    env.local_world = slurmTasksPerNode(get, env.world);
    env.local_rank = intVariable(get, "SLURM_LOCALID", 0, 0, env.local_world - 1);
    if (get("MASTER_ADDR") == nullptr)
      throw core::Error(fmt::format("SLURM_NTASKS={} but MASTER_ADDR is not set: export MASTER_ADDR (the first node "
                                    "of the job) and MASTER_PORT in the job script before srun, or unset "
                                    "SLURM_NTASKS to train in this one process",
                                    env.world));
  } else {
    return env;
  }
  if (const char* addr = get("MASTER_ADDR"); addr != nullptr && *addr != '\0') env.master_addr = addr;
  env.master_port = intVariable(get, "MASTER_PORT", env.master_port, 1, 65535);
  return env;
}

DistEnv readDistEnv() {
  return readDistEnv([](const char* name) { return std::getenv(name); });
}

#if RGBDSOD_HAVE_GLOO

// LibTorch 2.0 made Gloo and NCCL "backends" of a ProcessGroup; in 1.13 each is a ProcessGroup.
// Their collectives have the same signatures in both.
#if TORCH_VERSION_MAJOR >= 2
using CollectiveBackend = c10d::Backend;
#else
using CollectiveBackend = c10d::ProcessGroup;
#endif

struct ProcessGroup::Impl {
  DistEnv env;
  std::chrono::milliseconds timeout{};
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<CollectiveBackend> gloo;  // every collective on CPU tensors
  c10::intrusive_ptr<CollectiveBackend> nccl;  // those on CUDA tensors, once useDevice() made it
  CollectiveBackend& on(const torch::Tensor& t) { return t.is_cuda() && nccl ? *nccl : *gloo; }
};

struct ProcessGroup::Pending {
  c10::intrusive_ptr<c10d::Work> work;
  std::vector<torch::Tensor> tensors;  // kept alive until the reduction ends
  const char* what = "";
};

namespace {

bool loopback(const std::string& addr) { return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1"; }

}  // namespace

std::unique_ptr<ProcessGroup> ProcessGroup::connect(const DistEnv& env, std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  impl->env = env;
  impl->timeout = timeout;
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(env.master_port);
    so.isServer = env.rank == 0 && !env.agent_store;
    so.numWorkers = static_cast<std::size_t>(env.world);
    so.waitWorkers = true;
    so.timeout = timeout;
    so.multiTenant = !env.agent_store;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
    if (env.agent_store)
      impl->store = c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(env.restart), tcp);
    else
      impl->store = tcp;
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    // GLOO_SOCKET_IFNAME picks the network interface, as in torch.distributed; on one machine the
    // loopback device; otherwise the address this host's name resolves to.
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr && *ifname != '\0')
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (loopback(env.master_addr))
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    impl->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, env.rank, env.world, options);
  } catch (const std::exception& e) {
    throw core::Error(fmt::format("rank {} of {}: could not join the process group at {}:{} within {} s: {} (are all "
                                  "{} ranks started, with the same MASTER_ADDR and MASTER_PORT?)",
                                  env.rank, env.world, env.master_addr, env.master_port,
                                  std::chrono::duration_cast<std::chrono::seconds>(timeout).count(), e.what(),
                                  env.world));
  }
  return std::unique_ptr<ProcessGroup>(new ProcessGroup(std::move(impl)));
}

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProcessGroup::~ProcessGroup() = default;
int ProcessGroup::rank() const noexcept { return impl_->env.rank; }
int ProcessGroup::size() const noexcept { return impl_->env.world; }
std::string ProcessGroup::backend() const { return impl_->nccl ? "gloo+nccl" : "gloo"; }

void ProcessGroup::useDevice(const torch::Device& device) {
#if RGBDSOD_HAVE_NCCL
  if (!device.is_cuda() || impl_->nccl) return;
  try {
    c10::cuda::set_device(device.index());
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = impl_->timeout;
    // Its own key space in the store, as torch.distributed gives each backend.
    auto store = c10::make_intrusive<c10d::PrefixStore>("nccl/", impl_->store);
    impl_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank(), size(), options);
  } catch (const std::exception& e) {
    fail("starting NCCL", e);
  }
#else
  (void)device;  // Gloo reduces CUDA tensors too, through host memory
#endif
}

void ProcessGroup::fail(const char* what, const std::exception& e) const {
  // c10d's text is long and internal; the first line says what the transport saw.
  std::string detail = e.what();
  if (const auto nl = detail.find('\n'); nl != std::string::npos) detail.resize(nl);
  throw core::Error(fmt::format("rank {} of {}: {} failed: {}. Another rank has probably died or was stopped (see its "
                                "output), or the network between them failed; collectives time out after {} s",
                                rank(), size(), what, detail,
                                std::chrono::duration_cast<std::chrono::seconds>(impl_->timeout).count()));
}

void ProcessGroup::allReduceSum(std::vector<torch::Tensor>& tensors, const char* what) {
  for (auto& t : tensors) wait(startAllReduceSum(t, what));
}

std::shared_ptr<ProcessGroup::Pending> ProcessGroup::startAllReduceSum(torch::Tensor flat, const char* what) {
  auto pending = std::make_shared<Pending>();
  pending->tensors = {std::move(flat)};
  pending->what = what;
  try {
    pending->work = impl_->on(pending->tensors.front()).allreduce(pending->tensors);
  } catch (const std::exception& e) {
    fail(what, e);
  }
  return pending;
}

void ProcessGroup::wait(const std::shared_ptr<Pending>& pending) {
  try {
    pending->work->wait(impl_->timeout);
  } catch (const std::exception& e) {
    fail(pending->what, e);
  }
}

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors, int root, const char* what) {
  c10d::BroadcastOptions options;
  options.rootRank = root;
  try {
    for (auto& t : tensors) {
      std::vector<torch::Tensor> one{t};
      impl_->on(t).broadcast(one, options)->wait(impl_->timeout);
    }
  } catch (const std::exception& e) {
    fail(what, e);
  }
}

torch::Tensor ProcessGroup::allGatherRows(const torch::Tensor& rows, const char* what) {
  std::vector<torch::Tensor> input{rows.detach().contiguous()};
  std::vector<std::vector<torch::Tensor>> output(1);
  for (int r = 0; r < size(); ++r) output[0].push_back(torch::empty_like(input[0]));
  try {
    impl_->on(input.front()).allgather(output, input)->wait(impl_->timeout);
  } catch (const std::exception& e) {
    fail(what, e);
  }
  return torch::cat(output[0], 0);
}

void ProcessGroup::barrier(const char* what) {
  try {
    impl_->gloo->barrier()->wait(impl_->timeout);
  } catch (const std::exception& e) {
    fail(what, e);
  }
}

void ProcessGroup::publish(const std::string& key, const std::string& value) {
  try {
    impl_->store->set("rgbdsod/" + key, std::vector<std::uint8_t>(value.begin(), value.end()));
  } catch (const std::exception& e) {
    fail("publishing to the store", e);
  }
}

std::string ProcessGroup::fetch(const std::string& key) {
  try {
    const std::vector<std::uint8_t> bytes = impl_->store->get("rgbdsod/" + key);
    return {bytes.begin(), bytes.end()};
  } catch (const std::exception& e) {
    fail(("waiting for rank 0's " + key).c_str(), e);
  }
}

#else  // a LibTorch without the Gloo headers: single-process training only

struct ProcessGroup::Impl {};
struct ProcessGroup::Pending {};

std::unique_ptr<ProcessGroup> ProcessGroup::connect(const DistEnv& env, std::chrono::milliseconds) {
  throw core::Error(fmt::format("WORLD_SIZE={}: this build has no c10d Gloo (configure with the gloo headers, "
                                "Debian: libgloo-dev) and trains in one process only",
                                env.world));
}
ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProcessGroup::~ProcessGroup() = default;
int ProcessGroup::rank() const noexcept { return 0; }
int ProcessGroup::size() const noexcept { return 1; }
std::string ProcessGroup::backend() const { return "none"; }
void ProcessGroup::useDevice(const torch::Device&) {}
void ProcessGroup::fail(const char* what, const std::exception& e) const {
  throw core::Error(std::string(what) + ": " + e.what());
}
void ProcessGroup::allReduceSum(std::vector<torch::Tensor>&, const char*) {}
std::shared_ptr<ProcessGroup::Pending> ProcessGroup::startAllReduceSum(torch::Tensor, const char*) { return {}; }
void ProcessGroup::wait(const std::shared_ptr<Pending>&) {}
void ProcessGroup::broadcast(std::vector<torch::Tensor>&, int, const char*) {}
void ProcessGroup::barrier(const char*) {}
torch::Tensor ProcessGroup::allGatherRows(const torch::Tensor& rows, const char*) { return rows; }
void ProcessGroup::publish(const std::string&, const std::string&) {}
std::string ProcessGroup::fetch(const std::string& key) { throw core::Error("no process group: " + key); }

#endif

}  // namespace rgbdsod::training
