// Publication-style curve figures: PR and F/E-measure-vs-threshold curves on a QCustomPlot.
// Lengths are in the plot's units (pt when exported, pixels on screen); every pen has an explicit
// width, because QCustomPlot's default zero-width (cosmetic) pens stay one device pixel thin at
// 300 dpi.
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "curve_detail.h"

namespace rgbdsod::figures {
namespace {

constexpr double kCurveWidth = 1.2;
constexpr double kFrameWidth = 0.6;
constexpr int kMarkersPerCurve = 6;
constexpr double kMarkerSize = 4.2;

// Okabe-Ito colours (colour-blind safe) paired with dash patterns (in pen widths, as QPen counts
// them) and marker shapes, so that curves stay distinct in grayscale print.
struct LineLook {
  QColor color;
  QVector<qreal> dashes;  // empty: solid
  QCPScatterStyle::ScatterShape shape;
  bool filled;
};

const LineLook& look(std::size_t i) {
  static const std::vector<LineLook> looks{
      {QColor(0, 0, 0), {}, QCPScatterStyle::ssCircle, true},
      {QColor(213, 94, 0), {6, 2.5}, QCPScatterStyle::ssSquare, false},
      {QColor(0, 114, 178), {1.2, 2}, QCPScatterStyle::ssTriangle, true},
      {QColor(0, 158, 115), {6, 2, 1.2, 2}, QCPScatterStyle::ssDiamond, false},
      {QColor(230, 159, 0), {10, 3}, QCPScatterStyle::ssTriangleInverted, false},
      {QColor(204, 121, 167), {6, 1.8, 1.2, 1.8, 1.2, 1.8}, QCPScatterStyle::ssCross, false},
      {QColor(86, 180, 233), {3, 2}, QCPScatterStyle::ssPlus, false},
      {QColor(110, 110, 110), {10, 2, 3, 2}, QCPScatterStyle::ssStar, false},
  };
  return looks[i % looks.size()];
}

QFont figureFont(double pt) {
  QFont font;
  font.setFamilies({"Helvetica", "Arial", "Liberation Sans", "Nimbus Sans", "DejaVu Sans"});
  font.setPointSizeF(pt);
  return font;
}

struct Points {
  QVector<double> t, x, y;
};

Points pointsOf(CurveKind kind, const core::ImageCurves& c) {
  Points p;
  for (int t = 0; t < core::kThresholdCount; ++t) {
    double x = t;
    double y = 0;
    switch (kind) {
      case CurveKind::PrecisionRecall:
        x = c.recall[t];
        y = c.precision[t];
        // (0, 0) is "nothing predicted on any image", not a point of the trade-off: left out.
        if (x == 0 && y == 0) continue;
        break;
      case CurveKind::FmeasureThreshold: y = c.fmeasure[t]; break;
      case CurveKind::EmeasureThreshold: y = c.emeasure[t]; break;
    }
    if (std::isnan(x) || std::isnan(y)) continue;
    p.t.push_back(t);
    p.x.push_back(x);
    p.y.push_back(y);
  }
  return p;
}

// Marker positions evenly spaced along the drawn line (by length on the page, not by threshold:
// PR points crowd at both ends), shifted per method so that markers of close curves do not overlap.
Points markersOf(const Points& p, double x_span, double y_span, double aspect, double phase) {
  Points m;
  if (p.x.size() < 2) return p;
  std::vector<double> length(p.x.size(), 0.0);
  for (int i = 1; i < p.x.size(); ++i) {
    const double dx = (p.x[i] - p.x[i - 1]) / x_span * aspect;
    const double dy = (p.y[i] - p.y[i - 1]) / y_span;
    length[i] = length[i - 1] + std::hypot(dx, dy);
  }
  const double total = length.back();
  if (total <= 0) return m;
  std::size_t seg = 1;
  for (int k = 0; k < kMarkersPerCurve; ++k) {
    const double s = total * (k + phase) / kMarkersPerCurve;
    while (seg + 1 < length.size() && length[seg] < s) ++seg;
    const double span = length[seg] - length[seg - 1];
    const double f = span > 0 ? (s - length[seg - 1]) / span : 0.0;
    m.t.push_back(k);
    m.x.push_back(p.x[seg - 1] + f * (p.x[seg] - p.x[seg - 1]));
    m.y.push_back(p.y[seg - 1] + f * (p.y[seg] - p.y[seg - 1]));
  }
  return m;
}

void styleAxis(QCPAxis* axis, const QFont& font, bool with_grid) {
  const QPen frame(Qt::black, kFrameWidth, Qt::SolidLine, Qt::SquareCap);
  axis->setBasePen(frame);
  axis->setTickPen(frame);
  axis->setSubTickPen(frame);
  axis->setTickLengthIn(3.5);
  axis->setTickLengthOut(0);
  axis->setSubTickLengthIn(1.8);
  axis->setSubTickLengthOut(0);
  axis->setTickLabelFont(font);
  axis->setLabelFont(font);
  axis->setTickLabelPadding(3);
  axis->setLabelPadding(2);
  axis->setPadding(1);
  axis->grid()->setVisible(with_grid);
  axis->grid()->setPen(QPen(QColor(0, 0, 0, 45), 0.4, Qt::DotLine));
  axis->grid()->setZeroLinePen(Qt::NoPen);
  axis->grid()->setSubGridVisible(false);
}

void setTicks(QCPAxis* axis, double step, int decimals) {
  QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
  ticker->setTickStep(step);
  ticker->setScaleStrategy(QCPAxisTickerFixed::ssNone);
  ticker->setTickCount(1);
  axis->setTicker(ticker);
  axis->setNumberFormat("f");
  axis->setNumberPrecision(decimals);
  axis->setSubTicks(false);
}

// The legend goes where it hides the fewest curve points: candidates in order of preference, the
// legend's box estimated from its text in the plot's units over the axis rect's approximate size.
Qt::Alignment legendPlace(CurveKind kind, const std::vector<MethodCurves>& methods, const QFont& font, QSizeF figure,
                          double x_lo, double x_span, double y_lo, double y_span) {
  const QFontMetricsF fm(font);
  double text = 0;
  for (const MethodCurves& m : methods) text = std::max(text, fm.horizontalAdvance(QString::fromStdString(m.label)));
  const QSizeF area(std::max(1.0, figure.width() - 4.5 * fm.height()), std::max(1.0, figure.height() - 4 * fm.height()));
  const double bw = (22 + 4 + text + 14) / area.width();
  const double bh = (static_cast<double>(methods.size()) * (fm.height() + 2) + 10) / area.height();
  const bool pr = kind == CurveKind::PrecisionRecall;
  const std::vector<Qt::Alignment> candidates =
      pr ? std::vector<Qt::Alignment>{Qt::AlignBottom | Qt::AlignLeft, Qt::AlignTop | Qt::AlignRight,
                                      Qt::AlignBottom | Qt::AlignRight, Qt::AlignTop | Qt::AlignLeft}
         : std::vector<Qt::Alignment>{Qt::AlignBottom | Qt::AlignHCenter, Qt::AlignBottom | Qt::AlignRight,
                                      Qt::AlignBottom | Qt::AlignLeft, Qt::AlignTop | Qt::AlignRight,
                                      Qt::AlignTop | Qt::AlignLeft, Qt::AlignVCenter | Qt::AlignRight};
  Qt::Alignment best = candidates.front();
  std::size_t best_hidden = SIZE_MAX;
  for (Qt::Alignment a : candidates) {
    const double x0 = (a & Qt::AlignLeft) ? 0.0 : (a & Qt::AlignRight) ? 1.0 - bw : 0.5 - bw / 2;
    const double y0 = (a & Qt::AlignBottom) ? 0.0 : (a & Qt::AlignTop) ? 1.0 - bh : 0.5 - bh / 2;
    std::size_t hidden = 0;
    for (const MethodCurves& m : methods) {
      const Points p = pointsOf(kind, m.curves);
      for (int i = 0; i < p.x.size(); ++i) {
        const double u = (p.x[i] - x_lo) / x_span;
        const double v = (p.y[i] - y_lo) / y_span;
        hidden += (u >= x0 - 0.02 && u <= x0 + bw + 0.02 && v >= y0 - 0.02 && v <= y0 + bh + 0.02) ? 1 : 0;
      }
    }
    if (hidden < best_hidden) {
      best_hidden = hidden;
      best = a;
    }
  }
  return best;
}

}  // namespace

void drawCurves(QCustomPlot& plot, CurveKind kind, const std::vector<MethodCurves>& methods, const FigureStyle& style) {
  const QSizeF size = plot.width() > 50 && plot.height() > 50 ? QSizeF(plot.width(), plot.height()) : QSizeF(400, 300);
  detail::drawCurvesScaled(plot, kind, methods, style, 1.0, size);
}

namespace detail {

void drawCurvesScaled(QCustomPlot& plot, CurveKind kind, const std::vector<MethodCurves>& methods,
                      const FigureStyle& style, double font_scale, QSizeF figure) {
  const double aspect = figure.width() / std::max(1.0, figure.height());
  plot.clearPlottables();
  plot.clearItems();
  // A title from an earlier call sits in the layout's first row: remove it so that calls repeat.
  if (plot.plotLayout()->rowCount() > 1) {
    plot.plotLayout()->removeAt(0);
    plot.plotLayout()->simplify();
  }
  plot.setBackground(Qt::white);
  plot.setAntialiasedElements(QCP::aeAll);
  const QFont font = figureFont(style.font_pt * font_scale);
  const QFont legend_font = figureFont(style.font_pt * 0.9 * font_scale);

  QCPAxisRect* rect = plot.axisRect();
  rect->setupFullAxesBox(true);  // a closed frame; the top and right axes repeat the ticks, unlabelled
  for (QCPAxis* axis : rect->axes()) styleAxis(axis, font, axis == plot.xAxis || axis == plot.yAxis);

  const bool pr = kind == CurveKind::PrecisionRecall;
  plot.xAxis->setLabel(pr ? "Recall" : "Threshold");
  plot.yAxis->setLabel(pr ? "Precision" : kind == CurveKind::FmeasureThreshold ? "F-measure" : "E-measure");
  double y_max = 1.0;
  for (const MethodCurves& m : methods)
    for (double v : pointsOf(kind, m.curves).y) y_max = std::max(y_max, v);
  // Recall 0 and 1 stay clear of the frame; thresholds span it exactly.
  if (pr) plot.xAxis->setRange(-0.02, 1.02);
  else plot.xAxis->setRange(0.0, 255.0);
  plot.yAxis->setRange(-0.02 * y_max, y_max * 1.02);
  setTicks(plot.xAxis, pr ? 0.2 : 50, pr ? 1 : 0);
  setTicks(plot.yAxis, 0.2, 1);
  for (QCPAxis* mirror : {plot.xAxis2, plot.yAxis2}) mirror->setTicker((mirror == plot.xAxis2 ? plot.xAxis : plot.yAxis)->ticker());

  const double x_span = plot.xAxis->range().size();
  const double y_span = plot.yAxis->range().size();
  for (std::size_t i = 0; i < methods.size(); ++i) {
    const LineLook& lk = look(i);
    const bool distinct = style.grayscale_safe;
    QPen pen(lk.color, kCurveWidth, Qt::SolidLine, Qt::FlatCap, Qt::RoundJoin);
    if (distinct && !lk.dashes.isEmpty()) pen.setDashPattern(lk.dashes);
    QCPScatterStyle marker(lk.shape, QPen(lk.color, 0.9), lk.filled ? QBrush(lk.color) : QBrush(Qt::white), kMarkerSize);
    const Points p = pointsOf(kind, methods[i].curves);

    auto* line = new QCPCurve(plot.xAxis, plot.yAxis);
    line->setData(p.t, p.x, p.y, true);
    line->setPen(pen);
    line->removeFromLegend();
    if (distinct) {
      const double phase = (static_cast<double>(i) + 0.5) / static_cast<double>(methods.size());
      const Points m = markersOf(p, x_span, y_span, aspect, phase);
      auto* marks = new QCPCurve(plot.xAxis, plot.yAxis);
      marks->setData(m.t, m.x, m.y, true);
      marks->setLineStyle(QCPCurve::lsNone);
      marks->setScatterStyle(marker);
      marks->removeFromLegend();
    }
    // The legend entry: an empty curve with the line's pen and the marker (drawn centred on the line).
    auto* entry = new QCPCurve(plot.xAxis, plot.yAxis);
    entry->setPen(pen);
    if (distinct) entry->setScatterStyle(marker);
    entry->setName(QString::fromStdString(methods[i].label));
  }

  plot.legend->setVisible(style.legend && !methods.empty());
  plot.legend->setFont(legend_font);
  plot.legend->setBorderPen(QPen(QColor(0, 0, 0, 90), 0.5));
  plot.legend->setBrush(QColor(255, 255, 255, 230));
  plot.legend->setIconSize(QSize(22, 8));
  plot.legend->setIconTextPadding(4);
  plot.legend->setRowSpacing(0);
  plot.legend->setMargins(QMargins(4, 2, 5, 1));
  // Items clip to their own rect, laid out from screen font metrics: room for descenders at 300 dpi.
  for (int k = 0; k < plot.legend->itemCount(); ++k) plot.legend->item(k)->setMargins(QMargins(0, 0, 0, 2));
  rect->insetLayout()->setInsetAlignment(
      0, legendPlace(kind, methods, legend_font, figure, plot.xAxis->range().lower, x_span, plot.yAxis->range().lower, y_span));
  rect->insetLayout()->setMargins(QMargins(5, 5, 5, 5));
  // Left and bottom margins fit the labels; top and right only need half a tick label (the last
  // label overhangs the frame), not the reserve QCustomPlot keeps for the unlabelled mirror axes.
  const QFontMetricsF fm(font);
  rect->setAutoMargins(QCP::msLeft | QCP::msBottom);
  rect->setMargins(QMargins(0, static_cast<int>(std::ceil(fm.height() / 2 + 1)),
                            static_cast<int>(std::ceil(fm.horizontalAdvance(pr ? "1.0" : "250") / 2 + 2)), 0));

  if (!style.title.empty()) {
    plot.plotLayout()->insertRow(0);
    QFont title_font = font;
    title_font.setBold(true);
    plot.plotLayout()->addElement(0, 0, new QCPTextElement(&plot, QString::fromStdString(style.title), title_font));
  }
  plot.plotLayout()->setMargins(QMargins(2, 2, 4, 2));
  plot.replot(QCustomPlot::rpQueuedReplot);
}

int widthPt(const FigureStyle& style) { return std::max(1, static_cast<int>(std::lround(style.width_cm / 2.54 * 72.0))); }
int heightPt(const FigureStyle& style) { return std::max(1, static_cast<int>(std::lround(style.height_cm / 2.54 * 72.0))); }

}  // namespace detail
}  // namespace rgbdsod::figures
