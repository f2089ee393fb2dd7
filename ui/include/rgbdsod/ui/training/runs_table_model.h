#pragma once
// The runs list of the Training workspace: one row per run or recipe folder under the root (name,
// stage, state, steps, last loss and validation metrics, dataset), with a check box per row that
// overlays the run's curves. Rows are replaced as the session rescans; checks follow the folder.
#include <set>
#include <string>
#include <vector>

#include <QAbstractTableModel>
#include <QStringList>

#include "rgbdsod/core/report_table.h"
#include "rgbdsod/training/run_catalog.h"

namespace rgbdsod::ui {

class RunsTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Name, Stage, State, Steps, Loss, Mae, MaxF, Sm, Data, ColumnCount };
  static constexpr int FolderRole = Qt::UserRole + 1;

  using QAbstractTableModel::QAbstractTableModel;

  void setRuns(std::vector<training::RunSummary> runs);
  const std::vector<training::RunSummary>& runs() const { return runs_; }
  int rowOf(const QString& folder) const;  // -1 when not listed

  void setChecked(const QString& folder, bool checked);
  QStringList checkedFolders() const;  // in row order

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;

 signals:
  void checkedChanged();

 private:
  std::vector<training::RunSummary> runs_;
  std::set<QString> checked_;
};

// The final validation metrics of the given runs as a results table (one row per run, one
// "validation" column group: S, max F, mean F, wF, MAE), ready for core::renderLatex like
// `rgbdsod eval --latex`. Runs without a validation line are left out.
core::ResultsTable validationResultsTable(const std::vector<training::RunSummary>& runs);

}  // namespace rgbdsod::ui
