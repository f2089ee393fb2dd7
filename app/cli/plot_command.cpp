// rgbdsod plot: PR / F-measure / E-measure curve figures (PNG, PDF, SVG) of several methods on one
// dataset, from a curves CSV of `rgbdsod eval --curves` or by evaluating folders like `eval`.
// Qt lives only in this command: the QApplication is created when it runs, offscreen. Never
// include a LibTorch header here (Qt's `slots` macro breaks them).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "eval_inputs.h"
#include "rgbdsod/core/curves_csv.h"
#include "rgbdsod/core/report_table.h"
#include "rgbdsod/core/spelling.h"

// Qt after the CLI and core headers.
#include <QApplication>

#include "rgbdsod/figures/curve_figure.h"
#include "rgbdsod/figures/qt_environment.h"

namespace rgbdsod::cli {
namespace {

struct PlotOptions {
  EvalInputOptions inputs;
  std::string curves;
  std::string out;
  std::string kind = "pr";
  std::string aliases;
  figures::FigureStyle style;
};

// Long names and the short ones the metric keys use (`fm`, `em`; `pr` is both).
figures::CurveKind parseKind(const std::string& kind) {
  if (kind == "pr") return figures::CurveKind::PrecisionRecall;
  if (kind == "fmeasure" || kind == "fm") return figures::CurveKind::FmeasureThreshold;
  if (kind == "emeasure" || kind == "em") return figures::CurveKind::EmeasureThreshold;
  throw CLI::ValidationError("--kind", "expected pr, fmeasure (fm) or emeasure (em), got '" + kind + "'" +
                                           core::didYouMean(kind, {"pr", "fmeasure", "emeasure", "fm", "em"}));
}

// The curves of the run: from the CSV (filtered by --method / --dataset) or evaluated now.
std::vector<core::NamedCurves> collectCurves(const PlotOptions& o, const GlobalOptions& globals) {
  const bool from_folders = !o.inputs.root.empty() || !o.inputs.gt.empty() || !o.inputs.preds.empty();
  if (o.curves.empty() == !from_folders)
    throw CLI::ValidationError("--curves", "give either --curves FILE or folders (--root, or --gt with --pred)");
  std::vector<core::NamedCurves> all;
  if (from_folders) {
    for (const core::LabeledEvaluation& r : runEvaluations(resolveEvalJobs(o.inputs), o.inputs, globals).results)
      all.push_back({r.method, r.dataset, r.evaluation.metrics.curves});
    return all;
  }
  all = core::readCurvesCsv(o.curves);
  if (o.inputs.methods.empty()) return all;
  std::vector<core::NamedCurves> chosen;  // in --method order
  for (const std::string& m : o.inputs.methods) {
    bool found = false;
    for (const core::NamedCurves& c : all)
      if (c.method == m) {
        chosen.push_back(c);
        found = true;
      }
    if (!found) throw core::FileError(o.curves, "no curves of method '" + m + "'");
  }
  return chosen;
}

int runPlot(const PlotOptions& o, const GlobalOptions& globals) {
  const figures::CurveKind kind = parseKind(o.kind);
  core::Aliases aliases;
  if (!o.aliases.empty()) aliases = core::Aliases::load(o.aliases);
  const std::vector<core::NamedCurves> curves = collectCurves(o, globals);

  std::vector<std::string> datasets;
  for (const core::NamedCurves& c : curves)
    if (std::find(datasets.begin(), datasets.end(), c.dataset) == datasets.end()) datasets.push_back(c.dataset);
  std::string dataset;
  if (!o.inputs.datasets.empty()) {
    dataset = o.inputs.datasets.front();
    if (o.inputs.datasets.size() > 1 || std::find(datasets.begin(), datasets.end(), dataset) == datasets.end())
      throw CLI::ValidationError("--dataset", fmt::format("name one dataset of: {}", fmt::join(datasets, ", ")));
  } else if (datasets.size() == 1) {
    dataset = datasets.front();
  } else {
    throw CLI::ValidationError("--dataset", fmt::format("a figure shows one dataset; choose one of: {}", fmt::join(datasets, ", ")));
  }
  std::vector<figures::MethodCurves> methods;
  for (const core::NamedCurves& c : curves)
    if (c.dataset == dataset) methods.push_back({aliases.display(c.method), c.curves});

  // A figure must not depend on the user's screen (dpi, fonts) nor need one: unless the user chose a
  // Qt platform, render on the offscreen one. QCustomPlot is a widget, hence QApplication.
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  figures::prepareQtRuntimeDir();  // no "XDG_RUNTIME_DIR not set" on a headless machine
  static int argc = 1;
  static char name[] = "rgbdsod";
  static char* argv[] = {name, nullptr};
  QApplication qt(argc, argv);
  const figures::FigureStyle& style = o.style;
  figures::saveCurveFigure(o.out, kind, methods, style);
  if (!globals.quiet)
    std::printf("%s", fmt::format("wrote {} ({} methods on {}, {:g} x {:g} cm)\n", o.out, methods.size(), dataset,
                                  style.width_cm, style.height_cm).c_str());
  return kExitOk;
}

}  // namespace

void addPlotCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto opts = std::make_shared<PlotOptions>();
  CLI::App* cmd = app.add_subcommand(
      "plot", "Draw PR or F/E-measure-vs-threshold curves of several methods as a PNG, PDF or SVG figure");
  cmd->add_option("--curves", opts->curves, "Curves CSV written by `rgbdsod eval --curves` (or give folders as for eval)");
  addEvalInputOptions(cmd, opts->inputs);
  cmd->add_option("--out,-o", opts->out, "Figure file: .png (300 dpi), .pdf or .svg")->required();
  cmd->add_option("--kind", opts->kind, "pr (precision-recall), fmeasure / fm or emeasure / em (vs threshold)")->capture_default_str();
  cmd->add_option("--aliases", opts->aliases, "Display names: a file of 'name = Display Name' lines, or a JSON map");
  cmd->add_option("--width-cm", opts->style.width_cm, "Figure width in cm")->check(CLI::Range(2.0, 60.0))->capture_default_str();
  cmd->add_option("--height-cm", opts->style.height_cm, "Figure height in cm")->check(CLI::Range(2.0, 60.0))->capture_default_str();
  cmd->add_option("--font-pt", opts->style.font_pt, "Font size in pt")->check(CLI::Range(4.0, 24.0))->capture_default_str();
  cmd->add_option("--title", opts->style.title, "Title above the plot (papers usually caption instead)");
  cmd->callback([opts, &globals, &exit_code] { exit_code = runPlot(*opts, globals); });
}

}  // namespace rgbdsod::cli
