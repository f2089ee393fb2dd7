#include "rgbdsod/training/model_core.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>

#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>
#include <torch/nn/module.h>

#include "prediction_maps.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/spelling.h"
#include "rgbdsod/models/device.h"
#include "rgbdsod/models/runtime.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/checkpoint_files.h"
#include "rgbdsod/training/config.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/stage.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const InspectMap* InspectResult::find(const std::string& name) const {
  for (const auto& m : maps)
    if (m.name == name) return &m;
  return nullptr;
}

const char* toString(InspectStatus status) {
  switch (status) {
    case InspectStatus::Done: return "done";
    case InspectStatus::Failed: return "failed";
    case InspectStatus::Cancelled: return "cancelled";
    case InspectStatus::Superseded: return "superseded";
  }
  return "unknown";
}

namespace {

using models::chooseDevice;
using models::DeviceChoice;

// Building a network draws its initial weights from torch's CPU RNG; a loaded run must not
// change the process's random stream (a trainer or a test seeded it), so it is put back.
class CpuRngGuard {
 public:
  CpuRngGuard() : generator_(at::detail::getDefaultCPUGenerator()) {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    state_ = generator_.get_state();
  }
  ~CpuRngGuard() {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    generator_.set_state(state_);
  }
  CpuRngGuard(const CpuRngGuard&) = delete;
  CpuRngGuard& operator=(const CpuRngGuard&) = delete;

 private:
  at::Generator generator_;
  at::Tensor state_;
};

// A loaded run: replaced as a whole on reload, so that a request in flight keeps the old one.
struct LoadedRun {
  std::uint64_t serial = 0;  // unique per load: the key of its cached sample sources
  TrainConfig config;
  std::unique_ptr<Stage> stage;
  ModelDescription description;
  std::mutex forward;  // one forward pass at a time (the worker and inspectNow's callers)
};

void flattenKeys(const nlohmann::json& j, const std::string& key, std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) flattenKeys(v, key + "." + k, out);
  } else {
    out.emplace_back(key, j.is_string() ? j.get<std::string>() : j.dump());
  }
}

std::string valueAt(const TrainConfig& config, const std::string& key, const std::string& fallback) {
  const nlohmann::json* v = findKey(config.resolved, key);
  if (v == nullptr || v->is_null()) return fallback;
  return v->is_string() ? v->get<std::string>() : v->dump();
}

std::string messageOf(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

// The run's config, its network and the newest loadable checkpoint, on `device`. Corrupt newer
// checkpoints become warnings naming them; torch's RNG is left as it was.
std::shared_ptr<LoadedRun> buildRun(const fs::path& folder, const DeviceChoice& device) {
  if (!device.device) throw core::Error(device.error);
  auto run = std::make_shared<LoadedRun>();
  run->config = readRunConfig(folder);
  {
    const CpuRngGuard keep_rng;
    run->stage = makeStage(run->config, StageBuild::Architecture);
  }
  torch::nn::Module& model = run->stage->model();
  const auto files = listCheckpoints(folder);
  if (files.empty()) throw core::FileError(checkpointDir(folder), "no checkpoint (has this run been trained?)");
  std::vector<std::string> skipped;
  fs::path used;
  TrainState state;
  for (const auto& f : files) {
    try {
      state = loadTrainCheckpoint(f, model, nullptr, /*restore_rng=*/false);
      used = f;
      break;
    } catch (const core::FileError& e) {
      skipped.push_back(e.what());
    }
  }
  if (used.empty()) {
    std::string tried;
    for (const auto& s : skipped) tried += (tried.empty() ? "" : "; ") + s;
    throw core::FileError(checkpointDir(folder), "no checkpoint could be loaded: " + tried);
  }
  model.to(*device.device);
  model.eval();

  ModelDescription& d = run->description;
  d.run = folder;
  d.stage = run->config.stage;
  if (run->config.resolved.contains("model")) flattenKeys(run->config.resolved.at("model"), "model", d.keys);
  d.keys.emplace_back("data.depth", valueAt(run->config, "data.depth", core::toString(run->config.data.depth)));
  d.keys.emplace_back("data.size", std::to_string(run->config.data.size));
  d.keys.emplace_back("checkpoint", used.filename().string());
  d.checkpoint = used;
  d.step = state.step;
  d.device = device.name;
  d.input_size = run->config.data.size;
  const StageNeeds needs = run->stage->needs();
  d.takes_depth = needs.depth;
  d.predicts_saliency = needs.saliency;
  d.zero_shot = needs.saliency && !needs.depth;
  for (const auto& s : skipped) {
    d.warnings.push_back(s + "; using " + used.filename().string());
    spdlog::warn("{}", d.warnings.back());
  }
  return run;
}

void requireSaliency(const LoadedRun& run) {
  if (!run.description.predicts_saliency)
    throw core::Error("the run " + run.description.run.string() + " is a " + run.description.stage +
                      " run: pre-training predicts no saliency (train `downstream` on it)");
}

// The forward pass and the maps, under the run's forward lock.
void inspectInto(LoadedRun& run, const LoadedSample& sample, bool zero_shot, InspectResult& r) {
  requireSaliency(run);
  std::lock_guard<std::mutex> forward(run.forward);
  const auto start = Clock::now();
  r.maps = predictionMaps(*run.stage, sample, run.description.input_size, zero_shot);
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.original = sample.original;
  r.checkpoint_step = run.description.step;
  r.status = InspectStatus::Done;
}

struct Job {
  Ticket ticket = 0;
  InspectRequest request;
  InspectCallback done;
};

// A request dropped before it started: the worker calls its callback.
struct Notice {
  Ticket ticket = 0;
  RunId run = -1;
  std::string sample;
  InspectStatus status = InspectStatus::Cancelled;
  InspectCallback done;
};

void callSafely(const InspectCallback& done, const InspectResult& r) {
  if (!done) return;
  try {
    done(r);
  } catch (const std::exception& e) {
    spdlog::error("model core: the callback of request {} threw: {}", r.ticket, e.what());
  } catch (...) {
    spdlog::error("model core: the callback of request {} threw", r.ticket);
  }
}

}  // namespace

