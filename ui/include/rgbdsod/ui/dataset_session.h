#pragma once
// The studio's dataset state without widgets: which folder is open, which split of a collection is
// shown, the validation report, the depth polarity in use, and the sample being displayed.
// Every disk access runs in this session's worker pool; results come back as queued calls and are
// dropped when they belong to a folder, split or request that has since been replaced.
#include <memory>
#include <optional>

#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth.h"
#include "rgbdsod/core/progress.h"
#include "rgbdsod/core/validation.h"
#include "rgbdsod/ui/loaded_sample.h"

namespace rgbdsod::ui {

class DatasetSession : public QObject {
  Q_OBJECT

 public:
  explicit DatasetSession(QObject* parent = nullptr);
  ~DatasetSession() override;  // cancels and waits for its workers

  // Opens a dataset folder, or a collection of them (e.g. the demo's train/ and test/), in a
  // worker. Replaces the current dataset at once (datasetClosed), then emits datasetOpened or
  // openFailed.
  void open(const QString& folder);
  // Shows another dataset of the opened collection; index into splitNames().
  void selectSplit(int index);
  void close();

  QString folder() const { return folder_; }
  bool isOpening() const { return opening_; }
  bool isOpen() const { return dataset_ != nullptr; }
  std::shared_ptr<const core::Dataset> dataset() const { return dataset_; }
  QStringList splitNames() const { return split_names_; }  // empty for a single dataset
  int currentSplit() const { return current_split_; }

  // Validation of the current dataset starts by itself after opening.
  bool isValidating() const { return validating_; }
  bool isValidated() const { return report_ != nullptr; }
  void requestStopValidation();
  const core::ValidationReport* report() const { return report_.get(); }

  // Polarity: the user's override, else the detected one (validation, or the quick estimate made
  // while opening), else near-bright until evidence arrives (reported as an assumption).
  void setPolarityOverride(std::optional<core::DepthPolarity> polarity);
  std::optional<core::DepthPolarity> polarityOverride() const { return override_; }
  std::optional<core::DepthPolarity> detectedPolarity() const;
  QString detectedPolarityEvidence() const;
  core::DepthPolarity effectivePolarity() const;

  // Loads a sample for display. Only the latest request is delivered (sampleLoaded); requests
  // made while a load runs replace each other, so scrolling through a list never queues up.
  void requestSample(int index);
  int requestedSample() const { return requested_index_; }

 signals:
  void datasetClosed();
  void openStarted(const QString& folder);
  void datasetOpened();
  void openFailed(const QString& message);
  void validationStarted();
  void validationProgress(int done, int total);
  void validationFinished();
  void validationFailed(const QString& message);
  void polarityChanged();
  void sampleLoaded(const rgbdsod::ui::LoadedSample& sample);

 private:
  struct OpenResult;
  void reset();
  void startOpen(const QString& folder, int split);
  void finishOpen(quint64 generation, std::shared_ptr<OpenResult> result);
  void startValidation();
  void finishValidation(quint64 generation, std::shared_ptr<core::ValidationReport> report,
                        const QString& error);
  void startSampleLoad();
  void finishSampleLoad(quint64 generation, quint64 serial, LoadedSample sample);

  QThreadPool pool_;  // this session's workers; joined in the destructor
  quint64 generation_ = 0;  // bumped whenever the dataset changes; stale results are dropped
  QString folder_;
  QStringList split_names_;
  QStringList split_paths_;
  int current_split_ = -1;
  bool opening_ = false;
  std::shared_ptr<const core::Dataset> dataset_;
  std::optional<core::PolarityEstimate> quick_estimate_;

  bool validating_ = false;
  core::CancelToken validation_cancel_;
  std::unique_ptr<core::ValidationReport> report_;

  std::optional<core::DepthPolarity> override_;

  int requested_index_ = -1;
  quint64 request_serial_ = 0;  // bumped per request; a finished load with an older serial is stale
  bool loading_ = false;
};

}  // namespace rgbdsod::ui
