// Mean absolute error (Perazzi et al. 2012) between the normalised prediction and the binary GT.
#include <cmath>

#include "metrics_detail.h"
#include "rgbdsod/core/metrics.h"

namespace rgbdsod::core {
namespace detail {

double maeOf(const PreparedPair& p) {
  // mean(|pred - gt|) with gt in {0, 1}: |value - 1| over GT foreground, value over background.
  double sum = 0;
  for (int v = p.vmin; v <= p.vmax; ++v) {
    sum += static_cast<double>(p.hist_fg[v]) * std::abs(p.value[v] - 1.0);
    sum += static_cast<double>(p.hist_bg[v]) * p.value[v];
  }
  return sum / static_cast<double>(p.n);
}

}  // namespace detail

double mae(const cv::Mat& pred, const cv::Mat& gt) { return detail::maeOf(detail::prepare(pred, gt)); }

}  // namespace rgbdsod::core
