#pragma once
// The Evaluation view's summary: methods x dataset metrics (image-averaged scalars; max F and max E
// from the image-averaged curves, as the field reports them). The metric columns are the user's
// choice and are what the LaTeX / Markdown / text exports hold. The best value of each column is
// bold; a method that is not evaluated shows dashes and, if it failed, the error in red; a method
// scored on fewer images than the GT has shows "used/GT" in amber. Methods whose predictions do not
// pair with the GT (another dataset's) have no row.
#include <vector>

#include <QAbstractTableModel>

#include "rgbdsod/core/evaluator.h"

namespace rgbdsod::ui {

class EvaluationSession;

class SummaryTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { MethodColumn = 0, ImagesColumn = 1, FirstMetricColumn = 2 };

  explicit SummaryTableModel(EvaluationSession* session, QObject* parent = nullptr);

  // The shown metric columns, always in core::allMetrics() order; every metric at first.
  const std::vector<core::Metric>& metrics() const { return metrics_; }
  void setMetrics(const std::vector<core::Metric>& metrics);  // an empty choice is ignored
  bool isShown(core::Metric metric) const;
  void setShown(core::Metric metric, bool shown);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  // The session's method index of a row, and the row of a method (-1 when it has none).
  int methodAt(int row) const;
  int rowOf(int method) const;
  // The row of the best evaluated method for the metric, or -1.
  int bestRow(core::Metric metric) const;
  int hiddenCount() const;  // unpaired methods, which have no row

 signals:
  void metricsChanged();

 private:
  void rebuild();

  EvaluationSession* session_;
  std::vector<core::Metric> metrics_;
  std::vector<int> rows_;  // method index per row
};

}  // namespace rgbdsod::ui
