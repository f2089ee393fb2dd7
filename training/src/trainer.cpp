// The training loop behind runTraining: run folder, data, stage, optimiser, schedule, metrics,
// validation, checkpoints, resume, stop and non-finite losses.
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <limits>

#include <fmt/format.h>
#include <torch/autograd.h>
#include <torch/utils.h>

#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/models/runtime.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/training/optimisation.h"
#include "rgbdsod/training/predict.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/run_lock.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

TrainConfig loadRunConfig(const TrainRequest& req, const RunPaths& paths) {
  if (!req.resume) {
    TrainConfig config = resolveConfig(req.stage, req.config_file, req.overrides);
    if (!listCheckpoints(req.run).empty())
      throw core::FileError(req.run, "already holds checkpoints: use --resume to continue it, or another --out");
    fs::create_directories(req.run);
    core::writeFileAtomic(paths.config(), config.resolved.dump(2) + "\n");
    return config;
  }
  std::ifstream in(paths.config());
  if (!in) throw core::FileError(paths.config(), "cannot open: nothing to resume (start without --resume)");
  nlohmann::json resolved;
  try {
    resolved = nlohmann::json::parse(core::readJsonFile(paths.config()));
  } catch (const nlohmann::json::exception& e) {
    throw core::FileError(paths.config(), std::string("not valid JSON: ") + e.what());
  }
  TrainConfig config = configFromResolved(resolved, paths.config().string());
  if (!req.stage.empty() && req.stage != config.stage)
    throw ConfigError("stage", "--stage", "the run was trained as '" + config.stage + "', not '" + req.stage + "'");
  // A resumed run keeps its configuration: anything else would not continue "exactly".
  if (!req.config_file.empty() || !req.overrides.empty())
    throw core::Error("--config and --set cannot change a run on --resume (its config.json is used)");
  config.debug = DebugConfig{};  // fault injection belongs to the process that asked for it
  return config;
}

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

// The loop itself; runTraining around it holds the folder's lock and keeps status.json. `status`
// gets the stage and totals as soon as they are known; `started` turns true once the folder holds a
// run (from then on a failure is recorded in status.json).
TrainResult trainInFolder(const TrainRequest& req, const TrainProgressFn& progress, const core::CancelToken& cancel,
                          NewFolderGuard& new_folder, RunStatus& status, bool& started) {
  const RunPaths paths{req.run};
  const TrainConfig config = loadRunConfig(req, paths);
  status.stage = config.stage;
  status.steps = config.run.steps;
  LineWriter log(paths.log());
  if (config.run.threads > 0) models::initRuntime(config.run.threads);
  logLine(log, fmt::format("{} stage {} in {} (data {})", req.resume ? "resuming" : "starting", config.stage,
                           req.run.string(), req.data.string()));

  core::Dataset dataset = core::openDataset(trainingDatasetFolder(req.data));
  torch::manual_seed(config.seed);  // initial weights
  const auto stage = makeStage(config, req.resume ? StageBuild::Architecture : StageBuild::Fresh);
  const StageNeeds needs = stage->needs();
  if (needs.gt && !dataset.labeled())
    throw core::FileError(dataset.root, "stage " + config.stage + " needs GT masks (no GT folder)");
  // Held-out samples are only useful when there is something to score them with.
  const bool validating = config.val.every > 0 && needs.saliency && dataset.labeled();
  auto [train_idx, val_idx] = splitForValidation(dataset.size(), validating ? config.val.fraction : 0.0);
  auto source = std::make_shared<SampleSource>(dataset, train_idx, config.data.depth, config.data.polarity, needs.depth);
  std::shared_ptr<SampleSource> val_source;
  if (!val_idx.empty())
    val_source = std::make_shared<SampleSource>(dataset, val_idx, config.data.depth, config.data.polarity, needs.depth);
  OptimizerSetup opt = makeOptimizer(config.optim, stage->parameterGroups());

  TrainResult result;
  TrainState state{0, {}, config.seed, config.stage};
  if (req.resume) {
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
    result.checkpoint = restored.file;
    truncateMetricsAfter(paths.metrics(), state.step);
    logLine(log, fmt::format("resumed from {} at step {} (epoch {}, sample {})", restored.file.filename().string(),
                             state.step, state.data.epoch, state.data.index));
  }
  LineWriter metrics(paths.metrics());

  LoaderOptions lo;
  lo.batch_size = config.data.batch_size;
  lo.size = config.data.size;
  lo.workers = config.data.workers;
  lo.prefetch = config.data.prefetch;
  lo.seed = config.seed;
  lo.augment = config.data.augment;
  lo.two_views = needs.two_views;
  BatchLoader loader(source, lo, state.data);

  const std::int64_t steps = config.run.steps;
  std::int64_t saved_step = req.resume ? state.step : -1;
  auto checkpoint = [&] {
    const fs::path file = checkpointPath(req.run, state.step);
    saveTrainCheckpoint(file, stage->model(), opt.optimizer.get(), state);
    pruneCheckpoints(req.run, config.run.keep_checkpoints);
    saved_step = state.step;
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

  new_folder.keep();  // from here on the run folder holds a run that can be resumed or inspected
  status.state = "running";
  status.step = state.step;
  status.message = req.resume ? "resumed" : "started";
  writeRunStatus(req.run, status);
  started = true;
  const auto t0 = Clock::now();
  const std::int64_t first_step = state.step;
  auto window_start = Clock::now();
  std::int64_t window_samples = 0;
  while (state.step < steps) {
    if (cancel.cancelled()) break;
    Batch batch;
    try {
      batch = loader.next();
    } catch (const core::Error& e) {
      // Bad data (a corrupt or missing file): keep the steps done so far, then report the file.
      logLine(log, std::string("error: ") + e.what());
      if (saved_step != state.step) checkpoint();
      throw;
    }
    stage->model().train();
    const double lr = applySchedule(opt, config.optim, state.step, steps);
    stage->beforeStep();
    LossTerms terms = stage->loss(batch);
    if (config.debug.nan_at_step == state.step + 1)
      terms.total = terms.total * std::numeric_limits<double>::quiet_NaN();  // test hook
    const double loss = terms.total.item<double>();
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
    terms.total.backward();
    clipGradients(*opt.optimizer, config.optim.clip_norm);
    opt.optimizer->step();
    stage->afterStep();
    ++state.step;
    state.data = batch.end;
    window_samples += static_cast<std::int64_t>(batch.names.size());

    TrainProgress p = event(config.stage, state.step, steps, batch.start.epoch);
    p.loss = loss;
    p.lr = lr;
    for (const auto& [name, t] : terms.terms) p.terms[name] = t.item<double>();
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
    if (progress) progress(p);
    if (config.val.every > 0 && (state.step % config.val.every == 0 || state.step == steps)) runValidation();
    if (state.step == steps && !val_source)
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
  NewFolderGuard new_folder(req.run);
  const RunLock lock(req.run);  // before anything is read or written: one job per folder
  RunStatus status;
  status.data = req.data.string();
  bool started = false;
  try {
    TrainResult result = trainInFolder(req, progress, cancel, new_folder, status, started);
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
