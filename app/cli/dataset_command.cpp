// rgbdsod dataset check: validates dataset folders and prints the report.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "interrupt.h"
#include "progress_bar.h"
#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/validation.h"
#include "rgbdsod/core/validation_report.h"

namespace fs = std::filesystem;

namespace rgbdsod::cli {
namespace {

struct CheckOptions {
  std::string root;
  std::string polarity = "auto";
  std::string json_out;
  std::size_t max_problems = 50;
};

int runCheck(const CheckOptions& opts, const GlobalOptions& globals) {
  std::optional<core::DepthPolarity> override_polarity;
  if (opts.polarity != "auto") {
    override_polarity = core::parsePolarity(opts.polarity);
    if (!override_polarity)
      throw CLI::ValidationError("--polarity", "expected auto, near-bright or near-dark, got '" + opts.polarity + "'");
  }
  if (!fs::exists(opts.root)) throw core::FileError(opts.root, "no such folder");

  // A folder of datasets (the demo's train/ and test/, or a test-set collection) is checked
  // dataset by dataset; a folder that is neither is reported by openDataset with its reason.
  std::vector<fs::path> roots = core::findDatasets(opts.root);
  if (roots.empty()) roots.push_back(opts.root);

  std::string json = roots.size() > 1 ? "[\n" : "";
  bool any_errors = false;
  for (std::size_t i = 0; i < roots.size(); ++i) {
    core::Dataset dataset = core::openDataset(roots[i]);
    dataset.polarity_override = override_polarity;
    ProgressBar bar(globals.showProgress());
    const core::ValidationReport report = core::validate(dataset, core::JobContext{bar.callback(), interruptToken()});
    bar.finish();
    if (!globals.quiet || !report.ok())
      std::printf("%s%s", i > 0 ? "\n" : "", core::formatValidationText(dataset, report, opts.max_problems).c_str());
    any_errors = any_errors || !report.ok();
    json += core::formatValidationJson(dataset, report);
    if (roots.size() > 1 && i + 1 < roots.size()) json += ",\n";
  }
  if (roots.size() > 1) json += "]\n";
  if (!opts.json_out.empty()) {
    core::writeFileAtomic(opts.json_out, json);
    spdlog::info("report written to {}", opts.json_out);
  }
  return any_errors ? kExitFindings : kExitOk;
}

}  // namespace

void addDatasetCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  CLI::App* dataset = app.add_subcommand("dataset", "Inspect RGB-D datasets");
  dataset->require_subcommand(1);

  auto opts = std::make_shared<CheckOptions>();
  CLI::App* check = dataset->add_subcommand(
      "check", "Validate a dataset folder (<root>/{RGB,depth,GT} and variants) or a folder of datasets; "
               "exit code 1 when errors are found");
  check->add_option("root", opts->root, "Dataset folder")->required();
  check->add_option("--polarity", opts->polarity, "Depth polarity: auto (detect), near-bright or near-dark")
      ->capture_default_str();
  check->add_option("--json", opts->json_out, "Also write the report as JSON to this file");
  check->add_option("--max-problems", opts->max_problems, "Problems listed on stdout")->capture_default_str();
  check->callback([opts, &globals, &exit_code] { exit_code = runCheck(*opts, globals); });
}

}  // namespace rgbdsod::cli