struct ModelCore::State {
  ModelCoreOptions options;
  DeviceChoice device;

  mutable std::mutex mutex;        // everything below
  std::condition_variable wake;    // the worker: work or stop
  std::condition_variable idle;    // waitIdle
  std::map<RunId, std::shared_ptr<LoadedRun>> runs;
  // (run serial, dataset folder, with depth) -> its samples as the run's config reads them.
  std::map<std::tuple<std::uint64_t, std::string, bool>, std::shared_ptr<const SampleSource>> sources;
  RunId next_run = 1;
  std::uint64_t next_serial = 1;
  Ticket next_ticket = 1;
  std::deque<Job> pending;  // oldest first; at most one per lane
  std::deque<Notice> notices;
  Ticket running = 0;            // the request whose outcome is not decided yet
  bool running_cancelled = false;
  bool busy = false;             // running a request or calling a callback
  bool stopping = false;
  ModelCoreStats stats;
  std::thread worker;
  std::thread::id worker_id;

  std::mutex build_mutex;  // one network built at a time (the RNG guard is process-wide)

  std::shared_ptr<LoadedRun> find(RunId id) const {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = runs.find(id);
    if (it == runs.end()) throw core::Error(fmt::format("no loaded run with id {}", id));
    return it->second;
  }

  void dropSourcesOf(std::uint64_t serial) {  // mutex held
    for (auto it = sources.begin(); it != sources.end();)
      it = std::get<0>(it->first) == serial ? sources.erase(it) : std::next(it);
  }

  bool current(std::uint64_t serial) const {  // mutex held
    return std::any_of(runs.begin(), runs.end(), [&](const auto& r) { return r.second->serial == serial; });
  }

  bool idleNow() const { return pending.empty() && notices.empty() && !busy; }  // mutex held

