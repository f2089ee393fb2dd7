// rgbdsod labels: headless label correction. `rank` scores every GT mask of a dataset by where a
// network's saliency maps disagree with it (core::suggestRegions) and writes the ranking as JSON;
// `apply` accepts the top suggestions of such a report into a corrections folder through
// core::LabelStore, never touching the original GT. Maps come from a folder (paired by name as
// `rgbdsod eval` pairs them) or from a training run, predicted by `rgbdsod-engine infer` in a child
// process: this front end stays torch-free.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "engine_infer.h"
#include "figure_columns.h"  // PredictionFolder: a sample's map, paired as `rgbdsod eval` pairs names
#include "interrupt.h"
#include "labels_report.h"
#include "progress_bar.h"
#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/core/label_store.h"
#include "rgbdsod/core/label_suggestions.h"

namespace rgbdsod::cli {
namespace {

namespace fs = std::filesystem;
using labels::LabelsReport;
using labels::normalisedPath;
using labels::ReportImage;
using labels::ReportRegion;

constexpr std::size_t kNamesListed = 5;

std::string firstNames(const std::vector<std::string>& names) {
  const auto n = static_cast<std::ptrdiff_t>(std::min(names.size(), kNamesListed));
  const std::vector<std::string> shown(names.begin(), names.begin() + n);
  return fmt::format("{}{}", fmt::join(shown, ", "), names.size() > kNamesListed ? ", ..." : "");
}

// The prediction maps of a folder, read as evaluation reads them and brought to the label's size
// as evaluation brings them (bilinear), said once at the end.
class Maps {
 public:
  Maps(const fs::path& dir, const core::Dataset& ds) : folder_("pred", dir, ds) {}

  std::optional<cv::Mat> read(const core::SampleFiles& sample, cv::Size size) {
    const std::optional<fs::path> file = folder_.find(sample);
    if (!file) return std::nullopt;
    cv::Mat map = core::readEvaluationImage(*file);
    if (map.size() != size) {
      resized_.push_back(fmt::format("{} ({}x{})", file->filename().string(), map.cols, map.rows));
      cv::Mat resized;
      cv::resize(map, resized, size, 0, 0, cv::INTER_LINEAR);
      map = resized;
    }
    return map;
  }

  void warnResized() const {
    if (!resized_.empty())
      spdlog::warn("{}: {} map(s) have another size than their label and were resized to it (bilinear): {}",
                   folder_.dir().string(), resized_.size(), firstNames(resized_));
  }

