#include "rgbdsod/ui/depth_views/depth_view_controller.h"

#include <exception>
#include <memory>

#include <QtConcurrent/QtConcurrentRun>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/hha_cache.h"
#include "rgbdsod/ui/dataset_session.h"
#include "rgbdsod/ui/depth_views/depth_settings.h"

namespace rgbdsod::ui {

DepthViewController::DepthViewController(DatasetSession* session, QObject* parent)
    : QObject(parent), session_(session) {
  // One thread for view requests and one for a cache build, so a build never holds up a view.
  pool_.setMaxThreadCount(2);
  connect(session_, &DatasetSession::datasetOpened, this, &DepthViewController::onDatasetOpened);
  connect(session_, &DatasetSession::datasetClosed, this, &DepthViewController::onDatasetClosed);
  connect(session_, &DatasetSession::sampleLoaded, this, &DepthViewController::onSampleLoaded);
  connect(session_, &DatasetSession::polarityChanged, this, &DepthViewController::onPolarityChanged);
}

DepthViewController::~DepthViewController() {
  build_cancel_.cancel();
  pool_.clear();
  pool_.waitForDone();
}

void DepthViewController::setView(DepthView view) {
  if (view == view_) return;
  view_ = view;
  refresh();
}

core::DepthConfig DepthViewController::effectiveConfig() const {
  core::DepthConfig c = override_.value_or(dataset_config_);
  // The toolbar's explicit polarity is the user's word on relative depth left on "auto".
  if (!c.polarity && c.encoding != core::DepthEncoding::Metric) c.polarity = session_->polarityOverride();
  return c;
}

QString DepthViewController::setOverride(const std::optional<core::DepthConfig>& config) {
  if (config) {
    if (const std::string p = config->problem(); !p.empty()) return QString::fromStdString(p);
  }
  override_ = config;
  refresh();
  return {};
}

QString DepthViewController::saveToDataset(const core::DepthConfig& config) {
  const auto dataset = session_->dataset();
  if (!dataset) return tr("no dataset is open");
  if (const std::string p = config.problem(); !p.empty()) return QString::fromStdString(p);
  core::DepthConfig saved = config;
  try {
    // A few hundred bytes: written on the GUI thread like any settings file.
    saved.source = saveDepthConfig(config, dataset->root);
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  dataset_config_ = saved;
  override_.reset();
  config_error_.clear();
  refresh();
  return {};
}

void DepthViewController::onDatasetOpened() {
  ++generation_;
  config_loaded_ = false;
  config_error_.clear();
  dataset_config_ = core::DepthConfig();
  override_.reset();
  const auto dataset = session_->dataset();
  if (!dataset) return;
  const quint64 generation = generation_;
  (void)QtConcurrent::run(&pool_, [this, generation, root = dataset->root] {
    auto config = std::make_shared<core::DepthConfig>();
    QString error;
    try {
      *config = core::datasetDepthConfig(root);
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());  // FileError: names depth.json and the key
    }
    QMetaObject::invokeMethod(
        this,
        [this, generation, config, error] {
          if (generation != generation_) return;
          dataset_config_ = *config;
          config_error_ = error;
          config_loaded_ = true;
          if (error.isEmpty()) emit configLoaded();
          else emit configFailed(error);
          refresh();
        },
        Qt::QueuedConnection);
  });
}

void DepthViewController::onDatasetClosed() {
  ++generation_;
  build_cancel_.cancel();
  building_ = false;
  running_ = false;
  pending_ = false;
  config_loaded_ = false;
  built_fingerprint_.clear();
  shown_ = LoadedSample();
  hha_.release();
  memo_key_.clear();
  view_image_ = QImage();
}

void DepthViewController::onSampleLoaded(const LoadedSample& sample) {
  shown_ = sample;
  refresh();
}

void DepthViewController::onPolarityChanged() {
  if (shown_.index >= 0 && needsHha(view_) && memoKey() != memo_key_) refresh();
}

QString DepthViewController::memoKey() const {
  return QStringLiteral("%1|%2|%3")
      .arg(shown_.index)
      .arg(QString::fromStdString(effectiveConfig().fingerprint()))
      .arg(QString::fromLatin1(core::toString(session_->effectivePolarity())));
}

void DepthViewController::refresh() {
  view_image_ = QImage();
  if (!needsHha(view_) || shown_.index < 0) {
    pending_ = false;
    return;
  }
  if (config_loaded_ && !hha_.empty() && memo_key_ == memoKey()) {
    deliver();
    return;
  }
  pending_ = true;
  ++serial_;
  emit viewPending(shown_.index);
  if (config_loaded_ && !running_) startRequest();  // else configLoaded or the running request starts it
}

void DepthViewController::startRequest() {
  const auto dataset = session_->dataset();
  if (!dataset) return;
  running_ = true;
  const quint64 generation = generation_, serial = serial_;
  const QString key = memoKey();
  const int index = shown_.index;
  const core::DepthConfig config = effectiveConfig();
  const core::DepthPolarity polarity = session_->effectivePolarity();
  // The cache holds the dataset's settings (or those of the last build): a session override is
  // encoded in memory, never written over the dataset's cache. A build holds the cache's lock.
  const std::string fingerprint = config.fingerprint();
  const bool use_cache = !building_ && (fingerprint == dataset_config_.fingerprint() || fingerprint == built_fingerprint_);
  (void)QtConcurrent::run(&pool_, [=, this] {
    DisplayHha result = hhaForDisplay(*dataset, index, config, polarity, use_cache);
    QMetaObject::invokeMethod(
        this,
        [this, generation, serial, key, r = std::move(result)]() mutable {
          finishRequest(generation, serial, key, std::move(r));
        },
        Qt::QueuedConnection);
  });
}

void DepthViewController::finishRequest(quint64 generation, quint64 serial, const QString& key,
                                        DisplayHha result) {
  if (generation != generation_) return;
  running_ = false;
  if (serial != serial_ || key != memoKey()) {
    if (pending_) startRequest();  // superseded while it ran: produce the latest only
    return;
  }
  if (result.hha.empty()) {
    pending_ = false;
    emit viewFailed(shown_.index, result.error);
    return;
  }
  hha_ = result.hha;
  memo_key_ = key;
  from_cache_ = result.from_cache;
  deliver();
}

void DepthViewController::deliver() {
  view_image_ = renderHhaView(hha_, view_);
  pending_ = false;
  const QString origin = from_cache_ ? tr("from hha/ cache") : tr("encoded");
  emit viewReady(shown_.index, view_image_,
                 QStringLiteral("%1 · %2 × %3").arg(origin).arg(hha_.cols).arg(hha_.rows));
}

void DepthViewController::buildCache() {
  const auto dataset = session_->dataset();
  if (building_ || !dataset || !config_loaded_) return;
  const core::DepthConfig config = effectiveConfig();
  if (const std::string p = config.problem(); !p.empty()) {
    emit buildFailed(QString::fromStdString(p));
    return;
  }
  building_ = true;
  build_cancel_ = core::CancelToken();
  const quint64 generation = generation_;
  const core::CancelToken cancel = build_cancel_;
  (void)QtConcurrent::run(&pool_, [this, generation, dataset, config, cancel] {
    core::JobContext job;
    job.cancel = cancel;
    auto last_percent = std::make_shared<int>(-1);  // at most one progress event per percent
    job.progress = [this, generation, last_percent](const core::ProgressEvent& e) {
      const int total = static_cast<int>(e.total), done = static_cast<int>(e.done);
      const int percent = total > 0 ? done * 100 / total : 0;
      if (percent == *last_percent) return;
      *last_percent = percent;
      QMetaObject::invokeMethod(
          this,
          [this, generation, done, total] {
            if (generation == generation_ && building_) emit buildProgress(done, total);
          },
          Qt::QueuedConnection);
    };
    QString summary, error;
    try {
      const core::HhaCacheSummary s = core::buildHhaCache(*dataset, config, false, job);
      summary = tr("HHA cache: %1 encoded, %2 up to date, %3 without depth → %4")
                    .arg(s.computed)
                    .arg(s.reused)
                    .arg(s.problems.size())
                    .arg(QString::fromStdString(s.folder.string()));
    } catch (const core::Cancelled&) {
      error = tr("HHA cache build cancelled (the images encoded so far are kept)");
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this,
        [this, generation, summary, error, fingerprint = config.fingerprint()] {
          if (generation != generation_) return;
          building_ = false;
          if (error.isEmpty()) built_fingerprint_ = fingerprint;
          if (error.isEmpty()) emit buildFinished(summary);
          else emit buildFailed(error);
          memo_key_.clear();  // show the sample from the cache now
          refresh();
        },
        Qt::QueuedConnection);
  });
}

void DepthViewController::cancelBuild() {
  if (building_) build_cancel_.cancel();
}

}  // namespace rgbdsod::ui
