// rgbdsod: the command line's front end. It runs the torch-free commands itself (datasets,
// synthetic data, label noise, HHA, evaluation, label ranking and correction) and execs a helper
// for the others (training and inference in rgbdsod-engine, figures in rgbdsod-plot;
// helper_commands.h), so a script that calls `rgbdsod eval` hundreds of times never loads LibTorch
// or Qt. `rgbdsod labels rank --run` runs rgbdsod-engine as a child instead.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_app.h"
#include "commands.h"
#include "helper_commands.h"
#include "rgbdsod/core/spelling.h"
#include "rgbdsod/core/version.h"

namespace {

std::string versionText() {
  return fmt::format("rgbdsod {}\nLibTorch {} in rgbdsod-engine (train, infer); `rgbdsod runtime` shows its devices and threads",
                     rgbdsod::kVersion, RGBDSOD_TORCH_VERSION);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rgbdsod;
  const std::string word = cli::commandWord(argc, argv);
  for (const cli::HelperCommand& c : cli::helperCommands())
    if (c.name == word) return cli::execHelper(c.helper, argc, argv);

  cli::CliFrame frame;
  CLI::App& app = frame.app;
  app.set_version_flag("--version", versionText);
  cli::addSynthCommand(app, frame.globals, frame.exit_code);
  cli::addNoiseCommand(app, frame.globals, frame.exit_code);
  cli::addDatasetCommand(app, frame.globals, frame.exit_code);
  cli::addHhaCommand(app, frame.globals, frame.exit_code);
  cli::addEvalCommand(app, frame.globals, frame.exit_code);
  cli::addLabelsCommand(app, frame.globals, frame.exit_code);
#ifndef RGBDSOD_HAVE_PLOT
  cli::addPlotCommand(app, frame.globals, frame.exit_code);    // says that this build has no Qt
  cli::addFigureCommand(app, frame.globals, frame.exit_code);  // likewise
#endif
  cli::addHelperCommands(app);

  if (!word.empty()) {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), word) == names.end()) {
      std::fprintf(stderr, "%s",
                   fmt::format("rgbdsod: '{}' is not a command{}; see rgbdsod --help\n", word,
                               core::didYouMean(word, names)).c_str());
      return cli::kExitFailure;
    }
  }
  return frame.run(argc, argv);
}
