#include "rgbdsod/ui/shell/model_bridge.h"

#include <exception>
#include <utility>

#include <QDir>
#include <QFileInfo>
#include <QMetaObject>

namespace rgbdsod::ui {

ModelBridge::ModelBridge(QObject* parent) : QObject(parent) { loader_.setMaxThreadCount(1); }

ModelBridge::~ModelBridge() {
  *alive_ = false;
  loader_.waitForDone();  // loads use the core
  core_.reset();          // joins ModelCore's worker; its late callbacks find alive_ false
}

training::ModelCore& ModelBridge::core() {
  if (!core_) core_ = std::make_unique<training::ModelCore>();
  return *core_;
}

const LoadedRun* ModelBridge::run(training::RunId id) const {
  for (const LoadedRun& r : runs_) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

const LoadedRun* ModelBridge::runInFolder(const QString& folder) const {
  const QString wanted = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
  for (const LoadedRun& r : runs_) {
    if (r.folder == wanted) return &r;
  }
  return nullptr;
}

QString ModelBridge::uniqueLabel(const QString& folder) const {
  const QString base = QFileInfo(folder).fileName();
  QString label = base;
  for (int n = 2;; ++n) {
    bool taken = false;
    for (const LoadedRun& r : runs_) taken = taken || r.label == label;
    if (!taken) return label;
    label = QStringLiteral("%1 (%2)").arg(base).arg(n);
  }
}

void ModelBridge::loadRun(const QString& folder) {
  const QString absolute = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
  if (const LoadedRun* existing = runInFolder(absolute)) {
    const int id = existing->id;
    QMetaObject::invokeMethod(this, [this, id] { emit runLoaded(id); }, Qt::QueuedConnection);
    return;
  }
  if (loading_folders_.contains(absolute)) return;
  loading_folders_.insert(absolute);
  training::ModelCore* core_ptr = &core();
  ++loads_in_flight_;
  loader_.start([this, core_ptr, absolute, alive = alive_] {
    training::RunId id = -1;
    training::ModelDescription description;
    QString error;
    try {
      id = core_ptr->load(absolute.toStdString());
      description = core_ptr->describe(id);
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this,
        [this, alive, absolute, id, description = std::move(description), error] {
          if (!*alive) return;
          --loads_in_flight_;
          loading_folders_.remove(absolute);
          if (!error.isEmpty()) {
            emit runLoadFailed(absolute, error);
            return;
          }
          runs_.push_back(LoadedRun{id, absolute, uniqueLabel(absolute), description});
          emit runsChanged();
          emit runLoaded(id);
        },
        Qt::QueuedConnection);
  });
}

void ModelBridge::reloadRun(training::RunId id) {
  const LoadedRun* r = run(id);
  if (!r) return;
  if (reloading_.contains(id)) {
    reload_again_.insert(id);
    return;
  }
  reloading_.insert(id);
  training::ModelCore* core_ptr = &core();
  const QString folder = r->folder;
  ++loads_in_flight_;
  loader_.start([this, core_ptr, id, folder, alive = alive_] {
    training::ModelDescription description;
    QString error;
    try {
      description = core_ptr->reload(id);
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this,
        [this, alive, id, folder, description = std::move(description), error] {
          if (!*alive) return;
          --loads_in_flight_;
          reloading_.remove(id);
          // A newer checkpoint came while this one loaded: one more reload picks it up.
          const bool again = reload_again_.remove(id);
          if (!error.isEmpty()) {
            emit runLoadFailed(folder, error);
          } else {
            for (LoadedRun& loaded : runs_) {
              if (loaded.id == id) loaded.description = description;
            }
            emit runsChanged();
            emit runReloaded(id);
          }
          if (again) reloadRun(id);
        },
        Qt::QueuedConnection);
  });
}

void ModelBridge::unloadRun(training::RunId id) {
  for (auto it = runs_.begin(); it != runs_.end(); ++it) {
    if (it->id != id) continue;
    runs_.erase(it);
    core().unload(id);
    emit runsChanged();
    return;
  }
}

training::Ticket ModelBridge::request(training::InspectRequest request,
                                      std::function<void(const training::InspectResult&)> done) {
  ++pending_;
  return core().submit(std::move(request), [this, alive = alive_, done = std::move(done)](
                                               const training::InspectResult& result) {
    // From ModelCore's worker: copy the result (its images are reference-counted) to the GUI thread.
    QMetaObject::invokeMethod(
        this,
        [this, alive, done, result] {
          if (!*alive) return;
          --pending_;
          if (done) done(result);
        },
        Qt::QueuedConnection);
  });
}

void ModelBridge::cancel(training::Ticket ticket) {
  if (core_) core_->cancel(ticket);
}

training::ModelCoreStats ModelBridge::stats() const { return core_ ? core_->stats() : training::ModelCoreStats{}; }

}  // namespace rgbdsod::ui
