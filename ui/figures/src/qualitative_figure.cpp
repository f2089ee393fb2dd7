// Qualitative comparison figures (see qualitative_figure.h): laid out in pt, painted once by one
// routine on a QImage (PNG), a QPdfWriter (PDF) or a QSvgGenerator (SVG), written atomically.
//
// Units: the painter works in pt on every device. The PNG and PDF painters are scaled by dpi / 72
// (their devices count dpi units per inch); the SVG generator's viewBox is in pt, so its painter is
// not scaled. Fonts resolve point sizes at the device's logical dpi (= dpi on all three), so a font
// of `pt * 72 / dpi` points is exactly `pt` painter units high. On the PNG, images are resampled to
// their cell's exact pixel rectangle and drawn unscaled at whole pixels (crisp edges, background
// gaps); PDF and SVG embed them resampled to the cell's size at dpi (never enlarged).
#include "rgbdsod/figures/qualitative_figure.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>

#include <QBuffer>
#include <QByteArray>
#include <QFont>
#include <QFontMetricsF>
#include <QGuiApplication>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QPen>
#include <QSvgGenerator>

#include <fmt/format.h>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"

namespace fs = std::filesystem;

namespace rgbdsod::figures {
namespace {

constexpr int kMinDpi = 36;
constexpr int kMaxDpi = 2400;
constexpr int kMaxSidePx = 30000;                 // the raster engine's coordinates stay exact below 2^15
constexpr double kMaxPixels = 100.0 * 1000 * 1000;  // 400 MB of RGB32
constexpr double kMaxPagePt = 14400.0;            // the largest PDF page (200 inch)
constexpr double kBandFactor = 1.6;               // title band height / label band width, in font sizes
constexpr double kDefaultAspect = 0.75;           // height / width when no image gives one

const QColor kBackground(255, 255, 255);
const QColor kText(0, 0, 0);
const QColor kMissingFill(230, 230, 230);
const QColor kMissingHatch(185, 185, 185);
const QColor kMissingText(80, 80, 80);

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Height / width of the image that sets the cell size: the first image of column 0 (RGB), else
// the first image at all, else 4:3.
double cellAspect(const QualitativeFigure& f) {
  for (const auto& row : f.cells)
    if (!row.empty() && !row.front().isNull() && row.front().width() > 0)
      return static_cast<double>(row.front().height()) / row.front().width();
  for (const auto& row : f.cells)
    for (const QImage& image : row)
      if (!image.isNull() && image.width() > 0) return static_cast<double>(image.height()) / image.width();
  return kDefaultAspect;
}

void checkDpi(int dpi) {
  if (dpi < kMinDpi || dpi > kMaxDpi)
    throw core::Error(fmt::format("figure resolution must be {}..{} dpi, got {}", kMinDpi, kMaxDpi, dpi));
}

// The image's rectangle inside `cell`: as large as fits, aspect kept, centred.
QRectF fitted(const QRectF& cell, QSize image) {
  if (image.width() <= 0 || image.height() <= 0) return cell;
  const double scale = std::min(cell.width() / image.width(), cell.height() / image.height());
  const QSizeF size(image.width() * scale, image.height() * scale);
  return QRectF(cell.center().x() - size.width() / 2, cell.center().y() - size.height() / 2, size.width(),
                size.height());
}

// A font `pt` painter units high on the painter's device (see the file comment).
QFont figureFont(double pt, const QPaintDevice* device) {
  QFont font;
  font.setFamilies({"Helvetica", "Arial", "Liberation Sans", "Nimbus Sans", "DejaVu Sans"});
  font.setStyleHint(QFont::SansSerif);
  font.setHintingPreference(QFont::PreferNoHinting);  // metrics scale linearly: one layout on every device
  const int dpi = device != nullptr && device->logicalDpiY() > 0 ? device->logicalDpiY() : 72;
  font.setPointSizeF(std::max(0.1, pt * 72.0 / dpi));
  return font;
}

// How one device is painted: in pt, `scale` device units per pt; `raster` snaps images to pixels.
struct Target {
  QPainter& painter;
  double scale = 1.0;
  bool raster = false;
  int dpi = 300;
};

// The image resampled to `size` pixels (smooth), or itself when it already has that size.
QImage resampled(const QImage& image, QSize size) {
  if (image.size() == size) return image;
  return image.scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
}

void drawCellImage(Target& t, const QRectF& cell, const QImage& image) {
  const QRectF box = fitted(cell, image.size());
  if (t.raster) {
    // Whole device pixels: the rectangle's edges rounded, the image resampled to exactly it.
    const int x0 = static_cast<int>(std::lround(box.left() * t.scale));
    const int y0 = static_cast<int>(std::lround(box.top() * t.scale));
    const int x1 = std::max(x0 + 1, static_cast<int>(std::lround(box.right() * t.scale)));
    const int y1 = std::max(y0 + 1, static_cast<int>(std::lround(box.bottom() * t.scale)));
    const QImage pixels = resampled(image, QSize(x1 - x0, y1 - y0));
    t.painter.save();
    t.painter.resetTransform();
    t.painter.drawImage(QPoint(x0, y0), pixels);
    t.painter.restore();
    return;
  }
  // Vector output: embed at most the cell's resolution at dpi, never more pixels than the image has.
  const QSize wanted(std::max(1, static_cast<int>(std::lround(box.width() * t.dpi / 72.0))),
                     std::max(1, static_cast<int>(std::lround(box.height() * t.dpi / 72.0))));
  const bool smaller = wanted.width() < image.width() || wanted.height() < image.height();
  t.painter.drawImage(box, smaller ? resampled(image, wanted) : image);
}

// A missing cell: light grey, hatched at 45 degrees (lines computed inside the cell, so that no
// clipping is needed; SVG output of older Qt versions ignores clips), "missing" in the middle.
void drawMissingCell(Target& t, const QRectF& cell, double font_pt) {
  QPainter& p = t.painter;
  p.save();
  p.fillRect(cell, kMissingFill);
  QPen pen(kMissingHatch);
  pen.setWidthF(0.5);
  pen.setCosmetic(false);
  p.setPen(pen);
  const double step = std::max(3.0, cell.width() / 12.0);
  // Lines x + y = c, from the bottom-left towards the top-right.
  for (double c = cell.left() + cell.top() + step / 2; c < cell.right() + cell.bottom(); c += step) {
    const double xa = std::max(cell.left(), c - cell.bottom());
    const double xb = std::min(cell.right(), c - cell.top());
    if (xb > xa) p.drawLine(QPointF(xa, c - xa), QPointF(xb, c - xb));
  }
  const QFont font = figureFont(std::max(1.0, 0.75 * font_pt), p.device());
  p.setFont(font);
  const QFontMetricsF fm(font, p.device());
  const QString text = fm.elidedText(QStringLiteral("missing"), Qt::ElideRight, cell.width() - 2);
  if (!text.isEmpty()) {
    const double w = fm.horizontalAdvance(text) + 0.6 * fm.height();
    const double h = fm.height() * 1.2;
    const QRectF plate(cell.center().x() - w / 2, cell.center().y() - h / 2, w, h);
    p.fillRect(plate.intersected(cell), kMissingFill);
    p.setPen(kMissingText);
    p.drawText(plate, Qt::AlignCenter, text);
  }
  p.restore();
}

void paintFigure(Target& t, const QualitativeFigure& f, const QualitativeLayout& l) {
  QPainter& p = t.painter;
  p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
  p.fillRect(QRectF(QPointF(0, 0), l.page_pt), kBackground);

  const QFont font = figureFont(f.title_font_pt, p.device());
  const QFontMetricsF fm(font, p.device());
  p.setFont(font);
  p.setPen(kText);
  for (int c = 0; c < l.columns; ++c) {
    const QRectF band = l.columnTitle(c);
    const QString title = fm.elidedText(QString::fromStdString(f.column_titles[static_cast<std::size_t>(c)]),
                                        Qt::ElideRight, band.width());
    // Bottom-aligned a quarter of the font size above the cells.
    p.drawText(band.adjusted(0, 0, 0, -0.25 * f.title_font_pt), Qt::AlignHCenter | Qt::AlignBottom, title);
  }
  if (!f.row_labels.empty()) {
    for (int r = 0; r < l.rows; ++r) {
      const QRectF band = l.rowLabel(r);
      const QString label = fm.elidedText(QString::fromStdString(f.row_labels[static_cast<std::size_t>(r)]),
                                          Qt::ElideRight, band.height());
      p.save();
      p.translate(band.center());
      p.rotate(-90.0);  // reads bottom to top, as papers print row labels
      p.drawText(QRectF(-band.height() / 2, -band.width() / 2, band.height(), band.width()), Qt::AlignCenter, label);
      p.restore();
    }
  }
  for (int r = 0; r < l.rows; ++r)
    for (int c = 0; c < l.columns; ++c) {
      const QImage& image = f.cells[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
      const QRectF cell = l.cell(r, c);
      if (image.isNull())
        drawMissingCell(t, cell, f.title_font_pt);
      else
        drawCellImage(t, cell, image);
    }
}

void requireGuiApplication() {
  if (QGuiApplication::instance() == nullptr)
    throw core::Error("qualitative figures need a QGuiApplication (fonts); create one before drawing");
}

QByteArray pngBytes(const QualitativeFigure& f, int dpi) {
  const QImage image = renderQualitativeFigure(f, dpi);
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  if (!image.save(&buffer, "PNG")) return {};
  return bytes;
}

QByteArray pdfBytes(const QualitativeFigure& f, const QualitativeLayout& l, int dpi, const std::string& title) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  {
    QPdfWriter writer(&buffer);
    writer.setCreator("rgbdsod");
    writer.setTitle(QString::fromStdString(title));
    writer.setResolution(dpi);
    QPageLayout page;
    page.setMode(QPageLayout::FullPageMode);
    page.setOrientation(QPageLayout::Portrait);
    page.setMargins(QMarginsF(0, 0, 0, 0));
    // Whole points by construction of the layout; ExactMatch keeps a custom size custom.
    page.setPageSize(QPageSize(QSize(static_cast<int>(std::lround(l.page_pt.width())),
                                     static_cast<int>(std::lround(l.page_pt.height()))),
                               QPageSize::Point, QString(), QPageSize::ExactMatch));
    if (!writer.setPageLayout(page)) return {};
    QPainter painter;
    if (!painter.begin(&writer)) return {};
    painter.scale(dpi / 72.0, dpi / 72.0);
    Target t{painter, dpi / 72.0, false, dpi};
    paintFigure(t, f, l);
    if (!painter.end()) return {};
  }
  return bytes;
}

QByteArray svgBytes(const QualitativeFigure& f, const QualitativeLayout& l, int dpi, const std::string& title) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  {
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setResolution(dpi);
    svg.setSize(QSize(static_cast<int>(std::lround(l.page_pt.width() * dpi / 72.0)),
                      static_cast<int>(std::lround(l.page_pt.height() * dpi / 72.0))));
    svg.setViewBox(QRectF(QPointF(0, 0), l.page_pt));  // painter units = pt
    svg.setTitle(QString::fromStdString(title));
    svg.setDescription("rgbdsod qualitative figure");
    QPainter painter;
    if (!painter.begin(&svg)) return {};
    Target t{painter, 1.0, false, dpi};
    paintFigure(t, f, l);
    if (!painter.end()) return {};
  }
  return bytes;
}

std::string suffixList() {
  std::string s;
  for (const std::string& x : qualitativeFigureSuffixes()) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

QRectF QualitativeLayout::cell(int row, int column) const {
  return QRectF(origin.x() + column * (cell_width_pt + gap_pt), origin.y() + row * (cell_height_pt + gap_pt),
                cell_width_pt, cell_height_pt);
}

QRectF QualitativeLayout::columnTitle(int column) const {
  const QRectF c = cell(0, column);
  // Titles may use half of each gap beside the column.
  return QRectF(c.left() - gap_pt / 2, title_band.top(), c.width() + gap_pt, title_band.height());
}

QRectF QualitativeLayout::rowLabel(int row) const {
  const QRectF c = cell(row, 0);
  return QRectF(label_band.left(), c.top(), label_band.width(), c.height());
}

QualitativeLayout layoutQualitativeFigure(const QualitativeFigure& f) {
  const std::size_t columns = f.column_titles.size();
  const std::size_t rows = f.cells.size();
  if (columns == 0) throw core::Error("a qualitative figure needs at least one column (no column titles given)");
  if (rows == 0) throw core::Error("a qualitative figure needs at least one row (no cells given)");
  for (std::size_t r = 0; r < rows; ++r)
    if (f.cells[r].size() != columns)
      throw core::Error(fmt::format("row {} of the qualitative figure has {} cells for {} columns", r + 1,
                                    f.cells[r].size(), columns));
  if (!f.row_labels.empty() && f.row_labels.size() != rows)
    throw core::Error(fmt::format("the qualitative figure has {} row labels for {} rows", f.row_labels.size(), rows));
  if (!(f.cell_width_pt >= 4.0 && f.cell_width_pt <= 2000.0))
    throw core::Error(fmt::format("cell width must be 4..2000 pt, got {:g}", f.cell_width_pt));
  if (!(f.gap_pt >= 0.0 && f.gap_pt <= 100.0)) throw core::Error(fmt::format("gap must be 0..100 pt, got {:g}", f.gap_pt));
  if (!(f.title_font_pt >= 1.0 && f.title_font_pt <= 72.0))
    throw core::Error(fmt::format("title font must be 1..72 pt, got {:g}", f.title_font_pt));

  QualitativeLayout l;
  l.rows = static_cast<int>(rows);
  l.columns = static_cast<int>(columns);
  l.gap_pt = f.gap_pt;
  l.cell_width_pt = f.cell_width_pt;
  l.cell_height_pt = f.cell_width_pt * std::clamp(cellAspect(f), 0.05, 20.0);
  const double margin = std::max(1.0, f.gap_pt);
  const double title_h = kBandFactor * f.title_font_pt;
  const double label_w = f.row_labels.empty() ? 0.0 : kBandFactor * f.title_font_pt;
  const double grid_w = l.columns * l.cell_width_pt + (l.columns - 1) * l.gap_pt;
  const double grid_h = l.rows * l.cell_height_pt + (l.rows - 1) * l.gap_pt;
  const double content_w = 2 * margin + label_w + grid_w;
  const double content_h = 2 * margin + title_h + grid_h;
  if (content_w > kMaxPagePt || content_h > kMaxPagePt)
    throw core::Error(fmt::format("the qualitative figure would be {:.0f} x {:.0f} pt, over the {:.0f} pt a page may "
                                  "have; use fewer rows or columns or narrower cells",
                                  content_w, content_h, kMaxPagePt));
  l.page_pt = QSizeF(std::ceil(content_w - 1e-6), std::ceil(content_h - 1e-6));
  const QPointF offset((l.page_pt.width() - content_w) / 2, (l.page_pt.height() - content_h) / 2);
  l.origin = offset + QPointF(margin + label_w, margin + title_h);
  l.title_band = QRectF(l.origin.x(), offset.y() + margin, grid_w, title_h);
  l.label_band = label_w > 0 ? QRectF(offset.x() + margin, l.origin.y(), label_w, grid_h) : QRectF();
  return l;
}

QSize qualitativePixelSize(const QualitativeFigure& f, int dpi) {
  checkDpi(dpi);
  const QualitativeLayout l = layoutQualitativeFigure(f);
  return {static_cast<int>(std::lround(l.page_pt.width() * dpi / 72.0)),
          static_cast<int>(std::lround(l.page_pt.height() * dpi / 72.0))};
}

QImage renderQualitativeFigure(const QualitativeFigure& f, int dpi) {
  checkDpi(dpi);
  const QualitativeLayout l = layoutQualitativeFigure(f);
  requireGuiApplication();
  const QSize px(static_cast<int>(std::lround(l.page_pt.width() * dpi / 72.0)),
                 static_cast<int>(std::lround(l.page_pt.height() * dpi / 72.0)));
  if (px.width() > kMaxSidePx || px.height() > kMaxSidePx ||
      static_cast<double>(px.width()) * px.height() > kMaxPixels)
    throw core::Error(fmt::format("the qualitative figure would be {} x {} pixels at {} dpi, too large to render; use "
                                  "a lower dpi or fewer rows or columns",
                                  px.width(), px.height(), dpi));
  QImage image(px, QImage::Format_RGB32);
  if (image.isNull())
    throw core::Error(fmt::format("cannot allocate the {} x {} pixel figure image", px.width(), px.height()));
  const int dots_per_metre = static_cast<int>(std::lround(dpi / 0.0254));
  image.setDotsPerMeterX(dots_per_metre);  // before painting: fonts resolve at the image's dpi
  image.setDotsPerMeterY(dots_per_metre);
  image.fill(kBackground);
  QPainter painter(&image);
  painter.scale(dpi / 72.0, dpi / 72.0);
  Target t{painter, dpi / 72.0, true, dpi};
  paintFigure(t, f, l);
  painter.end();
  return image;
}

const std::vector<std::string>& qualitativeFigureSuffixes() {
  static const std::vector<std::string> all{".pdf", ".png", ".svg"};
  return all;
}

void checkQualitativeFigurePath(const fs::path& out) {
  const std::string ext = lower(out.extension().string());
  const auto& known = qualitativeFigureSuffixes();
  if (ext.empty())
    throw core::FileError(out, "no figure format: the name has no suffix (use " + suffixList() + ")");
  if (std::find(known.begin(), known.end(), ext) == known.end())
    throw core::FileError(out, "unknown figure format '" + ext + "' (use " + suffixList() + ")");
  const fs::path folder = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw core::FileError(out, "cannot write: folder " + folder.string() + " does not exist");
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    throw core::FileError(out, "cannot write: folder " + folder.string() + " is not writable");
  if (fs::is_directory(out, ec)) throw core::FileError(out, "cannot write: a folder has that name");
}

void writeQualitativeFigure(const QualitativeFigure& f, const fs::path& out, int dpi) {
  checkQualitativeFigurePath(out);
  checkDpi(dpi);
  const QualitativeLayout l = layoutQualitativeFigure(f);
  requireGuiApplication();
  const std::string ext = lower(out.extension().string());
  const std::string title = out.stem().string();
  QByteArray bytes;
  if (ext == ".png")
    bytes = pngBytes(f, dpi);
  else if (ext == ".pdf")
    bytes = pdfBytes(f, l, dpi, title);
  else
    bytes = svgBytes(f, l, dpi, title);
  if (bytes.isEmpty()) throw core::FileError(out, "cannot write the figure: rendering " + ext.substr(1) + " failed");
  core::writeFileAtomic(out, std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
}

}  // namespace rgbdsod::figures
