#include "rgbdsod/ui/evaluation/per_image_table_model.h"

#include <cmath>

#include <QBrush>
#include <QColor>
#include <QDir>

namespace rgbdsod::ui {

namespace {

QString shortLabel(core::Metric m) {
  switch (m) {
    case core::Metric::Mae: return QStringLiteral("MAE ↓");
    case core::Metric::Smeasure: return QStringLiteral("S ↑");
    case core::Metric::WeightedFmeasure: return QStringLiteral("wF ↑");
    case core::Metric::AdaptiveFmeasure: return QStringLiteral("adp F ↑");
    case core::Metric::MaxFmeasure: return QStringLiteral("max F ↑");
    case core::Metric::MaxEmeasure: return QStringLiteral("max E ↑");
    default: return QString::fromLatin1(core::metricLabel(m));
  }
}

}  // namespace

PerImageTableModel::PerImageTableModel(QObject* parent) : QAbstractTableModel(parent) {}

const std::vector<core::Metric>& PerImageTableModel::metricColumns() {
  static const std::vector<core::Metric> columns = {
      core::Metric::Mae,          core::Metric::Smeasure,    core::Metric::WeightedFmeasure,
      core::Metric::AdaptiveFmeasure, core::Metric::MaxFmeasure, core::Metric::MaxEmeasure};
  return columns;
}

int PerImageTableModel::columnOf(core::Metric metric) {
  const auto& cols = metricColumns();
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (cols[i] == metric) return static_cast<int>(i) + 1;
  }
  return -1;
}

std::optional<core::Metric> PerImageTableModel::metricOf(int column) {
  const auto& cols = metricColumns();
  if (column < 1 || column > static_cast<int>(cols.size())) return std::nullopt;
  return cols[static_cast<std::size_t>(column - 1)];
}

void PerImageTableModel::setEvaluation(std::shared_ptr<const core::FolderEvaluation> evaluation) {
  beginResetModel();
  evaluation_ = std::move(evaluation);
  endResetModel();
}

QString PerImageTableModel::nameAt(int row) const {
  if (!evaluation_ || row < 0 || row >= rowCount()) return {};
  return QString::fromStdString(evaluation_->images[static_cast<std::size_t>(row)].name);
}

int PerImageTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !evaluation_ ? 0 : static_cast<int>(evaluation_->images.size());
}

int PerImageTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant PerImageTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const core::ImageRecord& r = evaluation_->images[static_cast<std::size_t>(index.row())];
  const int col = index.column();
  if (col == NameColumn) {
    if (role == Qt::DisplayRole || role == kSortRole) return QString::fromStdString(r.name);
    if (role == Qt::ToolTipRole) {
      return tr("GT: %1\nprediction: %2").arg(QDir::toNativeSeparators(QString::fromStdString(r.gt_file.string())),
                                              QDir::toNativeSeparators(QString::fromStdString(r.pred_file.string())));
    }
    return {};
  }
  if (col == ResizedColumn) {
    if (role == kSortRole) return r.resized;
    if (role == Qt::DisplayRole) return r.resized ? tr("%1×%2").arg(r.pred_width).arg(r.pred_height) : QString();
    if (role == Qt::ToolTipRole && r.resized) return tr("prediction was %1×%2, resized to the GT (bilinear)")
                                                  .arg(r.pred_width).arg(r.pred_height);
    return {};
  }
  const auto metric = metricOf(col);
  if (!metric) return {};
  const double v = core::metricValue(r.scores, *metric);
  switch (role) {
    case kSortRole: return v;
    case Qt::DisplayRole: return std::isnan(v) ? QStringLiteral("NaN") : QString::number(v, 'f', 4);
    case Qt::TextAlignmentRole: return int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ForegroundRole:
      if (std::isnan(v)) return QBrush(QColor(0xd0, 0x50, 0x50));
      return {};
    default: return {};
  }
}

QVariant PerImageTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return QAbstractTableModel::headerData(section, orientation, role);
  if (role == Qt::DisplayRole) {
    if (section == NameColumn) return tr("Image");
    if (section == ResizedColumn) return tr("Resized");
    if (const auto m = metricOf(section)) return shortLabel(*m);
  }
  if (role == Qt::ToolTipRole) {
    if (section == ResizedColumn) return tr("The prediction's size when it differed from the GT's");
    if (const auto m = metricOf(section)) {
      return tr("%1 (%2 is better)").arg(QString::fromLatin1(core::metricLabel(*m)),
                                         core::lowerIsBetter(*m) ? tr("lower") : tr("higher"));
    }
  }
  return {};
}

PerImageSortModel::PerImageSortModel(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(PerImageTableModel::kSortRole);
}

void PerImageSortModel::sortWorstFirst(core::Metric metric) {
  sort(PerImageTableModel::columnOf(metric), core::lowerIsBetter(metric) ? Qt::DescendingOrder : Qt::AscendingOrder);
}

// "left < right" in the metric's worst-first direction (ascending for higher-is-better metrics,
// descending for MAE): a NaN is the worst of all, ties go by name in worst-first order too.
bool PerImageSortModel::lessThan(const QModelIndex& left, const QModelIndex& right) const {
  const auto metric = PerImageTableModel::metricOf(left.column());
  if (!metric) return QSortFilterProxyModel::lessThan(left, right);
  const double a = left.data(PerImageTableModel::kSortRole).toDouble();
  const double b = right.data(PerImageTableModel::kSortRole).toDouble();
  const bool lower_better = core::lowerIsBetter(*metric);
  const auto name = [](const QModelIndex& i) {
    return i.siblingAtColumn(PerImageTableModel::NameColumn).data(PerImageTableModel::kSortRole).toString();
  };
  if (std::isnan(a) != std::isnan(b)) return lower_better ? std::isnan(b) : std::isnan(a);
  if (!std::isnan(a) && a != b) return a < b;
  // Equal: in the worst-first direction the smaller name comes first.
  const int c = QString::compare(name(left), name(right), Qt::CaseSensitive);
  return lower_better ? c > 0 : c < 0;
}

}  // namespace rgbdsod::ui
