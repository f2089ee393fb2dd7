#include "rgbdsod/training/recipe.h"

#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/training/checkpoint_files.h"
#include "rgbdsod/training/config.h"
#include "rgbdsod/training/distributed.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/run_lock.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;
using nlohmann::json;

TrainResult summaryResult(const RecipeResult& result) {
  TrainResult r = result.steps.empty() ? TrainResult{} : result.steps.back().second;
  r.outcome = result.outcome;
  r.message = result.message;
  return r;
}

fs::path recipeStepFolder(const fs::path& run, const Recipe& recipe, std::size_t i) {
  return run / fmt::format("{}-{}", i + 1, recipe.steps.at(i).name);
}

RecipeResult runRecipe(const RecipeRequest& request, const TrainProgressFn& progress, const core::CancelToken& cancel) {
  const fs::path manifest = request.run / "recipe.json";
  // Under a data-parallel launcher rank 0 alone keeps the recipe folder (its lock and manifest);
  // every rank runs the same steps, and each step's run takes rank 0's decisions (trainer.cpp).
  const bool writer = readDistEnv().rank == 0;
  std::string name = request.recipe;
  std::vector<std::string> overrides = request.overrides;
  // --resume before anything was written (a launcher's first attempt) starts the recipe.
  const bool resuming = request.resume && (name.empty() || fs::exists(manifest));
  if (resuming) {
    RecipeManifest m = readRecipeManifest(manifest, name);
    // The same keys again (a launcher repeating its command) are fine.
    if (!request.overrides.empty() && request.overrides != m.overrides)
      throw core::Error("--set cannot change a recipe on --resume (its recipe.json is used)");
    name = std::move(m.recipe);
    overrides = std::move(m.overrides);
  } else if (writer && fs::exists(manifest)) {
    throw core::FileError(request.run, "already holds a recipe run: use --resume to continue it, or another --out");
  }
  const Recipe& recipe = findRecipe(name);
  const auto per_step = distributeOverrides(recipe, overrides);
  std::optional<RunLock> lock;  // the recipe folder, besides each step's own: one recipe job per folder
  if (!resuming) {
    // Every step's configuration is checked before the first one trains for an hour.
    for (std::size_t i = 0; i < recipe.steps.size(); ++i) resolveConfig(recipe.steps[i].stage, {}, per_step[i]);
    if (writer) {
      fs::create_directories(request.run);
      lock.emplace(request.run);
      core::writeFileAtomic(manifest, json{{"recipe", name}, {"overrides", overrides}}.dump(2) + "\n");
    }
  }

  if (!lock && writer) lock.emplace(request.run);
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
