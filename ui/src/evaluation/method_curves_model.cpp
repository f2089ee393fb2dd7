#include "rgbdsod/ui/evaluation/method_curves_model.h"

#include <QColor>
#include <QDir>
#include <QFont>
#include <QIcon>
#include <QPainter>
#include <QPixmap>

#include "rgbdsod/ui/evaluation/evaluation_session.h"

namespace rgbdsod::ui {

namespace {

QIcon stateDot(const QColor& colour) {
  constexpr int kSide = 12;
  QPixmap pixmap(kSide, kSide);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(Qt::NoPen);
  painter.setBrush(colour);
  painter.drawEllipse(QRectF(2, 2, kSide - 4, kSide - 4));
  return QIcon(pixmap);
}

}  // namespace

MethodCurvesModel::MethodCurvesModel(EvaluationSession* session, QObject* parent)
    : QAbstractListModel(parent), session_(session) {
  // Any change of the methods or their results redraws: a reset is cheap for a handful of rows.
  connect(session_, &EvaluationSession::methodsChanged, this, [this] {
    beginResetModel();
    endResetModel();
    emit shownChanged();
  });
  // A rename changes one row's text and the legend of its curve; rows stay (see methodRenamed).
  connect(session_, &EvaluationSession::methodRenamed, this, [this](int row) {
    const QModelIndex i = index(row);
    emit dataChanged(i, i, {Qt::DisplayRole, Qt::EditRole});
    emit shownChanged();
  });
}

int MethodCurvesModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : session_->methodCount();
}

QVariant MethodCurvesModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= session_->methodCount()) return {};
  const EvaluationMethod& m = session_->methods()[static_cast<std::size_t>(index.row())];
  switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
      return m.name;
    case Qt::CheckStateRole:
      return isShown(index.row()) ? Qt::Checked : Qt::Unchecked;
    case Qt::DecorationRole:  // a state dot: grey waiting or unpaired, green evaluated, amber partial, red failed
      if (!m.error.isEmpty()) return stateDot(QColor(0xd0, 0x50, 0x50));
      if (m.evaluated() && coverageOf(*m.result).partial()) return stateDot(QColor(0xe0, 0xa0, 0x30));
      return stateDot(m.evaluated() ? QColor(0x50, 0xb0, 0x60) : QColor(0x90, 0x90, 0x90));
    case Qt::ForegroundRole:  // an unpaired method is another dataset's: greyed
      return m.unpaired ? QVariant(QColor(0x90, 0x90, 0x90)) : QVariant();
    case Qt::FontRole:
      if (m.unpaired) {
        QFont italic;
        italic.setItalic(true);
        return italic;
      }
      return {};
    case Qt::ToolTipRole: {
      QString state = tr("not evaluated yet");
      if (!m.error.isEmpty()) {
        state = m.error;
      } else if (m.unpaired) {
        state = tr("no prediction pairs with this GT (a method of another dataset): not in the summary");
      } else if (m.evaluated()) {
        const ImageCoverage coverage = coverageOf(*m.result);
        state = tr("%1/%2 GT images evaluated").arg(coverage.used).arg(coverage.gt);
        if (coverage.partial()) {
          state += tr(" (partial: %n GT image(s) without prediction; scores cover the others only)", nullptr,
                      coverage.gt - coverage.used);
        }
        if (m.result->resizedCount() > 0) {
          state += tr(", %n resized to the GT", nullptr, static_cast<int>(m.result->resizedCount()));
        }
      }
      return QStringLiteral("%1\n%2").arg(QDir::toNativeSeparators(m.folder), state);
    }
    default:
      return {};
  }
}

bool MethodCurvesModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!index.isValid() || index.row() >= session_->methodCount()) return false;
  if (role == Qt::CheckStateRole) {
    setShown(index.row(), value.toInt() == Qt::Checked);
    return true;
  }
  if (role == Qt::EditRole) {
    session_->renameMethod(index.row(), value.toString());  // resets the model via methodsChanged
    return true;
  }
  return false;
}

Qt::ItemFlags MethodCurvesModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable | Qt::ItemIsEditable;
}

bool MethodCurvesModel::isShown(int row) const {
  if (row < 0 || row >= session_->methodCount()) return false;
  return !hidden_folders_.contains(session_->methods()[static_cast<std::size_t>(row)].folder);
}

void MethodCurvesModel::setShown(int row, bool shown) {
  if (row < 0 || row >= session_->methodCount() || isShown(row) == shown) return;
  const QString& folder = session_->methods()[static_cast<std::size_t>(row)].folder;
  if (shown) {
    hidden_folders_.remove(folder);
  } else {
    hidden_folders_.insert(folder);
  }
  const QModelIndex i = index(row);
  emit dataChanged(i, i, {Qt::CheckStateRole});
  emit shownChanged();
}

std::vector<figures::MethodCurves> MethodCurvesModel::shownCurves() const {
  std::vector<figures::MethodCurves> out;
  for (int row = 0; row < session_->methodCount(); ++row) {
    const EvaluationMethod& m = session_->methods()[static_cast<std::size_t>(row)];
    if (m.evaluated() && isShown(row)) out.push_back({m.name.toStdString(), m.result->metrics.curves});
  }
  return out;
}

}  // namespace rgbdsod::ui
