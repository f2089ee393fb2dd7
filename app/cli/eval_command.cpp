// rgbdsod eval: evaluates prediction folders against GT with the field's protocol and writes the
// results table (stdout, CSV, Markdown, LaTeX), the JSON of the run and the 256-point curves.
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>

#include "commands.h"
#include "eval_inputs.h"
#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/curves_csv.h"
#include "rgbdsod/core/report_table.h"

namespace rgbdsod::cli {
namespace {

struct EvalCommandOptions {
  EvalInputOptions inputs;
  std::string json_out;
  std::string csv_out;
  std::string markdown_out;
  std::string latex_out;
  std::string curves_out;
  std::string aliases;
  std::string metrics = "default";
  int decimals = 3;
  bool no_images = false;
};

void writeOutput(const std::string& file, const std::string& text, const char* what) {
  if (file.empty()) return;
  core::writeFileAtomic(file, text);
  spdlog::info("{} written to {}", what, file);
}

int runEval(const EvalCommandOptions& opts, const GlobalOptions& globals) {
  // Everything that can be wrong with the options fails before the (possibly long) evaluation.
  core::TableFormat format;
  format.decimals = opts.decimals;
  if (!opts.aliases.empty()) format.aliases = core::Aliases::load(opts.aliases);
  core::ResultsTable table;
  try {
    table.metrics = core::parseMetricList(opts.metrics);
  } catch (const std::invalid_argument& e) {
    throw CLI::ValidationError("--metrics", e.what());
  }
  const std::vector<EvalJob> jobs = resolveEvalJobs(opts.inputs);

  const EvalRun run = runEvaluations(jobs, opts.inputs, globals);
  std::vector<core::NamedCurves> curves;
  for (const core::LabeledEvaluation& r : run.results) {
    table.set(r.method, r.dataset, r.evaluation.metrics, r.evaluation.gtImageCount());  // partial rows marked
    curves.push_back({r.method, r.dataset, r.evaluation.metrics.curves});
  }
  if (!globals.quiet) std::printf("%s", core::renderText(table, format).c_str());
  writeOutput(opts.json_out, core::resultsJson(run.results, !opts.no_images), "JSON results");
  writeOutput(opts.csv_out, core::renderCsv(table), "CSV table");
  writeOutput(opts.markdown_out, core::renderMarkdown(table, format), "Markdown table");
  writeOutput(opts.latex_out, core::renderLatex(table, format), "LaTeX table");
  writeOutput(opts.curves_out, core::curvesToCsv(curves), "curves");
  if (run.incomplete)
    spdlog::warn("some GT images have no prediction: their datasets' numbers are over fewer images (marked \u2020 "
                 "in the tables, gt_images in CSV and JSON)");
  return run.incomplete ? kExitFindings : kExitOk;
}

}  // namespace

void addEvalCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto opts = std::make_shared<EvalCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Evaluate saliency maps against GT (PySODMetrics v1.6.2 protocol): a table on stdout and reports; "
              "exit code 1 when GT images have no prediction");
  addEvalInputOptions(cmd, opts->inputs);
  cmd->add_option("--metrics", opts->metrics,
                  "Table columns: comma-separated keys (sm, wfm, adp_fm, mean_fm, max_fm, adp_em, mean_em, max_em, "
                  "mae), 'default' (sm,max_fm,max_em,mae) or 'all'")
      ->capture_default_str();
  cmd->add_option("--aliases", opts->aliases, "Display names: a file of 'name = Display Name' lines, or a JSON map");
  cmd->add_option("--decimals", opts->decimals, "Digits shown in the tables")->check(CLI::Range(1, 6))->capture_default_str();
  cmd->add_option("--json", opts->json_out, "Write every result (per image too) as JSON");
  cmd->add_flag("--no-images", opts->no_images, "Leave the per-image records out of --json");
  cmd->add_option("--csv", opts->csv_out, "Write the table as CSV (full precision)");
  cmd->add_option("--markdown", opts->markdown_out, "Write the table as Markdown");
  cmd->add_option("--latex", opts->latex_out, "Write the table as a LaTeX booktabs tabular");
  cmd->add_option("--curves", opts->curves_out,
                  "Write the 256-point curves as CSV (method,dataset,threshold,precision,recall,fmeasure,emeasure)");
  cmd->callback([opts, &globals, &exit_code] { exit_code = runEval(*opts, globals); });
}

}  // namespace rgbdsod::cli
