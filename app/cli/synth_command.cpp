// rgbdsod synth: writes the synthetic RGB-D demo dataset.
#include <cstdio>
#include <regex>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "interrupt.h"
#include "progress_bar.h"
#include "rgbdsod/core/synth.h"

namespace rgbdsod::cli {

void addSynthCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  struct Options {
    std::string out;
    core::SynthConfig config;
    std::string size = "256x256";
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("synth", "Write the synthetic RGB-D demo dataset (train/ and test/ splits)");
  cmd->add_option("--out,-o", opts->out, "Output folder (must not exist or be empty)")->required();
  cmd->add_option("--seed", opts->config.seed, "Random seed; the same seed gives the same dataset")->capture_default_str();
  cmd->add_option("--count,-n", opts->config.count, "Number of scenes (train + test)")
      ->check(CLI::Range(1, 1000000))->capture_default_str();
  cmd->add_option("--size", opts->size, "Image size WxH")->capture_default_str();
  cmd->add_option("--test-fraction", opts->config.test_fraction, "Share of scenes in test/")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();

  cmd->callback([opts, &globals, &exit_code] {
    static const std::regex size_re(R"((\d+)x(\d+))");
    std::smatch m;
    if (!std::regex_match(opts->size, m, size_re))
      throw CLI::ValidationError("--size", "expected WxH such as 256x256, got '" + opts->size + "'");
    opts->config.width = std::stoi(m[1]);
    opts->config.height = std::stoi(m[2]);
    if (opts->config.width < 32 || opts->config.height < 32 || opts->config.width > 4096 || opts->config.height > 4096)
      throw CLI::ValidationError("--size", "each side must be between 32 and 4096 pixels");

    ProgressBar bar(globals.showProgress());
    core::JobContext job{bar.callback(), interruptToken()};
    const core::SynthSummary summary = core::writeSynthDataset(opts->out, opts->config, job);
    bar.finish();
    if (!globals.quiet)
      std::printf("%s", fmt::format("wrote {} train and {} test scenes ({}x{}, seed {}) to {}\n", summary.train,
                                    summary.test, opts->config.width, opts->config.height, opts->config.seed,
                                    summary.root.string()).c_str());
    exit_code = kExitOk;
  });
}

}  // namespace rgbdsod::cli
