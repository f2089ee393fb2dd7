// Depth polarity names, normalisation to [0,1] with 1 = near, and the colour-mapped display view.
#include "rgbdsod/core/depth.h"

#include <algorithm>
#include <cctype>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/errors.h"

namespace rgbdsod::core {

const char* toString(DepthPolarity p) {
  return p == DepthPolarity::NearIsBright ? "near-bright" : "near-dark";
}

std::optional<DepthPolarity> parsePolarity(std::string_view text) {
  std::string t;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    t += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (t == "near-bright" || t == "bright" || t == "nearisbright" || t == "near-is-bright") return DepthPolarity::NearIsBright;
  if (t == "near-dark" || t == "dark" || t == "nearisdark" || t == "near-is-dark") return DepthPolarity::NearIsDark;
  return std::nullopt;
}

cv::Mat normaliseDepth(const cv::Mat& depth, DepthPolarity polarity) {
  if (depth.empty()) throw Error("normaliseDepth: empty depth map");
  if (depth.channels() != 1) throw Error("normaliseDepth: expected a single-channel depth map");
  cv::Mat d;
  depth.convertTo(d, CV_32F);
  cv::Mat out = cv::Mat::zeros(d.size(), CV_32F);
  // Near-dark maps are metric: 0 means "no measurement", so zeros are excluded from the range and
  // stay 0 (far). Near-bright maps already put far at 0, so every pixel counts.
  const bool holes = polarity == DepthPolarity::NearIsDark;
  cv::Mat valid;
  if (holes) valid = d > 0;
  double lo = 0, hi = 0;
  if (holes && cv::countNonZero(valid) == 0) return out;
  cv::minMaxLoc(d, &lo, &hi, nullptr, nullptr, holes ? valid : cv::noArray());
  if (hi <= lo) return out;  // constant: no depth information
  const double scale = 1.0 / (hi - lo);
  if (holes) {
    d.convertTo(out, CV_32F, -scale, 1.0 + lo * scale);  // invert: the smallest distance -> 1
    out.setTo(0.0f, ~valid);
  } else {
    d.convertTo(out, CV_32F, scale, -lo * scale);
  }
  // Rounding of the affine map can leave the ends a hair outside [0,1]; consumers rely on them.
  cv::min(cv::max(out, 0.0), 1.0, out);
  return out;
}

cv::Mat colourMapDepth(const cv::Mat& normalised) {
  if (normalised.empty()) return {};
  if (normalised.channels() != 1) throw Error("colourMapDepth: expected a single-channel map");
  cv::Mat f;
  if (normalised.depth() == CV_8U) normalised.convertTo(f, CV_32F, 1.0 / 255.0);
  else normalised.convertTo(f, CV_32F);
  // Valid values use levels 1..255 of the colour map; exact zeros (holes, or the farthest point)
  // are painted black so that missing measurements stand out from turbo's dark blue.
  cv::Mat levels;
  f.convertTo(levels, CV_8U, 254.0, 1.0);
  const cv::Mat zero = f <= 0.0f;
  cv::Mat bgr;
  cv::applyColorMap(levels, bgr, cv::COLORMAP_TURBO);
  bgr.setTo(cv::Scalar::all(0), zero);
  return bgr;
}

}  // namespace rgbdsod::core
