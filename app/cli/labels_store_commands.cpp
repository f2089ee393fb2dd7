// rgbdsod labels import / export / status: the corrections folder of a dataset (core::LabelStore)
// from the command line. `import` copies masks of another folder in as corrections, `export`
// writes a new dataset folder whose GT is the corrections (the originals where there are none),
// `status` summarises the review and can rebuild an unreadable labels.json. The original GT is
// never written by any of them.
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "labels_report.h"
#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/label_store.h"

namespace rgbdsod::cli::labels {
namespace {

using json = nlohmann::ordered_json;

struct StoreOptions {
  std::string data;
  std::string labels;  // empty: <data>/GT_corrected
  std::string masks;   // import
  std::string out;     // export
  bool copy = false;   // export
  std::string json_out;  // status
  bool rebuild = false;  // status
};

// The command that rebuilds the sidecar, with the folders the user gave.
std::string rebuildHint(const StoreOptions& o) {
  std::string cmd = "rgbdsod labels status --data " + o.data;
  if (!o.labels.empty()) cmd += " --labels " + o.labels;
  return "run `" + cmd + " --rebuild` to rebuild it from the corrected masks (which keeps the unreadable file as " +
         std::string(core::LabelStore::kSidecar) + ".bad)";
}

// An explicitly given --labels folder must exist where the command only reads it.
void requireExistingLabels(const StoreOptions& o) {
  std::error_code ec;
  if (!o.labels.empty() && !fs::is_directory(o.labels, ec))
    throw core::FileError(o.labels, "--labels: no such corrections folder");
}

// ---- import ----

int runImport(const StoreOptions& o, const GlobalOptions& globals) {
  const core::Dataset ds = openLabeledDataset(o.data);
  std::error_code ec;
  if (!fs::is_directory(o.masks, ec)) throw core::FileError(o.masks, "--masks: no such folder of masks");
  core::LabelStore store(ds, o.labels);
  if (!store.sidecarProblem().empty())
    throw core::Error(fmt::format("{}; nothing imported; {}", store.sidecarProblem(), rebuildHint(o)));
  checkOutputFolder(store.folder(), ds);
  if (normalisedPath(o.masks) == normalisedPath(store.folder()))
    throw core::FileError(o.masks, "is the corrections folder itself: give the folder the masks come from");
  const std::size_t n = store.importMasks(o.masks);
  if (n == 0) {
    spdlog::warn("{}: no mask matches a sample of {}; nothing imported", o.masks, ds.root.string());
    return kExitFindings;
  }
  if (!globals.quiet)
    std::printf("%s", fmt::format("imported {} mask(s) from {} into {} (status unreviewed, edit kind 'import'); the "
                                  "original GT is untouched\n",
                                  n, o.masks, store.folder().string())
                          .c_str());
  return kExitOk;
}

// ---- export ----

int runExport(const StoreOptions& o, const GlobalOptions& globals) {
  const core::Dataset ds = openLabeledDataset(o.data);
  requireExistingLabels(o);
  const core::LabelStore store(ds, o.labels);
  if (!store.sidecarProblem().empty())
    spdlog::warn("{} (the corrected masks are exported anyway; {})", store.sidecarProblem(), rebuildHint(o));
  std::size_t corrected = 0;
  for (const core::SampleFiles& s : ds.samples) corrected += store.hasCorrection(s.name) ? 1 : 0;
  store.exportDataset(o.out, o.copy);
  if (!globals.quiet)
    std::printf("%s", fmt::format("exported {} sample(s) of {} to {}: GT = {} correction(s) from {}, the original GT "
                                  "for the other {}; RGB and depth {}\n",
                                  ds.samples.size(), ds.root.string(), o.out, corrected, store.folder().string(),
                                  ds.samples.size() - corrected,
                                  o.copy ? "copied" : "linked (symbolic links to the source files)")
                          .c_str());
  return kExitOk;
}

// ---- status ----

// The labels.json.bad* files of a folder (to tell which one a rebuild kept).
std::set<std::string> keptSidecars(const fs::path& folder) {
  std::set<std::string> names;
  std::error_code ec;
  const std::string prefix = std::string(core::LabelStore::kSidecar) + ".bad";
  for (auto it = fs::directory_iterator(folder, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) == 0) names.insert(name);
  }
  return names;
}

struct Summary {
  std::map<core::LabelStatus, std::size_t> counts;
  long long edits = 0;
  std::map<std::string, long long> kinds;
  std::vector<std::string> corrected;  // status corrected
  std::vector<std::string> masks;      // samples with a corrected mask (any status)
  std::vector<std::string> outside;    // records of samples that are not in the dataset
};

Summary summarise(const core::LabelStore& store) {
  const core::Dataset& ds = store.dataset();
  Summary s;
  for (const core::LabelStatus st : {core::LabelStatus::Unreviewed, core::LabelStatus::Reviewed,
                                     core::LabelStatus::Corrected})
    s.counts[st] = 0;
  for (const core::SampleFiles& f : ds.samples) {
    const core::LabelRecord r = store.record(f.name);
    ++s.counts[r.status];
    if (r.status == core::LabelStatus::Corrected) s.corrected.push_back(f.name);
    if (store.hasCorrection(f.name)) s.masks.push_back(f.name);
  }
  for (const auto& [name, r] : store.records()) {
    if (!ds.indexOf(name)) s.outside.push_back(name);
    s.edits += r.edits;
    for (const auto& [kind, n] : r.edit_kinds) s.kinds[kind] += n;
  }
  return s;
}

std::string statusText(const core::LabelStore& store, const Summary& s) {
  using core::LabelStatus;
  const core::Dataset& ds = store.dataset();
  std::error_code ec;
  std::string t = fmt::format("dataset:     {} ({} samples)\n", ds.root.string(), ds.samples.size());
  t += fmt::format("corrections: {}{}\n", store.folder().string(),
                   fs::is_directory(store.folder(), ec) ? fmt::format(" ({} mask(s))", s.masks.size())
                                                         : std::string(" (none yet)"));
  t += fmt::format("status:      {} unreviewed, {} reviewed, {} corrected\n", s.counts.at(LabelStatus::Unreviewed),
                   s.counts.at(LabelStatus::Reviewed), s.counts.at(LabelStatus::Corrected));
  std::vector<std::string> kinds;
  for (const auto& [kind, n] : s.kinds) kinds.push_back(fmt::format("{} {}", kind, n));
  t += fmt::format("edits:       {}{}\n", s.edits, kinds.empty() ? std::string() : fmt::format(" ({})", fmt::join(kinds, ", ")));
  t += fmt::format("corrected:   {}\n", s.corrected.empty() ? std::string("-") : fmt::format("{}", fmt::join(s.corrected, ", ")));
  if (!s.outside.empty())
    t += fmt::format("not in the dataset (records kept): {}\n", fmt::join(s.outside, ", "));
  return t;
}

std::string statusJson(const core::LabelStore& store, const Summary& s) {
  using core::LabelStatus;
  json j;
  j["format"] = "rgbdsod-labels-status";
  j["version"] = 1;
  j["data"] = normalisedPath(store.dataset().root).string();
  j["labels"] = store.folder().string();
  j["samples"] = store.dataset().samples.size();
  j["status"] = {{"unreviewed", s.counts.at(LabelStatus::Unreviewed)},
                 {"reviewed", s.counts.at(LabelStatus::Reviewed)},
                 {"corrected", s.counts.at(LabelStatus::Corrected)}};
  j["edits"] = s.edits;
  json kinds = json::object();
  for (const auto& [kind, n] : s.kinds) kinds[kind] = n;
  j["kinds"] = std::move(kinds);
  j["corrected"] = s.corrected;
  j["masks"] = s.masks;
  j["outside"] = s.outside;
  return j.dump(1) + "\n";
}

int runStatus(const StoreOptions& o, const GlobalOptions& globals) {
  const core::Dataset ds = openLabeledDataset(o.data);
  requireExistingLabels(o);
  std::error_code ec;
  const fs::path json_out = o.json_out;
  if (!o.json_out.empty()) {
    const fs::path dir = json_out.parent_path().empty() ? fs::path(".") : json_out.parent_path();
    if (!fs::is_directory(dir, ec)) throw core::FileError(json_out, "the summary's folder does not exist");
  }
  core::LabelStore store(ds, o.labels);
  if (!store.sidecarProblem().empty()) {
    if (!o.rebuild) throw core::Error(fmt::format("{}; {}", store.sidecarProblem(), rebuildHint(o)));
    const std::string problem = store.sidecarProblem();
    const std::set<std::string> before = keptSidecars(store.folder());
    store.rebuildSidecar();
    std::string kept;
    for (const std::string& name : keptSidecars(store.folder()))
      if (!before.count(name)) kept = name;
    if (!globals.quiet)
      std::printf("%s", fmt::format("rebuilt {} from the {} corrected mask(s) (each now corrected, edits unknown); "
                                    "the unreadable file is kept as {} ({})\n",
                                    store.sidecarPath().string(), store.records().size(),
                                    kept.empty() ? std::string("-") : (store.folder() / kept).string(), problem)
                            .c_str());
  } else if (o.rebuild && !globals.quiet) {
    std::printf("%s", fmt::format("{} is readable: nothing to rebuild\n", store.sidecarPath().string()).c_str());
  }
  const Summary s = summarise(store);
  if (!o.json_out.empty()) core::writeFileAtomic(json_out, statusJson(store, s));
  if (!globals.quiet) std::printf("%s", statusText(store, s).c_str());
  return kExitOk;
}

}  // namespace

