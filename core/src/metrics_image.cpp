// All metrics of one image from one shared preparation.
#include <algorithm>

#include "metrics_detail.h"
#include "rgbdsod/core/metrics.h"

namespace rgbdsod::core {
namespace {

// np.mean of a curve as the reference holds it (descending thresholds), summed in NumPy's order.
double curveMean(const Curve& c) {
  Curve reversed;
  std::reverse_copy(c.begin(), c.end(), reversed.begin());
  return detail::numpySum(reversed.data(), reversed.size()) / static_cast<double>(reversed.size());
}
double curveMax(const Curve& c) { return *std::max_element(c.begin(), c.end()); }

}  // namespace

ImageMetrics computeImageMetrics(const cv::Mat& pred, const cv::Mat& gt) {
  const detail::PreparedPair p = detail::prepare(pred, gt);
  const double threshold = detail::adaptiveThreshold(p);
  ImageMetrics m;
  ImageScores& s = m.scores;
  ImageCurves& c = m.curves;
  s.mae = detail::maeOf(p);
  s.smeasure = detail::smeasureOf(p);
  s.weighted_fmeasure = detail::weightedFmeasureOf(p);
  detail::fmeasureOf(p, threshold, s.adaptive_fmeasure, c.precision.data(), c.recall.data(), c.fmeasure.data());
  detail::emeasureOf(p, threshold, s.adaptive_emeasure, c.emeasure.data());
  s.mean_fmeasure = curveMean(c.fmeasure);
  s.max_fmeasure = curveMax(c.fmeasure);
  s.mean_emeasure = curveMean(c.emeasure);
  s.max_emeasure = curveMax(c.emeasure);
  return m;
}

}  // namespace rgbdsod::core
