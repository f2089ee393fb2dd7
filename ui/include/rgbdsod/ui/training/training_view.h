#pragma once
// The Training workspace: launch a recipe or a stage on a dataset with a configuration form built
// from the schema, watch it learn (progress with ETA, live curves of the loss terms, learning rate,
// throughput and validation metrics), and browse the runs under a root folder (state, steps, last
// metrics; overlay their curves; results table as LaTeX). Stop, resume and "next stage" act on the
// selected run. All work happens in TrainingSession's workers; this view only shows state.
#include <map>
#include <string>
#include <vector>

#include <QPointer>
#include <QString>
#include <QWidget>

#include "rgbdsod/training/job.h"
#include "rgbdsod/training/run_catalog.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableView;

namespace rgbdsod::ui {

class ConfigForm;
class RunsTableModel;
class TrainingCurvesView;
class TrainingSession;

class TrainingView : public QWidget {
  Q_OBJECT

 public:
  explicit TrainingView(TrainingSession* session, QWidget* parent = nullptr);

  TrainingSession* session() const { return session_; }
  // The dataset trained on by default (the studio's open one).
  void setDataset(const QString& folder);
  // Chooses what Start trains: a recipe ("learn-select-fuse") or a stage ("teacher").
  bool setTarget(const QString& name);
  QString target() const;
  bool targetIsRecipe() const;
  void setRunName(const QString& name);
  QString runFolder() const;  // root / name
  // Shows a run's curves (and selects it in the list when it is under the root).
  void showRun(const QString& folder);
  QString shownRun() const { return shown_run_; }

  // Validates the form and starts the job; false with lastError() naming the problem.
  bool startTraining();
  void stopTraining();
  bool resumeRun(const QString& folder);
  // Prefills the form with the stage that follows `folder`'s stage in a paper's recipe, its link
  // key set to that run (teacher -> distill with model.teacher = folder). False when none follows.
  bool prepareNextStage(const QString& folder);

  bool exportPlot(const QString& path);
  bool exportCsv(const QString& path);
  QString resultsLatex() const;  // the checked (else all) runs' final validation metrics
  void copyLatex();              // resultsLatex() to the clipboard

  QString lastError() const { return last_error_; }
  QString progressText() const;
  bool followsInInspect() const;
  void setFollowInInspect(bool on);

  ConfigForm* configForm() const { return form_; }
  TrainingCurvesView* curves() const { return curves_; }
  RunsTableModel* runsModel() const { return runs_model_; }
  QTableView* runsTable() const { return runs_table_; }
  QPushButton* startButton() const { return start_button_; }
  QPushButton* stopButton() const { return stop_button_; }
  QPushButton* resumeButton() const { return resume_button_; }
  // Nothing pending: no poll in flight and the curves drawn (the screenshot mode waits for it).
  bool isSettled() const;

 signals:
  void problem(const QString& message);
  void status(const QString& message);
  // "Follow in Inspect" is on and the followed run wrote a checkpoint: show it there.
  void followCheckpoint(const QString& run_folder);

 private:
  QWidget* buildLaunchPanel();
  QWidget* buildRunsPanel();
  void fillTargets();
  void targetChanged();
  void recipeStepChanged();
  void saveStepOverrides();
  std::vector<std::string> allOverrides() const;
  void updateProgress();
  void updateButtons();
  void refreshCurves();
  void refreshRecipeCurves(const QString& folder);
  void runsChanged();
  void updateResults();
  std::vector<training::RunSummary> chosenRuns() const;  // the ticked runs, else all
  void fail(const QString& message);
  QString selectedRun() const;
  QString defaultRunName() const;
  std::vector<std::string> guiDefaults(const std::string& stage) const;

  TrainingSession* session_;
  QComboBox* target_combo_;
  QComboBox* step_combo_;
  QLineEdit* data_edit_;
  QLineEdit* root_edit_;
  QLineEdit* name_edit_;
  ConfigForm* form_;
  QPushButton* start_button_;
  QPushButton* stop_button_;
  QPushButton* resume_button_;
  QPushButton* next_button_;
  QCheckBox* follow_check_;
  QProgressBar* progress_bar_;
  QLabel* progress_label_;
  TrainingCurvesView* curves_;
  RunsTableModel* runs_model_;
  QTableView* runs_table_;
  QPlainTextEdit* results_text_;
  QString shown_run_;
  QString last_error_;
  QString current_step_;  // the recipe step whose form is shown
  std::map<QString, std::vector<std::string>> step_overrides_;
};

}  // namespace rgbdsod::ui
