// JSON form of evaluation results, for the CLI, caches and reports.
#include <cmath>

#include <nlohmann/json.hpp>

#include "rgbdsod/core/evaluator.h"

namespace rgbdsod::core {
namespace {

using nlohmann::json;

json number(double v) { return std::isnan(v) ? json(nullptr) : json(v); }  // JSON has no NaN

json curve(const Curve& c) {
  json a = json::array();
  for (double v : c) a.push_back(number(v));
  return a;
}

json datasetJson(const DatasetMetrics& d) {
  json j;
  j["images"] = d.images;
  for (Metric m : allMetrics()) j[metricKey(m)] = number(metricValue(d, m));
  j["curves"] = {{"threshold_order", "index t = binary map (p*255 truncated) >= t, t = 0..255"},
                 {"precision", curve(d.curves.precision)},
                 {"recall", curve(d.curves.recall)},
                 {"fmeasure", curve(d.curves.fmeasure)},
                 {"emeasure", curve(d.curves.emeasure)}};
  return j;
}

json files(const std::vector<UnmatchedFile>& list) {
  json a = json::array();
  for (const UnmatchedFile& f : list) a.push_back({{"file", f.file.string()}, {"reason", f.reason}});
  return a;
}

}  // namespace

std::string toJson(const DatasetMetrics& metrics, int indent) { return datasetJson(metrics).dump(indent); }

std::string toJson(const FolderEvaluation& evaluation, bool with_images, int indent) {
  json j;
  j["gt_dir"] = evaluation.gt_dir.string();
  j["pred_dir"] = evaluation.pred_dir.string();
  j["method"] = evaluation.method;
  j["metrics"] = datasetJson(evaluation.metrics);
  j["resized"] = evaluation.resizedCount();
  j["missing"] = files(evaluation.missing);
  j["extra"] = files(evaluation.extra);
  j["skipped"] = files(evaluation.skipped);
  if (with_images) {
    json images = json::array();
    for (const ImageRecord& r : evaluation.images) {
      json i = {{"name", r.name}, {"gt", r.gt_file.string()}, {"pred", r.pred_file.string()},
                {"pred_size", {r.pred_width, r.pred_height}}, {"resized", r.resized}};
      for (Metric m : allMetrics()) i[metricKey(m)] = number(metricValue(r.scores, m));
      images.push_back(std::move(i));
    }
    j["images"] = std::move(images);
  }
  return j.dump(indent);
}

}  // namespace rgbdsod::core
