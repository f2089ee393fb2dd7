#pragma once
// The studio's one ModelCore, shared by every workspace (Inspect now; Training and Labels next):
// the runs loaded into it, and its results brought to the GUI thread. Loading a run reads its
// checkpoint in a worker; an inference result arrives from ModelCore's worker and is handed to
// the requester on the GUI thread (never when the bridge is gone). Torch-free: ModelCore's header
// carries images and numbers only.
#include <functional>
#include <memory>
#include <vector>

#include <QObject>
#include <QSet>
#include <QString>
#include <QThreadPool>

#include "rgbdsod/training/model_core.h"

namespace rgbdsod::ui {

struct LoadedRun {
  training::RunId id = -1;
  QString folder;  // absolute
  QString label;   // the folder's name, made unique among the loaded runs
  training::ModelDescription description;
};

class ModelBridge : public QObject {
  Q_OBJECT

 public:
  explicit ModelBridge(QObject* parent = nullptr);
  ~ModelBridge() override;  // waits for loads in flight; ModelCore finishes its running request

  // Loads a run folder in a worker: runLoaded or runLoadFailed follows. A folder already loaded
  // is not loaded twice (runLoaded is emitted again with its id), nor one whose load is in flight
  // (its runLoaded comes when that load ends).
  void loadRun(const QString& folder);
  // The newest checkpoint again (in a worker): runReloaded / runLoadFailed. Calls while a reload of
  // the run is in flight coalesce into one more reload after it, so checkpoints written faster
  // than a run loads (follow mode) never queue up loads.
  void reloadRun(training::RunId id);
  void unloadRun(training::RunId id);
  const std::vector<LoadedRun>& runs() const { return runs_; }
  const LoadedRun* run(training::RunId id) const;
  const LoadedRun* runInFolder(const QString& folder) const;
  int loadsInFlight() const { return loads_in_flight_; }

  // Queues an inference; `done` runs on the GUI thread with every outcome (Done, Failed,
  // Cancelled, Superseded), unless the bridge was destroyed first.
  training::Ticket request(training::InspectRequest request,
                           std::function<void(const training::InspectResult&)> done);
  void cancel(training::Ticket ticket);
  int pendingRequests() const { return pending_; }
  training::ModelCoreStats stats() const;

 signals:
  void runLoaded(int id);
  void runReloaded(int id);
  void runLoadFailed(const QString& folder, const QString& message);
  void runsChanged();

 private:
  training::ModelCore& core();
  QString uniqueLabel(const QString& folder) const;

  std::unique_ptr<training::ModelCore> core_;  // created on first use (it sets LibTorch's threads)
  QThreadPool loader_;
  std::vector<LoadedRun> runs_;
  QSet<QString> loading_folders_;  // loads in flight, by absolute folder
  QSet<int> reloading_;            // runs with a reload in flight
  QSet<int> reload_again_;         // ... and asked for again meanwhile
  int loads_in_flight_ = 0;
  int pending_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace rgbdsod::ui
