#include "rgbdsod/training/run_catalog.h"

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/training/checkpoint_files.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/run_lock.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;

const char* toString(RunState s) {
  switch (s) {
    case RunState::Running: return "running";
    case RunState::Finished: return "finished";
    case RunState::Stopped: return "stopped";
    case RunState::Failed: return "failed";
    case RunState::Crashed: return "crashed";
    case RunState::Unknown: return "unknown";
  }
  return "?";
}

namespace {

nlohmann::json readJsonOrNull(const fs::path& file) {
  try {
    return nlohmann::json::parse(core::readJsonFile(file));
  } catch (const std::exception&) {
    return nullptr;
  }
}

RunState stateFromStatus(const std::string& s) {
  if (s == "finished") return RunState::Finished;
  if (s == "stopped" || s == "non-finite") return RunState::Stopped;
  if (s == "failed") return RunState::Failed;
  if (s == "running") return RunState::Crashed;  // the lock decides whether it still runs
  return RunState::Unknown;
}

void readMetricsTail(const fs::path& file, RunSummary& r) {
  for (const auto& j : readMetrics(file)) {
    if (!j.is_object() || !j.contains("step") || !j["step"].is_number_integer()) continue;
    r.step = std::max(r.step, j["step"].get<std::int64_t>());
    if (j.contains("loss") && j["loss"].is_number()) r.last_loss = j["loss"].get<double>();
    if (j.contains("val") && j["val"].is_object()) {
      r.last_val.clear();
      for (const auto& [k, v] : j["val"].items())
        if (k != "images" && v.is_number()) r.last_val[k] = v.get<double>();
    }
  }
}

RunSummary readRun(const fs::path& folder) {
  RunSummary r;
  r.folder = folder;
  const RunPaths paths{folder};
  const nlohmann::json config = readJsonOrNull(paths.config());
  if (config.is_object()) {
    r.stage = config.value("stage", std::string());
    if (const auto* steps = findKey(config, "run.steps"); steps && steps->is_number_integer())
      r.steps = steps->get<std::int64_t>();
  }
  const auto checkpoints = listCheckpoints(folder);
  r.has_checkpoint = !checkpoints.empty();
  if (r.has_checkpoint) r.step = checkpointStep(checkpoints.front());
  readMetricsTail(paths.metrics(), r);
  if (const auto status = readRunStatus(folder)) {
    r.state = stateFromStatus(status->state);
    r.message = status->message;
    r.data = status->data;
    if (r.stage.empty()) r.stage = status->stage;
  }
  if (r.state == RunState::Unknown && r.has_checkpoint)
    r.state = r.steps > 0 && r.step >= r.steps ? RunState::Finished : RunState::Stopped;
  if (runInUse(folder)) r.state = RunState::Running;
  return r;
}

RunSummary readRecipe(const fs::path& folder) {
  RunSummary r;
  r.folder = folder;
  const nlohmann::json manifest = readJsonOrNull(folder / "recipe.json");
  if (manifest.is_object()) r.recipe = manifest.value("recipe", std::string());
  std::vector<fs::path> step_folders;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec))
    if (e.is_directory() && fs::exists(RunPaths{e.path()}.config())) step_folders.push_back(e.path());
  std::sort(step_folders.begin(), step_folders.end());  // "1-teacher", "2-distill", ...
  // The recipe's state is its newest step's; its totals add up the steps.
  for (const auto& f : step_folders) {
    const RunSummary s = readRun(f);
    r.steps_of_recipe.push_back(f.filename().string());
    r.step += s.step;
    r.steps += s.steps;
    r.state = s.state;
    r.message = s.message;
    if (!s.data.empty()) r.data = s.data;
    if (s.last_loss >= 0) r.last_loss = s.last_loss;
    if (!s.last_val.empty()) r.last_val = s.last_val;
    r.has_checkpoint = r.has_checkpoint || s.has_checkpoint;
  }
  if (runInUse(folder)) r.state = RunState::Running;
  return r;
}

void scan(const fs::path& root, const fs::path& dir, int depth, std::vector<RunSummary>& out,
          const std::string& recipe) {
  std::error_code ec;
  const bool is_recipe = fs::exists(dir / "recipe.json", ec);
  const bool is_run = fs::exists(RunPaths{dir}.config(), ec);
  std::string inner_recipe = recipe;
  if (is_run || is_recipe) {
    try {
      RunSummary r = readRunSummary(dir);
      r.name = dir == root ? dir.filename().string() : fs::relative(dir, root, ec).generic_string();
      if (r.recipe.empty()) r.recipe = recipe;
      if (is_recipe) inner_recipe = r.recipe;
      out.push_back(std::move(r));
    } catch (const std::exception&) {
      // A folder that vanished or turned unreadable while listing: not a run to show.
    }
    if (is_run) return;  // a run's subfolders are its checkpoints
  }
  if (depth <= 0) return;
  for (const auto& e : fs::directory_iterator(dir, fs::directory_options::skip_permission_denied, ec)) {
    if (!e.is_directory(ec) || e.is_symlink(ec)) continue;
    scan(root, e.path(), depth - 1, out, inner_recipe);
  }
}

}  // namespace

RunSummary readRunSummary(const fs::path& folder) {
  std::error_code ec;
  if (fs::exists(folder / "recipe.json", ec)) return readRecipe(folder);
  if (fs::exists(RunPaths{folder}.config(), ec)) return readRun(folder);
  throw core::FileError(folder, "is not a training run (no config.json) nor a recipe folder (no recipe.json)");
}

std::vector<RunSummary> scanRuns(const fs::path& root, int depth) {
  std::vector<RunSummary> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  scan(root, root, depth, out, "");
  std::sort(out.begin(), out.end(), [](const RunSummary& a, const RunSummary& b) { return a.name < b.name; });
  return out;
}

std::vector<RunSummary> compatibleRuns(const std::vector<RunSummary>& runs, const std::vector<std::string>& stages) {
  std::vector<RunSummary> out;
  for (const auto& r : runs)
    if (!r.stage.empty() && r.has_checkpoint && r.state != RunState::Running &&
        std::find(stages.begin(), stages.end(), r.stage) != stages.end())
      out.push_back(r);
  return out;
}

}  // namespace rgbdsod::training
