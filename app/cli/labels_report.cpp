// The report of `rgbdsod labels rank` and the engine child that predicts a run (labels_report.h).
#include "labels_report.h"

#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "engine_infer.h"
#include "interrupt.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/core/label_store.h"

namespace rgbdsod::cli::labels {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* kFormat = "rgbdsod-labels-report";
constexpr int kFormatVersion = 1;

// A value of the report, or FileError naming the file and the key.
template <typename T>
T field(const json& j, const char* key, const fs::path& file) {
  if (!j.is_object() || !j.contains(key)) throw core::FileError(file, fmt::format("not a labels report: no \"{}\"", key));
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    throw core::FileError(file, fmt::format("not a labels report: \"{}\" has the wrong type", key));
  }
}

ReportRegion regionFrom(const json& j, const fs::path& file) {
  const auto box = field<std::vector<int>>(j, "bbox", file);
  if (box.size() != 4 || box[2] < 0 || box[3] < 0)
    throw core::FileError(file, "not a labels report: a region's \"bbox\" is not [x, y, w, h]");
  ReportRegion r;
  r.bbox = cv::Rect(box[0], box[1], box[2], box[3]);
  r.area = field<int>(j, "area", file);
  r.score = field<double>(j, "score", file);
  r.confidence = field<double>(j, "confidence", file);
  const std::string suggest = field<std::string>(j, "suggest", file);
  if (suggest != "add" && suggest != "remove")
    throw core::FileError(file, "not a labels report: a region's \"suggest\" is '" + suggest + "', not add or remove");
  r.add = suggest == "add";
  return r;
}

}  // namespace

ReportRegion toReportRegion(const core::SuggestedRegion& r) { return {r.bbox, r.area, r.score, r.confidence, r.add}; }

bool sameRegion(const ReportRegion& a, const core::SuggestedRegion& b) {
  return a.bbox == b.bbox && a.area == b.area && a.add == b.add;
}

fs::path normalisedPath(const fs::path& p) {
  std::error_code ec;
  fs::path n = fs::weakly_canonical(fs::absolute(p, ec), ec);
  if (ec) n = fs::absolute(p).lexically_normal();
  if (n.filename().empty()) n = n.parent_path();
  return n;
}

core::Dataset openLabeledDataset(const fs::path& data) {
  core::Dataset ds = openSingleDataset(data, "labels are ranked per dataset");
  if (!ds.labeled()) throw core::FileError(ds.root, "the dataset has no GT folder: there are no labels to rank or correct");
  return ds;
}

// `out` may be new, empty, or a corrections folder of this dataset (labels.json and <sample>.png).
void checkOutputFolder(const fs::path& out, const core::Dataset& ds) {
  std::error_code ec;
  if (!fs::exists(out, ec)) return;
  if (!fs::is_directory(out, ec)) throw core::FileError(out, "exists and is not a folder");
  if (normalisedPath(out) == normalisedPath(ds.layout.gt_dir))
    throw core::FileError(out, "is the dataset's GT folder: corrections go into a folder of their own, the originals "
                               "stay untouched");
  bool sidecar = false, any = false;
  for (const auto& e : fs::directory_iterator(out, ec)) {
    const std::string name = e.path().filename().string();
    any = true;
    if (name == core::LabelStore::kSidecar) sidecar = true;
    if (name.rfind(core::LabelStore::kSidecar, 0) == 0 || name.front() == '.') continue;  // labels.json.bad, temporaries
    std::error_code type_ec;
    const bool mask =
        e.is_regular_file(type_ec) && e.path().extension() == ".png" && ds.indexOf(e.path().stem().string());
    if (!mask)
      throw core::FileError(out, fmt::format("exists and is not a corrections folder of the dataset {} ({} is no "
                                             "sample's mask); give a new folder",
                                             ds.root.string(), name));
  }
  if (ec) throw core::FileError(out, "cannot list the folder: " + ec.message());
  if (!any) return;
  if (!sidecar)
    throw core::FileError(out, fmt::format("exists and has no {}: not a corrections folder written by rgbdsod; give a "
                                           "new folder",
                                           core::LabelStore::kSidecar));
  const core::LabelStore store(ds, out);
  if (!store.sidecarProblem().empty())
    throw core::FileError(out, "exists and is not a corrections folder to continue: " + store.sidecarProblem());
  if (const std::optional<fs::path> of = sidecarDataset(store.sidecarPath());
      of && normalisedPath(*of) != normalisedPath(ds.root))
    throw core::FileError(out, fmt::format("is a corrections folder of the dataset {}, not of {}; give a new folder",
                                           of->string(), normalisedPath(ds.root).string()));
}

