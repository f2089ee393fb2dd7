#pragma once
// The report of `rgbdsod labels rank` (read back by `rgbdsod labels apply`) and what both need to
// get the prediction maps: a folder paired with the samples by name as `rgbdsod eval` pairs them,
// or a training run predicted by `rgbdsod-engine infer` in a child process (the front end never
// links LibTorch). Torch-free and Qt-free.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core/types.hpp>

#include "commands.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/label_suggestions.h"

namespace rgbdsod::cli::labels {

namespace fs = std::filesystem;

struct ReportRegion {
  cv::Rect bbox;
  int area = 0;
  double score = 0.0;
  double confidence = 0.0;
  bool add = true;  // "suggest": "add" (map says foreground, label background) or "remove"
};

struct ReportImage {
  std::string name;
  double score = 0.0;
  std::vector<ReportRegion> regions;  // most suspicious first
};

struct LabelsReport {
  fs::path data;    // the dataset folder, absolute and normalised
  fs::path labels;  // the corrections folder whose masks were ranked (originals where it has none)
  fs::path run;     // the run that predicted the maps, or
  fs::path pred;    // the folder the maps were read from (exactly one of the two is set)
  core::SuggestionOptions options;
  std::vector<ReportImage> images;   // most suspicious first, ties in the dataset's name order
  std::vector<std::string> missing;  // samples without a map (not ranked)
};

// Region from the core's suggestion (the pixels are not kept: apply recomputes them).
ReportRegion toReportRegion(const core::SuggestedRegion& r);
// Same box, area and direction: how apply finds a report's region among the recomputed ones.
bool sameRegion(const ReportRegion& a, const core::SuggestedRegion& b);

std::string reportJson(const LabelsReport& report);
// Throws FileError naming `file` when it is missing, unreadable, not JSON or not a labels report.
LabelsReport readReport(const fs::path& file);

// The one labeled dataset at `data` (FileError naming it otherwise, listing the datasets of a
// folder of datasets).
core::Dataset openLabeledDataset(const fs::path& data);

// What apply may write into: a new or empty folder, or a corrections folder of this dataset
// (labels.json readable and naming it, <sample>.png masks). FileError naming `out` otherwise.
void checkOutputFolder(const fs::path& out, const core::Dataset& ds);

// Absolute and normalised, for comparing the dataset of a report with --data.
fs::path normalisedPath(const fs::path& p);

// The dataset a corrections folder's labels.json says it belongs to ("dataset"); nullopt when the
// file cannot be read or has no such string (LabelStore::sidecarProblem() says why).
std::optional<fs::path> sidecarDataset(const fs::path& sidecar);

// A run folder written by rgbdsod train (config.json and checkpoints/).
bool isRunFolder(const fs::path& p);


// Runs `rgbdsod-engine infer --run RUN --data DATA --out OUT [--samples a,b,c]` and waits for it;
// its output goes to stderr. Throws Error naming the run when the engine is missing or fails.
void predictWithRun(const fs::path& run, const fs::path& data, const std::vector<std::string>& samples,
                    const fs::path& out, const GlobalOptions& globals);

// `labels import`, `labels export` and `labels status` (labels_store_commands.cpp): the
// corrections folder through core::LabelStore.
void addLabelsStoreCommands(CLI::App& labels, const GlobalOptions& globals, int& exit_code);

}  // namespace rgbdsod::cli::labels
