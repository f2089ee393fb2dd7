#include "rgbdsod/ui/image_convert.h"

#include <algorithm>
#include <cstdint>

#include <QPainter>
#include <opencv2/imgproc.hpp>

namespace rgbdsod::ui {

namespace {

// Wraps the matrix' pixels without copying; the caller copies before the Mat goes away.
QImage wrap(const cv::Mat& m, QImage::Format format) {
  return QImage(m.data, m.cols, m.rows, static_cast<qsizetype>(m.step), format);
}

}  // namespace

QImage toQImage(const cv::Mat& image) {
  if (image.empty()) return {};
  switch (image.type()) {
    case CV_8UC3:
      return wrap(image, QImage::Format_BGR888).copy();
    case CV_8UC4:  // BGRA in memory is ARGB32 on little-endian machines
      return wrap(image, QImage::Format_ARGB32).copy();
    case CV_8UC1:
      return wrap(image, QImage::Format_Grayscale8).copy();
    case CV_16UC1:
      return wrap(image, QImage::Format_Grayscale16).copy();
    case CV_32FC1: {
      cv::Mat bytes;
      image.convertTo(bytes, CV_8U, 255.0);
      return wrap(bytes, QImage::Format_Grayscale8).copy();
    }
    default:
      return {};
  }
}

QImage depthToColourImage(const cv::Mat& depth, core::DepthPolarity polarity) {
  if (depth.empty()) return {};
  return toQImage(core::colourMapDepth(core::normaliseDepth(depth, polarity)));
}

QImage maskToOverlayImage(const cv::Mat& mask, const QColor& fill, const QColor& edge) {
  if (mask.empty() || mask.type() != CV_8UC1) return {};
  // The outline is a few pixels wide at the size images are usually viewed: wider for large masks.
  const int side = std::max(5, (std::min(mask.cols, mask.rows) / 96) | 1);
  cv::Mat outline;
  cv::morphologyEx(mask > 128, outline, cv::MORPH_GRADIENT,
                   cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(side, side)));
  constexpr int kFillAlpha = 220;  // of 255, for a fully foreground pixel (the slider scales it)
  QImage out(mask.cols, mask.rows, QImage::Format_ARGB32_Premultiplied);
  for (int y = 0; y < mask.rows; ++y) {
    const auto* in = mask.ptr<std::uint8_t>(y);
    const auto* on_edge = outline.ptr<std::uint8_t>(y);
    auto* line = reinterpret_cast<QRgb*>(out.scanLine(y));
    for (int x = 0; x < mask.cols; ++x) {
      if (on_edge[x]) {
        line[x] = qRgba(edge.red(), edge.green(), edge.blue(), 255);
        continue;
      }
      const int a = in[x] * kFillAlpha / 255;
      line[x] = qRgba(fill.red() * a / 255, fill.green() * a / 255, fill.blue() * a / 255, a);
    }
  }
  return out;
}

QImage squareThumbnail(const cv::Mat& bgr, int side, const QColor& background) {
  QImage canvas(side, side, QImage::Format_RGB32);
  canvas.fill(background);
  if (bgr.empty() || side <= 0) return canvas;
  const double scale = std::min(static_cast<double>(side) / bgr.cols,
                                static_cast<double>(side) / bgr.rows);
  const int w = std::max(1, static_cast<int>(bgr.cols * scale + 0.5));
  const int h = std::max(1, static_cast<int>(bgr.rows * scale + 0.5));
  cv::Mat small;
  // INTER_AREA: the right filter for shrinking (no aliasing of fine texture)
  cv::resize(bgr, small, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  QPainter painter(&canvas);
  painter.drawImage(QPoint((side - w) / 2, (side - h) / 2), toQImage(small));
  return canvas;
}

}  // namespace rgbdsod::ui
