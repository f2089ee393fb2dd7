#pragma once
// The studio's shell: one window of workspaces (tabs) over one shared selection: the open dataset
// and sample (DatasetSession, browsed in the thumbnail dock) and the loaded runs (ModelBridge, the
// one ModelCore). Viewer: the sample's RGB (GT overlay), colour-mapped depth and GT in synchronised
// panes plus a facts pane. Inspect: a run's maps for the sample (inspect/). Evaluation: curves and
// tables; its per-image rows open their sample in Inspect with that method's map. The window only
// shows state: sessions and models do the work in their workers.
#include <QMainWindow>
#include <QPointer>
#include <QString>

#include "rgbdsod/ui/loaded_sample.h"

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QListView;
class QMessageBox;
class QProgressBar;
class QSlider;
class QTabWidget;

namespace rgbdsod::ui {

class DatasetSession;
class DemoDatasetJob;
class EvaluationView;
class ImagePane;
class InspectSession;
class InspectView;
class ModelBridge;
class SampleInfoPanel;
class SyncedViews;
class ThumbnailModel;
class LabelsSession;
class LabelsView;
class TrainingSession;
class TrainingView;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  void openFolder(const QString& folder);
  // Generates the demo dataset into the cache folder when it is not there yet, then opens it.
  void openDemo();

  DatasetSession* session() const { return session_; }
  ThumbnailModel* thumbnailModel() const { return thumbnails_; }
  QListView* sampleList() const { return sample_list_; }
  ImagePane* rgbPane() const { return rgb_pane_; }
  ImagePane* depthPane() const { return depth_pane_; }
  ImagePane* gtPane() const { return gt_pane_; }
  SyncedViews* syncedViews() const { return synced_; }
  QSlider* overlaySlider() const { return overlay_slider_; }
  QComboBox* polarityCombo() const { return polarity_combo_; }
  QTabWidget* tabs() const { return tabs_; }
  EvaluationView* evaluationView() const { return evaluation_; }
  InspectView* inspectView() const { return inspect_; }
  InspectSession* inspectSession() const { return inspect_session_; }
  ModelBridge* models() const { return models_; }
  TrainingSession* trainingSession() const { return training_session_; }
  TrainingView* trainingView() const { return training_; }
  LabelsSession* labelsSession() const { return labels_session_; }
  LabelsView* labelsView() const { return labels_; }
  // Shows the named sample of the open dataset in the viewer tab (false when it has none so named).
  bool showSampleNamed(const QString& name);
  // Selects a sample (by name, or a step from the shown one) without changing the tab.
  bool selectSampleNamed(const QString& name);
  void stepSample(int step);
  QString statusText() const;
  QString lastError() const { return last_error_; }
  int shownSample() const { return shown_.index; }

  // True once everything asked for has arrived: the dataset is open and validated, the selected
  // sample is shown, the visible thumbnails are decoded and no evaluation is running. The
  // screenshot mode waits for it.
  bool isSettled() const;

 signals:
  void openFailed(const QString& message);

 private:
  void buildPanes();
  void buildTabs(QWidget* viewer);
  void openMethodMap(const QString& name, const QString& folder, const QString& method);
  void buildSampleDock();
  void buildActions();
  void buildStatusBar();
  void connectSession();

  void chooseFolder();
  void onDatasetClosed();
  void onOpenStarted(const QString& folder);
  void onDatasetOpened();
  void onOpenFailed(const QString& message);
  void onValidationStarted();
  void onValidationProgress(int done, int total);
  void onValidationFinished();
  void onValidationFailed(const QString& message);
  void onPolarityChanged();
  void onSampleLoaded(const LoadedSample& sample);
  void onPolarityChosen(int index);
  void onOverlayOpacity(int percent);
  void showProblem(const QString& message);
  void setStatus(const QString& text, const QString& colour = {});
  void updateTitle();

  DatasetSession* session_;
  ThumbnailModel* thumbnails_;
  SyncedViews* synced_;
  EvaluationView* evaluation_ = nullptr;
  ModelBridge* models_ = nullptr;
  InspectSession* inspect_session_ = nullptr;
  InspectView* inspect_ = nullptr;
  TrainingSession* training_session_ = nullptr;
  TrainingView* training_ = nullptr;
  LabelsSession* labels_session_ = nullptr;
  LabelsView* labels_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  DemoDatasetJob* demo_ = nullptr;

  QListView* sample_list_ = nullptr;
  QDockWidget* sample_dock_ = nullptr;
  ImagePane* rgb_pane_ = nullptr;
  ImagePane* depth_pane_ = nullptr;
  ImagePane* gt_pane_ = nullptr;
  SampleInfoPanel* info_pane_ = nullptr;

  QAction* split_action_ = nullptr;
  QComboBox* split_combo_ = nullptr;
  QSlider* overlay_slider_ = nullptr;
  QLabel* overlay_value_ = nullptr;
  QComboBox* polarity_combo_ = nullptr;
  QLabel* status_label_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QPointer<QMessageBox> error_box_;

  LoadedSample shown_;  // the sample on screen (images are implicitly shared)
  QString last_error_;
  bool validation_ended_ = false;  // finished or failed: nothing more will arrive
};

}  // namespace rgbdsod::ui
