#include "rgbdsod/ui/training/runs_table_model.h"

#include <cmath>
#include <limits>

#include <QColor>

namespace rgbdsod::ui {

namespace {

QString folderOf(const training::RunSummary& r) { return QString::fromStdString(r.folder.string()); }

QVariant metric(const training::RunSummary& r, const char* key) {
  const auto it = r.last_val.find(key);
  if (it == r.last_val.end()) return {};
  return QString::number(it->second, 'f', 3);
}

QColor stateColour(training::RunState s) {
  switch (s) {
    case training::RunState::Running: return QColor(0x1f, 0x77, 0xb4);
    case training::RunState::Finished: return QColor(0x2c, 0xa0, 0x2c);
    case training::RunState::Failed:
    case training::RunState::Crashed: return QColor(0xd6, 0x27, 0x28);
    default: return {};
  }
}

}  // namespace

void RunsTableModel::setRuns(std::vector<training::RunSummary> runs) {
  beginResetModel();
  runs_ = std::move(runs);
  endResetModel();
}

int RunsTableModel::rowOf(const QString& folder) const {
  for (std::size_t i = 0; i < runs_.size(); ++i)
    if (folderOf(runs_[i]) == folder) return static_cast<int>(i);
  return -1;
}

void RunsTableModel::setChecked(const QString& folder, bool checked) {
  const bool had = checked_.count(folder) > 0;
  if (had == checked) return;
  if (checked)
    checked_.insert(folder);
  else
    checked_.erase(folder);
  if (const int row = rowOf(folder); row >= 0) emit dataChanged(index(row, Name), index(row, Name), {Qt::CheckStateRole});
  emit checkedChanged();
}

QStringList RunsTableModel::checkedFolders() const {
  QStringList out;
  for (const auto& r : runs_)
    if (checked_.count(folderOf(r))) out.push_back(folderOf(r));
  // Checked folders outside the root (a --run elsewhere) stay overlaid too.
  for (const auto& f : checked_)
    if (!out.contains(f)) out.push_back(f);
  return out;
}

int RunsTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(runs_.size());
}

int RunsTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunsTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= static_cast<int>(runs_.size())) return {};
  const auto& r = runs_[static_cast<std::size_t>(index.row())];
  if (role == FolderRole) return folderOf(r);
  if (role == Qt::CheckStateRole && index.column() == Name)
    return checked_.count(folderOf(r)) ? Qt::Checked : Qt::Unchecked;
  if (role == Qt::ForegroundRole && index.column() == State) {
    const QColor c = stateColour(r.state);
    return c.isValid() ? QVariant(c) : QVariant();
  }
  if (role == Qt::ToolTipRole) {
    QString tip = folderOf(r);
    if (!r.message.empty()) tip += QStringLiteral("\n") + QString::fromStdString(r.message);
    return tip;
  }
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case Name: return QString::fromStdString(r.name);
    case Stage:
      return r.stage.empty() ? QStringLiteral("recipe %1").arg(QString::fromStdString(r.recipe))
                             : QString::fromStdString(r.stage);
    case State: return QString::fromLatin1(training::toString(r.state));
    case Steps: return r.steps > 0 ? QStringLiteral("%1 / %2").arg(r.step).arg(r.steps) : QString::number(r.step);
    case Loss: return r.last_loss >= 0 ? QVariant(QString::number(r.last_loss, 'g', 4)) : QVariant();
    case Mae: return metric(r, "mae");
    case MaxF: return metric(r, "max_fm");
    case Sm: return metric(r, "sm");
    case Data: return QString::fromStdString(r.data);
    default: return {};
  }
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Name: return tr("Run");
    case Stage: return tr("Stage");
    case State: return tr("State");
    case Steps: return tr("Steps");
    case Loss: return tr("Loss");
    case Mae: return tr("MAE");
    case MaxF: return tr("max F");
    case Sm: return tr("S");
    case Data: return tr("Data");
    default: return {};
  }
}

Qt::ItemFlags RunsTableModel::flags(const QModelIndex& index) const {
  Qt::ItemFlags f = QAbstractTableModel::flags(index);
  if (index.isValid() && index.column() == Name) f |= Qt::ItemIsUserCheckable;
  return f;
}

bool RunsTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!index.isValid() || role != Qt::CheckStateRole || index.column() != Name) return false;
  setChecked(folderOf(runs_[static_cast<std::size_t>(index.row())]), value.toInt() == Qt::Checked);
  return true;
}

core::ResultsTable validationResultsTable(const std::vector<training::RunSummary>& runs) {
  core::ResultsTable table;
  table.metrics = {core::Metric::Smeasure, core::Metric::MaxFmeasure, core::Metric::MeanFmeasure,
                   core::Metric::WeightedFmeasure, core::Metric::Mae};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto& r : runs) {
    if (r.last_val.empty()) continue;
    auto value = [&](const char* key) {
      const auto it = r.last_val.find(key);
      return it == r.last_val.end() ? nan : it->second;
    };
    core::DatasetMetrics m;
    m.images = 1;
    m.mae = value("mae");
    m.smeasure = value("sm");
    m.max_fmeasure = value("max_fm");
    m.mean_fmeasure = value("mean_fm");
    m.weighted_fmeasure = value("wfm");
    m.adaptive_fmeasure = m.adaptive_emeasure = m.mean_emeasure = m.max_emeasure = nan;
    table.set(r.name, "validation", m);
  }
  return table;
}

}  // namespace rgbdsod::ui
