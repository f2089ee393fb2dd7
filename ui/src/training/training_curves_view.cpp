#include "rgbdsod/ui/training/training_curves_view.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSlider>
#include <QSvgGenerator>
#include <QVBoxLayout>
#include <qcustomplot.h>

namespace rgbdsod::ui {

namespace {

constexpr int kPanels = 3;  // losses, validation, lr / throughput
const char* const kPanelNames[kPanels] = {"losses", "validation", "learning rate / throughput"};

int panelOf(const QString& name) {
  if (name.startsWith(QLatin1String("val/"))) return 1;
  if (name == QLatin1String("lr") || name == QLatin1String("samples_per_s")) return 2;
  return 0;  // loss, terms/* and any name added later: plotted with the losses
}

// Losses and throughput are noisy per step; lr is a schedule and validation points are sparse,
// so those are drawn as logged.
bool isSmoothed(const QString& name) { return panelOf(name) == 0 || name == QLatin1String("samples_per_s"); }

// Panel order first, "loss" before its terms, then by name: the list and colours stay stable.
bool seriesLess(const QString& a, const QString& b) {
  const int pa = panelOf(a), pb = panelOf(b);
  if (pa != pb) return pa < pb;
  const bool la = a == QLatin1String("loss"), lb = b == QLatin1String("loss");
  if (la != lb) return la;
  return a < b;
}

QColor tab10(int i) {
  static constexpr QRgb kColours[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                      0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
  return QColor(kColours[i % 10]);
}

// One run: a distinct colour per series. Several: each run one hue, its series shades of it
// (told apart by the legend; runs also by line style).
QColor seriesColour(int run, int ordinal, int run_count) {
  if (run_count <= 1) return tab10(ordinal);
  if (ordinal == 0) return tab10(run);
  float h = 0, s = 0, l = 0;
  tab10(run).getHslF(&h, &s, &l);
  const int k = (ordinal + 1) / 2;
  const float shift = (ordinal % 2 ? 1.0f : -1.0f) * 0.05f * static_cast<float>(k);
  h = std::fmod(h + shift + 1.0f, 1.0f);
  l = std::clamp(l + (ordinal % 2 ? 0.12f : -0.1f) * static_cast<float>(std::min(k, 3)) / 2.0f, 0.2f, 0.75f);
  return QColor::fromHslF(h, s, l);
}

Qt::PenStyle runStyle(int run) {
  static const Qt::PenStyle styles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine};
  return styles[run % 4];
}

QString csvField(const QString& s) {
  if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n'))) return s;
  QString quoted = s;
  quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
  return QLatin1Char('"') + quoted + QLatin1Char('"');
}

}  // namespace

std::vector<double> emaSmooth(const std::vector<double>& values, double weight) {
  const double w = std::clamp(weight, 0.0, 0.999);
  std::vector<double> out;
  out.reserve(values.size());
  double mean = 0, w_pow = 1;  // w_pow = w^n: the share of the zero start still in `mean`
  for (const double v : values) {
    if (!std::isfinite(v)) {
      out.push_back(v);
      continue;
    }
    mean = w * mean + (1 - w) * v;
    w_pow *= w;
    out.push_back(mean / (1 - w_pow));
  }
  return out;
}

TrainingCurvesView::TrainingCurvesView(QWidget* parent)
    : QWidget(parent),
      smoothing_slider_(new QSlider(Qt::Horizontal)),
      smoothing_label_(new QLabel),
      log_check_(new QCheckBox(tr("Log scale"))),
      x_combo_(new QComboBox),
      series_list_(new QListWidget),
      plot_(new QCustomPlot) {
  smoothing_slider_->setObjectName(QStringLiteral("smoothingSlider"));
  smoothing_slider_->setRange(0, 99);
  smoothing_slider_->setValue(60);  // TensorBoard's default
  smoothing_slider_->setMaximumWidth(160);
  smoothing_slider_->setToolTip(tr("Exponential moving average of losses and throughput (debiased)"));
  smoothing_label_->setObjectName(QStringLiteral("smoothingValue"));
  smoothing_label_->setMinimumWidth(32);
  smoothing_label_->setText(QString::number(smoothing(), 'f', 2));
  connect(smoothing_slider_, &QSlider::valueChanged, this, [this] {
    smoothing_label_->setText(QString::number(smoothing(), 'f', 2));
    scheduleRedraw();
  });
  log_check_->setObjectName(QStringLiteral("logScaleCheck"));
  log_check_->setToolTip(tr("Logarithmic loss axis (values <= 0 are left out)"));
  connect(log_check_, &QCheckBox::toggled, this, [this] { scheduleRedraw(); });
  x_combo_->setObjectName(QStringLiteral("xAxisCombo"));
  x_combo_->addItem(tr("Step"), static_cast<int>(XAxis::Steps));
  x_combo_->addItem(tr("Wall time"), static_cast<int>(XAxis::WallTime));
  x_combo_->setToolTip(tr("Wall time leaves out points logged without a time (older runs)"));
  connect(x_combo_, &QComboBox::currentIndexChanged, this, [this] {
    auto_range_ = true;  // steps and seconds share no range
    scheduleRedraw();
  });
  series_list_->setObjectName(QStringLiteral("seriesList"));
  series_list_->setFixedWidth(170);
  series_list_->setToolTip(tr("Series to draw; validation and lr / throughput have their own panels"));
  connect(series_list_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
    if (syncing_list_) return;
    setSeriesShown(item->data(Qt::UserRole).toString(), item->checkState() == Qt::Checked);
  });

