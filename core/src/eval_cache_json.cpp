// Cache files of the evaluation cache: the FolderEvaluation as toJson writes it, read back.
#include <cmath>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "rgbdsod/core/eval_cache.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace rgbdsod::core {
namespace {

constexpr const char* kFormat = "rgbdsod-eval-cache";
constexpr int kFormatVersion = 1;

double number(const json& v) { return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>(); }


void readCurve(const json& a, Curve& c) {
  if (!a.is_array() || a.size() != c.size()) throw std::runtime_error("a curve does not have 256 values");
  for (std::size_t t = 0; t < c.size(); ++t) c[t] = number(a[t]);
}

// Stored paths are re-based onto the folders as the caller names them now.
std::vector<UnmatchedFile> readFiles(const json& a, const fs::path& stored_gt, const fs::path& gt_dir,
                                     const fs::path& pred_dir, const fs::path* fixed) {
  std::vector<UnmatchedFile> out;
  for (const json& f : a) {
    const fs::path stored = f.at("file").get<std::string>();
    const fs::path& base = fixed ? *fixed : (stored.parent_path() == stored_gt ? gt_dir : pred_dir);
    out.push_back({base / stored.filename(), f.at("reason").get<std::string>()});
  }
  return out;
}

}  // namespace

std::string toCacheJson(const FolderEvaluation& evaluation, const std::string& key) {
  json j;
  j["format"] = kFormat;
  j["version"] = kFormatVersion;
  j["key"] = key;
  j["evaluation"] = json::parse(toJson(evaluation, true, -1));
  return j.dump() + "\n";
}

FolderEvaluation fromCacheJson(const std::string& text, const fs::path& gt_dir, const fs::path& pred_dir,
                               std::string* key) {
  const json j = json::parse(text);  // throws on malformed JSON
  if (j.at("format").get<std::string>() != kFormat || j.at("version").get<int>() != kFormatVersion)
    throw std::runtime_error("not a cache file of this version");
  if (key != nullptr) *key = j.at("key").get<std::string>();
  const json& e = j.at("evaluation");
  FolderEvaluation out;
  out.gt_dir = gt_dir;
  out.pred_dir = pred_dir;
  out.method = e.at("method").get<std::string>();
  const json& m = e.at("metrics");
  out.metrics.images = m.at("images").get<std::size_t>();
  for (Metric metric : allMetrics()) metricField(out.metrics, metric) = number(m.at(metricKey(metric)));
  const json& c = m.at("curves");
  readCurve(c.at("precision"), out.metrics.curves.precision);
  readCurve(c.at("recall"), out.metrics.curves.recall);
  readCurve(c.at("fmeasure"), out.metrics.curves.fmeasure);
  readCurve(c.at("emeasure"), out.metrics.curves.emeasure);
  for (const json& i : e.at("images")) {
    ImageRecord r;
    r.name = i.at("name").get<std::string>();
    r.gt_file = gt_dir / fs::path(i.at("gt").get<std::string>()).filename();
    r.pred_file = pred_dir / fs::path(i.at("pred").get<std::string>()).filename();
    r.pred_width = i.at("pred_size").at(0).get<int>();
    r.pred_height = i.at("pred_size").at(1).get<int>();
    r.resized = i.at("resized").get<bool>();
    for (Metric metric : allMetrics()) metricField(r.scores, metric) = number(i.at(metricKey(metric)));
    out.images.push_back(std::move(r));
  }
  if (out.images.size() != out.metrics.images) throw std::runtime_error("image count does not match the records");
  const fs::path stored_gt = e.at("gt_dir").get<std::string>();
  out.missing = readFiles(e.at("missing"), stored_gt, gt_dir, pred_dir, &gt_dir);
  out.extra = readFiles(e.at("extra"), stored_gt, gt_dir, pred_dir, &pred_dir);
  out.skipped = readFiles(e.at("skipped"), stored_gt, gt_dir, pred_dir, nullptr);
  return out;
}

}  // namespace rgbdsod::core
