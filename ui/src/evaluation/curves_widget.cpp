#include "rgbdsod/ui/evaluation/curves_widget.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QStackedWidget>
#include <QVBoxLayout>
#include <qcustomplot.h>

namespace rgbdsod::ui {

namespace {

// On screen the figure is drawn at the widget's size with a readable font; exports keep the
// paper defaults of FigureStyle (a single column, 8 pt).
figures::FigureStyle screenStyle() {
  figures::FigureStyle style;
  style.font_pt = 9.0;
  return style;
}

}  // namespace

CurvesWidget::CurvesWidget(QWidget* parent)
    : QWidget(parent),
      kind_combo_(new QComboBox),
      stack_(new QStackedWidget),
      placeholder_(new QLabel),
      plot_(new QCustomPlot) {
  kind_combo_->setObjectName(QStringLiteral("curveKindCombo"));
  kind_combo_->addItem(tr("Precision-recall"), static_cast<int>(figures::CurveKind::PrecisionRecall));
  kind_combo_->addItem(tr("F-measure vs threshold"), static_cast<int>(figures::CurveKind::FmeasureThreshold));
  kind_combo_->addItem(tr("E-measure vs threshold"), static_cast<int>(figures::CurveKind::EmeasureThreshold));
  kind_combo_->setToolTip(tr("Image-averaged curves of the checked methods"));
  connect(kind_combo_, &QComboBox::currentIndexChanged, this, [this] {
    redraw_timer_.start();
    emit kindChanged(kind());
  });

  plot_->setObjectName(QStringLiteral("curvesPlot"));
  plot_->setMinimumSize(240, 200);
  placeholder_->setObjectName(QStringLiteral("curvesPlaceholder"));
  placeholder_->setAlignment(Qt::AlignCenter);
  placeholder_->setWordWrap(true);
  placeholder_->setText(tr("No curves yet: add prediction folders and press Evaluate."));
  placeholder_->setStyleSheet(QStringLiteral("color: palette(mid)"));
  stack_->addWidget(placeholder_);
  stack_->addWidget(plot_);

  auto* bar = new QHBoxLayout;
  bar->setContentsMargins(0, 0, 0, 0);
  auto* label = new QLabel(tr("Curves"));
  label->setStyleSheet(QStringLiteral("font-weight: bold"));
  bar->addWidget(label);
  bar->addStretch(1);
  bar->addWidget(kind_combo_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(4);
  layout->addLayout(bar);
  layout->addWidget(stack_, 1);

  redraw_timer_.setSingleShot(true);
  redraw_timer_.setInterval(kRedrawDelayMs);
  connect(&redraw_timer_, &QTimer::timeout, this, &CurvesWidget::redraw);
}

void CurvesWidget::setCurves(std::vector<figures::MethodCurves> curves) {
  curves_ = std::move(curves);
  redraw_timer_.start();  // restarts: a burst of updates draws once
}

void CurvesWidget::setKind(figures::CurveKind kind) {
  const int i = kind_combo_->findData(static_cast<int>(kind));
  if (i >= 0) kind_combo_->setCurrentIndex(i);
}

figures::CurveKind CurvesWidget::kind() const {
  return static_cast<figures::CurveKind>(kind_combo_->currentData().toInt());
}

void CurvesWidget::flush() {
  if (!redraw_timer_.isActive()) return;
  redraw_timer_.stop();
  redraw();
}

void CurvesWidget::redraw() {
  ++redraws_;
  if (curves_.empty()) {
    plot_->clearPlottables();
    stack_->setCurrentWidget(placeholder_);
    return;
  }
  figures::drawCurves(*plot_, kind(), curves_, screenStyle());
  plot_->replot();
  stack_->setCurrentWidget(plot_);
}

void CurvesWidget::saveFigure(const std::filesystem::path& file, const figures::FigureStyle& style) const {
  figures::saveCurveFigure(file, kind(), curves_, style);
}

}  // namespace rgbdsod::ui