  plot_->setObjectName(QStringLiteral("trainingCurvesPlot"));
  plot_->setMinimumSize(320, 240);
  plot_->setToolTip(tr("Drag to pan, wheel to zoom, double-click to follow the data again"));
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setAutoAddPlottableToLegend(false);  // each graph joins its own panel's legend
  plot_->plotLayout()->setRowSpacing(2);
  margins_ = new QCPMarginGroup(plot_);
  QFont small = font();
  small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1));
  for (int i = 0; i < kPanels; ++i) {
    rects_[i] = i == 0 ? plot_->axisRect() : new QCPAxisRect(plot_);
    rects_[i]->setMarginGroup(QCP::msLeft | QCP::msRight, margins_);
    if (i == 0) {
      legends_[i] = plot_->legend;
    } else {
      legends_[i] = new QCPLegend;
      rects_[i]->insetLayout()->addElement(legends_[i], Qt::AlignTop | Qt::AlignRight);
      legends_[i]->setLayer(QStringLiteral("legend"));
    }
    legends_[i]->setFont(small);
    legends_[i]->setBrush(QColor(255, 255, 255, 190));
    legends_[i]->setBorderPen(QPen(QColor(0, 0, 0, 60)));
    for (QCPAxis* axis : rects_[i]->axes()) {
      axis->setTickLabelFont(small);
      axis->setLabelFont(small);
    }
    // Panels pan and zoom together along x (one time line), each on its own y.
    connect(rects_[i]->axis(QCPAxis::atBottom), qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
            [this](const QCPRange& range) {
              for (QCPAxisRect* rect : rects_) rect->axis(QCPAxis::atBottom)->setRange(range);
            });
  }
  rects_[0]->axis(QCPAxis::atLeft)->setLabel(tr("loss"));
  rects_[1]->axis(QCPAxis::atLeft)->setLabel(tr("validation"));
  rects_[2]->axis(QCPAxis::atLeft)->setLabel(tr("lr"));
  rects_[2]->axis(QCPAxis::atRight)->setLabel(tr("samples/s"));
  connect(plot_, &QCustomPlot::mousePress, this, [this] { auto_range_ = false; });
  connect(plot_, &QCustomPlot::mouseWheel, this, [this] { auto_range_ = false; });
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this] {
    auto_range_ = true;
    scheduleRedraw();
  });

  auto* bar = new QHBoxLayout;
  bar->setContentsMargins(0, 0, 0, 0);
  for (QWidget* w : std::initializer_list<QWidget*>{new QLabel(tr("Smoothing")), smoothing_slider_, smoothing_label_,
                                                    log_check_, new QLabel(tr("X axis")), x_combo_}) {
    bar->addWidget(w);
  }
  bar->addStretch(1);
  auto* side = new QVBoxLayout;
  side->setContentsMargins(0, 0, 0, 0);
  side->setSpacing(2);
  side->addWidget(new QLabel(tr("Series")));
  side->addWidget(series_list_, 1);
  auto* body = new QHBoxLayout;
  body->setContentsMargins(0, 0, 0, 0);
  body->addWidget(plot_, 1);
  body->addLayout(side);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(4);
  layout->addLayout(bar);
  layout->addLayout(body, 1);

  redraw_timer_.setSingleShot(true);
  redraw_timer_.setInterval(kRedrawDelayMs);
  connect(&redraw_timer_, &QTimer::timeout, this, &TrainingCurvesView::redraw);
  scheduleRedraw();  // the empty state
}

