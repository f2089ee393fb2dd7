#include "rgbdsod/ui/inspect/map_render.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <QObject>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/ui/image_convert.h"

namespace rgbdsod::ui {

namespace {

// The 8-bit map normalised as the metrics prepare predictions: /255, then min-max to [0,1] when
// it is not constant.
cv::Mat normalisedLikeMetrics(const cv::Mat& map8) {
  cv::Mat f;
  map8.convertTo(f, CV_32F, 1.0 / 255.0);
  double lo = 0, hi = 0;
  cv::minMaxLoc(f, &lo, &hi);
  if (hi > lo) f = (f - lo) / (hi - lo);
  return f;
}

bool sameSize(const cv::Mat& a, const cv::Mat& b) { return !a.empty() && a.size() == b.size(); }

}  // namespace

QStringList mapColourNames() {
  return {QObject::tr("Grey"), QObject::tr("Turbo"), QObject::tr("Viridis"), QObject::tr("Jet")};
}

QImage renderProbability(const cv::Mat& map, MapColours colours, double low, double high) {
  if (map.empty() || map.channels() != 1) return {};
  cv::Mat f;
  map.convertTo(f, CV_32F, map.depth() == CV_8U ? 1.0 / 255.0 : 1.0);
  const double span = std::max(high - low, 1e-6);
  cv::Mat bytes;
  f.convertTo(bytes, CV_8U, 255.0 / span, -255.0 * low / span);  // saturates outside the window
  if (colours == MapColours::Grey) return toQImage(bytes);
  const int code = colours == MapColours::Turbo     ? cv::COLORMAP_TURBO
                   : colours == MapColours::Viridis ? cv::COLORMAP_VIRIDIS
                                                    : cv::COLORMAP_JET;
  cv::Mat bgr;
  cv::applyColorMap(bytes, bgr, code);
  return toQImage(bgr);
}

double adaptiveThreshold(const cv::Mat& map8) {
  if (map8.empty()) return 0.5;
  return std::min(2.0 * cv::mean(normalisedLikeMetrics(map8))[0], 1.0);
}

ErrorCounts countErrors(const cv::Mat& map8, const cv::Mat& gt8, double threshold) {
  ErrorCounts c;
  if (!sameSize(map8, gt8)) return c;
  const cv::Mat p = normalisedLikeMetrics(map8);
  c.pixels = static_cast<long long>(p.total());
  for (int y = 0; y < p.rows; ++y) {
    const float* pr = p.ptr<float>(y);
    const std::uint8_t* g = gt8.ptr<std::uint8_t>(y);
    for (int x = 0; x < p.cols; ++x) {
      const bool salient = pr[x] >= threshold, fg = g[x] > 128;
      c.false_positives += salient && !fg;
      c.false_negatives += !salient && fg;
    }
  }
  return c;
}

QImage errorOverlay(const cv::Mat& rgb_bgr, const cv::Mat& map8, const cv::Mat& gt8, double threshold) {
  if (!sameSize(rgb_bgr, map8) || !sameSize(map8, gt8) || rgb_bgr.type() != CV_8UC3) return {};
  const cv::Mat p = normalisedLikeMetrics(map8);
  QImage out = toQImage(rgb_bgr).convertToFormat(QImage::Format_RGB32);
  const QRgb fp = falsePositiveColour().rgb(), fn = falseNegativeColour().rgb();
  for (int y = 0; y < p.rows; ++y) {
    const float* pr = p.ptr<float>(y);
    const std::uint8_t* g = gt8.ptr<std::uint8_t>(y);
    auto* line = reinterpret_cast<QRgb*>(out.scanLine(y));
    for (int x = 0; x < p.cols; ++x) {
      const bool salient = pr[x] >= threshold, fg = g[x] > 128;
      if (salient && !fg) line[x] = fp;
      else if (!salient && fg) line[x] = fn;
    }
  }
  return out;
}

QImage differenceImage(const cv::Mat& a8, const cv::Mat& b8) {
  if (!sameSize(a8, b8) || a8.type() != CV_8UC1 || b8.type() != CV_8UC1) return {};
  QImage out(a8.cols, a8.rows, QImage::Format_RGB32);
  for (int y = 0; y < a8.rows; ++y) {
    const std::uint8_t* a = a8.ptr<std::uint8_t>(y);
    const std::uint8_t* b = b8.ptr<std::uint8_t>(y);
    auto* line = reinterpret_cast<QRgb*>(out.scanLine(y));
    for (int x = 0; x < a8.cols; ++x) {
      const int d = static_cast<int>(a[x]) - static_cast<int>(b[x]);  // -255..255
      const int fade = 255 - std::abs(d);
      line[x] = d >= 0 ? qRgb(255, fade, fade) : qRgb(fade, fade, 255);
    }
  }
  return out;
}

double meanAbsoluteDifference(const cv::Mat& a8, const cv::Mat& b8) {
  if (!sameSize(a8, b8)) return std::nan("");
  cv::Mat d;
  cv::absdiff(a8, b8, d);
  return cv::mean(d)[0] / 255.0;
}

cv::Mat greyMatFromImage(const QImage& image) {
  if (image.isNull()) return {};
  const QImage g = image.convertToFormat(QImage::Format_Grayscale8);
  return cv::Mat(g.height(), g.width(), CV_8UC1, const_cast<uchar*>(g.constBits()),
                 static_cast<size_t>(g.bytesPerLine()))
      .clone();
}

cv::Mat bgrMatFromImage(const QImage& image) {
  if (image.isNull()) return {};
  const QImage c = image.convertToFormat(QImage::Format_BGR888);
  return cv::Mat(c.height(), c.width(), CV_8UC3, const_cast<uchar*>(c.constBits()),
                 static_cast<size_t>(c.bytesPerLine()))
      .clone();
}

}  // namespace rgbdsod::ui
