#pragma once
// What `rgbdsod eval` and `rgbdsod plot` evaluate: the prediction folders given on the command line
// (--gt/--pred, or the toolboxes' layout --root R with R/<method>/<dataset>/ and R/GT/<dataset>/),
// evaluated through the result cache with progress, cancellation and warnings about missing,
// extra and resized predictions. Torch-free and Qt-free: the plot command includes it.
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "rgbdsod/core/report_table.h"

namespace rgbdsod::cli {

struct EvalInputOptions {
  std::string root;
  std::string gt;
  std::vector<std::string> preds;
  std::vector<std::string> methods;   // names for --pred folders, or a selection under --root
  std::vector<std::string> datasets;  // the name of --gt's dataset, or a selection under --root
  bool no_cache = false;
  std::string cache_dir;
};

// Registers --root, --gt, --pred, --method, --dataset, --no-cache, --cache-dir on `cmd`.
void addEvalInputOptions(CLI::App* cmd, EvalInputOptions& opts);

struct EvalJob {
  std::string method;
  std::string dataset;
  std::filesystem::path gt_dir;
  std::filesystem::path pred_dir;
};

// The (method, dataset) pairs to evaluate, methods then datasets in a stable order. Throws
// CLI::ValidationError for contradictory options and core::FileError for missing folders; a
// method without a folder for a dataset under --root is a warning.
std::vector<EvalJob> resolveEvalJobs(const EvalInputOptions& opts);

struct EvalRun {
  std::vector<core::LabeledEvaluation> results;  // in job order
  bool incomplete = false;  // some GT image had no prediction
};

// Evaluates every job (through the cache unless --no-cache), logging per pair the missing, extra,
// skipped and resized files and, at the end, how many results came from the cache.
EvalRun runEvaluations(const std::vector<EvalJob>& jobs, const EvalInputOptions& opts, const GlobalOptions& globals);

// The longest prefix (from_end: suffix) that every stem shares, shorter than the shortest stem:
// stripping it never leaves an empty name. How eval (and figure) detect a published folder's affix.
std::string commonAffix(const std::vector<std::string>& stems, bool from_end);

}  // namespace rgbdsod::cli
