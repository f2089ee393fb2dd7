#include "rgbdsod/ui/evaluation/summary_table_model.h"

#include <algorithm>
#include <cmath>

#include <QBrush>
#include <QColor>
#include <QFont>

#include "rgbdsod/ui/evaluation/evaluation_session.h"

namespace rgbdsod::ui {

namespace {

const QColor kFailed(0xd0, 0x50, 0x50);
const QColor kPartial(0xe0, 0xa0, 0x30);

}  // namespace

SummaryTableModel::SummaryTableModel(EvaluationSession* session, QObject* parent)
    : QAbstractTableModel(parent), session_(session), metrics_(core::allMetrics()) {
  connect(session_, &EvaluationSession::methodsChanged, this, [this] {
    beginResetModel();
    rebuild();
    endResetModel();
  });
  connect(session_, &EvaluationSession::methodRenamed, this, [this](int method) {
    const int row = rowOf(method);
    if (row >= 0) emit dataChanged(index(row, MethodColumn), index(row, MethodColumn), {Qt::DisplayRole});
  });
  rebuild();
}

void SummaryTableModel::rebuild() {
  rows_.clear();
  for (int i = 0; i < session_->methodCount(); ++i) {
    if (!session_->methods()[static_cast<std::size_t>(i)].unpaired) rows_.push_back(i);
  }
}

void SummaryTableModel::setMetrics(const std::vector<core::Metric>& metrics) {
  std::vector<core::Metric> ordered;
  for (core::Metric m : core::allMetrics()) {
    if (std::find(metrics.begin(), metrics.end(), m) != metrics.end()) ordered.push_back(m);
  }
  if (ordered.empty() || ordered == metrics_) return;
  beginResetModel();
  metrics_ = std::move(ordered);
  endResetModel();
  emit metricsChanged();
}

bool SummaryTableModel::isShown(core::Metric metric) const {
  return std::find(metrics_.begin(), metrics_.end(), metric) != metrics_.end();
}

void SummaryTableModel::setShown(core::Metric metric, bool shown) {
  std::vector<core::Metric> next = metrics_;
  if (shown) {
    next.push_back(metric);
  } else {
    next.erase(std::remove(next.begin(), next.end(), metric), next.end());
  }
  setMetrics(next);
}

int SummaryTableModel::methodAt(int row) const {
  return row >= 0 && row < static_cast<int>(rows_.size()) ? rows_[static_cast<std::size_t>(row)] : -1;
}

int SummaryTableModel::rowOf(int method) const {
  const auto it = std::find(rows_.begin(), rows_.end(), method);
  return it == rows_.end() ? -1 : static_cast<int>(it - rows_.begin());
}

int SummaryTableModel::hiddenCount() const { return session_->methodCount() - static_cast<int>(rows_.size()); }

int SummaryTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int SummaryTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : FirstMetricColumn + static_cast<int>(metrics_.size());
}

int SummaryTableModel::bestRow(core::Metric metric) const {
  int best = -1;
  double best_value = 0;
  for (int row = 0; row < rowCount(); ++row) {
    const EvaluationMethod& m = session_->methods()[static_cast<std::size_t>(methodAt(row))];
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
  const int method = index.isValid() ? methodAt(index.row()) : -1;
  if (method < 0 || method >= session_->methodCount()) return {};
  const EvaluationMethod& m = session_->methods()[static_cast<std::size_t>(method)];
  const int col = index.column();
  if (role == Qt::ToolTipRole && !m.error.isEmpty()) return m.error;
  if (col == MethodColumn) {
    if (role == Qt::DisplayRole) return m.name;
    if (role == Qt::ForegroundRole && !m.error.isEmpty()) return QBrush(kFailed);
    return {};
  }
  if (role == Qt::TextAlignmentRole) return int(Qt::AlignRight | Qt::AlignVCenter);
  if (col == ImagesColumn) {
    if (!m.error.isEmpty()) return role == Qt::DisplayRole ? tr("failed") : QVariant();
    if (!m.evaluated()) return role == Qt::DisplayRole ? QStringLiteral("—") : QVariant();
    const ImageCoverage coverage = coverageOf(*m.result);
    if (role == Qt::DisplayRole) {
      const QString text = QStringLiteral("%1/%2").arg(coverage.used).arg(coverage.gt);
      return coverage.partial() ? QStringLiteral("⚠ ") + text : text;
    }
    if (role == Qt::ForegroundRole && coverage.partial()) return QBrush(kPartial);
    if (role == Qt::ToolTipRole) {
      if (!coverage.partial()) return tr("every GT image has a prediction");
      return tr("Partial: %1 of the %2 GT images have a prediction; the scores cover those %1 only")
          .arg(coverage.used)
          .arg(coverage.gt);
    }
    return {};
  }
  const core::Metric metric = metrics_[static_cast<std::size_t>(col - FirstMetricColumn)];
  if (role == Qt::DisplayRole) {
    if (!m.evaluated()) return QStringLiteral("—");
    const double v = core::metricValue(m.result->metrics, metric);
    return std::isnan(v) ? QStringLiteral("NaN") : QString::number(v, 'f', 4);
  }
  if (role == Qt::FontRole && m.evaluated() && rowCount() > 1 && bestRow(metric) == index.row()) {
    QFont bold;
    bold.setBold(true);
    return bold;
  }
  return {};
}

QVariant SummaryTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return QAbstractTableModel::headerData(section, orientation, role);
  if (section == MethodColumn) return role == Qt::DisplayRole ? tr("Method") : QVariant();
  if (section == ImagesColumn) {
    if (role == Qt::DisplayRole) return tr("Images");
    if (role == Qt::ToolTipRole) return tr("images scored / GT images (⚠: partial, some GT images have no prediction)");
    return {};
  }
  if (section < FirstMetricColumn || section >= columnCount()) return {};
  const core::Metric metric = metrics_[static_cast<std::size_t>(section - FirstMetricColumn)];
  if (role == Qt::DisplayRole) {
    return QStringLiteral("%1 %2").arg(QString::fromLatin1(core::metricLabel(metric)),
                                       core::lowerIsBetter(metric) ? QStringLiteral("↓") : QStringLiteral("↑"));
  }
  if (role == Qt::ToolTipRole) return tr("best value in bold; choose the columns with Columns…");
  return {};
}

}  // namespace rgbdsod::ui