void addLabelsStoreCommands(CLI::App& labels, const GlobalOptions& globals, int& exit_code) {
  const std::string folder_help = "Corrections folder (default: <data>/GT_corrected): <sample>.png masks and labels.json";

  auto imp = std::make_shared<StoreOptions>();
  CLI::App* i = labels.add_subcommand(
      "import", "Copy the masks of another folder into the corrections folder as corrections to review (the "
                "original GT is untouched); exit code 1 when no file matches a sample");
  i->add_option("--data,-d", imp->data, "Labeled dataset folder (RGB/, depth/, GT/)")->required();
  i->add_option("--masks,-m", imp->masks, "Folder of masks, paired with the samples by name as GT is (0086_GT.png -> 0086)")
      ->required();
  i->add_option("--labels", imp->labels, folder_help + "; created when it does not exist");
  i->footer(
      "Each mask is stored as <sample>.png (binarised to 0/255) with status unreviewed, one edit of kind 'import', so "
      "that it is looked at; an existing correction of that sample is replaced. Every mask is checked before anything "
      "is written: one of another size than the sample's GT, one that cannot be read, or two files for one sample "
      "refuse the whole import (exit code 2, naming the file). Files matching no sample are skipped with a warning. "
      "The dataset's GT folder is never written; an unreadable labels.json refuses the import until `rgbdsod labels "
      "status --rebuild` has rebuilt it.\n");
  i->callback([imp, &globals, &exit_code] { exit_code = runImport(*imp, globals); });

  auto exp = std::make_shared<StoreOptions>();
  CLI::App* e = labels.add_subcommand(
      "export", "Write a new dataset folder whose GT is the corrections (the original GT where a sample has none), "
                "to train or evaluate on");
  e->add_option("--data,-d", exp->data, "Labeled dataset folder (RGB/, depth/, GT/)")->required();
  e->add_option("--labels", exp->labels, folder_help);
  e->add_option("--out,-o", exp->out, "The dataset folder to write; must not exist yet")->required();
  e->add_flag("--copy", exp->copy, "Copy the RGB and depth files instead of linking them");
  e->footer(
      "The export has RGB/, depth/ and GT/ under the source's file names. RGB and depth are symbolic links to the "
      "source files (absolute paths; copies with --copy, or where links cannot be made); GT files are always copies: "
      "<sample>.png from the corrections folder where there is one, else the original GT file. It is written into a "
      "temporary sibling and renamed, so a failure leaves nothing behind. The source dataset, its original GT and the "
      "corrections folder are only read.\n");
  e->callback([exp, &globals, &exit_code] { exit_code = runExport(*exp, globals); });

  auto st = std::make_shared<StoreOptions>();
  CLI::App* s = labels.add_subcommand(
      "status", "Summarise a corrections folder: samples per review status, edits in all and per kind, the corrected "
                "samples; --rebuild repairs an unreadable labels.json");
  s->add_option("--data,-d", st->data, "Labeled dataset folder (RGB/, depth/, GT/)")->required();
  s->add_option("--labels", st->labels, folder_help);
  s->add_option("--json,-o", st->json_out, "Also write the summary as JSON (atomically)");
  s->add_flag("--rebuild", st->rebuild,
              "When labels.json cannot be read (bad JSON, another tool's file, a newer version): keep it as "
              "labels.json.bad and rebuild the records from the masks (each corrected, edit counts unknown)");
  s->footer(
      "Samples without a record are unreviewed. A labels.json that cannot be read is reported with the problem and "
      "exit code 2 unless --rebuild is given; nothing is written without --rebuild (except --json). The original GT is "
      "never touched. The JSON summary: {\"data\", \"labels\", \"samples\", \"status\": {\"unreviewed\", "
      "\"reviewed\", \"corrected\"}, \"edits\", \"kinds\": {kind: n}, \"corrected\": [names], \"masks\": [samples "
      "with a corrected mask], \"outside\": [records of samples not in the dataset]}.\n");
  s->callback([st, &globals, &exit_code] { exit_code = runStatus(*st, globals); });
}

}  // namespace rgbdsod::cli::labels
