// The shared frame of rgbdsod's executables (see cli_app.h).
#include "cli_app.h"

#include <exception>

#include <spdlog/spdlog.h>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/logging.h"

namespace rgbdsod::cli {

CliFrame::CliFrame() {
  app.require_subcommand(1);
  // Global flags are accepted after the command too (`rgbdsod eval ... -q`): sub-commands hand
  // the options they do not know to this parent. Sub-commands inherit it when they are added.
  app.fallthrough();
  app.add_flag("-v,--verbose", globals.verbosity, "More log output (-vv for trace)");
  app.add_flag("-q,--quiet", globals.quiet, "Errors only, no progress bar");
  // Logging must be set up before sub-command callbacks run, i.e. during parsing.
  app.parse_complete_callback([this] { core::setupLogging(globals.quiet ? -1 : globals.verbosity); });
}

int CliFrame::run(int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitFailure;
  } catch (const core::Cancelled&) {
    spdlog::error("cancelled");
    return kExitFailure;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kExitFailure;
  }
  return exit_code;
}

}  // namespace rgbdsod::cli
