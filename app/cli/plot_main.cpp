// rgbdsod-plot: `rgbdsod plot` and `rgbdsod figure`, the commands that need Qt (QCustomPlot and
// QPainter render the figures offscreen). The front end execs it (helper_commands.h) so that no
// other command loads Qt.
#include "cli_app.h"
#include "commands.h"

int main(int argc, char** argv) {
  rgbdsod::cli::CliFrame frame;
  rgbdsod::cli::addPlotCommand(frame.app, frame.globals, frame.exit_code);
  rgbdsod::cli::addFigureCommand(frame.app, frame.globals, frame.exit_code);
  return frame.run(argc, argv);
}
