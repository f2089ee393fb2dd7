#include "rgbdsod/ui/dataset_session.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <vector>

#include <QtConcurrent/QtConcurrentRun>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/image_io.h"
#include "rgbdsod/ui/sample_loader.h"

namespace rgbdsod::ui {

namespace fs = std::filesystem;

struct DatasetSession::OpenResult {
  QStringList split_names;
  QStringList split_paths;
  int split = -1;
  std::shared_ptr<const core::Dataset> dataset;
  std::optional<core::PolarityEstimate> estimate;
  QString error;
};

namespace {

fs::path toPath(const QString& s) { return fs::path(s.toStdString()); }

// A polarity guess from a handful of samples, so the first depth shown is coloured with evidence
// rather than an assumption; validation later decides on every valid sample.
std::optional<core::PolarityEstimate> quickPolarityEstimate(const core::Dataset& dataset) {
  constexpr std::size_t kProbe = 8;
  std::vector<cv::Mat> depths, gts;
  const std::size_t n = dataset.size();
  const std::size_t step = std::max<std::size_t>(1, n / kProbe);
  for (std::size_t i = 0; i < n && depths.size() < kProbe; i += step) {
    const core::SampleFiles& f = dataset.samples[i];
    if (f.depth.empty() || (dataset.labeled() && f.gt.empty())) continue;
    try {
      cv::Mat depth = core::readDepth(f.depth);
      cv::Mat gt = dataset.labeled() ? core::readMask(f.gt) : cv::Mat();
      if (!gt.empty() && gt.size() != depth.size()) continue;
      depths.push_back(std::move(depth));
      if (dataset.labeled()) gts.push_back(std::move(gt));
    } catch (const std::exception&) {
      // unreadable files are validation's business
    }
  }
  if (depths.empty()) return std::nullopt;
  try {
    return core::estimatePolarity(depths, gts);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

DatasetSession::DatasetSession(QObject* parent) : QObject(parent) {
  // One thread for opening/validating, one for sample loads, so a long validation never
  // delays the image the user just clicked.
  pool_.setMaxThreadCount(2);
}

DatasetSession::~DatasetSession() {
  validation_cancel_.cancel();
  pool_.clear();
  pool_.waitForDone();
}

void DatasetSession::reset() {
  ++generation_;
  validation_cancel_.cancel();
  validation_cancel_ = core::CancelToken();
  validating_ = false;
  report_.reset();
  dataset_.reset();
  quick_estimate_.reset();
  loading_ = false;
  requested_index_ = -1;
  ++request_serial_;
  emit datasetClosed();
}

void DatasetSession::close() {
  reset();
  folder_.clear();
  split_names_.clear();
  split_paths_.clear();
  current_split_ = -1;
  opening_ = false;
}

void DatasetSession::open(const QString& folder) {
  close();
  folder_ = folder;
  startOpen(folder, -1);
}

void DatasetSession::selectSplit(int index) {
  if (index < 0 || index >= split_paths_.size() || index == current_split_) return;
  reset();
  startOpen(split_paths_[index], index);
}

void DatasetSession::startOpen(const QString& folder, int split) {
  opening_ = true;
  emit openStarted(folder);
  const quint64 generation = generation_;
  const QStringList known_names = split_names_, known_paths = split_paths_;
  (void)QtConcurrent::run(&pool_, [this, generation, folder, split, known_names, known_paths] {
    auto result = std::make_shared<OpenResult>();
    result->split_names = known_names;
    result->split_paths = known_paths;
    result->split = split;
    try {
      fs::path root = toPath(folder);
      if (split < 0 && !core::isDatasetFolder(root)) {
        // A collection (the demo's train/ and test/, or a folder of test sets): show the first.
        const auto found = core::findDatasets(root);
        for (const auto& p : found) {
          result->split_names << QString::fromStdString(p.filename().string());
          result->split_paths << QString::fromStdString(p.string());
        }
        if (!found.empty()) {
          result->split = 0;
          root = found.front();
        }
      }
      auto dataset = std::make_shared<core::Dataset>(core::openDataset(root));
      result->estimate = quickPolarityEstimate(*dataset);
      result->dataset = std::move(dataset);
    } catch (const std::exception& e) {
      result->error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this, [this, generation, result] { finishOpen(generation, result); }, Qt::QueuedConnection);
  });
}

void DatasetSession::finishOpen(quint64 generation, std::shared_ptr<OpenResult> result) {
  if (generation != generation_) return;  // replaced by a newer open
  opening_ = false;
  if (!result->dataset) {
    emit openFailed(result->error.isEmpty() ? tr("%1: cannot open the dataset").arg(folder_)
                                            : result->error);
    return;
  }
  split_names_ = result->split_names;
  split_paths_ = result->split_paths;
  current_split_ = result->split;
  dataset_ = result->dataset;
  quick_estimate_ = result->estimate;
  emit datasetOpened();
  emit polarityChanged();
  startValidation();
}

void DatasetSession::startValidation() {
  if (!dataset_) return;
  validating_ = true;
  emit validationStarted();
  const quint64 generation = generation_;
  const auto dataset = dataset_;
  const core::CancelToken cancel = validation_cancel_;
  (void)QtConcurrent::run(&pool_, [this, generation, dataset, cancel] {
    core::JobContext job;
    job.cancel = cancel;
    // Posts at most one progress event per percent, so the GUI is never flooded.
    auto last_percent = std::make_shared<int>(-1);
    job.progress = [this, generation, last_percent](const core::ProgressEvent& e) {
      const int total = static_cast<int>(e.total);
      const int done = static_cast<int>(e.done);
      const int percent = total > 0 ? done * 100 / total : 0;
      if (percent == *last_percent) return;
      *last_percent = percent;
      QMetaObject::invokeMethod(
          this,
          [this, generation, done, total] {
            if (generation == generation_ && validating_) emit validationProgress(done, total);
          },
          Qt::QueuedConnection);
    };
    std::shared_ptr<core::ValidationReport> report;
    QString error;
    try {
      report = std::make_shared<core::ValidationReport>(core::validate(*dataset, job));
    } catch (const core::Cancelled&) {
      error = tr("validation stopped");
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this, [this, generation, report, error] { finishValidation(generation, report, error); },
        Qt::QueuedConnection);
  });
}

void DatasetSession::finishValidation(quint64 generation,
                                      std::shared_ptr<core::ValidationReport> report,
                                      const QString& error) {
  if (generation != generation_) return;
  validating_ = false;
  if (!report) {
    emit validationFailed(error);
    return;
  }
  const core::DepthPolarity before = effectivePolarity();
  report_ = std::make_unique<core::ValidationReport>(std::move(*report));
  emit validationFinished();
  emit polarityChanged();
  if (effectivePolarity() != before && requested_index_ >= 0) requestSample(requested_index_);
}

void DatasetSession::requestStopValidation() {
  if (validating_) validation_cancel_.cancel();
}

void DatasetSession::setPolarityOverride(std::optional<core::DepthPolarity> polarity) {
  if (polarity == override_) return;
  const core::DepthPolarity before = effectivePolarity();
  override_ = polarity;
  emit polarityChanged();
  if (effectivePolarity() != before && requested_index_ >= 0) requestSample(requested_index_);
}

std::optional<core::DepthPolarity> DatasetSession::detectedPolarity() const {
  if (report_ && report_->polarity.polarity) return report_->polarity.polarity;
  if (quick_estimate_) return quick_estimate_->polarity;
  return std::nullopt;
}

QString DatasetSession::detectedPolarityEvidence() const {
  if (report_) return QString::fromStdString(report_->polarity.evidence);
  if (quick_estimate_) return QString::fromStdString(quick_estimate_->evidence);
  return {};
}

core::DepthPolarity DatasetSession::effectivePolarity() const {
  if (override_) return *override_;
  return detectedPolarity().value_or(core::DepthPolarity::NearIsBright);
}

void DatasetSession::requestSample(int index) {
  if (!dataset_ || index < 0 || static_cast<std::size_t>(index) >= dataset_->size()) return;
  requested_index_ = index;
  ++request_serial_;
  if (!loading_) startSampleLoad();
}

void DatasetSession::startSampleLoad() {
  loading_ = true;
  const quint64 generation = generation_, serial = request_serial_;
  const auto dataset = dataset_;
  const int index = requested_index_;
  const core::DepthPolarity polarity = effectivePolarity();
  (void)QtConcurrent::run(&pool_, [this, generation, serial, dataset, index, polarity] {
    LoadedSample sample = loadSampleForDisplay(*dataset, index, polarity);
    QMetaObject::invokeMethod(
        this,
        [this, generation, serial, s = std::move(sample)]() mutable {
          finishSampleLoad(generation, serial, std::move(s));
        },
        Qt::QueuedConnection);
  });
}

void DatasetSession::finishSampleLoad(quint64 generation, quint64 serial, LoadedSample sample) {
  if (generation != generation_) return;
  loading_ = false;
  if (serial == request_serial_) {
    emit sampleLoaded(sample);
  } else {
    startSampleLoad();  // the selection moved on while this one loaded: load the latest only
  }
}

}  // namespace rgbdsod::ui
