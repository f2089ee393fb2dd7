#include "figure_columns.h"

#include "engine_infer.h"

namespace rgbdsod::cli::figure {

void predictWithRun(const MethodColumn& column, const fs::path& data, const std::vector<std::string>& samples,
                    const fs::path& out, const GlobalOptions& globals) {
  runEngineInfer({column.folder, data, out, samples, "column '" + column.title + "': ",
                  column.folder.string() + " is a run folder, and predicting with it",
                  "a folder of predictions written by `rgbdsod infer`"},
                 globals);
}

}  // namespace rgbdsod::cli::figure
