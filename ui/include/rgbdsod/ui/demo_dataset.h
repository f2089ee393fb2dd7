#pragma once
// The built-in demo dataset: synthetic RGB-D scenes (core::writeSynthDataset) generated once into
// the user's cache folder and reused afterwards. Generation runs in a worker with progress and a
// stop request, in the start / requestStop / isRunning style of the studio's other long jobs.
#include <QObject>
#include <QString>
#include <QThreadPool>

#include "rgbdsod/core/progress.h"
#include "rgbdsod/core/synth.h"

namespace rgbdsod::ui {

// The demo's configuration: the generator's defaults (seed 1, 300 scenes of 256 x 256).
core::SynthConfig demoSynthConfig();

// $XDG_CACHE_HOME/rgbdsod/demo-v1-seed<seed> (~/.cache/... when XDG_CACHE_HOME is unset).
QString demoDatasetFolder(const core::SynthConfig& config = demoSynthConfig());

class DemoDatasetJob : public QObject {
  Q_OBJECT

 public:
  explicit DemoDatasetJob(QObject* parent = nullptr);
  ~DemoDatasetJob() override;  // stops and waits for the worker

  // Generates the dataset into `folder` unless a complete one is already there; emits finished
  // with the folder in both cases (always asynchronously).
  void start(const QString& folder, const core::SynthConfig& config = demoSynthConfig());
  void requestStop();
  bool isRunning() const { return running_; }

 signals:
  void progress(int done, int total);
  void finished(const QString& folder);
  void failed(const QString& message);

 private:
  QThreadPool pool_;
  core::CancelToken cancel_;
  bool running_ = false;
};

}  // namespace rgbdsod::ui
