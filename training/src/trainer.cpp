// The training loop behind runTraining: run folder, data, stage, optimiser, schedule, metrics,
// validation, checkpoints, resume, stop and non-finite losses.
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <limits>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/autograd.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/models/device.h"
#include "rgbdsod/models/runtime.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/training/optimisation.h"
#include "rgbdsod/training/predict.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/run_lock.h"
#include "rgbdsod/training/distributed.h"
#include "rank_context.h"
#include "run_start.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

TrainProgress event(const std::string& stage, std::int64_t step, std::int64_t total, std::int64_t epoch) {
  TrainProgress p;
  p.stage = stage;
  p.step = step;
  p.total_steps = total;
  p.epoch = epoch;
  return p;
}

nlohmann::json validationJson(const core::DatasetMetrics& m) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {{"images", m.images}, {"mae", num(m.mae)}, {"max_fm", num(m.max_fmeasure)}, {"sm", num(m.smeasure)},
          {"mean_fm", num(m.mean_fmeasure)}, {"wfm", num(m.weighted_fmeasure)}};
}

// A run folder that this call creates is removed again when the run cannot start (a bad referenced
// run, unreadable data): no half-made run is left behind to be mistaken for one.
class NewFolderGuard {
 public:
  explicit NewFolderGuard(const fs::path& folder) : folder_(folder), created_(!fs::exists(folder)) {}
  ~NewFolderGuard() {
    if (!created_ || kept_) return;
    std::error_code ec;
    fs::remove_all(folder_, ec);
  }
  NewFolderGuard(const NewFolderGuard&) = delete;
  NewFolderGuard& operator=(const NewFolderGuard&) = delete;
  void keep() { kept_ = true; }

 private:
  fs::path folder_;
  bool created_;
  bool kept_ = false;
};


double unixSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The device and arithmetic of a run (run.device, run.precision); under a launcher "auto" and
// "cuda" mean the rank's LOCAL_RANK GPU. Refused before the run folder is touched.
struct Placement {
  torch::Device device = torch::kCPU;
  models::Precision precision = models::Precision::Fp32;
};

Placement choosePlacement(const TrainConfig& config, const DistEnv& env) {
  std::string wanted = config.run.device;
  if (env.distributed() && (wanted == "cuda" || (wanted == "auto" && torch::cuda::is_available())))
    wanted = "cuda:" + std::to_string(env.local_rank);
  const models::DeviceChoice choice = models::chooseDevice(wanted);
  if (!choice.device) throw ConfigError("run.device", "the run's config", choice.error);
  Placement p;
  p.device = *choice.device;
  p.precision = models::parsePrecision(config.run.precision).value_or(models::Precision::Fp32);
  if (const std::string problem = models::precisionProblem(p.precision, p.device); !problem.empty())
    throw ConfigError("run.precision", "the run's config", problem);
  return p;
}

void moveBatch(Batch& b, const torch::Device& device) {
  const bool async = device.is_cuda();
  for (torch::Tensor* t : {&b.rgb, &b.depth, &b.gt, &b.rgb2, &b.depth2}) *t = models::toDeviceInput(*t, device, async);
}

// Intra-op threads: run.threads, or the cores shared by this machine's ranks (two ranks on two
// cores each take one: more threads than cores make both wait on each other).
void setThreads(const TrainConfig& config, const DistEnv& env) {
  if (config.run.threads > 0) {
    models::initRuntime(config.run.threads);
  } else if (env.local_world > 1) {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    models::initRuntime(std::max(1, cores / env.local_world));
  }
}

