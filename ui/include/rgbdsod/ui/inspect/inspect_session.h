#pragma once
// The Inspect workspace without widgets: for the selected sample, the maps of a primary source
// (a loaded run, or a prediction folder) and optionally of a second one to compare with, their
// per-image metrics against the GT, and which of them are still being computed. Requests go to
// the shared ModelBridge on a lane per side, so moving to the next sample supersedes the pending
// one; results that belong to an older sample or source are dropped. Prediction folders are read
// and metrics computed in this session's worker: the GUI thread only draws.
#include <array>
#include <memory>
#include <optional>

#include <QObject>
#include <QString>
#include <QThreadPool>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/metrics.h"
#include "rgbdsod/training/model_core.h"
#include "rgbdsod/ui/loaded_sample.h"

namespace rgbdsod::ui {

class ModelBridge;

struct MapSource {
  enum class Kind { None, Run, Folder };
  Kind kind = Kind::None;
  training::RunId run = -1;  // Kind::Run
  QString folder;            // Kind::Folder: a prediction folder (one method), or the run's folder
  QString label;             // shown as the column title

  static MapSource ofRun(training::RunId id, const QString& label);
  static MapSource ofFolder(const QString& folder, const QString& label = {});
  bool operator==(const MapSource& o) const { return kind == o.kind && run == o.run && folder == o.folder; }
};

// What one side (primary or compare) holds for the current sample.
struct InspectSide {
  MapSource source;
  bool pending = false;        // asked for, not arrived yet
  QString error;               // the last request failed: why (naming the file)
  training::InspectResult result;  // maps (a folder source gives one: "final")
  cv::Mat final8;              // the final map at the GT's size (8-bit), for metrics and overlays
  std::optional<core::ImageScores> scores;  // with a GT
  double adaptive_threshold = 0.5;
  bool hasMaps() const { return !result.maps.empty(); }
};

class InspectSession : public QObject {
  Q_OBJECT

 public:
  enum Side { Primary = 0, Compare = 1 };

  explicit InspectSession(ModelBridge* models, QObject* parent = nullptr);
  ~InspectSession() override;

  ModelBridge* models() const { return models_; }

  // The open dataset folder (the split shown) and the sample on screen (from DatasetSession).
  void setDataset(std::shared_ptr<const core::Dataset> dataset);  // null: none open
  std::shared_ptr<const core::Dataset> dataset() const { return dataset_; }
  QString datasetFolder() const { return dataset_folder_; }
  void setSample(const LoadedSample& sample);
  const LoadedSample& sample() const { return sample_; }
  const cv::Mat& rgb() const { return rgb_; }  // BGR at the GT's size (the maps' size)
  const cv::Mat& gt() const { return gt_; }    // CV_8UC1; empty for an unlabeled sample

  void setSource(Side side, const MapSource& source);
  const InspectSide& side(Side side) const { return sides_[side]; }
  // Zero-shot: an RGB-only run also shows its maps when fed the depth map.
  void setZeroShot(bool on);
  bool zeroShot() const { return zero_shot_; }

  // The error overlay's threshold: fixed in [0,1], or the adaptive one of each map (default).
  void setFixedThreshold(std::optional<double> threshold);
  std::optional<double> fixedThreshold() const { return fixed_threshold_; }
  double thresholdFor(Side side) const;

  bool isPending() const;  // a side is waiting for its maps

 signals:
  void sideChanged(int side);  // maps, error or pending state of a side changed
  void sampleChanged();
  void thresholdChanged();

 private:
  void refresh(Side side);
  void deliver(Side side, quint64 serial, training::InspectResult result);
  void finish(Side side, quint64 serial, std::shared_ptr<InspectSide> done);

  ModelBridge* models_;
  QThreadPool pool_;
  std::shared_ptr<const core::Dataset> dataset_;
  QString dataset_folder_;
  LoadedSample sample_;
  cv::Mat rgb_, gt_;
  std::array<InspectSide, 2> sides_;
  std::array<quint64, 2> serial_{0, 0};
  std::array<training::Ticket, 2> ticket_{0, 0};
  bool zero_shot_ = false;
  std::optional<double> fixed_threshold_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace rgbdsod::ui
