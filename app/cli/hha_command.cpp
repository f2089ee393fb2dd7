// rgbdsod hha: encodes a dataset's depth maps as HHA into <dataset>/hha/, reusing what is cached.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "interrupt.h"
#include "progress_bar.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth_config.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/hha.h"
#include "rgbdsod/core/hha_cache.h"

namespace fs = std::filesystem;

namespace rgbdsod::cli {
namespace {

struct HhaCommandOptions {
  std::string data;
  std::string config_file;  // default: <dataset>/depth.json when present
  std::string intrinsics;
  std::string intrinsics_size;
  std::optional<double> scale;
  std::string polarity = "auto";
  bool force = false;
};

// depth.json (or --depth-config), then the command-line overrides on top.
core::DepthConfig configFor(const fs::path& root, const HhaCommandOptions& o) {
  core::DepthConfig c = o.config_file.empty() ? core::datasetDepthConfig(root) : core::readDepthConfig(o.config_file);
  if (!o.intrinsics.empty()) {
    c.camera = core::readIntrinsicsFile(o.intrinsics);
    c.camera_size.reset();
  }
  if (!o.intrinsics_size.empty()) {
    static const std::regex size_re(R"((\d+)x(\d+))");
    std::smatch m;
    if (!std::regex_match(o.intrinsics_size, m, size_re))
      throw CLI::ValidationError("--intrinsics-size", "expected WxH such as 640x480, got '" + o.intrinsics_size + "'");
    if (!c.camera) throw CLI::ValidationError("--intrinsics-size", "needs --intrinsics (or intrinsics in depth.json)");
    c.camera_size = cv::Size(std::stoi(m[1]), std::stoi(m[2]));
  }
  if (o.scale) {
    c.encoding = core::DepthEncoding::Metric;
    c.scale = *o.scale;
  }
  if (o.polarity != "auto") {
    c.polarity = core::parsePolarity(o.polarity);
    if (!c.polarity)
      throw CLI::ValidationError("--polarity", "expected auto, near-bright or near-dark, got '" + o.polarity + "'");
  }
  if (const std::string p = c.problem(); !p.empty())
    throw CLI::ValidationError("depth settings", p + (c.source.empty() ? "" : " (after " + c.source.string() + ")"));
  return c;
}

int run(const HhaCommandOptions& o, const GlobalOptions& globals) {
  if (!fs::exists(o.data)) throw core::FileError(o.data, "no such folder");
  std::vector<fs::path> roots = core::findDatasets(o.data);
  if (roots.empty()) roots.push_back(o.data);
  bool problems = false;
  for (const fs::path& root : roots) {
    const core::Dataset dataset = core::openDataset(root);
    const core::DepthConfig config = configFor(root, o);
    ProgressBar bar(globals.showProgress());
    const core::HhaCacheSummary s =
        core::buildHhaCache(dataset, config, o.force, core::JobContext{bar.callback(), interruptToken()});
    bar.finish();
    for (const std::string& p : s.problems) std::fprintf(stderr, "%s\n", p.c_str());
    problems = problems || !s.problems.empty();
    if (!globals.quiet) {
      std::string line = fmt::format("{}: {} encoded, {} up to date, {} without depth -> {}", dataset.name, s.computed,
                                     s.reused, s.problems.size(), s.folder.string());
      if (s.polarity) line += fmt::format(" (relative depth, {}: {})", core::toString(*s.polarity), s.polarity_evidence);
      std::printf("%s\n", line.c_str());
    }
  }
  return problems ? kExitFindings : kExitOk;
}

}  // namespace

void addHhaCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto opts = std::make_shared<HhaCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "hha", "Encode depth as HHA (disparity, height, angle; Gupta et al.) into <dataset>/hha/, cached: only new or "
             "changed depth maps and settings are encoded again");
  cmd->add_option("--data,-d", opts->data, "Dataset folder, or a folder of datasets")->required();
  cmd->add_option("--depth-config", opts->config_file,
                  "Depth settings JSON (default: <dataset>/depth.json when present, else the SOD defaults)");
  cmd->add_option("--intrinsics", opts->intrinsics,
                  "Camera intrinsics file, 1-based pixel grid: fx/fy/cx/cy lines (`fx 518.8`, `fx=518.8`, "
                  "`fx: 518.8`), a 3x3 matrix, `fx fy cx cy` on one line, or NYU's camera_params.m "
                  "(default: NYU colour camera scaled to each image)");
  cmd->add_option("--intrinsics-size", opts->intrinsics_size,
                  "WxH the intrinsics are for; they are then resized to each image (default: used as given)");
  cmd->add_option("--scale", opts->scale, "Metric depth: metres per stored unit (e.g. 0.001 for millimetres)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--polarity", opts->polarity, "Polarity of relative (8-bit) depth: auto, near-bright or near-dark")
      ->capture_default_str();
  cmd->add_flag("--force", opts->force, "Encode every sample again, ignoring the cache");
  cmd->callback([opts, &globals, &exit_code] { exit_code = run(*opts, globals); });
}

}  // namespace rgbdsod::cli
