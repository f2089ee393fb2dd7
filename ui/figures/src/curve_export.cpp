// Writing curve figures to PNG (300 dpi), PDF and SVG at a size in cm, offscreen and atomically.
//
// Layout unit: 1 pt. The plot is laid out at width_cm x height_cm in pt; fonts are scaled by
// 72 / dpi because every device used here (QPixmap, QPrinter at screen resolution, QSvgGenerator at
// the same resolution) turns point sizes into units at the screen's dpi. The PNG is that layout
// scaled to 300 dpi; the PDF page (QCustomPlot::savePdf) is the layout size in pt; the SVG's
// viewBox is in pt with width/height in physical units.
#include <qcustomplot.h>

#include <QApplication>
#include <QSvgGenerator>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <string>

#include "curve_detail.h"
#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"

namespace fs = std::filesystem;

namespace rgbdsod::figures {
namespace {

bool writeSvg(QCustomPlot& plot, const QString& file, int w, int h, double dpi, const std::string& title) {
  QSvgGenerator svg;
  svg.setFileName(file);
  svg.setResolution(static_cast<int>(std::lround(dpi)));
  svg.setSize(QSize(static_cast<int>(std::lround(w * dpi / 72.0)), static_cast<int>(std::lround(h * dpi / 72.0))));
  svg.setViewBox(QRect(0, 0, w, h));
  svg.setTitle(QString::fromStdString(title));
  svg.setDescription("rgbdsod curve figure");
  QCPPainter painter;
  if (!painter.begin(&svg)) return false;
  painter.setMode(QCPPainter::pmVectorized);
  plot.toPainter(&painter, w, h);
  return painter.end();
}

}  // namespace

PixelSize pngPixelSize(const FigureStyle& style) {
  const int w = detail::widthPt(style);
  const int h = detail::heightPt(style);
  const int px_w = std::max(1, static_cast<int>(std::lround(style.width_cm / 2.54 * kPngDpi)));
  const double scale = static_cast<double>(px_w) / w;  // exact width; QCustomPlot rounds the height
  return {px_w, static_cast<int>(std::lround(scale * h))};
}

void saveCurveFigure(const fs::path& file, CurveKind kind, const std::vector<MethodCurves>& methods,
                     const FigureStyle& style) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext != ".png" && ext != ".pdf" && ext != ".svg")
    throw core::FileError(file, "unknown figure format '" + ext + "' (use .png, .pdf or .svg)");
  if (style.width_cm <= 0 || style.height_cm <= 0 || style.width_cm > 100 || style.height_cm > 100)
    throw core::FileError(file, "figure size must be between 0 and 100 cm");
  if (QApplication::instance() == nullptr)
    throw core::Error("saveCurveFigure needs a QApplication (QCustomPlot is a widget)");
  const fs::path folder = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw core::FileError(file, "cannot write: folder " + folder.string() + " does not exist");

  QCustomPlot plot;
  const double dpi = plot.logicalDpiY() > 0 ? plot.logicalDpiY() : 96.0;
  const int w = detail::widthPt(style);
  const int h = detail::heightPt(style);
  detail::drawCurvesScaled(plot, kind, methods, style, 72.0 / dpi, QSizeF(w, h));

  const fs::path tmp = core::temporarySiblingPath(folder / file.filename());
  const QString tmp_name = QString::fromStdString(tmp.string());
  bool ok = false;
  if (ext == ".png") {
    const PixelSize px = pngPixelSize(style);
    ok = plot.savePng(tmp_name, w, h, static_cast<double>(px.width) / w, -1, kPngDpi, QCP::ruDotsPerInch);
  } else if (ext == ".pdf") {
    ok = plot.savePdf(tmp_name, w, h, QCP::epNoCosmetic, "rgbdsod", QString::fromStdString(style.title));
  } else {
    ok = writeSvg(plot, tmp_name, w, h, dpi, style.title);
  }
  if (!ok || !fs::exists(tmp, ec) || fs::file_size(tmp, ec) == 0) {
    fs::remove(tmp, ec);
    throw core::FileError(file, "cannot write the figure");
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw core::FileError(file, "cannot write the figure: " + ec.message());
  }
}

}  // namespace rgbdsod::figures