std::optional<fs::path> sidecarDataset(const fs::path& sidecar) {
  try {
    const json j = json::parse(core::readJsonFile(sidecar));
    if (j.is_object() && j.contains("dataset") && j.at("dataset").is_string())
      return fs::path(j.at("dataset").get<std::string>());
  } catch (const std::exception&) {
    // unreadable: the store's sidecarProblem() names the problem
  }
  return std::nullopt;
}

bool isRunFolder(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p / "config.json", ec) && fs::is_directory(p / "checkpoints", ec);
}

std::string reportJson(const LabelsReport& report) {
  json j;
  j["format"] = kFormat;
  j["version"] = kFormatVersion;
  j["data"] = report.data.string();
  j["labels"] = report.labels.string();
  if (!report.run.empty()) j["run"] = report.run.string();
  if (!report.pred.empty()) j["pred"] = report.pred.string();
  j["min_area"] = report.options.min_area;
  j["min_confidence"] = report.options.min_confidence;
  json images = json::array();
  for (const ReportImage& image : report.images) {
    json regions = json::array();
    for (const ReportRegion& r : image.regions)
      regions.push_back({{"bbox", {r.bbox.x, r.bbox.y, r.bbox.width, r.bbox.height}},
                         {"area", r.area},
                         {"score", r.score},
                         {"confidence", r.confidence},
                         {"suggest", r.add ? "add" : "remove"}});
    images.push_back({{"name", image.name}, {"score", image.score}, {"regions", std::move(regions)}});
  }
  j["images"] = std::move(images);
  j["missing"] = report.missing;
  return j.dump(1) + "\n";
}

LabelsReport readReport(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw core::FileError(file, "the report does not exist (write it with `rgbdsod labels rank`)");
  const std::string text = core::readJsonFile(file);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw core::FileError(file, fmt::format("not a labels report: not valid JSON ({})", e.what()));
  }
  if (!j.is_object() || j.value("format", std::string()) != kFormat)
    throw core::FileError(file, "not a labels report (no \"format\": \"rgbdsod-labels-report\"; write one with "
                                "`rgbdsod labels rank`)");
  if (const int v = field<int>(j, "version", file); v != kFormatVersion)
    throw core::FileError(file, fmt::format("labels report version {}, this rgbdsod reads version {}", v, kFormatVersion));
  LabelsReport r;
  r.data = field<std::string>(j, "data", file);
  r.labels = field<std::string>(j, "labels", file);
  if (j.contains("run")) r.run = field<std::string>(j, "run", file);
  if (j.contains("pred")) r.pred = field<std::string>(j, "pred", file);
  if (r.run.empty() == r.pred.empty())
    throw core::FileError(file, "not a labels report: it needs exactly one of \"run\" and \"pred\"");
  r.options.min_area = field<int>(j, "min_area", file);
  r.options.min_confidence = field<double>(j, "min_confidence", file);
  const json images = field<json>(j, "images", file);
  if (!images.is_array()) throw core::FileError(file, "not a labels report: \"images\" is not a list");
  for (const json& im : images) {
    ReportImage image;
    image.name = field<std::string>(im, "name", file);
    image.score = field<double>(im, "score", file);
    const json regions = field<json>(im, "regions", file);
    if (!regions.is_array()) throw core::FileError(file, "not a labels report: \"regions\" is not a list");
    for (const json& reg : regions) image.regions.push_back(regionFrom(reg, file));
    r.images.push_back(std::move(image));
  }
  if (j.contains("missing")) r.missing = field<std::vector<std::string>>(j, "missing", file);
  return r;
}

void predictWithRun(const fs::path& run, const fs::path& data, const std::vector<std::string>& samples,
                    const fs::path& out, const GlobalOptions& globals) {
  runEngineInfer({run, data, out, samples, "", "predicting with the run " + run.string(),
                  "--pred with a folder of maps written by `rgbdsod infer`"},
                 globals);
}

}  // namespace rgbdsod::cli::labels
