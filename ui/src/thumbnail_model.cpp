#include "rgbdsod/ui/thumbnail_model.h"

#include <algorithm>
#include <vector>

#include <QColor>
#include <QPainter>

#include "rgbdsod/ui/sample_loader.h"

namespace rgbdsod::ui {

namespace {

constexpr int kAnnounceDelayMs = 30;
constexpr int kCacheKiB = 64 * 1024;

QPixmap makePlaceholder() {
  QPixmap pixmap(ThumbnailModel::kSide, ThumbnailModel::kSide);
  pixmap.fill(QColor(40, 42, 46));
  QPainter painter(&pixmap);
  painter.setPen(QColor(70, 72, 78));
  painter.drawRect(0, 0, ThumbnailModel::kSide - 1, ThumbnailModel::kSide - 1);
  return pixmap;
}

}  // namespace

ThumbnailModel::ThumbnailModel(QObject* parent)
    : QAbstractListModel(parent), placeholder_(makePlaceholder()), cache_(kCacheKiB) {
  pool_.setMaxThreadCount(2);
  announce_timer_.setSingleShot(true);
  announce_timer_.setInterval(kAnnounceDelayMs);
  connect(&announce_timer_, &QTimer::timeout, this, &ThumbnailModel::announceReadyRows);
}

ThumbnailModel::~ThumbnailModel() {
  pool_.clear();
  pool_.waitForDone();
}

void ThumbnailModel::setDataset(std::shared_ptr<const core::Dataset> dataset) {
  beginResetModel();
  ++generation_;
  pool_.clear();  // queued decodes of the old dataset; running ones are dropped on arrival
  dataset_ = std::move(dataset);
  cache_.clear();
  pending_.clear();
  ready_rows_.clear();
  problems_.clear();
  samples_with_errors_.clear();
  endResetModel();
}

void ThumbnailModel::setProblems(const core::ValidationReport* report) {
  problems_.clear();
  samples_with_errors_.clear();
  if (report) {
    for (const core::Problem& p : report->problems) {
      if (p.sample.empty()) continue;
      const QString name = QString::fromStdString(p.sample);
      const bool error = p.severity == core::Severity::Error;
      problems_[name] << QStringLiteral("%1 %2: %3")
                             .arg(error ? tr("error") : tr("warning"),
                                  QString::fromLatin1(core::toString(p.kind)),
                                  QString::fromStdString(p.message));
      if (error) samples_with_errors_.insert(name);
    }
  }
  if (rowCount() > 0) {
    emit dataChanged(index(0), index(rowCount() - 1), {Qt::ForegroundRole, Qt::ToolTipRole});
  }
}

int ThumbnailModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() || !dataset_) return 0;
  return static_cast<int>(dataset_->size());
}

QVariant ThumbnailModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || !dataset_ || index.row() >= rowCount()) return {};
  const int row = index.row();
  const core::SampleFiles& files = dataset_->samples[static_cast<std::size_t>(row)];
  const QString name = QString::fromStdString(files.name);
  switch (role) {
    case Qt::DisplayRole:
      return name;
    case Qt::DecorationRole:
      if (const QPixmap* cached = cache_.object(row)) return *cached;
      requestDecode(row);
      return placeholder_;
    case Qt::ForegroundRole:
      if (samples_with_errors_.contains(name)) return QColor(230, 90, 90);
      if (problems_.contains(name)) return QColor(230, 170, 60);
      return {};
    case Qt::ToolTipRole: {
      QStringList lines{name};
      for (const auto* p : {&files.rgb, &files.depth, &files.gt}) {
        if (!p->empty()) lines << QString::fromStdString(p->filename().string());
      }
      lines += problems_.value(name);
      return lines.join(QLatin1Char('\n'));
    }
    default:
      return {};
  }
}

void ThumbnailModel::requestDecode(int row) const {
  if (pending_.contains(row)) return;
  pending_.insert(row);
  ++decodes_started_;
  const quint64 generation = generation_;
  const core::SampleFiles files = dataset_->samples[static_cast<std::size_t>(row)];
  auto* self = const_cast<ThumbnailModel*>(this);  // decode results update the cache
  self->pool_.start(
      [self, generation, row, files] {
        const QImage image = loadThumbnail(files, kSide);
        QMetaObject::invokeMethod(
            self, [self, generation, row, image] { self->acceptDecoded(generation, row, image); },
            Qt::QueuedConnection);
      },
      ++next_priority_);
}

void ThumbnailModel::acceptDecoded(quint64 generation, int row, const QImage& image) {
  if (generation != generation_) return;
  pending_.remove(row);
  auto* pixmap = new QPixmap(QPixmap::fromImage(image));
  const int cost_kib = std::max(1, static_cast<int>(image.sizeInBytes() / 1024));
  cache_.insert(row, pixmap, cost_kib);
  ready_rows_.insert(row);
  if (!announce_timer_.isActive()) announce_timer_.start();
}

void ThumbnailModel::announceReadyRows() {
  std::vector<int> rows(ready_rows_.begin(), ready_rows_.end());
  ready_rows_.clear();
  std::sort(rows.begin(), rows.end());
  // One dataChanged per run of consecutive rows.
  for (std::size_t i = 0; i < rows.size();) {
    std::size_t j = i;
    while (j + 1 < rows.size() && rows[j + 1] == rows[j] + 1) ++j;
    emit dataChanged(index(rows[i]), index(rows[j]), {Qt::DecorationRole});
    i = j + 1;
  }
  if (pending_.isEmpty()) emit thumbnailsSettled();
}

}  // namespace rgbdsod::ui
