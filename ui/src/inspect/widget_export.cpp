#include "rgbdsod/ui/inspect/widget_export.h"

#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QWidget>

namespace rgbdsod::ui {

namespace {
constexpr double kScreenDpi = 96.0;  // a widget's logical pixels are 1/96 inch
}

bool exportWidget(QWidget* widget, const QString& path, int dpi, QString* error) {
  const auto fail = [&](const QString& why) {
    if (error) *error = QStringLiteral("%1: %2").arg(path, why);
    return false;
  };
  if (!widget) return fail(QStringLiteral("nothing to export"));
  if (dpi < 30 || dpi > 2400) return fail(QStringLiteral("DPI %1 is outside 30..2400").arg(dpi));
  const QString suffix = QFileInfo(path).suffix().toLower();
  const QSize size = widget->size();
  QSaveFile file(path);
  if (suffix == QLatin1String("png")) {
    const double scale = dpi / kScreenDpi;
    QImage image(QSize(qRound(size.width() * scale), qRound(size.height() * scale)), QImage::Format_ARGB32);
    image.fill(widget->palette().window().color());
    image.setDotsPerMeterX(qRound(dpi / 0.0254));
    image.setDotsPerMeterY(qRound(dpi / 0.0254));
    {
      QPainter painter(&image);
      painter.scale(scale, scale);
      widget->render(&painter, QPoint(), QRegion(), QWidget::DrawChildren);
    }
    if (!file.open(QIODevice::WriteOnly)) return fail(file.errorString());
    if (!image.save(&file, "PNG")) return fail(QStringLiteral("cannot encode the PNG"));
  } else if (suffix == QLatin1String("svg")) {
    if (!file.open(QIODevice::WriteOnly)) return fail(file.errorString());
    QSvgGenerator svg;
    svg.setOutputDevice(&file);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(), size));
    svg.setResolution(qRound(kScreenDpi));
    svg.setTitle(widget->windowTitle());
    QPainter painter(&svg);
    widget->render(&painter, QPoint(), QRegion(), QWidget::DrawChildren);
  } else if (suffix == QLatin1String("pdf")) {
    if (!file.open(QIODevice::WriteOnly)) return fail(file.errorString());
    QPdfWriter pdf(&file);
    pdf.setResolution(dpi);
    const QSizeF inches(size.width() / kScreenDpi, size.height() / kScreenDpi);
    pdf.setPageSize(QPageSize(QSizeF(inches.width() * 25.4, inches.height() * 25.4), QPageSize::Millimeter));
    pdf.setPageMargins(QMarginsF());
    QPainter painter(&pdf);
    const double scale = dpi / kScreenDpi;
    painter.scale(scale, scale);
    widget->render(&painter, QPoint(), QRegion(), QWidget::DrawChildren);
  } else {
    return fail(QStringLiteral("unknown format '.%1' (use .png, .svg or .pdf)").arg(suffix));
  }
  if (!file.commit()) return fail(file.errorString());
  return true;
}

}  // namespace rgbdsod::ui
