#pragma once
// The samples of a dataset as a list of thumbnails for a QListView in icon mode. Lazy: a
// thumbnail is decoded only when a view asks for it (views ask only for visible rows), in this
// model's worker pool; until then a placeholder is shown. Decoded thumbnails are kept in an LRU
// cache, and the rows that became ready are announced in batches on a short timer, so a burst of
// decodes costs one repaint instead of one per row.
#include <memory>

#include <QAbstractListModel>
#include <QCache>
#include <QHash>
#include <QImage>
#include <QPixmap>
#include <QSet>
#include <QStringList>
#include <QThreadPool>
#include <QTimer>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/validation.h"

namespace rgbdsod::ui {

class ThumbnailModel : public QAbstractListModel {
  Q_OBJECT

 public:
  static constexpr int kSide = 96;  // thumbnails are kSide x kSide (letterboxed)

  explicit ThumbnailModel(QObject* parent = nullptr);
  ~ThumbnailModel() override;  // drops queued decodes and waits for running ones

  void setDataset(std::shared_ptr<const core::Dataset> dataset);
  // Colours and tooltips by the worst problem of each sample; nullptr clears them.
  void setProblems(const core::ValidationReport* report);

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role) const override;

  // For tests and the screenshot mode.
  int pendingCount() const { return static_cast<int>(pending_.size()); }
  bool isCached(int row) const { return cache_.contains(row); }
  int decodeCount() const { return decodes_started_; }  // decodes ever started (cache misses)
  const QPixmap& placeholder() const { return placeholder_; }

 signals:
  // Emitted after a batch was announced and nothing else is being decoded.
  void thumbnailsSettled();

 private:
  void requestDecode(int row) const;
  void acceptDecoded(quint64 generation, int row, const QImage& image);
  void announceReadyRows();

  std::shared_ptr<const core::Dataset> dataset_;
  quint64 generation_ = 0;  // bumped per dataset; decodes of an older one are dropped
  QThreadPool pool_;
  QPixmap placeholder_;
  QHash<QString, QStringList> problems_;  // sample name -> problem lines
  QSet<QString> samples_with_errors_;

  // data() is const but starts decodes and fills the cache: both are caches of derived state.
  mutable QCache<int, QPixmap> cache_;
  mutable QSet<int> pending_;
  mutable int decodes_started_ = 0;
  mutable int next_priority_ = 0;  // later requests first: what the user scrolled to last wins

  QSet<int> ready_rows_;
  QTimer announce_timer_;
};

}  // namespace rgbdsod::ui
