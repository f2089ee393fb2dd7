#pragma once
// The Evaluation view's state without widgets: a GT folder, a list of prediction folders (one per
// method) and their results. Evaluation runs in this session's worker (core::evaluateFolders, one
// method after the other, images in parallel inside it) in the start / requestStop / isRunning
// style of the studio's other long jobs; progress and results come back as queued calls, and
// results of a run that was since replaced or stopped are dropped.
#include <memory>
#include <vector>

#include <QObject>
#include <QString>
#include <QThreadPool>

#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/core/progress.h"

namespace rgbdsod::ui {

// One method: a prediction folder, its display name and, once evaluated, its result or error.
struct EvaluationMethod {
  QString name;    // the method's name; also stripped from prediction file names
  QString folder;  // the prediction folder
  std::shared_ptr<const core::FolderEvaluation> result;  // null until evaluated (or after a failure)
  QString error;   // why the last evaluation failed; empty otherwise
  // None of its predictions pairs with the GT (a method of another dataset): it keeps no result,
  // so the summary hides it instead of showing a row of NaN, and the legend says why.
  bool unpaired = false;

  bool evaluated() const { return result != nullptr; }
};

// How many of the GT images a result covers: a method with predictions for only some of them is
// scored on those alone, which the studio marks ("47/60").
struct ImageCoverage {
  int used = 0;  // paired images, the ones the scores are over
  int gt = 0;    // GT images (paired + those without a prediction)
  bool partial() const { return used < gt; }
};
ImageCoverage coverageOf(const core::FolderEvaluation& result);

class EvaluationSession : public QObject {
  Q_OBJECT

 public:
  explicit EvaluationSession(QObject* parent = nullptr);
  ~EvaluationSession() override;  // stops and waits for the worker

  // The GT folder every method is compared with (usually the open dataset's GT folder). Changing
  // it invalidates the results and re-scopes the methods: every method is evaluated against the new
  // GT in the worker; those whose predictions pair are scored, the others become `unpaired`.
  void setGtFolder(const QString& folder);
  QString gtFolder() const { return gt_folder_; }

  // Adds a prediction folder; the name defaults to the folder's name. Returns its index.
  int addMethod(const QString& folder, const QString& name = {});
  void removeMethod(int index);
  // Renames a method (its result stays: the name is only stripped from file names, which matched).
  void renameMethod(int index, const QString& name);
  const std::vector<EvaluationMethod>& methods() const { return methods_; }
  int methodCount() const { return static_cast<int>(methods_.size()); }

  // Evaluates every method (or the given ones) against the GT folder in the worker. Ignored while
  // running. Emits started, then progress, methodEvaluated / methodFailed per method, finished.
  void start();
  void start(const std::vector<int>& indices);
  void requestStop();
  bool isRunning() const { return running_; }

 signals:
  void methodsChanged();  // a method was added or removed, or results changed
  // Only the name changed: views update the row in place (a model reset here would tear down the
  // legend's open editor while it commits, and Qt warns about closeEditor).
  void methodRenamed(int method);
  void gtFolderChanged(const QString& folder);
  void started(int method_count);
  // `method` is the index into methods(); `step` counts the methods of this run (0-based).
  void progress(int method, int step, int steps, int done, int total);
  void methodEvaluated(int method);
  void methodFailed(int method, const QString& message);
  void finished(bool stopped);

 private:
  struct Outcome;
  struct Shared;
  void deliver(quint64 run, const std::shared_ptr<Outcome>& outcome);
  void postProgress(quint64 run, const std::shared_ptr<Shared>& shared);
  void finishRun(quint64 run, bool stopped);
  int indexOfKey(quint64 key) const;

  QThreadPool pool_;  // one runner; evaluateFolders spreads the images over its own threads
  QString gt_folder_;
  std::vector<EvaluationMethod> methods_;
  std::vector<quint64> keys_;  // a stable id per method, so removals during a run are harmless
  quint64 next_key_ = 1;
  quint64 run_ = 0;  // bumped per start / stop / GT change; results of older runs are dropped
  bool running_ = false;
  int run_steps_ = 0;  // methods in the current run
  core::CancelToken cancel_;
};

}  // namespace rgbdsod::ui
