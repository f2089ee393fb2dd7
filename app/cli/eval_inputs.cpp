// Resolving and running the evaluations of `rgbdsod eval` / `rgbdsod plot` (see eval_inputs.h).
#include "eval_inputs.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "interrupt.h"
#include "progress_bar.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/eval_cache.h"

namespace fs = std::filesystem;

namespace rgbdsod::cli {
namespace {

constexpr std::size_t kNamesListed = 5;  // names shown per warning line; the count says the rest

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "a/b/" -> "b": the last non-empty component.
std::string lastName(const fs::path& p) {
  fs::path n = p.lexically_normal();
  if (n.filename().empty()) n = n.parent_path();
  if (n.filename().empty() || n.filename() == "." || n.filename() == "..") n = fs::weakly_canonical(p);
  return n.filename().string();
}

// A GT folder named GT/masks/... is a dataset's mask folder: the dataset is its parent.
std::string datasetNameOf(const fs::path& gt) {
  static const std::set<std::string> mask_names{"gt", "gts", "mask", "masks", "groundtruth", "ground_truth", "label", "labels"};
  const std::string name = lastName(gt);
  if (mask_names.count(lower(name)) == 0) return name;
  return lastName(fs::weakly_canonical(gt).parent_path());
}

// The toolboxes' layout <method>/<dataset>/: a folder named like the dataset takes its parent's name.
std::string methodNameOf(const fs::path& pred, const std::string& dataset) {
  const std::string name = lastName(pred);
  if (name != dataset) return name;
  return lastName(fs::weakly_canonical(pred).parent_path());
}

std::vector<std::string> subfolders(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(ec) && e.path().filename().string().front() != '.') out.push_back(e.path().filename().string());
  if (ec) throw core::FileError(dir, "cannot list the folder: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

// Keeps `all` in the order of `wanted` when a selection is given; unknown names are errors.
std::vector<std::string> select(const std::vector<std::string>& all, const std::vector<std::string>& wanted,
                                const fs::path& where, const char* what) {
  if (wanted.empty()) return all;
  for (const std::string& w : wanted)
    if (std::find(all.begin(), all.end(), w) == all.end())
      throw core::FileError(where, fmt::format("no {} folder named '{}' (found: {})", what, w, fmt::join(all, ", ")));
  return wanted;
}

std::vector<EvalJob> rootJobs(const EvalInputOptions& o) {
  const fs::path root = o.root;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw core::FileError(root, "folder does not exist");
  std::string gt_name;
  for (const std::string& d : subfolders(root))
    if (lower(d) == "gt") gt_name = d;
  if (gt_name.empty())
    throw core::FileError(root, "no GT folder: --root expects R/GT/<dataset>/ and R/<method>/<dataset>/");
  const std::vector<std::string> datasets = select(subfolders(root / gt_name), o.datasets, root / gt_name, "dataset");
  std::vector<std::string> methods_found = subfolders(root);
  methods_found.erase(std::remove(methods_found.begin(), methods_found.end(), gt_name), methods_found.end());
  const std::vector<std::string> methods = select(methods_found, o.methods, root, "method");
  std::vector<EvalJob> jobs;
  for (const std::string& m : methods)
    for (const std::string& d : datasets) {
      const fs::path pred = root / m / d;
      if (!fs::is_directory(pred, ec)) {
        spdlog::warn("{}: no predictions for dataset {} ({} does not exist)", m, d, pred.string());
        continue;
      }
      jobs.push_back({m, d, root / gt_name / d, pred});
    }
  if (jobs.empty()) throw core::FileError(root, "no R/<method>/<dataset>/ folder matches a dataset in R/" + gt_name);
  return jobs;
}

std::string firstNames(const std::vector<core::UnmatchedFile>& files) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < files.size() && i < kNamesListed; ++i) names.push_back(files[i].file.filename().string());
  return fmt::format("{}{}", fmt::join(names, ", "), files.size() > kNamesListed ? ", ..." : "");
}

// The warnings of one evaluated pair; returns true when GT images had no prediction.
bool reportProblems(const std::string& label, const core::FolderEvaluation& e) {
  const std::size_t gt_total = e.images.size() + e.missing.size();
  if (!e.missing.empty())
    spdlog::warn("{}: {} of {} GT images have no prediction (not evaluated): {}", label, e.missing.size(), gt_total,
                 firstNames(e.missing));
  if (!e.extra.empty())
    spdlog::warn("{}: {} prediction file(s) without a GT image (ignored): {}", label, e.extra.size(), firstNames(e.extra));
  if (!e.skipped.empty())
    spdlog::warn("{}: {} file(s) skipped (not images or duplicate names): {}", label, e.skipped.size(), firstNames(e.skipped));
  if (const std::size_t resized = e.resizedCount(); resized > 0) {
    std::vector<std::string> names;
    for (const core::ImageRecord& r : e.images)
      if (r.resized && names.size() < kNamesListed)
        names.push_back(fmt::format("{} ({}x{})", r.pred_file.filename().string(), r.pred_width, r.pred_height));
    spdlog::warn("{}: {} of {} predictions have another size than their GT and were resized to it (bilinear): {}{}",
                 label, resized, e.images.size(), fmt::join(names, ", "), resized > kNamesListed ? ", ..." : "");
  }
  if (e.images.empty()) spdlog::warn("{}: no prediction pairs with a GT image; nothing was evaluated", label);
  return !e.missing.empty();
}

}  // namespace