// The loop itself; runTraining around it holds the folder's lock and keeps status.json. `status`
// gets the stage and totals as soon as they are known; `started` turns true once the folder holds a
// run (from then on a failure is recorded in status.json). Every rank runs it; rank 0 alone writes.
TrainResult trainInFolder(const TrainRequest& req, const TrainProgressFn& progress, const core::CancelToken& cancel,
                          RankContext& ranks, NewFolderGuard* new_folder, RunStatus& status, bool& started) {
  const RunPaths paths{req.run};
  const bool writer = ranks.writes();
  // Rank 0 decides (and writes) the config and whether a checkpoint exists; the others take its
  // decision, so that they never read a folder that rank 0 is still making.
  RunStart start;
  const std::string shared = ranks.fromRankZero("start", [&] {
    start = decideRunStart(req);
    return nlohmann::json{{"config", start.config.resolved}, {"from_checkpoint", start.from_checkpoint}}.dump();
  });
  if (!writer) {
    const auto j = nlohmann::json::parse(shared);
    start.config = configFromResolved(j.at("config"), "rank 0's config");
    start.from_checkpoint = j.at("from_checkpoint").get<bool>();
    if (start.from_checkpoint) start.config.debug = DebugConfig{};
  }
  const TrainConfig& config = start.config;
  const bool resuming = start.from_checkpoint;
  status.stage = config.stage;
  status.steps = config.run.steps;
  const Placement placement = choosePlacement(config, ranks.env());
  if (ranks.distributed()) ranks.group().useDevice(placement.device);
  LineWriter log(writer ? paths.log() : fs::path());
  setThreads(config, ranks.env());
  models::configureDeviceForSpeed(placement.device);
  logLine(log, fmt::format("{} stage {} in {} (data {}, {}, {}{})", resuming ? "resuming" : "starting", config.stage,
                           req.run.string(), req.data.string(), placement.device.str(),
                           models::toString(placement.precision),
                           ranks.distributed()
                               ? fmt::format(", {} ranks over {}", ranks.env().world, ranks.group().backend())
                               : std::string()));

  core::Dataset dataset = core::openDataset(trainingDatasetFolder(req.data));
  torch::manual_seed(config.seed);  // initial weights
  const auto stage = makeStage(config, resuming ? StageBuild::Architecture : StageBuild::Fresh);
  const StageNeeds needs = stage->needs();
  if (needs.gt && !dataset.labeled())
    throw core::FileError(dataset.root, "stage " + config.stage + " needs GT masks (no GT folder)");
  // Held-out samples are only useful when there is something to score them with.
  const bool validating = config.val.every > 0 && needs.saliency && dataset.labeled();
  auto [train_idx, val_idx] = splitForValidation(dataset.size(), validating ? config.val.fraction : 0.0);
  auto source = std::make_shared<SampleSource>(dataset, train_idx, config.data.depth, config.data.polarity, needs.depth);
  std::shared_ptr<SampleSource> val_source;
  if (!val_idx.empty() && writer)
    val_source = std::make_shared<SampleSource>(dataset, val_idx, config.data.depth, config.data.polarity, needs.depth);
  stage->model().to(placement.device);
  if (models::prefersChannelsLast(placement.device)) models::toChannelsLast(stage->model());
  OptimizerSetup opt = makeOptimizer(config.optim, stage->parameterGroups());

  TrainResult result;
  TrainState state{0, {}, config.seed, config.stage};
  if (resuming) {
    // Rank 0 picks the newest checkpoint that loads (moving broken ones aside); the others load
    // the same file, from the run folder that every rank must see.
    const std::string file = ranks.fromRankZero("checkpoint", [&] {
      const RestoredCheckpoint restored = restoreNewestCheckpoint(req.run, stage->model(), opt.optimizer.get());
      for (std::size_t i = 0; i < restored.skipped.size(); ++i) {
        // Moved aside so that it is neither retried nor counted as one of the kept checkpoints.
        std::error_code ec;
        fs::rename(restored.skipped[i], restored.skipped[i].string() + ".corrupt", ec);
        result.warnings.push_back(restored.warnings[i]);
        logLine(log, "warning: " + restored.warnings[i]);
        if (progress) {
          TrainProgress p = event(config.stage, 0, config.run.steps, 0);
          p.message = "warning: " + restored.warnings[i];
          progress(p);
        }
      }
      state = restored.state;
      return restored.file.string();
    });
    if (!writer) state = loadTrainCheckpoint(file, stage->model(), opt.optimizer.get());
    if (writer) {
      result.checkpoint = file;
      truncateMetricsAfter(paths.metrics(), state.step);
    }
    logLine(log, fmt::format("resumed from {} at step {} (epoch {}, sample {})", fs::path(file).filename().string(),
                             state.step, state.data.epoch, state.data.index));
  }
  std::unique_ptr<GradientAverager> averager;
  if (ranks.distributed()) {
    broadcastModel(ranks.group(), stage->model());  // as DDP: every rank starts from rank 0's weights
    std::vector<torch::Tensor> params;
    for (auto& g : opt.optimizer->param_groups())
      for (auto& p : g.params()) params.push_back(p);
    averager = std::make_unique<GradientAverager>(ranks.group(), params, req.dist_overlap);
    stage->setBatchGather([&ranks](const torch::Tensor& rows) {
      return ranks.group().allGatherRows(rows, "gathering the batch's keys");
    });
  }
  LineWriter metrics(writer ? paths.metrics() : fs::path());

  LoaderOptions lo;
  lo.batch_size = config.data.batch_size;
  lo.size = config.data.size;
  lo.workers = config.data.workers;
  lo.prefetch = config.data.prefetch;
  lo.seed = config.seed;
  lo.augment = config.data.augment;
  lo.two_views = needs.two_views;
  lo.shard = ranks.env().rank;
  lo.shards = ranks.env().world;
  lo.pin_memory = placement.device.is_cuda();
  BatchLoader loader(source, lo, state.data);
  models::GradScaler scaler(placement.precision == models::Precision::Fp16);

  const std::int64_t steps = config.run.steps;
  std::int64_t saved_step = resuming ? state.step : -1;
  auto checkpoint = [&] {
    saved_step = state.step;
    if (!writer) return;
    const fs::path file = checkpointPath(req.run, state.step);
    saveTrainCheckpoint(file, stage->model(), opt.optimizer.get(), state);
    pruneCheckpoints(req.run, config.run.keep_checkpoints);
    result.checkpoint = file;
    logLine(log, "checkpoint " + file.filename().string());
  };
  auto runValidation = [&] {
    if (!val_source) return;
    stage->calibrate(val_source.get(), config.data.size, static_cast<std::size_t>(config.val.max_images));
    const core::DatasetMetrics m = validate(*stage, *val_source, config.data.size,
                                            static_cast<std::size_t>(config.val.max_images));
    const nlohmann::json v = validationJson(m);
    metrics.write(nlohmann::json{{"step", state.step}, {"time", unixSeconds()}, {"val", v}}.dump());
    logLine(log, fmt::format("step {} validation: {}", state.step, v.dump()));
    if (progress) {
      TrainProgress p = event(config.stage, state.step, steps, state.data.epoch);
      p.validation = {{"mae", m.mae}, {"max_fm", m.max_fmeasure}, {"sm", m.smeasure}};
      p.message = "validation";
      progress(p);
    }
  };

  if (new_folder) new_folder->keep();  // from here on the folder holds a run that can be resumed or inspected
  status.state = "running";
  status.step = state.step;
  status.message = resuming ? "resumed" : "started";
  if (writer) writeRunStatus(req.run, status);
  started = true;
  const auto t0 = Clock::now();
  const std::int64_t first_step = state.step;
  auto window_start = Clock::now();
  std::int64_t window_samples = 0;
  bool stop = cancel.cancelled();
  while (state.step < steps && !stop) {
    if (!ranks.distributed() && cancel.cancelled()) break;  // one process: before loading the next batch
    Batch batch;
    try {
      batch = loader.next();
    } catch (const core::Error& e) {
      // Bad data (a corrupt or missing file): keep the steps done so far, then report the file.
      logLine(log, std::string("error: ") + e.what());
      if (saved_step != state.step) checkpoint();
      throw;
    }
    moveBatch(batch, placement.device);
    stage->model().train();
    const double lr = applySchedule(opt, config.optim, state.step, steps);
    stage->beforeStep();
    LossTerms terms;
    {
      const models::AutocastScope autocast(placement.device, placement.precision);
      terms = stage->loss(batch);
    }
    if (config.debug.nan_at_step == state.step + 1)
      terms.total = terms.total * std::numeric_limits<double>::quiet_NaN();  // test hook
    double loss = terms.total.item<double>();
    std::map<std::string, double> term_values;
    for (const auto& [name, t] : terms.terms) term_values[name] = t.item<double>();
    stop = cancel.cancelled();
    ranks.reduceStep(loss, term_values, stop);  // the global batch's loss, and one decision for all ranks
    if (!std::isfinite(loss)) {
      result.outcome = TrainOutcome::NonFiniteLoss;
      result.step = state.step;
      result.message = fmt::format("the loss became {} at step {}; stopped without saving. The last good checkpoint "
                                   "is {} (lower optim.lr or set optim.clip_norm, then --resume)",
                                   loss, state.step + 1,
                                   result.checkpoint.empty() ? std::string("none") : result.checkpoint.string());
      logLine(log, "error: " + result.message);
      return result;
    }
    opt.optimizer->zero_grad();
    if (averager) averager->prepare();
    scaler.scale(terms.total).backward();
    if (averager) averager->finish();
    scaler.unscale(*opt.optimizer);
    clipGradients(*opt.optimizer, config.optim.clip_norm);
    scaler.step(*opt.optimizer);
    scaler.update();
    if (ranks.distributed()) averageNormStatistics(ranks.group(), stage->model());
    stage->afterStep();
    ++state.step;
    state.data = batch.end;
    status.step = state.step;  // a failure's record says where it happened
    window_samples += static_cast<std::int64_t>(batch.names.size()) * ranks.env().world;

    TrainProgress p = event(config.stage, state.step, steps, batch.start.epoch);
    p.loss = loss;
    p.lr = lr;
    p.terms = term_values;
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    p.eta_seconds = elapsed / static_cast<double>(state.step - first_step) * static_cast<double>(steps - state.step);
    if (state.step % config.run.log_every == 0 || state.step == steps) {
      const double window = std::chrono::duration<double>(Clock::now() - window_start).count();
      p.samples_per_second = window > 0 ? static_cast<double>(window_samples) / window : 0.0;
      nlohmann::json line{{"step", state.step}, {"time", unixSeconds()}, {"epoch", batch.start.epoch},
                          {"loss", loss}, {"lr", lr}, {"samples_per_s", p.samples_per_second}};
      for (const auto& [name, v] : p.terms) line["terms"][name] = v;
      metrics.write(line.dump());
      window_start = Clock::now();
      window_samples = 0;
    }
    if (progress && writer) progress(p);
    if (config.val.every > 0 && (state.step % config.val.every == 0 || state.step == steps)) runValidation();
    if (state.step == steps && !val_source && writer)
      stage->calibrate(nullptr, config.data.size, static_cast<std::size_t>(config.val.max_images));
    if (state.step % config.run.checkpoint_every == 0 || state.step == steps) checkpoint();
    if (config.debug.sigkill_at_step == state.step) {
      logLine(log, fmt::format("debug.sigkill_at_step: killing the process after step {}", state.step));
      std::raise(SIGKILL);  // test hook: a crash without any clean-up
    }
  }
  if (state.step < steps) {
    if (saved_step != state.step) checkpoint();
    result.outcome = TrainOutcome::Stopped;
    result.message = fmt::format("stopped at step {} of {}; continue with --resume", state.step, steps);
  } else {
    if (saved_step != state.step) checkpoint();
    result.outcome = TrainOutcome::Finished;
    result.message = fmt::format("finished {} steps", steps);
  }
  result.step = state.step;
  logLine(log, result.message);
  return result;
}

}  // namespace

