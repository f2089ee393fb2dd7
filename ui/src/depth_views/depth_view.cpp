#include "rgbdsod/ui/depth_views/depth_view.h"

#include <exception>
#include <filesystem>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/hha.h"
#include "rgbdsod/core/hha_cache.h"
#include "rgbdsod/core/image_io.h"
#include "rgbdsod/ui/image_convert.h"

namespace rgbdsod::ui {

namespace {

// HHA channel index in the BGR matrix for each single-channel view.
int channelOf(DepthView view) {
  switch (view) {
    case DepthView::Disparity:
    case DepthView::HhaDisparity:
      return 2;
    case DepthView::HhaHeight:
      return 1;
    case DepthView::HhaAngle:
      return 0;
    default:
      return -1;
  }
}

cv::Mat encodeInMemory(const core::SampleFiles& files, const core::DepthConfig& config,
                       core::DepthPolarity polarity) {
  const cv::Mat stored = core::readDepth(files.depth);
  const core::MetricDepth metric = core::toMetric(stored, config, polarity);
  // The same call as the cache's encoder, so a cached and an in-memory HHA are identical.
  return core::computeHha(metric.metres, metric.measured, core::cameraFor(config, stored.size())).hha;
}

}  // namespace

QString depthViewLabel(DepthView view) {
  switch (view) {
    case DepthView::Depth:
      return QStringLiteral("Depth");
    case DepthView::Disparity:
      return QStringLiteral("Disparity");
    case DepthView::Hha:
      return QStringLiteral("HHA");
    case DepthView::HhaDisparity:
      return QStringLiteral("H: disparity");
    case DepthView::HhaHeight:
      return QStringLiteral("H: height");
    case DepthView::HhaAngle:
      return QStringLiteral("A: angle");
  }
  return {};
}

QStringList depthViewLabels() {
  QStringList labels;
  for (int i = 0; i < kDepthViewCount; ++i) labels << depthViewLabel(static_cast<DepthView>(i));
  return labels;
}

QImage renderHhaView(const cv::Mat& hha, DepthView view) {
  if (hha.empty() || hha.type() != CV_8UC3 || view == DepthView::Depth) return {};
  if (view == DepthView::Hha) return toQImage(hha);  // BGR in memory: shows R = disparity
  cv::Mat channel;
  cv::extractChannel(hha, channel, channelOf(view));
  if (view == DepthView::Disparity) {
    cv::Mat coloured;
    cv::applyColorMap(channel, coloured, cv::COLORMAP_TURBO);  // high disparity (near) = red
    return toQImage(coloured);
  }
  return toQImage(channel);
}

bool hasHhaCache(const core::Dataset& dataset) {
  std::error_code ec;
  return std::filesystem::is_regular_file(dataset.root / core::kHhaFolder / core::kHhaManifest, ec);
}

DisplayHha hhaForDisplay(const core::Dataset& dataset, int index, const core::DepthConfig& config,
                         core::DepthPolarity polarity, bool use_cache) {
  DisplayHha out;
  if (index < 0 || static_cast<std::size_t>(index) >= dataset.size()) {
    out.error = QStringLiteral("no such sample");
    return out;
  }
  const core::SampleFiles& files = dataset.samples[static_cast<std::size_t>(index)];
  if (files.depth.empty()) {
    out.error = QStringLiteral("%1: no depth file").arg(QString::fromStdString(files.name));
    return out;
  }
  if (use_cache && hasHhaCache(dataset)) {
    try {
      out.hha = core::loadHha(dataset, static_cast<std::size_t>(index), config, polarity);
      out.from_cache = true;
      return out;
    } catch (const core::FileError&) {
      // e.g. a read-only dataset whose stale entry cannot be rewritten: encode in memory below
    } catch (const std::exception& e) {
      out.error = QString::fromStdString(e.what());
      return out;
    }
  }
  try {
    out.hha = encodeInMemory(files, config, polarity);
  } catch (const std::exception& e) {
    out.error = QString::fromStdString(e.what());
  }
  return out;
}

}  // namespace rgbdsod::ui
