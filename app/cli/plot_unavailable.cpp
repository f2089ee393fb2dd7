// rgbdsod plot and figure in a build without Qt (-DRGBDSOD_BUILD_GUI=OFF, e.g. a GPU server): the command
// exists so that scripts get a clear message instead of "unknown command".
#include "commands.h"
#include "rgbdsod/core/errors.h"

namespace rgbdsod::cli {

void addPlotCommand(CLI::App& app, const GlobalOptions& /*globals*/, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("plot", "Draw curve figures (unavailable: this rgbdsod was built without Qt)");
  cmd->allow_extras();
  cmd->fallthrough(false);  // its arguments stay here instead of reaching the global flags
  cmd->callback([&exit_code] {
    exit_code = kExitFailure;
    throw core::Error(
        "rgbdsod was built without plotting (configured with -DRGBDSOD_BUILD_GUI=OFF); write the curves with "
        "`rgbdsod eval --curves FILE` and plot them with a build that has Qt");
  });
}

void addFigureCommand(CLI::App& app, const GlobalOptions& /*globals*/, int& exit_code) {
  CLI::App* cmd =
      app.add_subcommand("figure", "Draw qualitative figures (unavailable: this rgbdsod was built without Qt)");
  cmd->allow_extras();
  cmd->fallthrough(false);
  cmd->callback([&exit_code] {
    exit_code = kExitFailure;
    throw core::Error(
        "rgbdsod was built without figures (configured with -DRGBDSOD_BUILD_GUI=OFF); write the maps with "
        "`rgbdsod infer --samples a,b,c` and build the figure with a build that has Qt");
  });
}

}  // namespace rgbdsod::cli
