// Resolving and running the evaluations of `rgbdsod eval` / `rgbdsod plot` (see eval_inputs.h).
#include "eval_inputs.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "interrupt.h"
#include "progress_bar.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/eval_cache.h"
#include "rgbdsod/core/image_io.h"

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

// "R/A/DUT/" -> "A". The trailing separator is dropped first: the parent of ".../DUT/" is ".../DUT".
std::string parentName(const fs::path& p) {
  fs::path n = fs::weakly_canonical(p);
  if (n.filename().empty()) n = n.parent_path();
  return lastName(n.parent_path());
}

// A GT folder named GT/masks/... is a dataset's mask folder: the dataset is its parent.
std::string datasetNameOf(const fs::path& gt) {
  static const std::set<std::string> mask_names{"gt", "gts", "mask", "masks", "groundtruth", "ground_truth", "label", "labels"};
  const std::string name = lastName(gt);
  if (mask_names.count(lower(name)) == 0) return name;
  return parentName(gt);
}

// Default method names of --pred folders. The toolboxes' layout <method>/<dataset>/ names the
// method by the parent: a folder named like the dataset (--dataset, or the GT folder's dataset, any
// case), or like another --pred folder (R/A/test, R/B/test), takes its parent's name.
std::vector<std::string> methodNamesOf(const std::vector<std::string>& preds, const std::vector<std::string>& datasets) {
  std::vector<std::string> names;
  std::map<std::string, std::size_t> uses;
  for (const std::string& p : preds) ++uses[lastName(p)];
  for (const std::string& p : preds) {
    const std::string name = lastName(p);
    const bool like_dataset = std::any_of(datasets.begin(), datasets.end(), [&](const std::string& d) { return lower(d) == lower(name); });
    const std::string parent = like_dataset || uses[name] > 1 ? parentName(p) : std::string();
    names.push_back(parent.empty() ? name : parent);
  }
  return names;
}

// ---- published folders: a prefix or suffix on every prediction name ----

bool isSeparator(char c) { return c == '_' || c == '-' || c == ' '; }  // as stripOne in core

struct NameSets {
  std::set<std::string> gt;             // pairing names of the GT images
  std::vector<fs::path> preds;          // the prediction images
  std::vector<std::string> pred_stems;
};

NameSets namesOf(const EvalJob& job) {
  NameSets n;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(job.gt_dir, ec))
    if (e.is_regular_file(ec) && core::hasImageExtension(e.path())) n.gt.insert(core::pairingName(e.path(), core::Modality::Gt));
  for (const auto& e : fs::directory_iterator(job.pred_dir, ec))
    if (e.is_regular_file(ec) && core::hasImageExtension(e.path())) {
      n.preds.push_back(e.path());
      n.pred_stems.push_back(e.path().stem().string());
    }
  return n;  // unreadable folders: evaluateFolders reports them naming the folder
}

// How many GT images some prediction pairs with under `options` (as evaluateFolders pairs them).
std::size_t pairedCount(const NameSets& n, const core::EvalOptions& options) {
  std::set<std::string> paired;
  for (const fs::path& f : n.preds)
    for (const std::string& c : core::predictionNameCandidates(f, options))
      if (n.gt.count(c) != 0) {
        paired.insert(c);
        break;
      }
  return paired.size();
}

struct AffixChoice {
  std::string prefix;
  std::string suffix;
  std::size_t before = 0;  // GT images paired without them
  std::size_t after = 0;
};

// Picks the suffix, then the prefix, of the shared affixes that pairs the most GT images (the longest
// on ties). Suffixes are stripped as pred_suffixes are (after a separator, separator included), so
// only those starting with a separator are tried; prefixes are stripped literally. Kept only when it
// pairs more than half of the prediction files that did not pair before: a shared "1_" of a few
// digit names must not re-pair a folder that mostly pairs already.
AffixChoice detectAffix(const NameSets& n, core::EvalOptions options) {
  AffixChoice choice;
  choice.before = choice.after = pairedCount(n, options);
  if (choice.before >= n.preds.size() || choice.before >= n.gt.size()) return choice;  // every file pairs
  const std::size_t unpaired = n.preds.size() - choice.before;
  const std::string suffix = commonAffix(n.pred_stems, true);
  for (std::size_t len = suffix.size(); len >= 2; --len) {
    const std::string s = suffix.substr(suffix.size() - len);
    if (!isSeparator(s.front())) continue;
    core::EvalOptions o = options;
    o.pred_suffixes.insert(o.pred_suffixes.begin(), s);
    if (const std::size_t c = pairedCount(n, o); c > choice.after) {
      choice.after = c;
      choice.suffix = s;
    }
  }
  if (!choice.suffix.empty()) options.pred_suffixes.insert(options.pred_suffixes.begin(), choice.suffix);
  const std::string prefix = commonAffix(n.pred_stems, false);
  for (std::size_t len = prefix.size(); len >= 1; --len) {
    core::EvalOptions o = options;
    o.pred_prefixes = {prefix.substr(0, len)};
    if (const std::size_t c = pairedCount(n, o); c > choice.after) {
      choice.after = c;
      choice.prefix = o.pred_prefixes.front();
    }
  }
  if (2 * (choice.after - choice.before) <= unpaired) return {{}, {}, choice.before, choice.before};
  return choice;
}

