#pragma once
// The Evaluation view's plot: the shown methods' image-averaged curves (PR, F-measure or E-measure
// against the threshold, chosen in a box above the plot), drawn by figures::drawCurves so the
// screen matches the exported figure. Updates are coalesced on a short timer: toggling several
// methods or a burst of results redraws once.
#include <filesystem>
#include <vector>

#include <QTimer>
#include <QWidget>

#include "rgbdsod/figures/curve_figure.h"

class QComboBox;
class QCustomPlot;
class QLabel;
class QStackedWidget;

namespace rgbdsod::ui {

class CurvesWidget : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kRedrawDelayMs = 40;

  explicit CurvesWidget(QWidget* parent = nullptr);

  void setCurves(std::vector<figures::MethodCurves> curves);  // redraws soon
  const std::vector<figures::MethodCurves>& curves() const { return curves_; }
  void setKind(figures::CurveKind kind);
  figures::CurveKind kind() const;

  // Draws now if a redraw is pending (tests and screenshots call it instead of waiting).
  void flush();
  bool redrawPending() const { return redraw_timer_.isActive(); }
  int redrawCount() const { return redraws_; }
  QCustomPlot* plot() const { return plot_; }
  QComboBox* kindCombo() const { return kind_combo_; }

  // Writes the current kind and curves in paper style (by extension: .png, .pdf, .svg) at the
  // style's size and font. Throws core::FileError naming the file on failure.
  void saveFigure(const std::filesystem::path& file, const figures::FigureStyle& style = {}) const;

 signals:
  void kindChanged(rgbdsod::figures::CurveKind kind);

 private:
  void redraw();

  std::vector<figures::MethodCurves> curves_;
  QComboBox* kind_combo_;
  QStackedWidget* stack_;
  QLabel* placeholder_;
  QCustomPlot* plot_;
  QTimer redraw_timer_;
  int redraws_ = 0;
};

}  // namespace rgbdsod::ui
