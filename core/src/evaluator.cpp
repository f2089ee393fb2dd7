// Evaluator: per-image records and the dataset result, reduced as the reference reduces.
#include "rgbdsod/core/evaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "metrics_detail.h"

namespace rgbdsod::core {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// np.mean of a curve as the reference holds it (descending thresholds), in NumPy's summation order.
double curveMean(const Curve& c) {
  Curve reversed;
  std::reverse_copy(c.begin(), c.end(), reversed.begin());
  return detail::numpySum(reversed.data(), reversed.size()) / static_cast<double>(reversed.size());
}

double curveMax(const Curve& c) { return *std::max_element(c.begin(), c.end()); }

}  // namespace

const std::vector<Metric>& allMetrics() {
  static const std::vector<Metric> all{Metric::Mae,          Metric::Smeasure,         Metric::WeightedFmeasure,
                                       Metric::AdaptiveFmeasure, Metric::MeanFmeasure, Metric::MaxFmeasure,
                                       Metric::AdaptiveEmeasure, Metric::MeanEmeasure, Metric::MaxEmeasure};
  return all;
}

const char* metricKey(Metric m) {
  switch (m) {
    case Metric::Mae: return "mae";
    case Metric::Smeasure: return "sm";
    case Metric::WeightedFmeasure: return "wfm";
    case Metric::AdaptiveFmeasure: return "adp_fm";
    case Metric::MeanFmeasure: return "mean_fm";
    case Metric::MaxFmeasure: return "max_fm";
    case Metric::AdaptiveEmeasure: return "adp_em";
    case Metric::MeanEmeasure: return "mean_em";
    case Metric::MaxEmeasure: return "max_em";
  }
  return "?";
}

const char* metricLabel(Metric m) {
  switch (m) {
    case Metric::Mae: return "MAE";
    case Metric::Smeasure: return "S-measure";
    case Metric::WeightedFmeasure: return "weighted F";
    case Metric::AdaptiveFmeasure: return "adaptive F";
    case Metric::MeanFmeasure: return "mean F";
    case Metric::MaxFmeasure: return "max F";
    case Metric::AdaptiveEmeasure: return "adaptive E";
    case Metric::MeanEmeasure: return "mean E";
    case Metric::MaxEmeasure: return "max E";
  }
  return "?";
}

bool lowerIsBetter(Metric m) { return m == Metric::Mae; }

double& metricField(ImageScores& s, Metric m) {
  switch (m) {
    case Metric::Mae: return s.mae;
    case Metric::Smeasure: return s.smeasure;
    case Metric::WeightedFmeasure: return s.weighted_fmeasure;
    case Metric::AdaptiveFmeasure: return s.adaptive_fmeasure;
    case Metric::MeanFmeasure: return s.mean_fmeasure;
    case Metric::MaxFmeasure: return s.max_fmeasure;
    case Metric::AdaptiveEmeasure: return s.adaptive_emeasure;
    case Metric::MeanEmeasure: return s.mean_emeasure;
    case Metric::MaxEmeasure: return s.max_emeasure;
  }
  throw std::logic_error("unknown metric");
}

double metricValue(const ImageScores& s, Metric m) {
  return metricField(const_cast<ImageScores&>(s), m);  // read only: the field is not modified
}

double& metricField(DatasetMetrics& d, Metric m) {
  switch (m) {
    case Metric::Mae: return d.mae;
    case Metric::Smeasure: return d.smeasure;
    case Metric::WeightedFmeasure: return d.weighted_fmeasure;
    case Metric::AdaptiveFmeasure: return d.adaptive_fmeasure;
    case Metric::MeanFmeasure: return d.mean_fmeasure;
    case Metric::MaxFmeasure: return d.max_fmeasure;
    case Metric::AdaptiveEmeasure: return d.adaptive_emeasure;
    case Metric::MeanEmeasure: return d.mean_emeasure;
    case Metric::MaxEmeasure: return d.max_emeasure;
  }
  throw std::logic_error("unknown metric");
}

