// E-measure (Fan et al., IJCAI 2018): adaptive and per threshold, from confusion counts as the
// reference's Emeasure computes it (no per-pixel alignment matrix is needed: for a binary map the
// matrix takes only four values).
#include <array>

#include "metrics_detail.h"
#include "rgbdsod/core/metrics.h"

namespace rgbdsod::core {
namespace detail {
namespace {

// The enhanced-alignment sum for one binary map, given the counts of predicted-foreground pixels
// over GT foreground (fg_fg) and over GT background (fg_bg), divided by H*W - 1 + eps (the
// reference's normalisation; a 1x1 image thus divides by eps).
double emeasureFromCounts(std::int64_t fg_fg, std::int64_t fg_bg, std::int64_t n_fg, std::int64_t n) {
  const std::int64_t pred_fg = fg_fg + fg_bg;
  const std::int64_t pred_bg = n - pred_fg;
  double sum = 0;
  if (n_fg == 0) {
    sum = static_cast<double>(pred_bg);  // empty GT: the matrix is 1 where the prediction is background
  } else if (n_fg == n) {
    sum = static_cast<double>(pred_fg);  // full GT: 1 where the prediction is foreground
  } else {
    const std::int64_t bg_fg = n_fg - fg_fg;
    const std::int64_t bg_bg = pred_bg - bg_fg;
    const double mean_pred = static_cast<double>(pred_fg) / static_cast<double>(n);
    const double mean_gt = static_cast<double>(n_fg) / static_cast<double>(n);
    const double pred_hi = 1 - mean_pred;  // demeaned values of the binary prediction and GT
    const double pred_lo = 0 - mean_pred;
    const double gt_hi = 1 - mean_gt;
    const double gt_lo = 0 - mean_gt;
    const std::int64_t parts[4] = {fg_fg, fg_bg, bg_fg, bg_bg};
    const double a[4] = {pred_hi, pred_hi, pred_lo, pred_lo};
    const double b[4] = {gt_hi, gt_lo, gt_hi, gt_lo};
    for (int i = 0; i < 4; ++i) {  // summed in this order, like the reference
      const double align = 2 * (a[i] * b[i]) / (a[i] * a[i] + b[i] * b[i] + kEps);
      const double enhanced = (align + 1) * (align + 1) / 4;
      sum += enhanced * static_cast<double>(parts[i]);
    }
  }
  return sum / (static_cast<double>(n - 1) + kEps);
}

}  // namespace

void emeasureOf(const PreparedPair& p, double threshold, double& adaptive, double* curve) {
  std::array<std::int64_t, 256> fg{};
  std::array<std::int64_t, 256> bg{};
  for (int v = p.vmin; v <= p.vmax; ++v) {
    fg[p.bin[v]] += p.hist_fg[v];
    bg[p.bin[v]] += p.hist_bg[v];
  }
  std::int64_t fg_fg = 0;
  std::int64_t fg_bg = 0;
  for (int t = 255; t >= 0; --t) {  // counts of `bin >= t`, as for the F-measure curves
    fg_fg += fg[t];
    fg_bg += bg[t];
    curve[t] = emeasureFromCounts(fg_fg, fg_bg, p.n_fg, p.n);
  }
  // Adaptive: the same threshold as the adaptive F-measure, compared on the float map.
  fg_fg = 0;
  fg_bg = 0;
  for (int v = p.vmin; v <= p.vmax; ++v) {
    if (!(p.value[v] >= threshold)) continue;
    fg_fg += p.hist_fg[v];
    fg_bg += p.hist_bg[v];
  }
  adaptive = emeasureFromCounts(fg_fg, fg_bg, p.n_fg, p.n);
}

}  // namespace detail

EmeasureResult emeasure(const cv::Mat& pred, const cv::Mat& gt) {
  const detail::PreparedPair p = detail::prepare(pred, gt);
  EmeasureResult r;
  detail::emeasureOf(p, detail::adaptiveThreshold(p), r.adaptive, r.curve.data());
  return r;
}

}  // namespace rgbdsod::core
