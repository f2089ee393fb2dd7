#pragma once
// The Training workspace's live curves: one or more runs' metrics (training::RunSeries) overlaid
// in up to three stacked panels sharing the x axis: losses (loss, terms/*), validation (val/*),
// and learning rate with throughput (lr left, samples_per_s right). Losses are smoothed with a
// debiased EMA (TensorBoard's), the raw curve kept faint behind; the x axis is steps or wall
// time. Updates are coalesced on a short timer: a poll that changes several runs redraws once.
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include <QString>
#include <QStringList>
#include <QTimer>
#include <QWidget>

#include "rgbdsod/training/run_metrics.h"

class QCheckBox;
class QComboBox;
class QCPAxis;
class QCPAxisRect;
class QCPGraph;
class QCPLegend;
class QCPMarginGroup;
class QCustomPlot;
class QLabel;
class QListWidget;
class QSlider;

namespace rgbdsod::ui {

// Debiased exponential moving average: s_i = m_i / (1 - w^n), m_i = w m_{i-1} + (1 - w) v_i,
// n counting the finite values so far. Weight 0 returns the values; the first output equals the
// first value (no pull towards 0). Non-finite values pass through and do not enter the average.
// The weight is clamped to [0, 0.999].
std::vector<double> emaSmooth(const std::vector<double>& values, double weight);

class TrainingCurvesView : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kRedrawDelayMs = 100;
  enum class XAxis { Steps, WallTime };

  explicit TrainingCurvesView(QWidget* parent = nullptr);

  // Adds or replaces one run's series (label: how the run is named on screen). Redraws soon.
  void setRun(const QString& label, const training::RunSeries& series);
  void removeRun(const QString& label);
  void clearRuns();
  QStringList runLabels() const;  // in the order added (which also fixes each run's colours)

  // Vertical lines labelled at the steps where each recipe step begins (steps already offset).
  void setSegments(std::vector<std::pair<std::int64_t, QString>> starts);

  // Series names seen over all runs, sorted; each can be hidden (new names start shown).
  QStringList seriesNames() const;
  void setSeriesShown(const QString& name, bool shown);
  bool isSeriesShown(const QString& name) const;

  void setSmoothing(double weight);  // 0 .. 0.99, snapped to the slider's 0.01 steps
  double smoothing() const;
  void setLogScale(bool on);  // the loss panel's value axis
  bool logScale() const;
  void setXAxis(XAxis axis);
  XAxis xAxis() const;

  // Draws now if a redraw is pending (tests and exports call it instead of waiting).
  void flush();
  bool redrawPending() const { return redraw_timer_.isActive(); }
  int redrawCount() const { return redraws_; }

  QCustomPlot* plot() const { return plot_; }
  QCPAxis* lossAxis() const;  // value axis of the loss panel
  bool panelShown(int panel) const;  // 0 losses, 1 validation, 2 lr / throughput
  // Points drawn for one run's series (raw, after the x-axis and log filters); -1 when not drawn.
  int graphPointCount(const QString& run, const QString& series) const;
  // The i-th drawn smoothed value (the raw one where the series is not smoothed); NaN if none.
  double smoothedValue(const QString& run, const QString& series, int index) const;

  // The plot as shown (by suffix: .png at 2x, .svg, .pdf), written to a temporary file and
  // renamed. False with `error` naming the file on failure or an unknown suffix (nothing written).
  bool saveFigure(const QString& path, QString* error);
  // Every raw point of every run: run,series,step,time,value (all series, shown or not).
  bool saveCsv(const QString& path, QString* error) const;

 private:
  struct Drawn {
    QCPGraph* raw = nullptr;
    QCPGraph* smooth = nullptr;  // null where the series is drawn raw only
  };
  void scheduleRedraw() { redraw_timer_.start(); }  // restarts: a burst draws once
  void redraw();
  void syncSeriesList();
  void layoutPanels(const bool used[3]);
  void drawSegments(const bool used[3]);
  bool stepToX(std::int64_t step, double* x) const;

  std::vector<std::pair<QString, training::RunSeries>> runs_;
  std::vector<std::pair<std::int64_t, QString>> segments_;
  // Mean F and weighted F start unticked: five validation series per run crowd the short panel.
  std::set<QString> hidden_{QStringLiteral("val/mean_fm"), QStringLiteral("val/wfm")};
  std::map<std::pair<QString, QString>, Drawn> drawn_;

  QSlider* smoothing_slider_;
  QLabel* smoothing_label_;
  QCheckBox* log_check_;
  QComboBox* x_combo_;
  QListWidget* series_list_;
  QCustomPlot* plot_;
  QCPAxisRect* rects_[3];
  QCPLegend* legends_[3];
  QCPMarginGroup* margins_;
  QTimer redraw_timer_;
  int redraws_ = 0;
  bool auto_range_ = true;  // follow the data until the user pans or zooms (double-click resets)
  bool syncing_list_ = false;
};

}  // namespace rgbdsod::ui
