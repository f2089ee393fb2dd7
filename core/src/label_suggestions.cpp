// Where a saliency map disagrees with a label, ranked so the likely label errors come first.
#include "rgbdsod/core/label_suggestions.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <tuple>

#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/mask_edit.h"

namespace rgbdsod::core {

namespace {

std::string sizeText(const cv::Mat& m) { return std::to_string(m.cols) + "x" + std::to_string(m.rows); }

void checkMap(const cv::Mat& m, const char* what) {
  if (m.empty()) throw Error(std::string("label suggestions: empty ") + what);
  if (m.type() != CV_8UC1)
    throw Error(std::string("label suggestions: ") + what + " must be CV_8UC1 (8-bit, one channel)");
}

struct Ranked {
  SuggestedRegion region;
  int first = 0;  // raster index of the region's first pixel: unique, so the order is total
};

}  // namespace

LabelSuspicion suggestRegions(const cv::Mat& label, const cv::Mat& prediction, const SuggestionOptions& options) {
  checkMap(label, "label");
  checkMap(prediction, "prediction");
  if (label.size() != prediction.size())
    throw Error("label suggestions: label is " + sizeText(label) + " but the prediction is " + sizeText(prediction));
  if (options.min_area < 0)
    throw Error("label suggestions: min_area must be >= 0, got " + std::to_string(options.min_area));
  if (!(options.min_confidence >= 0.0 && options.min_confidence <= 1.0))
    throw Error("label suggestions: min_confidence must be in [0, 1], got " + std::to_string(options.min_confidence));

  cv::Mat label_fg, pred_fg;
  cv::compare(label, cv::Scalar(kMaskThreshold), label_fg, cv::CMP_GE);
  cv::compare(prediction, cv::Scalar(kMaskThreshold), pred_fg, cv::CMP_GE);
  const double image_area = static_cast<double>(label.total());
  std::vector<Ranked> kept;
  // The two kinds of disagreement get their own components, so each region is all "add" or all
  // "remove" and accepting it is one fill. 4-connected, as the label noise's regions are.
  for (const bool add : {true, false}) {
    cv::Mat diff;
    if (add) cv::bitwise_and(pred_fg, ~label_fg, diff);
    else cv::bitwise_and(~pred_fg, label_fg, diff);
    cv::Mat ids, stats, centroids;
    const int n = cv::connectedComponentsWithStats(diff, ids, stats, centroids, 4, CV_32S);
    if (n <= 1) continue;
    std::vector<std::int64_t> certainty(static_cast<std::size_t>(n), 0);  // sum of |2 v - 255|
    std::vector<int> first(static_cast<std::size_t>(n), -1);
    for (int y = 0; y < ids.rows; ++y) {
      const int* id = ids.ptr<int>(y);
      const std::uint8_t* p = prediction.ptr<std::uint8_t>(y);
      for (int x = 0; x < ids.cols; ++x) {
        if (id[x] == 0) continue;
        const auto k = static_cast<std::size_t>(id[x]);
        certainty[k] += std::abs(2 * int{p[x]} - 255);
        if (first[k] < 0) first[k] = y * ids.cols + x;
      }
    }
    for (int k = 1; k < n; ++k) {
      const int area = stats.at<int>(k, cv::CC_STAT_AREA);
      const double confidence = static_cast<double>(certainty[static_cast<std::size_t>(k)]) / (255.0 * area);
      if (area < options.min_area || confidence < options.min_confidence) continue;
      Ranked r;
      r.region.bbox = cv::Rect(stats.at<int>(k, cv::CC_STAT_LEFT), stats.at<int>(k, cv::CC_STAT_TOP),
                               stats.at<int>(k, cv::CC_STAT_WIDTH), stats.at<int>(k, cv::CC_STAT_HEIGHT));
      r.region.area = area;
      r.region.confidence = confidence;
      r.region.score = area * confidence / image_area;
      r.region.add = add;
      r.region.region = ids(r.region.bbox) == k;
      r.first = first[static_cast<std::size_t>(k)];
      kept.push_back(std::move(r));
    }
  }
  // Most suspicious first; equal scores in reading order of their boxes, then of their first pixel.
  std::sort(kept.begin(), kept.end(), [](const Ranked& a, const Ranked& b) {
    return std::make_tuple(-a.region.score, a.region.bbox.y, a.region.bbox.x, a.first) <
           std::make_tuple(-b.region.score, b.region.bbox.y, b.region.bbox.x, b.first);
  });
  LabelSuspicion out;
  out.regions.reserve(kept.size());
  for (Ranked& r : kept) {
    out.score += r.region.score;
    out.regions.push_back(std::move(r.region));
  }
  return out;
}

cv::Rect applySuggestion(cv::Mat& mask, const SuggestedRegion& region) {
  if (mask.empty()) throw Error("applySuggestion: empty mask");
  if (mask.type() != CV_8UC1) throw Error("applySuggestion: mask must be CV_8UC1 (8-bit, one channel)");
  const cv::Rect& box = region.bbox;
  if (region.region.type() != CV_8UC1 || region.region.size() != box.size())
    throw Error("applySuggestion: the region must be a CV_8UC1 image of its bbox's size (" +
                std::to_string(box.width) + "x" + std::to_string(box.height) + ")");
  if ((box & cv::Rect(0, 0, mask.cols, mask.rows)) != box)
    throw Error("applySuggestion: the region's bbox (" + std::to_string(box.x) + ", " + std::to_string(box.y) + ", " +
                std::to_string(box.width) + "x" + std::to_string(box.height) + ") lies outside the " + sizeText(mask) +
                " mask");
  if (box.empty()) return {};
  const std::uint8_t value = region.add ? 255 : 0;
  int x0 = box.width, y0 = box.height, x1 = -1, y1 = -1;
  for (int y = 0; y < box.height; ++y) {
    const std::uint8_t* in = region.region.ptr<std::uint8_t>(y);
    std::uint8_t* m = mask.ptr<std::uint8_t>(box.y + y) + box.x;
    for (int x = 0; x < box.width; ++x) {
      if (!in[x] || m[x] == value) continue;
      m[x] = value;
      x0 = std::min(x0, x);
      x1 = std::max(x1, x);
      y0 = std::min(y0, y);
      y1 = std::max(y1, y);
    }
  }
  return x1 < 0 ? cv::Rect() : cv::Rect(box.x + x0, box.y + y0, x1 - x0 + 1, y1 - y0 + 1);
}

}  // namespace rgbdsod::core
