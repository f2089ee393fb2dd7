// The recipes, the distribution of --set overrides over their steps and the recipe.json reader:
// torch-free, so that the fuzz target of recipe.json builds without LibTorch (tests/fuzz).
#include "rgbdsod/training/recipe.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/core/spelling.h"
#include "rgbdsod/training/config.h"

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

RecipeManifest readRecipeManifest(const fs::path& manifest, const std::string& requested) {
  std::ifstream in(manifest);
  if (!in) throw core::FileError(manifest, "cannot open: not a recipe folder (start without --resume)");
  RecipeManifest m;
  try {
    const json j = json::parse(core::readJsonFile(manifest));
    if (!requested.empty() && requested != j.at("recipe").get<std::string>())
      throw ConfigError("recipe", "--recipe", "the folder holds recipe " + j.at("recipe").dump() + ", not '" + requested + "'");
    m.recipe = j.at("recipe").get<std::string>();
    m.overrides = j.at("overrides").get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    throw core::FileError(manifest, std::string("not a valid recipe manifest: ") + e.what());
  }
  return m;
}

}  // namespace rgbdsod::training