double metricValue(const DatasetMetrics& d, Metric m) {
  return metricField(const_cast<DatasetMetrics&>(d), m);  // read only: the field is not modified
}

void Evaluator::add(ImageRecord record, const ImageCurves& curves) {
  // The reference's np.mean(curves, axis=0) adds the images' curves one after the other.
  for (int t = 0; t < kThresholdCount; ++t) {
    sums_.precision[t] += curves.precision[t];
    sums_.recall[t] += curves.recall[t];
    sums_.fmeasure[t] += curves.fmeasure[t];
    sums_.emeasure[t] += curves.emeasure[t];
  }
  images_.push_back(std::move(record));
}

void Evaluator::add(const std::string& name, const ImageMetrics& metrics) {
  ImageRecord record;
  record.name = name;
  record.scores = metrics.scores;
  add(std::move(record), metrics.curves);
}

void Evaluator::add(const std::string& name, const cv::Mat& pred, const cv::Mat& gt) {
  ImageRecord record;
  record.name = name;
  record.pred_width = pred.cols;
  record.pred_height = pred.rows;
  const ImageMetrics metrics = computeImageMetrics(pred, gt);
  record.scores = metrics.scores;
  add(std::move(record), metrics.curves);
}

DatasetMetrics Evaluator::result() const {
  DatasetMetrics d;
  d.images = images_.size();
  const double n = static_cast<double>(images_.size());
  // Dataset scalars: np.mean over the per-image values (NaN for none; NaN if one is NaN).
  std::vector<double> values(images_.size());
  auto mean = [&](double ImageScores::*field) {
    for (std::size_t i = 0; i < images_.size(); ++i) values[i] = images_[i].scores.*field;
    return images_.empty() ? kNaN : detail::numpySum(values.data(), values.size()) / n;
  };
  d.mae = mean(&ImageScores::mae);
  d.smeasure = mean(&ImageScores::smeasure);
  d.weighted_fmeasure = mean(&ImageScores::weighted_fmeasure);
  d.adaptive_fmeasure = mean(&ImageScores::adaptive_fmeasure);
  d.adaptive_emeasure = mean(&ImageScores::adaptive_emeasure);
  for (int t = 0; t < kThresholdCount; ++t) {
    d.curves.precision[t] = sums_.precision[t] / n;
    d.curves.recall[t] = sums_.recall[t] / n;
    d.curves.fmeasure[t] = sums_.fmeasure[t] / n;
    d.curves.emeasure[t] = sums_.emeasure[t] / n;
  }
  if (images_.empty()) {
    d.mean_fmeasure = d.max_fmeasure = d.mean_emeasure = d.max_emeasure = kNaN;
    return d;
  }
  // max-F / mean-F: of the image-averaged curve (the toolboxes' definition).
  d.mean_fmeasure = curveMean(d.curves.fmeasure);
  d.max_fmeasure = curveMax(d.curves.fmeasure);
  d.mean_emeasure = curveMean(d.curves.emeasure);
  d.max_emeasure = curveMax(d.curves.emeasure);
  return d;
}

std::vector<std::size_t> worstFirst(const std::vector<ImageRecord>& images, Metric m) {
  std::vector<std::size_t> order(images.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const bool lower_better = lowerIsBetter(m);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const double va = metricValue(images[a].scores, m);
    const double vb = metricValue(images[b].scores, m);
    if (std::isnan(va) != std::isnan(vb)) return std::isnan(va);
    if (!std::isnan(va) && va != vb) return lower_better ? va > vb : va < vb;
    return images[a].name < images[b].name;
  });
  return order;
}

std::size_t FolderEvaluation::resizedCount() const {
  return static_cast<std::size_t>(
      std::count_if(images.begin(), images.end(), [](const ImageRecord& r) { return r.resized; }));
}

}  // namespace rgbdsod::core