void TrainingCurvesView::setRun(const QString& label, const training::RunSeries& series) {
  const auto it = std::find_if(runs_.begin(), runs_.end(), [&](const auto& r) { return r.first == label; });
  if (it != runs_.end()) it->second = series;
  else runs_.emplace_back(label, series);
  scheduleRedraw();
}

void TrainingCurvesView::removeRun(const QString& label) {
  std::erase_if(runs_, [&](const auto& r) { return r.first == label; });
  scheduleRedraw();
}

void TrainingCurvesView::clearRuns() {
  runs_.clear();
  auto_range_ = true;
  scheduleRedraw();
}

QStringList TrainingCurvesView::runLabels() const {
  QStringList labels;
  for (const auto& run : runs_) labels << run.first;
  return labels;
}

void TrainingCurvesView::setSegments(std::vector<std::pair<std::int64_t, QString>> starts) {
  segments_ = std::move(starts);
  scheduleRedraw();
}

QStringList TrainingCurvesView::seriesNames() const {
  QStringList names;
  for (const auto& run : runs_) {
    for (const auto& entry : run.second.series) {
      const QString name = QString::fromStdString(entry.first);
      if (!names.contains(name)) names << name;
    }
  }
  std::sort(names.begin(), names.end(), seriesLess);
  return names;
}

void TrainingCurvesView::setSeriesShown(const QString& name, bool shown) {
  if (shown == isSeriesShown(name)) return;
  if (shown) hidden_.erase(name);
  else hidden_.insert(name);
  scheduleRedraw();
}

bool TrainingCurvesView::isSeriesShown(const QString& name) const { return !hidden_.contains(name); }

void TrainingCurvesView::setSmoothing(double weight) {
  smoothing_slider_->setValue(static_cast<int>(std::lround(std::clamp(weight, 0.0, 0.99) * 100)));
}

double TrainingCurvesView::smoothing() const { return smoothing_slider_->value() / 100.0; }

void TrainingCurvesView::setLogScale(bool on) { log_check_->setChecked(on); }

bool TrainingCurvesView::logScale() const { return log_check_->isChecked(); }

void TrainingCurvesView::setXAxis(XAxis axis) {
  const int i = x_combo_->findData(static_cast<int>(axis));
  if (i >= 0) x_combo_->setCurrentIndex(i);
}

TrainingCurvesView::XAxis TrainingCurvesView::xAxis() const {
  return static_cast<XAxis>(x_combo_->currentData().toInt());
}

void TrainingCurvesView::flush() {
  if (!redraw_timer_.isActive()) return;
  redraw_timer_.stop();
  redraw();
}

QCPAxis* TrainingCurvesView::lossAxis() const { return rects_[0]->axis(QCPAxis::atLeft); }

bool TrainingCurvesView::panelShown(int panel) const {
  return panel >= 0 && panel < kPanels && rects_[panel]->layout() != nullptr;
}

int TrainingCurvesView::graphPointCount(const QString& run, const QString& series) const {
  const auto it = drawn_.find({run, series});
  return it == drawn_.end() ? -1 : it->second.raw->data()->size();
}

double TrainingCurvesView::smoothedValue(const QString& run, const QString& series, int index) const {
  const auto it = drawn_.find({run, series});
  if (it == drawn_.end()) return std::numeric_limits<double>::quiet_NaN();
  const QCPGraph* graph = it->second.smooth ? it->second.smooth : it->second.raw;
  if (index < 0 || index >= graph->data()->size()) return std::numeric_limits<double>::quiet_NaN();
  return graph->data()->at(index)->value;
}

void TrainingCurvesView::syncSeriesList() {
  const QStringList names = seriesNames();
  QStringList listed;
  for (int i = 0; i < series_list_->count(); ++i) listed << series_list_->item(i)->data(Qt::UserRole).toString();
  syncing_list_ = true;
  if (listed != names) {
    series_list_->clear();
    for (const QString& name : names) {
      auto* item = new QListWidgetItem(name, series_list_);
      item->setData(Qt::UserRole, name);
      item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
      item->setToolTip(tr("Drawn in the %1 panel").arg(tr(kPanelNames[panelOf(name)])));
    }
  }
  for (int i = 0; i < series_list_->count(); ++i) {
    QListWidgetItem* item = series_list_->item(i);
    item->setCheckState(isSeriesShown(item->data(Qt::UserRole).toString()) ? Qt::Checked : Qt::Unchecked);
  }
  syncing_list_ = false;
}

