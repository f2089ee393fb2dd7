#include "rgbdsod/ui/sample_loader.h"

#include <exception>

#include <QPainter>
#include <opencv2/core.hpp>

#include "rgbdsod/core/image_io.h"
#include "rgbdsod/ui/image_convert.h"

namespace rgbdsod::ui {

namespace {

QString toQString(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

void describeDepth(const cv::Mat& depth, LoadedSample& out) {
  out.depth_format = depth.depth() == CV_16U ? QStringLiteral("16-bit") : QStringLiteral("8-bit");
  const cv::Mat valid = depth != 0;
  const int valid_count = cv::countNonZero(valid);
  out.depth_hole_fraction = 1.0 - static_cast<double>(valid_count) / static_cast<double>(depth.total());
  if (valid_count > 0) cv::minMaxLoc(depth, &out.depth_min, &out.depth_max, nullptr, nullptr, valid);
}

void describeMask(const cv::Mat& gt, LoadedSample& out) {
  const double total = static_cast<double>(gt.total());
  out.gt_foreground_fraction = cv::countNonZero(gt > 128) / total;
  out.gt_soft_fraction = cv::countNonZero((gt > 0) & (gt < 255)) / total;
}

}  // namespace

QColor gtOverlayFill() { return QColor(255, 40, 90); }
QColor gtOverlayEdge() { return QColor(255, 225, 0); }

LoadedSample loadSampleForDisplay(const core::Dataset& dataset, int index,
                                  core::DepthPolarity polarity) {
  LoadedSample out;
  out.index = index;
  out.polarity = polarity;
  if (index < 0 || static_cast<std::size_t>(index) >= dataset.size()) return out;
  const core::SampleFiles& files = dataset.samples[static_cast<std::size_t>(index)];
  out.name = QString::fromStdString(files.name);
  out.rgb_file = toQString(files.rgb);
  out.depth_file = toQString(files.depth);
  out.gt_file = toQString(files.gt);

  // Each modality on its own: one unreadable file must not hide the other two.
  auto attempt = [&out](auto&& body) {
    try {
      body();
    } catch (const std::exception& e) {
      out.errors << QString::fromStdString(e.what());
    }
  };
  if (!files.rgb.empty()) attempt([&] { out.rgb = toQImage(core::readRgb(files.rgb)); });
  if (!files.depth.empty()) {
    attempt([&] {
      const cv::Mat depth = core::readDepth(files.depth);
      describeDepth(depth, out);
      out.depth_colour = depthToColourImage(depth, polarity);
    });
  }
  if (!files.gt.empty()) {
    attempt([&] {
      const cv::Mat gt = core::readMask(files.gt);
      describeMask(gt, out);
      out.gt = toQImage(gt);
      out.gt_overlay = maskToOverlayImage(gt, gtOverlayFill(), gtOverlayEdge());
    });
  }
  return out;
}

QImage loadThumbnail(const core::SampleFiles& files, int side) {
  const QColor background(40, 42, 46);
  try {
    if (!files.rgb.empty()) return squareThumbnail(core::readRgb(files.rgb), side, background);
  } catch (const std::exception&) {
    // falls through to the "missing" tile; validation reports the file's problem
  }
  QImage tile = squareThumbnail(cv::Mat(), side, background);
  QPainter painter(&tile);
  painter.setPen(QColor(200, 80, 80));
  painter.drawLine(side / 4, side / 4, 3 * side / 4, 3 * side / 4);
  painter.drawLine(3 * side / 4, side / 4, side / 4, 3 * side / 4);
  return tile;
}

}  // namespace rgbdsod::ui