  // The sample named `name` of `dataset`, from the cached source (listed again once when the
  // name is not in it: the folder may have changed since).
  LoadedSample loadNamed(const LoadedRun& run, const fs::path& dataset, const std::string& name, bool with_depth) {
    const auto key = std::make_tuple(run.serial, dataset.lexically_normal().string(), with_depth);
    std::shared_ptr<const SampleSource> source;
    {
      std::lock_guard<std::mutex> lock(mutex);
      const auto it = sources.find(key);
      if (it != sources.end()) source = it->second;
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool fresh = !source;
      if (fresh) {
        source = std::make_shared<const SampleSource>(core::openDataset(dataset), std::vector<std::size_t>{},
                                                      run.config.data.depth, run.config.data.polarity, with_depth);
        std::lock_guard<std::mutex> lock(mutex);
        if (current(run.serial)) sources[key] = source;
      }
      // The source covers the whole dataset: its i-th sample is the dataset's i-th.
      if (const auto index = source->dataset().indexOf(name)) return source->load(*index);
      if (fresh) break;
      source.reset();
    }
    std::vector<std::string> names;
    for (const auto& f : source->dataset().samples) names.push_back(f.name);
    throw core::FileError(dataset, "no sample named '" + name + "'" + core::didYouMean(name, names));
  }

  InspectResult execute(const Job& job, const std::shared_ptr<LoadedRun>& run) {
    InspectResult r;
    r.ticket = job.ticket;
    r.run = job.request.run;
    r.sample = job.request.sample;
    try {
      if (!run) throw core::Error(fmt::format("no loaded run with id {} (was it unloaded?)", job.request.run));
      requireSaliency(*run);
      const bool zero_shot = job.request.zero_shot && run->description.zero_shot;
      const LoadedSample sample =
          loadNamed(*run, job.request.dataset, job.request.sample, run->description.takes_depth || zero_shot);
      inspectInto(*run, sample, zero_shot, r);
    } catch (const std::exception& e) {
      r.status = InspectStatus::Failed;
      r.error = messageOf(e);
      r.maps.clear();
    }
    return r;
  }

  void work() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      wake.wait(lock, [&] { return stopping || !pending.empty() || !notices.empty(); });
      if (!notices.empty()) {
        Notice n = std::move(notices.front());
        notices.pop_front();
        busy = true;
        lock.unlock();
        InspectResult r;
        r.ticket = n.ticket;
        r.run = n.run;
        r.sample = std::move(n.sample);
        r.status = n.status;
        callSafely(n.done, r);
        n.done = nullptr;  // whatever the callback holds goes now, outside the lock
        lock.lock();
        busy = false;
        idle.notify_all();
        continue;
      }
      if (!pending.empty()) {
        Job job = std::move(pending.back());  // the newest request first
        pending.pop_back();
        running = job.ticket;
        running_cancelled = false;
        busy = true;
        ++stats.run;
        const auto it = runs.find(job.request.run);
        const std::shared_ptr<LoadedRun> run = it == runs.end() ? nullptr : it->second;
        lock.unlock();
        InspectResult r = execute(job, run);
        lock.lock();
        if (running_cancelled) {
          r.status = InspectStatus::Cancelled;
          r.error.clear();
          r.maps.clear();
        }
        running = 0;
        lock.unlock();
        callSafely(job.done, r);
        job.done = nullptr;
        lock.lock();
        busy = false;
        idle.notify_all();
        continue;
      }
      if (stopping) break;
    }
  }
};

ModelCore::ModelCore(ModelCoreOptions options) : state_(std::make_shared<State>()) {
  state_->options = std::move(options);
  models::initRuntime(state_->options.threads);
  state_->device = chooseDevice(state_->options.device);
  // The worker holds the state too: were the core destroyed from one of its callbacks, the
  // worker is detached and finishes with the state alive.
  state_->worker = std::thread([state = state_] { state->work(); });
  state_->worker_id = state_->worker.get_id();
}

ModelCore::~ModelCore() {
  State& s = *state_;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.stopping = true;
    for (Job& j : s.pending) {
      s.notices.push_back(Notice{j.ticket, j.request.run, j.request.sample, InspectStatus::Cancelled, std::move(j.done)});
      ++s.stats.cancelled;
    }
    s.pending.clear();
  }
  s.wake.notify_all();
  if (std::this_thread::get_id() == s.worker_id) {
    s.worker.detach();
  } else if (s.worker.joinable()) {
    s.worker.join();
  }
}

RunId ModelCore::load(const fs::path& run) {
  State& s = *state_;
  std::shared_ptr<LoadedRun> loaded;
  {
    std::lock_guard<std::mutex> build(s.build_mutex);
    loaded = buildRun(run, s.device);
  }
  std::lock_guard<std::mutex> lock(s.mutex);
  loaded->serial = s.next_serial++;
  const RunId id = s.next_run++;
  s.runs[id] = std::move(loaded);
  return id;
}