void TrainingCurvesView::redraw() {
  ++redraws_;
  syncSeriesList();
  for (QCPLegend* legend : legends_) legend->clearItems();
  plot_->clearGraphs();
  plot_->clearItems();
  drawn_.clear();

  const QStringList names = seriesNames();
  std::map<QString, int> ordinal;  // a series' rank within its panel: its colour
  int per_panel[kPanels] = {0, 0, 0};
  for (const QString& name : names) ordinal[name] = per_panel[panelOf(name)]++;
  const double weight = smoothing();
  const bool log = logScale();
  const bool wall = xAxis() == XAxis::WallTime;
  const int run_count = static_cast<int>(runs_.size());
  bool used[kPanels] = {false, false, false};
  bool throughput = false;
  int per_panel_drawn[kPanels] = {0, 0, 0};  // the most series one run draws in each panel

  for (int r = 0; r < run_count; ++r) {
    const auto& [label, run] = runs_[static_cast<std::size_t>(r)];
    int drawn_here[kPanels] = {0, 0, 0};
    for (const auto& [key, points] : run.series) {
      const QString name = QString::fromStdString(key);
      if (!isSeriesShown(name)) continue;
      const int panel = panelOf(name);
      QVector<QCPGraphData> data;
      data.reserve(static_cast<qsizetype>(points.size()));
      for (const training::MetricPoint& p : points) {
        if (wall && p.time < 0) continue;
        if (log && panel == 0 && !(p.value > 0)) continue;  // no place on a log axis
        data.append(QCPGraphData(wall ? p.time : static_cast<double>(p.step), p.value));
      }
      if (data.isEmpty()) continue;
      // Sorted here (stably), so the EMA runs in x order and index i is the i-th point drawn.
      std::stable_sort(data.begin(), data.end(), qcpLessThanSortKey<QCPGraphData>);
      const bool right = name == QLatin1String("samples_per_s");
      throughput = throughput || right;
      QCPAxis* key_axis = rects_[panel]->axis(QCPAxis::atBottom);
      QCPAxis* value_axis = rects_[panel]->axis(right ? QCPAxis::atRight : QCPAxis::atLeft);
      const QColor colour = seriesColour(r, ordinal[name], run_count);
      const QString legend_name = run_count > 1 ? QStringLiteral("%1: %2").arg(label, name) : name;
      Drawn drawn;
      drawn.raw = plot_->addGraph(key_axis, value_axis);
      drawn.raw->data()->set(data, true);
      QPen pen(colour, 1.6, runStyle(r));
      if (isSmoothed(name) && weight > 0) {
        QColor faint = colour;
        faint.setAlpha(60);
        drawn.raw->setPen(QPen(faint, 1.0));
        std::vector<double> values;
        for (const QCPGraphData& d : data) values.push_back(d.value);
        const std::vector<double> smooth = emaSmooth(values, weight);
        for (qsizetype k = 0; k < data.size(); ++k) data[k].value = smooth[static_cast<std::size_t>(k)];
        drawn.smooth = plot_->addGraph(key_axis, value_axis);
        drawn.smooth->data()->set(data, true);
        drawn.smooth->setPen(pen);
        drawn.smooth->setName(legend_name);
        drawn.smooth->addToLegend(legends_[panel]);
      } else {
        drawn.raw->setPen(pen);
        drawn.raw->setName(legend_name);
        drawn.raw->addToLegend(legends_[panel]);
        if (panel == 1) drawn.raw->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, 5));
      }
      drawn_[{label, name}] = drawn;
      used[panel] = true;
      per_panel_drawn[panel] = std::max(per_panel_drawn[panel], ++drawn_here[panel]);
    }
  }
  // Several runs: one legend column per run, so the legend covers less of a short panel.
  for (int i = 0; i < kPanels; ++i) {
    legends_[i]->setWrap(run_count > 1 ? std::max(1, per_panel_drawn[i]) : 0);
    legends_[i]->setFillOrder(QCPLayoutGrid::foRowsFirst, true);  // re-flows the items added
  }
  const bool empty = !used[0] && !used[1] && !used[2];
  if (empty) used[0] = true;  // an empty loss panel with a hint beats a blank widget
  layoutPanels(used);

  // Tickers are swapped only when the mode changes (they carry the axis' tick state).
  QCPAxis* loss = lossAxis();
  loss->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (log != static_cast<bool>(qSharedPointerDynamicCast<QCPAxisTickerLog>(loss->ticker()))) {
    loss->setTicker(log ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog) : QSharedPointer<QCPAxisTicker>::create());
  }
  rects_[2]->axis(QCPAxis::atRight)->setVisible(throughput);
  const int bottom = used[2] ? 2 : used[1] ? 1 : 0;
  for (int i = 0; i < kPanels; ++i) {
    QCPAxis* x = rects_[i]->axis(QCPAxis::atBottom);
    if (wall != static_cast<bool>(qSharedPointerDynamicCast<QCPAxisTickerTime>(x->ticker()))) {
      QSharedPointer<QCPAxisTickerTime> time(new QCPAxisTickerTime);
      time->setTimeFormat(QStringLiteral("%h:%m:%s"));
      x->setTicker(wall ? time.staticCast<QCPAxisTicker>() : QSharedPointer<QCPAxisTicker>::create());
    }
    x->setLabel(i == bottom ? (wall ? tr("wall time (h:mm:ss)") : tr("step")) : QString());
  }

  if (auto_range_ && !empty) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;  // QCPRange would swap these
    for (int g = 0; g < plot_->graphCount(); ++g) {
      bool found = false;
      const QCPRange range = plot_->graph(g)->getKeyRange(found);
      if (!found) continue;
      lo = std::min(lo, range.lower);
      hi = std::max(hi, range.upper);
    }
    if (lo <= hi) {
      QCPRange keys(lo, hi);
      // A recipe step starting just before the first point (step 0, data from step 1) shows.
      const double reach = std::max(1.0, 0.1 * keys.size());
      for (const auto& segment : segments_) {
        double sx = 0;
        if (stepToX(segment.first, &sx) && sx >= keys.lower - reach && sx < keys.lower) keys.expand(sx);
      }
      if (keys.size() <= 0) keys = QCPRange(keys.lower - 1, keys.upper + 1);
      rects_[0]->axis(QCPAxis::atBottom)->setRange(keys);  // the others follow
    }
    for (int i = 0; i < kPanels; ++i) {
      if (!used[i]) continue;
      for (QCPAxis* axis : {rects_[i]->axis(QCPAxis::atLeft), rects_[i]->axis(QCPAxis::atRight)}) {
        if (axis->graphs().isEmpty()) continue;
        axis->rescale(true);
        axis->scaleRange(1.08);  // keep the extremes off the frame
      }
    }
  }
  drawSegments(used);
  if (empty) {
    auto* hint = new QCPItemText(plot_);
    hint->setClipAxisRect(rects_[0]);
    hint->position->setType(QCPItemPosition::ptAxisRectRatio);
    hint->position->setAxisRect(rects_[0]);
    hint->position->setCoords(0.5, 0.5);
    hint->setText(tr("No metrics yet: start a run or open one."));
    hint->setColor(QColor(0x80, 0x80, 0x80));
  }
  plot_->replot();
}

