#include "rgbdsod/ui/evaluation/summary_table_model.h"

#include <cmath>

#include <QBrush>
#include <QColor>
#include <QFont>

#include "rgbdsod/ui/evaluation/evaluation_session.h"

namespace rgbdsod::ui {

SummaryTableModel::SummaryTableModel(EvaluationSession* session, QObject* parent)
    : QAbstractTableModel(parent), session_(session) {
  connect(session_, &EvaluationSession::methodsChanged, this, [this] {
    beginResetModel();
    endResetModel();
  });
}

const std::vector<core::Metric>& SummaryTableModel::metrics() { return core::allMetrics(); }

int SummaryTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : session_->methodCount();
}

int SummaryTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : FirstMetricColumn + static_cast<int>(metrics().size());
}

int SummaryTableModel::bestRow(core::Metric metric) const {
  int best = -1;
  double best_value = 0;
  for (int row = 0; row < session_->methodCount(); ++row) {
    const EvaluationMethod& m = session_->methods()[static_cast<std::size_t>(row)];
    if (!m.evaluated()) continue;
    const double v = core::metricValue(m.result->metrics, metric);
    if (std::isnan(v)) continue;
    if (best < 0 || (core::lowerIsBetter(metric) ? v < best_value : v > best_value)) {
      best = row;
      best_value = v;
    }
  }
  return best;
}

QVariant SummaryTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= session_->methodCount()) return {};
  const EvaluationMethod& m = session_->methods()[static_cast<std::size_t>(index.row())];
  const int col = index.column();
  if (role == Qt::ToolTipRole && !m.error.isEmpty()) return m.error;
  if (col == MethodColumn) {
    if (role == Qt::DisplayRole) return m.name;
    if (role == Qt::ForegroundRole && !m.error.isEmpty()) return QBrush(QColor(0xd0, 0x50, 0x50));
    return {};
  }
  if (role == Qt::TextAlignmentRole) return int(Qt::AlignRight | Qt::AlignVCenter);
  if (col == ImagesColumn) {
    if (role != Qt::DisplayRole) return {};
    if (!m.error.isEmpty()) return tr("failed");
    if (!m.evaluated()) return QStringLiteral("—");
    QString text = QString::number(m.result->images.size());
    if (!m.result->missing.empty()) text += tr(" (%1 missing)").arg(m.result->missing.size());
    return text;
  }
  const core::Metric metric = metrics()[static_cast<std::size_t>(col - FirstMetricColumn)];
  if (role == Qt::DisplayRole) {
    if (!m.evaluated()) return QStringLiteral("—");
    const double v = core::metricValue(m.result->metrics, metric);
    return std::isnan(v) ? QStringLiteral("NaN") : QString::number(v, 'f', 4);
  }
  if (role == Qt::FontRole && m.evaluated() && session_->methodCount() > 1 && bestRow(metric) == index.row()) {
    QFont bold;
    bold.setBold(true);
    return bold;
  }
  return {};
}

QVariant SummaryTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return QAbstractTableModel::headerData(section, orientation, role);
  if (section == MethodColumn) return role == Qt::DisplayRole ? tr("Method") : QVariant();
  if (section == ImagesColumn) return role == Qt::DisplayRole ? tr("Images") : QVariant();
  if (section < FirstMetricColumn || section >= columnCount()) return {};
  const core::Metric metric = metrics()[static_cast<std::size_t>(section - FirstMetricColumn)];
  if (role == Qt::DisplayRole) {
    return QStringLiteral("%1 %2").arg(QString::fromLatin1(core::metricLabel(metric)),
                                       core::lowerIsBetter(metric) ? QStringLiteral("↓") : QStringLiteral("↑"));
  }
  if (role == Qt::ToolTipRole) return tr("best value in bold");
  return {};
}

}  // namespace rgbdsod::ui
