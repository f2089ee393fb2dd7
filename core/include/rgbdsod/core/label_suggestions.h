#pragma once
// Where a saliency map disagrees with a label: the connected regions in which the binarised map
// and the binarised label differ, ranked by area times confidence, so that a researcher (or
// `rgbdsod labels rank`) looks at the likely label errors first. Torch-free, widget-free.
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

namespace rgbdsod::core {

struct SuggestionOptions {
  int min_area = 16;           // smaller disagreement regions are ignored (px)
  double min_confidence = 0.2; // regions whose mean confidence is below are ignored (0..1)
};

struct SuggestedRegion {
  cv::Rect bbox;
  int area = 0;               // px
  double confidence = 0.0;    // mean |2 p - 1| of the map over the region, in [0, 1]
  double score = 0.0;         // area * confidence / image area
  bool add = true;            // true: the map says foreground where the label says background
  cv::Mat region;             // CV_8UC1, bbox-sized, 255 inside the region
};

struct LabelSuspicion {
  double score = 0.0;                   // the sum of the region scores: higher = more likely wrong
  std::vector<SuggestedRegion> regions; // most suspicious first
};

// label and prediction: CV_8UC1 0..255 of the same size (throws Error naming the sizes otherwise),
// both binarised at kMaskThreshold. The regions are the 4-connected components (as the label noise's
// regions) of "map fg, label bg" and of "map bg, label fg", taken apart so each region is one kind.
// Equal scores are ordered by bbox y, then x. Throws Error for min_area < 0 or min_confidence
// outside [0, 1].
LabelSuspicion suggestRegions(const cv::Mat& label, const cv::Mat& prediction, const SuggestionOptions& options = {});

// Accepting a suggestion: its region's pixels set to 255 (add) or 0 (remove). Returns the rect changed
// (tight; empty when nothing changed). Throws Error when the bbox leaves the mask or the region
// image is not CV_8UC1 of the bbox's size.
cv::Rect applySuggestion(cv::Mat& mask, const SuggestedRegion& region);

}  // namespace rgbdsod::core
