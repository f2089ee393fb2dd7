// rgbdsod figure: a qualitative comparison figure as SOD papers print them. One row per chosen
// sample; columns RGB, Depth (colour-mapped as the studio shows it), GT, then one per --column:
// a prediction folder (maps paired with the samples as `rgbdsod eval` pairs them) or a run folder
// (predicted now by `rgbdsod-engine infer` into a temporary folder). Runs in rgbdsod-plot (Qt);
// never include a LibTorch header here (Qt's `slots` macro breaks them): runs are predicted by the
// engine in a child process.
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "engine_infer.h"
#include "figure_columns.h"
#include "helper_commands.h"
#include "interrupt.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth.h"
#include "rgbdsod/core/depth_config.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/core/image_io.h"
#include "rgbdsod/core/spelling.h"

// Qt after the CLI and core headers.
#include <QGuiApplication>
#include <QImage>

#include "rgbdsod/figures/qt_environment.h"
#include "rgbdsod/figures/qualitative_figure.h"

namespace fs = std::filesystem;

namespace rgbdsod::cli {
namespace {

using namespace rgbdsod::cli::figure;  // NOLINT: the columns' helpers

constexpr std::size_t kPolarityProbe = 8;  // depth maps read to detect the polarity (as the studio)

struct FigureOptions {
  std::string data;
  std::vector<std::string> samples;
  std::vector<std::string> columns;
  std::string out;
  int dpi = 300;
  double width_pt = 70.0;
  double gap_pt = 2.0;
  double font_pt = 8.0;
  std::string polarity = "auto";
  bool no_depth = false;
  bool no_gt = false;
  bool row_labels = false;
  bool allow_missing = false;
};

std::vector<std::size_t> resolveSamples(const core::Dataset& ds, const std::vector<std::string>& wanted) {
  std::vector<std::size_t> out;
  for (const std::string& raw : wanted) {
    const std::string name = trim(raw);
    if (name.empty()) throw CLI::ValidationError("--samples", "an empty sample name (two commas, or a trailing one?)");
    std::optional<std::size_t> index = ds.indexOf(name);
    if (!index && core::hasImageExtension(name)) index = ds.indexOf(fs::path(name).stem().string());  // "0086.jpg"
    if (!index) {
      std::vector<std::string> names;
      names.reserve(ds.samples.size());
      for (const core::SampleFiles& s : ds.samples) names.push_back(s.name);
      const std::string example = names.empty() ? std::string("it has no samples")
                                                : fmt::format("its samples are named like '{}'", names.front());
      const std::string hint = core::didYouMean(name, names);
      throw core::FileError(ds.root, fmt::format("no sample '{}' in dataset {}{}", name, ds.name,
                                                 hint.empty() ? " (" + example + ")" : hint));
    }
    out.push_back(*index);
  }
  return out;
}

// The polarity depth is shown with: --polarity, else the dataset's depth.json, else detected from
// a few samples as the studio does (undecided: near-bright, said). Metric (16-bit) maps are
// near-dark whatever this says (see depthImage).
core::DepthPolarity displayPolarity(const core::Dataset& ds, const core::DepthConfig& config, const std::string& option) {
  if (lower(option) != "auto") {
    const std::optional<core::DepthPolarity> p = core::parsePolarity(option);
    if (!p) throw CLI::ValidationError("--polarity", "expected auto, near-bright or near-dark, got '" + option + "'");
    return *p;
  }
  if (config.polarity) return *config.polarity;
  std::vector<cv::Mat> depths, gts;
  const std::size_t n = ds.size();
  const std::size_t step = std::max<std::size_t>(1, n / kPolarityProbe);
  for (std::size_t i = 0; i < n && depths.size() < kPolarityProbe; i += step) {
    const core::SampleFiles& f = ds.samples[i];
    if (f.depth.empty() || (ds.labeled() && f.gt.empty())) continue;
    try {
      cv::Mat depth = core::readDepth(f.depth);
      cv::Mat gt = ds.labeled() ? core::readMask(f.gt) : cv::Mat();
      if (!gt.empty() && gt.size() != depth.size()) continue;
      depths.push_back(std::move(depth));
      if (ds.labeled()) gts.push_back(std::move(gt));
    } catch (const core::FileError&) {
      // an unreadable file of another sample is validation's business
    }
  }
  const core::PolarityEstimate e = core::estimatePolarity(depths, gts);
  if (e.polarity) {
    spdlog::info("{}: depth shown as {} ({})", ds.name, core::toString(*e.polarity), e.evidence);
    return *e.polarity;
  }
  spdlog::warn("{}: the depth polarity is undecided ({}); depth is shown as near-bright, pass --polarity to choose",
               ds.name, e.evidence);
  return core::DepthPolarity::NearIsBright;
}

// ---- images ----

QImage toQImage(const cv::Mat& m) {
  if (m.empty()) return {};
  if (m.type() == CV_8UC3)
    return QImage(m.data, m.cols, m.rows, static_cast<qsizetype>(m.step), QImage::Format_BGR888).copy();
  if (m.type() == CV_8UC1)
    return QImage(m.data, m.cols, m.rows, static_cast<qsizetype>(m.step), QImage::Format_Grayscale8).copy();
  throw core::Error(fmt::format("internal: unexpected image type {} for the figure", m.type()));
}

// The depth map colour-mapped for display exactly as the studio's depth pane shows it: normalised
// (1 = nearest) and turbo-coloured (core::colourMapDepth).
QImage depthImage(const fs::path& file, const core::DepthConfig& config, core::DepthPolarity polarity) {
  const cv::Mat stored = core::readDepth(file);
  const core::DepthPolarity p =
      core::encodingFor(config, stored) == core::DepthEncoding::Metric ? core::DepthPolarity::NearIsDark : polarity;
  return toQImage(core::colourMapDepth(core::normaliseDepth(stored, p)));
}

// ---- the figure ----

// A method's map, read grey as evaluation reads it and brought to `reference` (the GT's size, else
// the RGB's) as evaluation resizes (bilinear), so that every cell of a row letterboxes alike.
QImage predictionImage(const fs::path& file, cv::Size reference) {
  cv::Mat map = core::readEvaluationImage(file);
  if (reference.area() > 0 && reference != map.size()) {
    cv::Mat resized;
    cv::resize(map, resized, reference, 0, 0, cv::INTER_LINEAR);
    map = resized;
  }
  return toQImage(map);
}

int runFigure(const FigureOptions& o, const GlobalOptions& globals) {
  const core::CancelToken cancel = interruptToken();  // Ctrl-C: stop, remove the scratch folder
  const fs::path out = o.out;
  figures::checkQualitativeFigurePath(out);  // before any long work: a bad name fails at once
  std::vector<MethodColumn> columns;
  for (const std::string& c : o.columns) columns.push_back(parseColumn(c));
  if (o.samples.empty()) throw CLI::ValidationError("--samples", "name at least one sample");

  const fs::path data = o.data;
  const core::Dataset ds = openSingleDataset(data, "a figure shows samples of one dataset");
  const std::vector<std::size_t> rows = resolveSamples(ds, o.samples);
  const bool with_gt = !o.no_gt;
  if (with_gt && !ds.labeled())
    throw core::FileError(ds.root, "the dataset has no GT folder; pass --no-gt for a figure without the GT column");
  core::DepthConfig depth_config;
  core::DepthPolarity polarity = core::DepthPolarity::NearIsBright;
  if (!o.no_depth) {
    depth_config = core::datasetDepthConfig(ds.root);
    polarity = displayPolarity(ds, depth_config, o.polarity);
  }

  // Run columns: each distinct run predicts the chosen samples once, into the scratch folder.
  std::unique_ptr<ScratchFolder> scratch;
  std::map<fs::path, fs::path> predicted;  // run (canonical) -> its prediction folder
  std::vector<std::string> sample_names;
  for (std::size_t i : rows)
    if (std::find(sample_names.begin(), sample_names.end(), ds.samples[i].name) == sample_names.end())
      sample_names.push_back(ds.samples[i].name);
  std::vector<PredictionFolder> folders;
  for (const MethodColumn& c : columns) {
    fs::path dir = c.folder;
    if (c.run) {
      const fs::path key = fs::weakly_canonical(c.folder);
      auto it = predicted.find(key);
      if (it == predicted.end()) {
        if (!scratch) scratch = std::make_unique<ScratchFolder>("figure");
        const fs::path target = scratch->path() / fmt::format("run-{}", predicted.size() + 1);
        predictWithRun(c, ds.root, sample_names, target, globals);
        it = predicted.emplace(key, target).first;
      }
      dir = it->second;
    }
    folders.emplace_back(c.title, dir, ds);
  }

  figures::QualitativeFigure fig;
  fig.cell_width_pt = o.width_pt;
  fig.gap_pt = o.gap_pt;
  fig.title_font_pt = o.font_pt;
  fig.column_titles.push_back("RGB");
  if (!o.no_depth) fig.column_titles.push_back("Depth");
  if (with_gt) fig.column_titles.push_back("GT");
  for (const MethodColumn& c : columns) fig.column_titles.push_back(c.title);

  // A partner file the dataset lacks (validation reports those) is a missing cell, said.
  auto partner = [&](const core::SampleFiles& s, const fs::path& file, const char* what) {
    if (file.empty()) spdlog::warn("sample '{}' has no {} file in {}; drawn as a missing cell", s.name, what, ds.root.string());
    return !file.empty();
  };
  std::size_t missing = 0;
  for (std::size_t i : rows) {
    if (cancel.cancelled()) throw core::Cancelled();
    const core::SampleFiles& s = ds.samples[i];
    std::vector<QImage> cells;
    const cv::Mat rgb = partner(s, s.rgb, "RGB") ? core::readRgb(s.rgb) : cv::Mat();
    cells.push_back(toQImage(rgb));
    if (!o.no_depth) cells.push_back(partner(s, s.depth, "depth") ? depthImage(s.depth, depth_config, polarity) : QImage());
    cv::Mat gt;
    if (with_gt) {
      if (partner(s, s.gt, "GT")) gt = core::readMask(s.gt);
      cells.push_back(toQImage(gt));
    }
    cv::Size reference = !gt.empty() ? gt.size() : rgb.size();
    if (reference.area() == 0 && !s.gt.empty() && !with_gt) reference = core::readMask(s.gt).size();
    for (std::size_t k = 0; k < folders.size(); ++k) {
      const std::optional<fs::path> file = folders[k].find(s);
      if (file) {
        cells.push_back(predictionImage(*file, reference));
        continue;
      }
      const std::string where = columns[k].run ? fmt::format("the predictions of the run {}", columns[k].folder.string())
                                               : folders[k].dir().string();
      const std::string problem =
          folders[k].imageCount() == 0
              ? fmt::format("column '{}': {} holds no images, so no map for sample '{}'", columns[k].title, where, s.name)
              : fmt::format("column '{}': no map for sample '{}' in {} (looked for {}.png or a name that pairs with it "
                            "as `rgbdsod eval` pairs names)",
                            columns[k].title, s.name, where, s.name);
      if (!o.allow_missing) throw core::FileError(columns[k].run ? columns[k].folder : folders[k].dir(), problem);
      spdlog::warn("{}; drawn as a missing cell (--allow-missing)", problem);
      ++missing;
      cells.push_back(QImage());
    }
    fig.cells.push_back(std::move(cells));
    if (o.row_labels) fig.row_labels.push_back(s.name);
  }

  // Fonts need a QGuiApplication; never the user's screen: offscreen unless a platform was chosen.
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  figures::prepareQtRuntimeDir();
  static int argc = 1;
  static char name[] = "rgbdsod";
  static char* argv[] = {name, nullptr};
  QGuiApplication qt(argc, argv);
  figures::writeQualitativeFigure(fig, out, o.dpi);
  if (!globals.quiet) {
    const QSize px = figures::qualitativePixelSize(fig, o.dpi);
    const figures::QualitativeLayout layout = figures::layoutQualitativeFigure(fig);
    std::printf("%s", fmt::format("wrote {} ({} sample(s) x {} column(s): {}; {:.0f} x {:.0f} pt{}{})\n", out.string(),
                                  fig.cells.size(), fig.column_titles.size(), fmt::join(fig.column_titles, ", "),
                                  layout.page_pt.width(), layout.page_pt.height(),
                                  lower(out.extension().string()) == ".png" ? fmt::format(", {} x {} px at {} dpi",
                                                                                          px.width(), px.height(), o.dpi)
                                                                            : std::string(),
                                  missing > 0 ? fmt::format(", {} missing cell(s)", missing) : std::string())
                                  .c_str());
  }
  return kExitOk;
}

}  // namespace

void addFigureCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto opts = std::make_shared<FigureOptions>();
  CLI::App* cmd = app.add_subcommand("figure", helperSummary("figure"));
  cmd->add_option("--data,-d", opts->data, "Dataset folder (RGB/, depth/, GT/) the samples come from")->required();
  cmd->add_option("--samples,-s", opts->samples, "Samples, one row each, in order: names as in the dataset (a,b,c)")
      ->delimiter(',')
      ->required();
  cmd->add_option("--column,-c", opts->columns,
                  "A method column 'TITLE=FOLDER' after RGB, Depth, GT (repeat, in order): a prediction folder (paired "
                  "as `rgbdsod eval` pairs names) or a run folder (predicted now with rgbdsod-engine infer)");
  cmd->add_option("--out,-o", opts->out, "Figure file: .pdf, .png or .svg")->required();
  cmd->add_option("--dpi", opts->dpi, "Resolution of the PNG, and of the images embedded in a PDF or SVG")
      ->check(CLI::Range(72, 1200))
      ->capture_default_str();
  cmd->add_option("--width-pt", opts->width_pt, "Cell width in pt (1/72 inch); the height follows the first RGB image")
      ->check(CLI::Range(10.0, 1000.0))
      ->capture_default_str();
  cmd->add_option("--gap-pt", opts->gap_pt, "Gap between cells in pt")->check(CLI::Range(0.0, 50.0))->capture_default_str();
  cmd->add_option("--font-pt", opts->font_pt, "Font size of the titles and row labels in pt")
      ->check(CLI::Range(4.0, 24.0))
      ->capture_default_str();
  cmd->add_option("--polarity", opts->polarity,
                  "Depth polarity for the depth column: auto (depth.json, else detected), near-bright or near-dark")
      ->capture_default_str();
  cmd->add_flag("--no-depth", opts->no_depth, "Leave out the Depth column");
  cmd->add_flag("--no-gt", opts->no_gt, "Leave out the GT column");
  cmd->add_flag("--row-labels", opts->row_labels, "Print each sample's name left of its row");
  cmd->add_flag("--allow-missing", opts->allow_missing,
                "Draw a hatched 'missing' cell when a column has no map for a sample, instead of failing");
  cmd->callback([opts, &globals, &exit_code] { exit_code = runFigure(*opts, globals); });
}

}  // namespace rgbdsod::cli
