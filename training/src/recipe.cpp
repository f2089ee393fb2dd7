#include "rgbdsod/training/recipe.h"

#include <fstream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/spelling.h"
#include "rgbdsod/training/checkpoint_files.h"
#include "rgbdsod/training/config.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/run_lock.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<Recipe>& recipes() {
  static const std::vector<Recipe> all{
      {"learn-select-fuse",
       "Learn-Select-Fuse: RGB teacher, hierarchical cross-modal distillation to depth, CA-Fuse fusion",
       {{"teacher", "teacher", {}},
        {"distill", "distill", {{"model.teacher", "teacher"}}},
        {"fuse", "fuse", {{"model.teacher", "teacher"}, {"model.student", "distill"}}}}},
      {"contrastive",
       "Modality-balanced contrastive pre-training (intra-modal, then inter-modal) and downstream saliency",
       {{"contrast-intra", "contrast-intra", {}},
        {"contrast-inter", "contrast-inter", {{"model.init", "contrast-intra"}}},
        {"downstream", "downstream", {{"model.pretrained", "contrast-inter"}}}}},
      {"recnet", "RecNet: foreground/background reciprocal attention with the cooperative loss",
       {{"recnet", "recnet", {}}}},
      {"supervision-transfer", "Supervision transfer: RGB network, then a depth network learns its mid-level feature",
       {{"teacher", "teacher", {}}, {"transfer", "transfer", {{"model.teacher", "teacher"}}}}},
      {"cas", "Class-agnostic segmentation loss (2-channel output, saliency channel by correlation)",
       {{"cas", "cas", {}}}},
  };
  return all;
}

const Recipe& findRecipe(const std::string& name) {
  std::string known;
  std::vector<std::string> names;
  for (const auto& r : recipes()) {
    if (r.name == name) return r;
    known += (known.empty() ? "" : ", ") + r.name;
    names.push_back(r.name);
  }
  throw ConfigError("recipe", "--recipe",
                    "unknown recipe '" + name + "'" + core::didYouMean(name, names) + " (known: " + known + ")");
}

TrainResult summaryResult(const RecipeResult& result) {
  TrainResult r = result.steps.empty() ? TrainResult{} : result.steps.back().second;
  r.outcome = result.outcome;
  r.message = result.message;
  return r;
}

fs::path recipeStepFolder(const fs::path& run, const Recipe& recipe, std::size_t i) {
  return run / fmt::format("{}-{}", i + 1, recipe.steps.at(i).name);
}


std::vector<std::vector<std::string>> distributeOverrides(const Recipe& recipe, const std::vector<std::string>& overrides) {
  std::vector<std::vector<std::string>> out(recipe.steps.size());
  std::vector<json> defaults;
  for (const auto& s : recipe.steps) defaults.push_back(stageDefaults(s.stage));
  for (const auto& item : overrides) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) throw ConfigError(item, "--set", "expected key=value");
    const std::string key = item.substr(0, eq);
    bool taken = false;
    for (std::size_t i = 0; i < recipe.steps.size(); ++i) {
      const std::string prefix = recipe.steps[i].name + ".";
      if (key.rfind(prefix, 0) == 0) {
        out[i].push_back(item.substr(prefix.size()));  // checked when the step's config is resolved
        taken = true;
      } else if (findKey(defaults[i], key) != nullptr) {
        out[i].push_back(item);
        taken = true;
      }
    }
    if (!taken) throw ConfigError(key, "--set " + item, "no stage of recipe " + recipe.name + " has this key");
  }
  return out;
}

RecipeResult runRecipe(const RecipeRequest& request, const TrainProgressFn& progress, const core::CancelToken& cancel) {
  const fs::path manifest = request.run / "recipe.json";
  std::string name = request.recipe;
  std::vector<std::string> overrides = request.overrides;
  if (request.resume) {
    std::ifstream in(manifest);
    if (!in) throw core::FileError(manifest, "cannot open: not a recipe folder (start without --resume)");
    json m;
    try {
      m = json::parse(core::readJsonFile(manifest));
      if (!name.empty() && name != m.at("recipe").get<std::string>())
        throw ConfigError("recipe", "--recipe", "the folder holds recipe " + m.at("recipe").dump() + ", not '" + name + "'");
      name = m.at("recipe").get<std::string>();
      overrides = m.at("overrides").get<std::vector<std::string>>();
    } catch (const json::exception& e) {
      throw core::FileError(manifest, std::string("not a valid recipe manifest: ") + e.what());
    }
    if (!request.overrides.empty())
      throw core::Error("--set cannot change a recipe on --resume (its recipe.json is used)");
  } else if (fs::exists(manifest)) {
    throw core::FileError(request.run, "already holds a recipe run: use --resume to continue it, or another --out");
  }
  const Recipe& recipe = findRecipe(name);
  const auto per_step = distributeOverrides(recipe, overrides);
  std::optional<RunLock> lock;  // the recipe folder, besides each step's own: one recipe job per folder
  if (!request.resume) {
    // Every step's configuration is checked before the first one trains for an hour.
    for (std::size_t i = 0; i < recipe.steps.size(); ++i) resolveConfig(recipe.steps[i].stage, {}, per_step[i]);
    fs::create_directories(request.run);
    lock.emplace(request.run);
    core::writeFileAtomic(manifest, json{{"recipe", name}, {"overrides", overrides}}.dump(2) + "\n");
  }

  if (!lock) lock.emplace(request.run);
  RecipeResult result;
  for (std::size_t i = 0; i < recipe.steps.size(); ++i) {
    const RecipeStep& step = recipe.steps[i];
    const fs::path folder = recipeStepFolder(request.run, recipe, i);
    const std::string label = folder.filename().string();
    TrainRequest tr;
    tr.stage = step.stage;
    tr.data = request.data;
    tr.run = folder;
    const auto checkpoints = listCheckpoints(folder);
    const std::int64_t done = checkpoints.empty() ? -1 : checkpointStep(checkpoints.front());
    if (done >= 0 && fs::exists(RunPaths{folder}.config())) {
      const TrainConfig existing = readRunConfig(folder);
      if (done >= existing.run.steps) {
        TrainResult skipped;
        skipped.outcome = TrainOutcome::Finished;
        skipped.step = done;
        skipped.message = "already finished";
        skipped.checkpoint = checkpoints.front();
        result.steps.emplace_back(label, skipped);
        continue;
      }
      tr.resume = true;
    } else {
      tr.overrides = per_step[i];
      for (const auto& [key, from] : step.links) {
        std::size_t j = 0;
        while (recipe.steps[j].name != from) ++j;
        tr.overrides.push_back(key + "=" + json(fs::absolute(recipeStepFolder(request.run, recipe, j)).string()).dump());
      }
    }
    TrainResult r = runTraining(tr, progress, cancel);
    result.steps.emplace_back(label, r);
    if (r.outcome != TrainOutcome::Finished) {
      result.outcome = r.outcome;
      result.message = fmt::format("step {} ({}): {}", label, step.stage, r.message);
      return result;
    }
  }
  result.outcome = TrainOutcome::Finished;
  result.message = fmt::format("recipe {} finished ({} stages)", name, recipe.steps.size());
  return result;
}

}  // namespace rgbdsod::training
