#pragma once
// The Evaluation view's legend: one row per method of an EvaluationSession with a check box that
// shows or hides its curves, its name (editable: renames the method) and its state (waiting,
// evaluated, failed) in the decoration and tool tip. The check state is kept per prediction folder,
// so it survives renames, removals of other methods and re-evaluation.
#include <vector>

#include <QAbstractListModel>
#include <QSet>
#include <QString>

#include "rgbdsod/figures/curve_figure.h"

namespace rgbdsod::ui {

class EvaluationSession;

class MethodCurvesModel : public QAbstractListModel {
  Q_OBJECT

 public:
  explicit MethodCurvesModel(EvaluationSession* session, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

  bool isShown(int row) const;
  void setShown(int row, bool shown);
  // The evaluated methods that are checked, in list order, ready for figures::drawCurves.
  std::vector<figures::MethodCurves> shownCurves() const;

 signals:
  void shownChanged();  // the set of curves to draw changed (a toggle or new results)

 private:
  EvaluationSession* session_;
  QSet<QString> hidden_folders_;
};

}  // namespace rgbdsod::ui