// The pairing options of a job: the method's name and, for names that do not pair as they are, a
// detected shared prefix / suffix (said on stderr, so that a surprising pairing can be traced).
core::EvalOptions pairingOptions(const EvalJob& job, const std::string& label) {
  core::EvalOptions options;
  options.method = job.method;
  const NameSets names = namesOf(job);
  const AffixChoice a = detectAffix(names, options);
  if (!a.suffix.empty()) options.pred_suffixes.insert(options.pred_suffixes.begin(), a.suffix);
  if (!a.prefix.empty()) options.pred_prefixes.push_back(a.prefix);
  if (a.suffix.empty() && a.prefix.empty()) return options;
  std::vector<std::string> what;
  if (!a.prefix.empty()) what.push_back(fmt::format("the prefix '{}'", a.prefix));
  if (!a.suffix.empty()) what.push_back(fmt::format("the suffix '{}'", a.suffix));
  spdlog::info("{}: every prediction name has {}, stripped for pairing: {} of {} GT images pair ({} without)", label,
               fmt::join(what, " and "), a.after, names.gt.size(), a.before);
  return options;
}

// Why nothing paired, with one name of each side as pairing sees it, and what to try.
void hintNothingPairs(const std::string& label, const core::FolderEvaluation& e, const core::EvalOptions& options) {
  if (e.missing.empty() || e.extra.empty()) return;
  const fs::path& gt = e.missing.front().file;
  const fs::path& pred = e.extra.front().file;
  spdlog::warn("{}: names differ: GT {} pairs as '{}', prediction {} as '{}' (no prefix or suffix is shared by all "
               "prediction files and pairs them). Name predictions like the GT images, or give --method NAME when "
               "they end in '_NAME'; the suffixes stripped anyway are {}",
               label, gt.filename().string(), core::pairingName(gt, core::Modality::Gt), pred.filename().string(),
               core::predictionNameCandidates(pred, options).back(), fmt::join(options.pred_suffixes, ", "));
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
bool reportProblems(const std::string& label, const core::FolderEvaluation& e, const core::EvalOptions& options) {
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
  if (e.images.empty()) {
    spdlog::warn("{}: no prediction pairs with a GT image; nothing was evaluated", label);
    hintNothingPairs(label, e, options);
  }
  return !e.missing.empty();
}

}  // namespace

// The longest prefix (from_end: suffix) that every stem shares, shorter than the shortest stem:
// stripping it never leaves an empty name.
std::string commonAffix(const std::vector<std::string>& stems, bool from_end) {
  if (stems.empty()) return {};
  std::size_t len = stems.front().size();
  for (const std::string& s : stems) len = std::min(len, s.size());
  if (len > 0) --len;  // never the whole name
  auto at = [from_end](const std::string& s, std::size_t i) { return from_end ? s[s.size() - 1 - i] : s[i]; };
  std::size_t k = 0;
  while (k < len && std::all_of(stems.begin(), stems.end(), [&](const std::string& s) { return at(s, k) == at(stems.front(), k); }))
    ++k;
  const std::string& f = stems.front();
  return from_end ? f.substr(f.size() - k) : f.substr(0, k);
}

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
  const std::vector<std::string> defaults = methodNamesOf(o.preds, {dataset, datasetNameOf(o.gt)});
  std::vector<EvalJob> jobs;
  std::set<std::string> names;
  for (std::size_t i = 0; i < o.preds.size(); ++i) {
    const std::string method = o.methods.empty() ? defaults[i] : o.methods[i];
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
    const core::EvalOptions options = pairingOptions(job, label);
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
    run.incomplete = reportProblems(label, result.evaluation, options) || run.incomplete;
    run.results.push_back({job.method, job.dataset, std::move(result.evaluation), result.from_cache});
  }
  if (cache) spdlog::info("evaluation cache: reused {} of {} results ({})", reused, jobs.size(), cache->dir().string());
  return run;
}

}  // namespace rgbdsod::cli
