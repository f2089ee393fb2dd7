#pragma once
// The state behind the studio's depth views, without widgets: the selected view, the dataset's
// depth settings (depth.json or the defaults) and the user's session override of them, the HHA of
// the shown sample, and the "build HHA cache" job. It follows a DatasetSession: a newly shown
// sample gets its view image produced in this object's worker and delivered by a queued call;
// stale results (another sample, view settings or dataset) are dropped.
#include <optional>
#include <string>

#include <QImage>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/depth_config.h"
#include "rgbdsod/core/progress.h"
#include "rgbdsod/ui/depth_views/depth_view.h"
#include "rgbdsod/ui/loaded_sample.h"

namespace rgbdsod::ui {

class DatasetSession;

class DepthViewController : public QObject {
  Q_OBJECT

 public:
  explicit DepthViewController(DatasetSession* session, QObject* parent = nullptr);
  ~DepthViewController() override;  // cancels a cache build and waits for its workers

  void setView(DepthView view);
  DepthView view() const { return view_; }

  // The dataset's settings as read (defaults when depth.json is missing or malformed).
  const core::DepthConfig& datasetConfig() const { return dataset_config_; }
  bool isConfigLoaded() const { return config_loaded_; }
  QString configError() const { return config_error_; }  // names depth.json and the key
  // What the views use: the override when set, else the dataset's, with the toolbar's polarity
  // choice for relative depth whose settings leave polarity on auto.
  core::DepthConfig effectiveConfig() const;
  bool hasOverride() const { return override_.has_value(); }
  // Session override (not saved). An invalid config is refused: returns the problem, changes nothing.
  QString setOverride(const std::optional<core::DepthConfig>& config);
  // Writes the config as <dataset>/depth.json (atomically) and makes it the dataset's settings,
  // dropping the override. Returns the problem (naming the file) or an empty string.
  QString saveToDataset(const core::DepthConfig& config);

  // The shown sample's image for the current view: null while it is produced or for Depth.
  QImage viewImage() const { return view_image_; }
  bool isViewPending() const { return pending_; }
  bool viewFromCache() const { return from_cache_; }
  const LoadedSample& shownSample() const { return shown_; }

  // Encodes every sample's HHA into <dataset>/hha in a worker (core::buildHhaCache).
  void buildCache();
  void cancelBuild();
  bool isBuilding() const { return building_; }

 signals:
  void configLoaded();
  void configFailed(const QString& message);
  void viewPending(int index);
  void viewReady(int index, const QImage& image, const QString& detail);
  void viewFailed(int index, const QString& message);
  void buildProgress(int done, int total);
  void buildFinished(const QString& summary);
  void buildFailed(const QString& message);

 private:
  void onDatasetOpened();
  void onDatasetClosed();
  void onSampleLoaded(const LoadedSample& sample);
  void onPolarityChanged();
  QString memoKey() const;
  void refresh();  // shows the view of the shown sample: from the memo, or requests it
  void startRequest();
  void finishRequest(quint64 generation, quint64 serial, const QString& key, DisplayHha result);
  void deliver();

  DatasetSession* session_;
  QThreadPool pool_;        // one view request at a time, plus the cache build
  quint64 generation_ = 0;  // bumped with the dataset; older results are dropped
  quint64 serial_ = 0;      // bumped per request
  bool running_ = false;    // a view request is in the pool
  DepthView view_ = DepthView::Depth;

  bool config_loaded_ = false;
  core::DepthConfig dataset_config_;
  std::optional<core::DepthConfig> override_;
  QString config_error_;

  LoadedSample shown_;
  cv::Mat hha_;       // HHA of the shown sample under memo_key_
  QString memo_key_;  // sample, settings and polarity hha_ was made with
  bool from_cache_ = false;
  QImage view_image_;
  bool pending_ = false;

  bool building_ = false;
  core::CancelToken build_cancel_;
  std::string built_fingerprint_;  // settings of this session's last finished cache build
};

}  // namespace rgbdsod::ui
