#include "rgbdsod/ui/inspect/prediction_lookup.h"

#include <system_error>
#include <vector>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/core/image_io.h"

namespace rgbdsod::ui {

namespace fs = std::filesystem;

fs::path predictionFileFor(const fs::path& folder, const std::string& name) {
  core::EvalOptions options;
  options.method = folder.filename().string();
  std::error_code ec;
  fs::path match;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (!entry.is_regular_file(ec) || !core::hasImageExtension(entry.path())) continue;
    const auto candidates = core::predictionNameCandidates(entry.path(), options);
    if (candidates.empty()) continue;
    if (candidates.front() == name) return entry.path();  // the literal stem wins
    for (const std::string& c : candidates) {
      if (c == name && match.empty()) match = entry.path();
    }
  }
  if (ec) throw core::FileError(folder, "cannot list the folder: " + ec.message());
  return match;
}

}  // namespace rgbdsod::ui