 private:
  figure::PredictionFolder folder_;
  std::vector<std::string> resized_;
};

// ---- rank ----

struct RankOptions {
  std::string data;
  std::string run;
  std::string pred;
  std::string json_out;
  std::string labels;
  core::SuggestionOptions suggestion;
  std::size_t show = 10;
};

void printTable(const LabelsReport& report, std::size_t show, const std::string& json_out) {
  std::size_t flagged = 0, regions = 0;
  for (const ReportImage& im : report.images) {
    flagged += im.regions.empty() ? 0 : 1;
    regions += im.regions.size();
  }
  std::string text = fmt::format("{:>4}  {:>8}  {:>7}  {}\n", "#", "score", "regions", "image");
  for (std::size_t i = 0; i < report.images.size() && i < show; ++i) {
    const ReportImage& im = report.images[i];
    text += fmt::format("{:>4}  {:>8.4f}  {:>7}  {}\n", i + 1, im.score, im.regions.size(), im.name);
  }
  if (report.images.size() > show) text += fmt::format("   ... {} more\n", report.images.size() - show);
  text += fmt::format("{} of {} images have suggested regions ({} regions); report written to {}\n", flagged,
                      report.images.size(), regions, json_out);
  std::printf("%s", text.c_str());
}

int runRank(const RankOptions& o, const GlobalOptions& globals) {
  const core::CancelToken cancel = interruptToken();
  if (o.run.empty() == o.pred.empty()) throw CLI::ValidationError("--run", "give either --run RUN or --pred DIR");
  const core::Dataset ds = labels::openLabeledDataset(o.data);
  std::error_code ec;
  if (!o.labels.empty() && !fs::is_directory(o.labels, ec))
    throw core::FileError(o.labels, "--labels: no such corrections folder");
  const fs::path json_out = o.json_out;
  const fs::path json_dir = json_out.parent_path().empty() ? fs::path(".") : json_out.parent_path();
  if (!fs::is_directory(json_dir, ec)) throw core::FileError(json_out, "the report's folder does not exist");
  const core::LabelStore store(ds, o.labels);
  if (!store.sidecarProblem().empty()) spdlog::warn("{} (its masks are ranked anyway)", store.sidecarProblem());

  LabelsReport report;
  report.data = normalisedPath(ds.root);
  report.labels = normalisedPath(store.folder());
  report.options = o.suggestion;
  std::unique_ptr<ScratchFolder> scratch;
  fs::path dir;
  if (!o.run.empty()) {
    if (!fs::is_directory(o.run, ec) || !labels::isRunFolder(o.run))
      throw core::FileError(o.run, "not a run folder (config.json and checkpoints/, written by rgbdsod train)");
    scratch = std::make_unique<ScratchFolder>("labels");
    dir = scratch->path() / "pred";
    labels::predictWithRun(o.run, ds.root, {}, dir, globals);
    report.run = normalisedPath(o.run);
  } else {
    if (!fs::is_directory(o.pred, ec)) throw core::FileError(o.pred, "prediction folder does not exist");
    dir = o.pred;
    report.pred = normalisedPath(o.pred);
  }

  Maps maps(dir, ds);
  ProgressBar bar(globals.showProgress());
  for (std::size_t i = 0; i < ds.samples.size(); ++i) {
    if (cancel.cancelled()) throw core::Cancelled();
    const core::SampleFiles& s = ds.samples[i];
    const cv::Mat label = store.load(s.name);  // the correction where there is one, else the original
    const std::optional<cv::Mat> map = maps.read(s, label.size());
    if (!map) {
      report.missing.push_back(s.name);
      continue;
    }
    const core::LabelSuspicion suspicion = core::suggestRegions(label, *map, o.suggestion);
    ReportImage image{s.name, suspicion.score, {}};
    for (const core::SuggestedRegion& r : suspicion.regions) image.regions.push_back(labels::toReportRegion(r));
    report.images.push_back(std::move(image));
    bar.update({"rank", i + 1, ds.samples.size(), s.name});
  }
  bar.finish();
  // Most suspicious first; the dataset's (natural) name order on ties, as the samples come.
  std::stable_sort(report.images.begin(), report.images.end(),
                   [](const ReportImage& a, const ReportImage& b) { return a.score > b.score; });
  maps.warnResized();
  const std::string source = o.run.empty() ? o.pred : "the predictions of the run " + o.run;
  if (!report.missing.empty())
    spdlog::warn("{} of {} samples have no map in {} (not ranked): {}", report.missing.size(), ds.samples.size(),
                 source, firstNames(report.missing));
  core::writeFileAtomic(json_out, labels::reportJson(report));
  if (!globals.quiet) printTable(report, o.show, o.json_out);
  return report.missing.empty() ? kExitOk : kExitFindings;
}

// ---- apply ----

struct ApplyOptions {
  std::string data;
  std::string report;
  long long top = 0;
  std::string out;
  std::string pred;
};

struct Pick {
  std::size_t image = 0;   // index in report.images
  std::size_t region = 0;  // index in its regions
};

int runApply(const ApplyOptions& o, const GlobalOptions& globals) {
  const core::CancelToken cancel = interruptToken();
  if (o.top < 1) throw CLI::ValidationError("--top", fmt::format("K must be at least 1, got {}", o.top));
  const fs::path report_file = o.report;
  const LabelsReport report = labels::readReport(report_file);
  const core::Dataset ds = labels::openLabeledDataset(o.data);
  if (normalisedPath(ds.root) != report.data)
    throw core::FileError(report_file, fmt::format("the report ranks the labels of the dataset {}, not of {}",
                                                   report.data.string(), normalisedPath(ds.root).string()));
  for (const ReportImage& im : report.images)
    if (!ds.indexOf(im.name))
      throw core::FileError(report_file, fmt::format("sample '{}' of the report is not in the dataset {}", im.name,
                                                     ds.root.string()));
  const fs::path out = o.out;
  labels::checkOutputFolder(out, ds);

  // The top K regions over all images, by region score (ties: the report's image order, then the
  // image's region order).
  std::vector<Pick> picks;
  for (std::size_t i = 0; i < report.images.size(); ++i)
    for (std::size_t r = 0; r < report.images[i].regions.size(); ++r) picks.push_back({i, r});
  std::stable_sort(picks.begin(), picks.end(), [&](const Pick& a, const Pick& b) {
    return report.images[a.image].regions[a.region].score > report.images[b.image].regions[b.region].score;
  });
  const std::size_t total = picks.size();
  if (picks.size() > static_cast<std::size_t>(o.top)) picks.resize(static_cast<std::size_t>(o.top));
  if (picks.empty()) {
    if (!globals.quiet) std::printf("the report suggests no regions: nothing to apply\n");
    return kExitOk;
  }
  std::map<std::size_t, std::vector<std::size_t>> chosen;  // image -> its chosen regions
  for (const Pick& p : picks) chosen[p.image].push_back(p.region);
  std::vector<std::string> names;
  for (const auto& [image, regions] : chosen) names.push_back(report.images[image].name);

  // The regions' pixels are recomputed from the maps: --pred, else the report's folder or run.
  std::unique_ptr<ScratchFolder> scratch;
  std::error_code ec;
  fs::path dir;
  if (!o.pred.empty()) {
    if (!fs::is_directory(o.pred, ec)) throw core::FileError(o.pred, "prediction folder does not exist");
    dir = o.pred;
  } else if (!report.pred.empty()) {
    if (!fs::is_directory(report.pred, ec))
      throw core::FileError(report_file, fmt::format("the prediction folder it was ranked with, {}, does not exist; "
                                                     "give the maps with --pred DIR",
                                                     report.pred.string()));
    dir = report.pred;
  } else {
    if (!labels::isRunFolder(report.run))
      throw core::FileError(report_file, fmt::format("the run it was ranked with, {}, is not a run folder any more; "
                                                     "give the maps with --pred DIR",
                                                     report.run.string()));
    scratch = std::make_unique<ScratchFolder>("labels");
    dir = scratch->path() / "pred";
    labels::predictWithRun(report.run, ds.root, names, dir, globals);
  }

  Maps maps(dir, ds);
  const core::LabelStore ranked(ds, report.labels);  // the masks the report ranked
  core::LabelStore store(ds, out);
  std::size_t applied = 0, samples = 0;
  std::vector<std::string> skipped;
  for (const auto& [image, regions] : chosen) {
    if (cancel.cancelled()) throw core::Cancelled();
    const std::string& name = report.images[image].name;
    const core::SampleFiles& s = ds.samples[*ds.indexOf(name)];
    const cv::Mat base = store.hasCorrection(name) ? store.load(name) : ranked.load(name);
    const std::optional<cv::Mat> map = maps.read(s, base.size());
    if (!map) {
      spdlog::warn("sample '{}': no map in {}; its {} region(s) are skipped", name, dir.string(), regions.size());
      for (std::size_t k = 0; k < regions.size(); ++k) skipped.push_back(name);
      continue;
    }
    const core::LabelSuspicion now = core::suggestRegions(base, *map, report.options);
    cv::Mat mask = base.clone();
    int done = 0;
    for (std::size_t r : regions) {
      const ReportRegion& want = report.images[image].regions[r];
      const auto found = std::find_if(now.regions.begin(), now.regions.end(),
                                      [&](const core::SuggestedRegion& g) { return labels::sameRegion(want, g); });
      if (found == now.regions.end()) {
        spdlog::warn("sample '{}': the region at [{}, {}, {}, {}] ({} px) is no longer suggested (already corrected, "
                     "or the labels or maps changed since the report); skipped",
                     name, want.bbox.x, want.bbox.y, want.bbox.width, want.bbox.height, want.area);
        skipped.push_back(name);
        continue;
      }
      core::applySuggestion(mask, *found);
      ++done;
    }
    if (done == 0) continue;
    store.save(name, mask, {{"suggestion", done}});
    applied += static_cast<std::size_t>(done);
    ++samples;
  }
  maps.warnResized();
  if (!globals.quiet)
    std::printf("%s", fmt::format("applied {} of the top {} suggested regions ({} in the report) to {} sample(s) in "
                                  "{}; the original GT is untouched\n",
                                  applied, picks.size(), total, samples, store.folder().string())
                          .c_str());
  if (!skipped.empty())
    spdlog::warn("{} region(s) skipped: {}", skipped.size(), firstNames(skipped));
  return skipped.empty() ? kExitOk : kExitFindings;
}

}  // namespace

void addLabelsCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  CLI::App* labels = app.add_subcommand(
      "labels", "Find and fix label errors: rank GT masks by their disagreement with a network's maps, apply the top "
                "suggestions, import masks into a corrections folder, export a corrected dataset, show the review "
                "status; the original GT is never written");
  labels->require_subcommand(1);

