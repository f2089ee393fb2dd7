#pragma once
// The Evaluation view's summary: methods x dataset metrics (image-averaged scalars; max F and max E
// from the image-averaged curves, as the field reports them). The best value of each column is
// bold; a method that is not evaluated shows dashes and, if it failed, the error in red.
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

  static const std::vector<core::Metric>& metrics();  // core::allMetrics(), in table order

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  // The row of the best evaluated method for the metric, or -1.
  int bestRow(core::Metric metric) const;

 private:
  EvaluationSession* session_;
};

}  // namespace rgbdsod::ui