void TrainingCurvesView::layoutPanels(const bool used[3]) {
  QCPLayoutGrid* grid = plot_->plotLayout();
  for (QCPAxisRect* rect : rects_) {
    if (rect->layout()) grid->take(rect);
  }
  grid->simplify();
  int row = 0;
  for (int i = 0; i < kPanels; ++i) {
    // A panel out of the layout keeps its last geometry: hidden too, or it would draw there.
    rects_[i]->setVisible(used[i]);
    legends_[i]->setVisible(used[i] && legends_[i]->itemCount() > 0);
    if (!used[i]) continue;
    grid->addElement(row, 0, rects_[i]);
    grid->setRowStretchFactor(row, i == 0 ? 2.2 : 1.0);  // the losses are what one watches
    ++row;
  }
}

bool TrainingCurvesView::stepToX(std::int64_t step, double* x) const {
  *x = static_cast<double>(step);
  if (xAxis() == XAxis::Steps) return true;
  // Wall time: the time of the first timed point at or after the step, in the first run that
  // has one (segments are one recipe's, so its runs agree closely enough for a marker).
  for (const auto& run : runs_) {
    for (const auto& entry : run.second.series) {
      for (const training::MetricPoint& p : entry.second) {
        if (p.step >= step && p.time >= 0) {
          *x = p.time;
          return true;
        }
      }
    }
  }
  return false;
}

