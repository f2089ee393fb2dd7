#include "rgbdsod/ui/training/training_session.h"

#include <algorithm>
#include <filesystem>

#include <QDir>
#include <QFileInfo>
#include <QRunnable>

#include "rgbdsod/training/checkpoint_files.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/run_lock.h"

namespace rgbdsod::ui {
namespace fs = std::filesystem;

namespace {

std::string utf8(const QString& s) { return s.toStdString(); }

QString canonical(const QString& folder) {
  const QFileInfo info(folder);
  return QDir::cleanPath(info.absoluteFilePath());
}

// The newest checkpoint of a run, or of the newest step of a recipe folder ("" when none).
QString newestCheckpoint(const QString& folder) {
  const fs::path root = fs::path(utf8(folder));
  std::vector<fs::path> candidates;
  std::error_code ec;
  if (fs::exists(root / "recipe.json", ec)) {
    for (const auto& e : fs::directory_iterator(root, ec))
      if (e.is_directory(ec)) candidates.push_back(e.path());
    std::sort(candidates.begin(), candidates.end());
    std::reverse(candidates.begin(), candidates.end());  // the newest step first
  } else {
    candidates.push_back(root);
  }
  for (const auto& run : candidates) {
    const auto list = training::listCheckpoints(run);
    if (!list.empty()) return QString::fromStdString(list.front().string());
  }
  return {};
}

}  // namespace

// Only the worker touches the tails; the GUI thread gets copies of what changed.
struct TrainingSession::PollState {
  std::map<QString, training::MetricsTail> tails;
  std::map<QString, QString> checkpoints;
};

TrainingSession::TrainingSession(QObject* parent) : QObject(parent), poll_state_(std::make_shared<PollState>()) {
  pool_.setMaxThreadCount(1);
  poll_timer_.setInterval(kPollMs);
  connect(&poll_timer_, &QTimer::timeout, this, &TrainingSession::schedulePoll);
  poll_timer_.start();
  progress_timer_.setInterval(kProgressMs);
  connect(&progress_timer_, &QTimer::timeout, this, &TrainingSession::checkJob);
}

TrainingSession::~TrainingSession() {
  poll_timer_.stop();
  progress_timer_.stop();
  job_.requestStop();
  job_.wait();
  pool_.waitForDone();
}

void TrainingSession::setRunsRoot(const QString& root) {
  root_ = root.isEmpty() ? QString() : canonical(root);
  runs_.clear();
  emit runsChanged();
  pollNow();
}

const training::RunSummary* TrainingSession::runSummary(const QString& folder) const {
  const std::string f = utf8(canonical(folder));
  for (const auto& r : runs_)
    if (r.folder.string() == f) return &r;
  return nullptr;
}

void TrainingSession::pollNow() { schedulePoll(); }

void TrainingSession::watch(const QString& folder) {
  const QString f = canonical(folder);
  if (!watched_.contains(f)) watched_.push_back(f);
  pollNow();
}

void TrainingSession::unwatch(const QString& folder) {
  const QString f = canonical(folder);
  watched_.removeAll(f);
  series_.erase(f);
}

QStringList TrainingSession::watched() const { return watched_; }

const training::RunSeries* TrainingSession::series(const QString& folder) const {
  const auto it = series_.find(canonical(folder));
  return it == series_.end() ? nullptr : &it->second;
}

void TrainingSession::schedulePoll() {
  if (poll_in_flight_) {
    poll_again_ = true;  // coalesced: one more poll once this one is back
    return;
  }
  poll_in_flight_ = true;
  const QString root = root_;
  const QStringList watched = watched_;
  auto state = poll_state_;
  QPointer<TrainingSession> self(this);
  pool_.start([self, state, root, watched] {
    std::vector<training::RunSummary> runs;
    if (!root.isEmpty()) runs = training::scanRuns(fs::path(utf8(root)));
    std::map<QString, training::RunSeries> changed;
    std::vector<std::pair<QString, QString>> new_checkpoints;
    for (const QString& folder : watched) {
      // A recipe folder has no metrics of its own: the view watches its step folders.
      const fs::path metrics = training::RunPaths{fs::path(utf8(folder))}.metrics();
      auto it = state->tails.find(folder);
      if (it == state->tails.end() || it->second.file() != metrics)
        it = state->tails.insert_or_assign(folder, training::MetricsTail(metrics)).first;
      if (it->second.poll()) changed[folder] = it->second.series();
      const QString checkpoint = newestCheckpoint(folder);
      QString& last = state->checkpoints[folder];
      if (checkpoint != last) {
        if (!last.isEmpty() || !checkpoint.isEmpty()) new_checkpoints.emplace_back(folder, checkpoint);
        last = checkpoint;
      }
    }
    QMetaObject::invokeMethod(
        self.data(),
        [self, runs = std::move(runs), changed = std::move(changed), new_checkpoints, root]() mutable {
          if (!self) return;
          self->poll_in_flight_ = false;
          ++self->polls_done_;
          if (root == self->root_) {
            self->runs_ = std::move(runs);
            emit self->runsChanged();
          }
          for (auto& [folder, s] : changed) {
            if (!self->watched_.contains(folder)) continue;
            self->series_[folder] = std::move(s);
            emit self->seriesChanged(folder);
          }
          for (const auto& [folder, checkpoint] : new_checkpoints)
            if (!checkpoint.isEmpty()) emit self->checkpointWritten(folder, checkpoint);
          if (self->poll_again_) {
            self->poll_again_ = false;
            self->schedulePoll();
          }
        },
        Qt::QueuedConnection);
  });
}

bool TrainingSession::start(training::TrainRequest request, QString* error) {
  if (job_active_) {
    if (error) *error = tr("a training job is running (%1): stop it first").arg(job_folder_);
    return false;
  }
  if (training::runInUse(request.run)) {
    const std::string holder = training::runLockHolder(request.run);
    if (error)
      *error = tr("%1 is in use by another training job%2; stop it first or choose another run folder")
                   .arg(QString::fromStdString(request.run.string()),
                        holder.empty() ? QString() : QStringLiteral(" (%1)").arg(QString::fromStdString(holder)));
    return false;
  }
  job_folder_ = canonical(QString::fromStdString(request.run.string()));
  {
    std::lock_guard lock(progress_mutex_);
    progress_ = training::TrainProgress{};
    progress_fresh_ = false;
  }
  try {
    // The callback runs on the job's thread: it only stores the newest event.
    job_.start(std::move(request), [this](const training::TrainProgress& p) {
      std::lock_guard lock(progress_mutex_);
      const auto validation = progress_.validation;
      progress_ = p;
      if (p.validation.empty()) progress_.validation = validation;  // keep the last validation shown
      progress_fresh_ = true;
    });
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
  job_active_ = true;
  progress_timer_.start();
  watch(job_folder_);
  emit jobStarted(job_folder_);
  return true;
}

void TrainingSession::requestStop() { job_.requestStop(); }

training::TrainProgress TrainingSession::lastProgress() const {
  std::lock_guard lock(progress_mutex_);
  return progress_;
}

void TrainingSession::checkJob() {
  bool fresh = false;
  {
    std::lock_guard lock(progress_mutex_);
    std::swap(fresh, progress_fresh_);
  }
  if (fresh) emit progressChanged();
  if (!job_active_ || job_.isRunning()) return;
  last_result_ = job_.wait();  // the thread has ended: this join does not wait
  job_active_ = false;
  progress_timer_.stop();
  pollNow();  // the final status and metrics
  emit jobFinished(job_folder_, static_cast<int>(last_result_.outcome), QString::fromStdString(last_result_.message));
}

}  // namespace rgbdsod::ui
