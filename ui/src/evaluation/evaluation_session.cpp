#include "rgbdsod/ui/evaluation/evaluation_session.h"

#include <atomic>
#include <exception>
#include <filesystem>

#include <QDir>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

#include "rgbdsod/core/errors.h"

namespace rgbdsod::ui {

namespace fs = std::filesystem;

// What the worker hands back for one method.
struct EvaluationSession::Outcome {
  quint64 key = 0;
  std::shared_ptr<const core::FolderEvaluation> result;
  QString error;
};

// The latest progress, written by evaluateFolders' threads and read by the GUI thread. At most one
// progress call is queued at a time (`posted`), so a fast evaluation never floods the event loop.
struct EvaluationSession::Shared {
  std::atomic<quint64> key{0};
  std::atomic<int> step{0};
  std::atomic<int> done{0};
  std::atomic<int> total{0};
  std::atomic<bool> posted{false};
};

namespace {

struct Job {
  quint64 key;
  QString name;
  QString folder;
};

fs::path toPath(const QString& s) { return fs::path(s.toStdString()); }

}  // namespace

EvaluationSession::EvaluationSession(QObject* parent) : QObject(parent) { pool_.setMaxThreadCount(1); }

EvaluationSession::~EvaluationSession() {
  cancel_.cancel();
  pool_.clear();
  pool_.waitForDone();
}

void EvaluationSession::setGtFolder(const QString& folder) {
  const QString clean = folder.isEmpty() ? QString() : QDir::cleanPath(folder);
  if (clean == gt_folder_) return;
  if (running_) requestStop();
  gt_folder_ = clean;
  for (EvaluationMethod& m : methods_) {  // results against another GT mean nothing now
    m.result.reset();
    m.error.clear();
    m.unpaired = false;
  }
  emit gtFolderChanged(gt_folder_);
  emit methodsChanged();
  // Re-scope: which methods belong to this dataset is known only by pairing their files, which
  // the worker does as part of evaluating (a method that pairs nothing costs a folder listing).
  if (!gt_folder_.isEmpty() && !methods_.empty()) start();
}

int EvaluationSession::addMethod(const QString& folder, const QString& name) {
  EvaluationMethod method;
  method.folder = QDir::cleanPath(folder);
  method.name = name.isEmpty() ? QFileInfo(method.folder).fileName() : name;
  if (method.name.isEmpty()) method.name = method.folder;  // a root folder has no name
  methods_.push_back(std::move(method));
  keys_.push_back(next_key_++);
  emit methodsChanged();
  return methodCount() - 1;
}

void EvaluationSession::removeMethod(int index) {
  if (index < 0 || index >= methodCount()) return;
  methods_.erase(methods_.begin() + index);
  keys_.erase(keys_.begin() + index);
  emit methodsChanged();
}

void EvaluationSession::renameMethod(int index, const QString& name) {
  const QString trimmed = name.trimmed();
  if (index < 0 || index >= methodCount() || trimmed.isEmpty() || methods_[index].name == trimmed) return;
  methods_[index].name = trimmed;
  emit methodRenamed(index);
}

ImageCoverage coverageOf(const core::FolderEvaluation& result) {
  const int used = static_cast<int>(result.images.size());
  return {used, used + static_cast<int>(result.missing.size())};
}

int EvaluationSession::indexOfKey(quint64 key) const {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return static_cast<int>(i);
  }
  return -1;
}

void EvaluationSession::start() {
  std::vector<int> all(methods_.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  start(all);
}

void EvaluationSession::start(const std::vector<int>& indices) {
  if (running_) return;
  std::vector<Job> jobs;
  for (int i : indices) {
    if (i < 0 || i >= methodCount()) continue;
    methods_[i].result.reset();
    methods_[i].error.clear();
    methods_[i].unpaired = false;
    jobs.push_back({keys_[i], methods_[i].name, methods_[i].folder});
  }
  const quint64 run = ++run_;
  running_ = true;
  run_steps_ = static_cast<int>(jobs.size());
  cancel_ = core::CancelToken();
  emit started(static_cast<int>(jobs.size()));
  if (!jobs.empty()) emit methodsChanged();  // the re-evaluated methods lost their old results

  const QString gt = gt_folder_;
  const core::CancelToken cancel = cancel_;
  auto shared = std::make_shared<Shared>();
  (void)QtConcurrent::run(&pool_, [this, run, jobs, gt, cancel, shared] {
    for (std::size_t step = 0; step < jobs.size() && !cancel.cancelled(); ++step) {
      const Job& job = jobs[step];
      shared->key = job.key;
      shared->step = static_cast<int>(step);
      shared->done = 0;
      shared->total = 0;
      postProgress(run, shared);
      auto outcome = std::make_shared<Outcome>();
      outcome->key = job.key;
      try {
        if (gt.isEmpty()) throw core::Error("no GT folder chosen (open a labeled dataset or choose one)");
        core::EvalOptions options;
        options.method = job.name.toStdString();
        core::JobContext context;
        context.cancel = cancel;
        context.progress = [this, run, shared](const core::ProgressEvent& e) {
          shared->done = static_cast<int>(e.done);
          shared->total = static_cast<int>(e.total);
          postProgress(run, shared);
        };
        outcome->result = std::make_shared<const core::FolderEvaluation>(
            core::evaluateFolders(toPath(gt), toPath(job.folder), options, context));
      } catch (const core::Cancelled&) {
        break;  // stopped: nothing to report for this method
      } catch (const std::exception& e) {
        outcome->error = tr("%1: %2").arg(job.name, QString::fromStdString(e.what()));
      }
      QMetaObject::invokeMethod(this, [this, run, outcome] { deliver(run, outcome); }, Qt::QueuedConnection);
    }
    const bool stopped = cancel.cancelled();
    QMetaObject::invokeMethod(this, [this, run, stopped] { finishRun(run, stopped); }, Qt::QueuedConnection);
  });
}

// Called from worker threads: queues one GUI-thread call unless one is already waiting, which
// then reads the newest values.
void EvaluationSession::postProgress(quint64 run, const std::shared_ptr<Shared>& shared) {
  if (shared->posted.exchange(true)) return;
  QMetaObject::invokeMethod(
      this,
      [this, run, shared] {
        shared->posted = false;
        if (run != run_ || !running_) return;
        const int index = indexOfKey(shared->key);
        if (index < 0) return;
        emit progress(index, shared->step, run_steps_, shared->done, shared->total);
      },
      Qt::QueuedConnection);
}

void EvaluationSession::deliver(quint64 run, const std::shared_ptr<Outcome>& outcome) {
  if (run != run_) return;  // stopped or replaced
  const int index = indexOfKey(outcome->key);
  if (index < 0) return;  // removed meanwhile
  EvaluationMethod& method = methods_[index];
  method.result = outcome->result;
  method.error = outcome->error;
  // Nothing paired: the scores would be NaN over zero images; the method is another dataset's.
  method.unpaired = method.result && method.result->images.empty();
  if (method.unpaired) method.result.reset();
  if (method.result || method.unpaired) {
    emit methodEvaluated(index);
  } else {
    emit methodFailed(index, method.error);
  }
  emit methodsChanged();
}

void EvaluationSession::finishRun(quint64 run, bool stopped) {
  if (run != run_) return;
  running_ = false;
  emit finished(stopped);
}

void EvaluationSession::requestStop() {
  if (!running_) return;
  cancel_.cancel();
  ++run_;  // whatever the worker still sends belongs to a finished run
  running_ = false;
  emit finished(true);
}

}  // namespace rgbdsod::ui
