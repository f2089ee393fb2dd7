// Depth modalities: the float maps a model's depth input receives.
#include "rgbdsod/core/depth_modality.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/hha.h"
#include "rgbdsod/core/hha_cache.h"
#include "rgbdsod/core/image_io.h"

namespace rgbdsod::core {
namespace {

// The HHA disparity channel's definition (hha_encode.cpp / saveHHA.m), scaled to [0,1].
cv::Mat disparityMap(const MetricDepth& d) {
  cv::Mat out(d.metres.size(), CV_32F);
  for (int y = 0; y < out.rows; ++y) {
    const double* m = d.metres.ptr<double>(y);
    const std::uint8_t* ok = d.measured.ptr<std::uint8_t>(y);
    float* o = out.ptr<float>(y);
    for (int x = 0; x < out.cols; ++x)
      o[x] = ok[x] ? static_cast<float>(std::min(255.0, 31000.0 / std::max(m[x] * 100.0, 100.0)) / 255.0) : 0.0f;
  }
  return out;
}

cv::Mat replicate3(const cv::Mat& one) {
  cv::Mat out;
  cv::merge(std::vector<cv::Mat>{one, one, one}, out);
  return out;
}

cv::Mat scaled(const cv::Mat& hha8) {
  cv::Mat out;
  hha8.convertTo(out, CV_32F, 1.0 / 255.0);
  return out;
}

}  // namespace

const char* toString(DepthModality m) {
  switch (m) {
    case DepthModality::Raw1: return "raw";
    case DepthModality::Raw3: return "raw3";
    case DepthModality::Disparity: return "disparity";
    case DepthModality::Hha: return "hha";
  }
  return "?";
}

std::optional<DepthModality> parseDepthModality(std::string_view text) {
  std::string t(text);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "raw" || t == "raw1" || t == "depth") return DepthModality::Raw1;
  if (t == "raw3" || t == "depth3") return DepthModality::Raw3;
  if (t == "disparity") return DepthModality::Disparity;
  if (t == "hha") return DepthModality::Hha;
  return std::nullopt;
}

int channels(DepthModality m) { return (m == DepthModality::Raw1 || m == DepthModality::Disparity) ? 1 : 3; }

cv::Mat depthInput(const cv::Mat& stored, DepthModality m, const DepthConfig& config, DepthPolarity polarity) {
  switch (m) {
    case DepthModality::Raw1: return normaliseDepth(stored, polarity);
    case DepthModality::Raw3: return replicate3(normaliseDepth(stored, polarity));
    case DepthModality::Disparity: return disparityMap(toMetric(stored, config, polarity));
    case DepthModality::Hha: {
      const MetricDepth d = toMetric(stored, config, polarity);
      return scaled(computeHha(d.metres, d.measured, cameraFor(config, stored.size())).hha);
    }
  }
  return {};
}

cv::Mat depthInput(const Dataset& ds, std::size_t index, DepthModality m, const DepthConfig& config,
                   DepthPolarity polarity) {
  if (m == DepthModality::Hha) return scaled(loadHha(ds, index, config, polarity));
  const SampleFiles& s = ds.samples.at(index);
  if (s.depth.empty()) throw FileError(ds.layout.depth_dir / s.name, "sample has no depth map");
  return depthInput(readDepth(s.depth), m, config, polarity);
}

}  // namespace rgbdsod::core