  auto rank = std::make_shared<RankOptions>();
  CLI::App* r = labels->add_subcommand(
      "rank", "Score every GT mask by the regions where saliency maps disagree with it (higher = more likely wrong) "
              "and write the ranking as JSON; exit code 1 when samples have no map");
  r->add_option("--data,-d", rank->data, "Labeled dataset folder (RGB/, depth/, GT/)")->required();
  r->add_option("--run,-r", rank->run, "Run folder written by rgbdsod train: predicted now (rgbdsod-engine infer)");
  r->add_option("--pred,-p", rank->pred, "Folder of saliency maps, paired with the samples as `rgbdsod eval` pairs names");
  r->add_option("--json,-o", rank->json_out, "The report to write (JSON, atomically)")->required();
  r->add_option("--labels", rank->labels,
                "Corrections folder to rank (default: <data>/GT_corrected); its masks where it has them, else the "
                "original GT");
  r->add_option("--min-area", rank->suggestion.min_area, "Smaller disagreement regions are ignored (px)")
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
  r->add_option("--min-confidence", rank->suggestion.min_confidence,
                "Regions whose mean map confidence |2p - 1| is below are ignored (0..1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  r->add_option("--show", rank->show, "Images listed on stdout")->capture_default_str();
  r->footer(
      "A region is a 4-connected component where the binarised map (>= 128) says foreground and the label "
      "background (suggest add) or the reverse (remove); its score is area x mean confidence / image area, an image's "
      "score the sum of its regions' (0: the map agrees). The report lists every ranked image, most suspicious first "
      "(ties in name order): {\"data\", \"labels\", \"run\" or \"pred\", \"images\": [{\"name\", \"score\", "
      "\"regions\": [{\"bbox\": [x, y, w, h], \"area\", \"score\", \"confidence\", \"suggest\"}]}]}. Maps of another "
      "size than the label are resized to it (bilinear), as `rgbdsod eval` does.\n");
  r->callback([rank, &globals, &exit_code] { exit_code = runRank(*rank, globals); });

  auto apply = std::make_shared<ApplyOptions>();
  CLI::App* a = labels->add_subcommand(
      "apply", "Accept the top K suggested regions of a `labels rank` report into a corrections folder (the original "
               "GT is untouched); exit code 1 when some could not be applied");
  a->add_option("--data,-d", apply->data, "The labeled dataset the report was written for")->required();
  a->add_option("--report", apply->report, "Report written by `rgbdsod labels rank`")->required();
  a->add_option("--top,-k", apply->top,
                "How many regions: the K highest region scores over all images of the report (not K images)")
      ->required();
  a->add_option("--out,-o", apply->out,
                "Corrections folder to write (<sample>.png and labels.json, edits recorded as 'suggestion'): new, "
                "empty, or a corrections folder of this dataset to continue")
      ->required();
  a->add_option("--pred,-p", apply->pred, "Folder of the same maps the report was ranked with (default: the report's)");
  a->footer(
      "The report stores each region's box, area and direction, not its pixels: apply recomputes the regions from the "
      "prediction maps (the report's --pred folder, --pred DIR, or the report's run predicted again with "
      "rgbdsod-engine infer) against the masks the report ranked (or the correction already in --out), and applies "
      "those with the same box, area and direction. A region that no longer matches is skipped with a warning.\n");
  a->callback([apply, &globals, &exit_code] { exit_code = runApply(*apply, globals); });

  labels::addLabelsStoreCommands(*labels, globals, exit_code);
}

}  // namespace rgbdsod::cli