TrainResult runTraining(const TrainRequest& req, const TrainProgressFn& progress, const core::CancelToken& cancel) {
  RankContext ranks = RankContext::fromEnvironment(req.dist_timeout_seconds);
  if (!ranks.writes()) {
    // Only rank 0 makes, locks and records the run folder.
    RunStatus ignored;
    bool started = false;
    return trainInFolder(req, progress, cancel, ranks, nullptr, ignored, started);
  }
  NewFolderGuard new_folder(req.run);
  const RunLock lock(req.run);  // before anything is read or written: one job per folder
  if (const std::size_t n = removeStaleTemporaries(req.run); n > 0)
    spdlog::info("removed {} temporary file(s) that a killed writer left in {}", n, req.run.string());
  RunStatus status;
  status.data = req.data.string();
  bool started = false;
  try {
    TrainResult result = trainInFolder(req, progress, cancel, ranks, &new_folder, status, started);
    status.state = result.outcome == TrainOutcome::Finished  ? "finished"
                   : result.outcome == TrainOutcome::Stopped ? "stopped"
                                                             : "non-finite";
    status.step = result.step;
    status.message = result.message;
    writeRunStatus(req.run, status);
    return result;
  } catch (const std::exception& e) {
    if (started) {
      status.state = "failed";
      status.message = e.what();
      try {
        writeRunStatus(req.run, status);
      } catch (const std::exception&) {
        // The disk that failed the run may refuse this too; the exception below says what happened.
      }
    }
    throw;
  }
}

}  // namespace rgbdsod::training