void addEvalInputOptions(CLI::App* cmd, EvalInputOptions& o) {
  cmd->add_option("--root", o.root, "Toolbox layout: R/GT/<dataset>/ and R/<method>/<dataset>/");
  cmd->add_option("--gt", o.gt, "GT folder of one dataset (with --pred)");
  cmd->add_option("--pred", o.preds, "Prediction folder (repeat for several methods)");
  cmd->add_option("--method", o.methods,
                  "Method names: one per --pred (default: the folder's name), or the methods to use under --root");
  cmd->add_option("--dataset", o.datasets, "The dataset's name with --gt (default: from the folder), or the datasets "
                                           "to use under --root");
  cmd->add_flag("--no-cache", o.no_cache, "Evaluate everything again; neither read nor write the result cache");
  cmd->add_option("--cache-dir", o.cache_dir, "Result cache folder (default: $XDG_CACHE_HOME/rgbdsod/eval)");
}

std::vector<EvalJob> resolveEvalJobs(const EvalInputOptions& o) {
  if (!o.root.empty()) {
    if (!o.gt.empty() || !o.preds.empty()) throw CLI::ValidationError("--root", "give either --root or --gt with --pred");
    return rootJobs(o);
  }
  if (o.gt.empty() || o.preds.empty())
    throw CLI::ValidationError("--gt", "give --gt DIR with one or more --pred DIR, or --root R");
  if (!o.methods.empty() && o.methods.size() != o.preds.size())
    throw CLI::ValidationError("--method", fmt::format("give one --method per --pred ({} --pred, {} --method)",
                                                       o.preds.size(), o.methods.size()));
  if (o.datasets.size() > 1) throw CLI::ValidationError("--dataset", "with --gt, --dataset names the one dataset");
  std::error_code ec;
  if (!fs::is_directory(o.gt, ec)) throw core::FileError(o.gt, "GT folder does not exist or is not a folder");
  const std::string dataset = o.datasets.empty() ? datasetNameOf(o.gt) : o.datasets.front();
  std::vector<EvalJob> jobs;
  std::set<std::string> names;
  for (std::size_t i = 0; i < o.preds.size(); ++i) {
    const std::string method = o.methods.empty() ? methodNameOf(o.preds[i], dataset) : o.methods[i];
    if (!names.insert(method).second)
      throw CLI::ValidationError("--method", "two prediction folders are both named '" + method + "'; name them with --method");
    jobs.push_back({method, dataset, o.gt, o.preds[i]});
  }
  return jobs;
}

EvalRun runEvaluations(const std::vector<EvalJob>& jobs, const EvalInputOptions& o, const GlobalOptions& globals) {
  std::optional<core::EvalCache> cache;
  if (!o.no_cache) cache.emplace(o.cache_dir.empty() ? core::defaultEvalCacheDir() : fs::path(o.cache_dir));
  EvalRun run;
  std::size_t reused = 0;
  for (const EvalJob& job : jobs) {
    const std::string label = job.method + "/" + job.dataset;
    core::EvalOptions options;
    options.method = job.method;
    ProgressBar bar(globals.showProgress());
    core::ProgressFn forward = bar.callback();
    core::JobContext context{[&forward, &label](const core::ProgressEvent& e) {
                               core::ProgressEvent named = e;
                               named.stage = label;  // the bar names the pair being evaluated
                               forward(named);
                             },
                             interruptToken()};
    core::CachedEvaluation result =
        core::evaluateFoldersCached(job.gt_dir, job.pred_dir, options, context, cache ? &*cache : nullptr);
    bar.finish();
    if (result.from_cache) {
      ++reused;
      spdlog::debug("{}: result reused from the cache", label);
    }
    run.incomplete = reportProblems(label, result.evaluation) || run.incomplete;
    run.results.push_back({job.method, job.dataset, std::move(result.evaluation), result.from_cache});
  }
  if (cache) spdlog::info("evaluation cache: reused {} of {} results ({})", reused, jobs.size(), cache->dir().string());
  return run;
}

}  // namespace rgbdsod::cli
