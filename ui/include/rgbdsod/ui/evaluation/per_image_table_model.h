#pragma once
// The per-image table of one evaluated method: a row per image with its name, the per-image scores
// and whether the prediction was resized to the GT. PerImageSortModel sorts it so that ascending
// (or descending for MAE) is core::worstFirst's order: the worst image first, a NaN score before
// every number, equal scores by name. The Evaluation view sorts worst first by default.
#include <memory>
#include <optional>

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

#include "rgbdsod/core/evaluator.h"

namespace rgbdsod::ui {

class PerImageTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { NameColumn = 0, ResizedColumn = 7, ColumnCount = 8 };  // 1..6: metricColumns()
  static constexpr int kSortRole = Qt::UserRole + 1;                    // the raw value

  explicit PerImageTableModel(QObject* parent = nullptr);

  // The metrics shown, in column order from 1: MAE, S, weighted F, adaptive F, max F, max E.
  static const std::vector<core::Metric>& metricColumns();
  static int columnOf(core::Metric metric);
  static std::optional<core::Metric> metricOf(int column);

  void setEvaluation(std::shared_ptr<const core::FolderEvaluation> evaluation);
  const core::FolderEvaluation* evaluation() const { return evaluation_.get(); }
  QString nameAt(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  std::shared_ptr<const core::FolderEvaluation> evaluation_;
};

// Sorting with the worst-first semantics described above.
class PerImageSortModel : public QSortFilterProxyModel {
  Q_OBJECT

 public:
  explicit PerImageSortModel(QObject* parent = nullptr);
  // Sorts by the metric's column in the direction that puts the worst image first.
  void sortWorstFirst(core::Metric metric);

 protected:
  bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;
};

}  // namespace rgbdsod::ui