void TrainingCurvesView::drawSegments(const bool used[3]) {
  const int top = used[0] ? 0 : used[1] ? 1 : 2;  // the labels go on the top panel
  const QPen pen(QColor(0x60, 0x60, 0x60, 160), 1.0, Qt::DashLine);
  for (const auto& [step, label] : segments_) {
    double x = 0;
    if (!stepToX(step, &x)) continue;
    for (int i = 0; i < kPanels; ++i) {
      if (!used[i]) continue;
      auto* line = new QCPItemStraightLine(plot_);
      line->setClipAxisRect(rects_[i]);
      line->setPen(pen);
      // y 1 and 2 are valid on a log axis too; the line is infinite either way.
      for (QCPItemPosition* p : {line->point1, line->point2}) {
        p->setAxes(rects_[i]->axis(QCPAxis::atBottom), rects_[i]->axis(QCPAxis::atLeft));
        p->setCoords(x, p == line->point1 ? 1 : 2);
      }
    }
    auto* text = new QCPItemText(plot_);
    text->setClipAxisRect(rects_[top]);
    text->position->setTypeX(QCPItemPosition::ptPlotCoords);
    text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    text->position->setAxes(rects_[top]->axis(QCPAxis::atBottom), rects_[top]->axis(QCPAxis::atLeft));
    text->position->setAxisRect(rects_[top]);
    text->position->setCoords(x, 0);
    text->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    text->setPadding(QMargins(3, 2, 3, 2));
    text->setText(label);
    text->setColor(QColor(0x40, 0x40, 0x40));
    text->setBrush(QColor(255, 255, 255, 200));  // readable over the curves it may cross
    QFont f = legends_[0]->font();
    f.setItalic(true);
    text->setFont(f);
  }
}

bool TrainingCurvesView::saveFigure(const QString& path, QString* error) {
  const auto fail = [&](const QString& why) {
    if (error) *error = QStringLiteral("%1: %2").arg(path, why);
    return false;
  };
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix != QLatin1String("png") && suffix != QLatin1String("svg") && suffix != QLatin1String("pdf")) {
    return fail(QStringLiteral("unknown format '.%1' (use .png, .svg or .pdf)").arg(suffix));
  }
  flush();
  // A plot never laid out on screen (hidden workspace, tests) has no size worth exporting.
  QSize size = plot_->size();
  if (!plot_->isVisible() || size.width() < 200 || size.height() < 150) size = QSize(800, 500);
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return fail(file.errorString());
  const auto paintVectors = [&](QPaintDevice* device) {
    QCPPainter painter(device);
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    plot_->toPainter(&painter, size.width(), size.height());
  };
  if (suffix == QLatin1String("png")) {
    const QPixmap pixmap = plot_->toPixmap(size.width(), size.height(), 2.0);
    if (!pixmap.save(&file, "PNG")) return fail(QStringLiteral("cannot encode the PNG"));
  } else if (suffix == QLatin1String("svg")) {
    QSvgGenerator svg;
    svg.setOutputDevice(&file);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(), size));
    svg.setTitle(tr("Training curves"));
    paintVectors(&svg);
  } else {
    QPdfWriter pdf(&file);
    pdf.setResolution(96);  // one device pixel per logical pixel: the plot lays out as on screen
    pdf.setPageSize(QPageSize(QSizeF(size.width() * 72.0 / 96, size.height() * 72.0 / 96), QPageSize::Point));
    pdf.setPageMargins(QMarginsF());
    pdf.setTitle(tr("Training curves"));
    paintVectors(&pdf);
  }
  if (!file.commit()) return fail(file.errorString());
  return true;
}

bool TrainingCurvesView::saveCsv(const QString& path, QString* error) const {
  QSaveFile file(path);
  const auto fail = [&] {
    if (error) *error = QStringLiteral("%1: %2").arg(path, file.errorString());
    return false;
  };
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return fail();
  QByteArray out = "run,series,step,time,value\n";
  for (const auto& [label, run] : runs_) {
    const QByteArray run_field = csvField(label).toUtf8();
    for (const auto& [name, points] : run.series) {
      const QByteArray series_field = csvField(QString::fromStdString(name)).toUtf8();
      for (const training::MetricPoint& p : points) {
        // 17 significant digits: the doubles read back exactly.
        out += run_field + ',' + series_field + ',' + QByteArray::number(static_cast<qlonglong>(p.step)) + ',' +
               QByteArray::number(p.time, 'g', 17) + ',' + QByteArray::number(p.value, 'g', 17) + '\n';
      }
    }
  }
  if (file.write(out) != out.size() || !file.commit()) return fail();
  return true;
}

}  // namespace rgbdsod::ui
