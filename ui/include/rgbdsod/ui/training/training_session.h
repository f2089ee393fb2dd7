#pragma once
// The Training workspace's widget-free core: the runs under a root folder (rescanned in a worker,
// so runs started from the CLI appear and grow too), the metrics of the runs being looked at (read
// incrementally), and at most one training job (TrainJob) with its progress brought to the GUI
// thread on a short timer. The GUI thread only swaps in results: scanning, reading and training
// all happen in workers. Torch-free.
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QThreadPool>
#include <QTimer>

#include "rgbdsod/training/job.h"
#include "rgbdsod/training/run_catalog.h"
#include "rgbdsod/training/run_metrics.h"

namespace rgbdsod::ui {

class TrainingSession : public QObject {
  Q_OBJECT

 public:
  static constexpr int kPollMs = 500;     // runs list, metrics of watched runs, new checkpoints
  static constexpr int kProgressMs = 100; // job progress: a burst of steps is one update

  explicit TrainingSession(QObject* parent = nullptr);
  ~TrainingSession() override;  // stops the job (its step finishes, a checkpoint is written) and waits

  void setRunsRoot(const QString& root);
  QString runsRoot() const { return root_; }
  const std::vector<training::RunSummary>& runs() const { return runs_; }
  const training::RunSummary* runSummary(const QString& folder) const;
  void pollNow();        // a scan and metrics read as soon as the worker is free
  bool pollInFlight() const { return poll_in_flight_; }
  int pollsDone() const { return polls_done_; }

  // Watched runs have their metrics read on each poll (the curves); any run folder, also outside the root.
  void watch(const QString& folder);
  void unwatch(const QString& folder);
  QStringList watched() const;
  // The series read so far (null before the first poll that found the file).
  const training::RunSeries* series(const QString& folder) const;

  // Starts a job (a stage or a recipe). False with `error` when a job is running, or the folder
  // is in use by another job (another process too: the run's lock). The folder is watched.
  bool start(training::TrainRequest request, QString* error);
  void requestStop();  // the current step finishes and a checkpoint is written
  bool isRunning() const { return job_active_; }
  QString jobFolder() const { return job_folder_; }
  training::TrainProgress lastProgress() const;
  const training::TrainResult& lastResult() const { return last_result_; }

 signals:
  void runsChanged();
  void seriesChanged(const QString& folder);
  void progressChanged();
  // A watched run (or a step of a watched recipe) has a newer checkpoint than at the last poll.
  void checkpointWritten(const QString& folder, const QString& checkpoint);
  void jobStarted(const QString& folder);
  void jobFinished(const QString& folder, int outcome, const QString& message);

 private:
  struct PollState;  // shared with the worker: the tails and last checkpoints (worker-only)
  void schedulePoll();
  void checkJob();

  QString root_;
  std::vector<training::RunSummary> runs_;
  std::map<QString, training::RunSeries> series_;
  QStringList watched_;
  std::shared_ptr<PollState> poll_state_;
  bool poll_in_flight_ = false;
  bool poll_again_ = false;
  int polls_done_ = 0;
  QThreadPool pool_;  // one thread: polls run one at a time
  QTimer poll_timer_;
  QTimer progress_timer_;

  training::TrainJob job_;
  bool job_active_ = false;
  QString job_folder_;
  training::TrainResult last_result_;
  mutable std::mutex progress_mutex_;
  training::TrainProgress progress_;  // the newest event from the job's thread
  bool progress_fresh_ = false;
};

}  // namespace rgbdsod::ui