void ModelCore::unload(RunId run) {
  State& s = *state_;
  std::shared_ptr<LoadedRun> gone;  // freed outside the lock (a request may still hold it)
  std::lock_guard<std::mutex> lock(s.mutex);
  const auto it = s.runs.find(run);
  if (it == s.runs.end()) return;
  gone = std::move(it->second);
  s.runs.erase(it);
  s.dropSourcesOf(gone->serial);
}

ModelDescription ModelCore::reload(RunId run) {
  State& s = *state_;
  const fs::path folder = s.find(run)->description.run;
  std::shared_ptr<LoadedRun> fresh;
  {
    std::lock_guard<std::mutex> build(s.build_mutex);
    fresh = buildRun(folder, s.device);
  }
  std::shared_ptr<LoadedRun> old;  // a running request keeps its own reference
  std::lock_guard<std::mutex> lock(s.mutex);
  const auto it = s.runs.find(run);
  if (it == s.runs.end()) throw core::Error(fmt::format("run {} ({}) was unloaded while reloading", run, folder.string()));
  fresh->serial = s.next_serial++;
  old = std::move(it->second);
  s.dropSourcesOf(old->serial);
  it->second = fresh;
  return fresh->description;
}

ModelDescription ModelCore::describe(RunId run) const { return state_->find(run)->description; }

std::vector<RunId> ModelCore::runs() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  std::vector<RunId> ids;
  for (const auto& [id, run] : state_->runs) ids.push_back(id);
  return ids;
}

std::string ModelCore::device() const { return state_->device.name; }

Ticket ModelCore::submit(InspectRequest request, InspectCallback done) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  const Ticket ticket = s.next_ticket++;
  ++s.stats.submitted;
  if (s.stopping) {  // submitted from a callback while the core goes away
    s.notices.push_back(Notice{ticket, request.run, request.sample, InspectStatus::Cancelled, std::move(done)});
    ++s.stats.cancelled;
  } else {
    for (auto it = s.pending.begin(); it != s.pending.end();) {
      if (it->request.lane != request.lane) {
        ++it;
        continue;
      }
      s.notices.push_back(
          Notice{it->ticket, it->request.run, it->request.sample, InspectStatus::Superseded, std::move(it->done)});
      ++s.stats.superseded;
      it = s.pending.erase(it);
    }
    s.pending.push_back(Job{ticket, std::move(request), std::move(done)});
  }
  s.wake.notify_one();
  return ticket;
}

void ModelCore::cancel(Ticket ticket) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (ticket != 0 && s.running == ticket) {
    if (!s.running_cancelled) ++s.stats.cancelled;
    s.running_cancelled = true;
    return;
  }
  for (auto it = s.pending.begin(); it != s.pending.end(); ++it) {
    if (it->ticket != ticket) continue;
    s.notices.push_back(Notice{it->ticket, it->request.run, it->request.sample, InspectStatus::Cancelled, std::move(it->done)});
    ++s.stats.cancelled;
    s.pending.erase(it);
    s.wake.notify_one();
    return;
  }
}

bool ModelCore::waitIdle(std::chrono::milliseconds timeout) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mutex);
  if (std::this_thread::get_id() == s.worker_id) return s.idleNow();  // from a callback: it cannot wait for itself
  return s.idle.wait_for(lock, timeout, [&] { return s.idleNow(); });
}

ModelCoreStats ModelCore::stats() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->stats;
}

InspectResult ModelCore::inspectNow(RunId run, const LoadedSample& sample, bool zero_shot) {
  const std::shared_ptr<LoadedRun> loaded = state_->find(run);
  InspectResult r;
  r.run = run;
  r.sample = sample.name;
  inspectInto(*loaded, sample, zero_shot && loaded->description.zero_shot, r);
  return r;
}

LoadedSample ModelCore::loadSample(RunId run, const fs::path& dataset, const std::string& sample) {
  const std::shared_ptr<LoadedRun> loaded = state_->find(run);
  // Depth too for an RGB-only saliency network, so that the sample can be fed to it zero-shot.
  return state_->loadNamed(*loaded, dataset, sample, loaded->description.takes_depth || loaded->description.zero_shot);
}

}  // namespace rgbdsod::training
