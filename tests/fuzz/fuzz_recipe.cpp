// The recipe folder's recipe.json as `rgbdsod train --recipe ... --resume` reads it: the manifest
// (training::readRecipeManifest), the recipe it names, its overrides distributed over the steps and
// each step's configuration resolved with them (what each resumed or started step does). Refusals
// are fine as long as they are exceptions the CLI reports (std::exception, the manifest's own a
// core::FileError naming the file); a crash, std::terminate or undefined behaviour is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "rgbdsod/training/config.h"
#include "rgbdsod/training/recipe.h"

namespace fs = std::filesystem;

namespace {

fs::path scratchFile() {
  const fs::path dir = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path();
  return dir / ("rgbdsod-fuzz-recipe-" + std::to_string(::getpid()) + ".json");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fs::path file = scratchFile();
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const rgbdsod::training::RecipeManifest m = rgbdsod::training::readRecipeManifest(file, "");
    const rgbdsod::training::Recipe& recipe = rgbdsod::training::findRecipe(m.recipe);
    const auto per_step = rgbdsod::training::distributeOverrides(recipe, m.overrides);
    for (std::size_t i = 0; i < recipe.steps.size(); ++i) {
      (void)rgbdsod::training::resolveConfig(recipe.steps[i].stage, {}, per_step.at(i));
    }
  } catch (const std::exception&) {
    // refused with a message
  }
  return 0;
}
