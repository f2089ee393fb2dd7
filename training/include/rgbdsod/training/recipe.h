#pragma once
// Recipes: a paper's training procedure as a chain of stages, each in its own run folder under
// the recipe's folder (<run>/1-teacher, <run>/2-distill, ...), each stage started from the
// checkpoints of the ones before (the config keys that name earlier runs are filled in). The
// recipe folder's recipe.json records the recipe and the overrides, so --resume skips the
// finished stages, resumes the interrupted one and starts the rest as first asked. Torch-free.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "rgbdsod/training/job.h"

namespace rgbdsod::training {

struct RecipeStep {
  std::string name;   // the step's folder suffix and its --set prefix ("distill.run.steps=...")
  std::string stage;  // the stage trained
  std::vector<std::pair<std::string, std::string>> links;  // config key -> an earlier step's name
};

struct Recipe {
  std::string name;
  std::string description;
  std::vector<RecipeStep> steps;
};

const std::vector<Recipe>& recipes();
// Throws ConfigError("--recipe") naming the known recipes.
const Recipe& findRecipe(const std::string& name);

struct RecipeRequest {
  std::string recipe;                   // on resume, empty = the folder's own
  std::filesystem::path data;
  std::filesystem::path run;            // the recipe folder
  // "key=value" for every step whose stage has the key, or "<step>.key=value" for one step. A key
  // that no step has is an error.
  std::vector<std::string> overrides;
  bool resume = false;
};

struct RecipeResult {
  TrainOutcome outcome = TrainOutcome::Failed;
  std::string message;
  std::vector<std::pair<std::string, TrainResult>> steps;  // step folder name -> its result (run or skipped)
};

// The recipe as one TrainResult: its outcome and message, with the step and checkpoint of the last
// step that ran (what TrainJob and the CLI report).
TrainResult summaryResult(const RecipeResult& result);

// The step folder of step i (0-based).
std::filesystem::path recipeStepFolder(const std::filesystem::path& run, const Recipe& recipe, std::size_t i);

// The overrides of one step: those of every step that its stage accepts, plus the step-prefixed
// ones. Throws ConfigError for an override that no step takes.
std::vector<std::vector<std::string>> distributeOverrides(const Recipe& recipe, const std::vector<std::string>& overrides);

// What a recipe folder's recipe.json records: the recipe and the overrides it was started with.
struct RecipeManifest {
  std::string recipe;
  std::vector<std::string> overrides;
};
// Reads recipe.json. Throws core::FileError naming the file when it is missing or not a manifest,
// ConfigError("--recipe") when `requested` is set and names another recipe.
RecipeManifest readRecipeManifest(const std::filesystem::path& manifest, const std::string& requested);

// Runs the steps in order; stops at the first that does not finish (stopped, non-finite loss).
RecipeResult runRecipe(const RecipeRequest& request, const TrainProgressFn& progress, const core::CancelToken& cancel);

}  // namespace rgbdsod::training
