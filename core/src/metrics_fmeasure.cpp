// F-measure (beta^2 = 0.3): adaptive, and precision / recall / F per threshold, as the reference's
// Fmeasure (Achanta et al. 2009) computes them, from the prepared histograms.
#include <array>

#include "metrics_detail.h"
#include "rgbdsod/core/metrics.h"

namespace rgbdsod::core {
namespace detail {
namespace {
constexpr double kBeta2 = 0.3;  // the reference's `beta` is beta^2
}  // namespace

void fmeasureOf(const PreparedPair& p, double threshold, double& adaptive, double* precision, double* recall,
                double* fmeasure) {
  // Curves: histogram the binned map over GT foreground / background and count `bin >= t` with a
  // cumulative sum from the top (the reference's flip + cumsum), one pass for all 256 thresholds.
  std::array<std::int64_t, 256> fg{};
  std::array<std::int64_t, 256> bg{};
  for (int v = p.vmin; v <= p.vmax; ++v) {
    fg[p.bin[v]] += p.hist_fg[v];
    bg[p.bin[v]] += p.hist_bg[v];
  }
  // Recall's denominator is max(#GT, 1): an empty GT gives recall 0, not NaN.
  const double positives = static_cast<double>(p.n_fg > 0 ? p.n_fg : 1);
  std::int64_t tp = 0;
  std::int64_t predicted = 0;
  for (int t = 255; t >= 0; --t) {
    tp += fg[t];
    predicted += fg[t] + bg[t];
    // Precision is 0 when nothing is predicted positive: the reference sets Ps = 1 where Ps == 0
    // (then TP is 0 too).
    const double pre = static_cast<double>(tp) / static_cast<double>(predicted == 0 ? 1 : predicted);
    const double rec = static_cast<double>(tp) / positives;
    const double numerator = (1.0 + kBeta2) * pre * rec;
    const double denominator = numerator == 0 ? 1.0 : kBeta2 * pre + rec;
    precision[t] = pre;
    recall[t] = rec;
    fmeasure[t] = numerator / denominator;
  }

  // Adaptive: binarise the float map with `value >= threshold` (not the truncated bins).
  std::int64_t inter = 0;
  std::int64_t selected = 0;
  for (int v = p.vmin; v <= p.vmax; ++v) {
    if (!(p.value[v] >= threshold)) continue;
    inter += p.hist_fg[v];
    selected += p.hist_fg[v] + p.hist_bg[v];
  }
  if (inter == 0) {
    adaptive = 0;
  } else {
    const double pre = static_cast<double>(inter) / static_cast<double>(selected);
    const double rec = static_cast<double>(inter) / static_cast<double>(p.n_fg);
    adaptive = (1.0 + kBeta2) * pre * rec / (kBeta2 * pre + rec);
  }
}

}  // namespace detail

FmeasureResult fmeasure(const cv::Mat& pred, const cv::Mat& gt) {
  const detail::PreparedPair p = detail::prepare(pred, gt);
  FmeasureResult r;
  detail::fmeasureOf(p, detail::adaptiveThreshold(p), r.adaptive, r.precision.data(), r.recall.data(),
                     r.fmeasure.data());
  return r;
}

}  // namespace rgbdsod::core
