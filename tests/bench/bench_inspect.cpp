// Inspect's responsiveness (issue 10): the time from selecting a sample to all of its maps shown,
// for the Learn-Select-Fuse fusion net at width 1/8 and 1/2 on 256 px input, against the bare
// forward pass and ModelCore's own time, and the GUI thread's longest stall meanwhile (a 2 ms
// timer that records how late it fires). Goals: no stall over 16 ms; maps within 1.5x of the
// bare forward. Offscreen; trains the runs (one step per recipe stage) into a temporary folder.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>

#include "bench_inspect_forward.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/synth.h"
#include "rgbdsod/models/runtime.h"
#include "rgbdsod/training/model_core.h"
#include "rgbdsod/training/recipe.h"
#include "rgbdsod/ui/dataset_session.h"
#include "rgbdsod/ui/inspect/inspect_session.h"
#include "rgbdsod/ui/inspect/inspect_view.h"
#include "rgbdsod/ui/main_window.h"

using namespace rgbdsod;
namespace fs = std::filesystem;

namespace {

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

// Runs the event loop until `done` or the timeout; false on timeout. It sleeps between events (a
// 1 ms timer wakes it to check): a busy loop here would take a core from the network.
template <typename F>
bool waitFor(F done, int timeout_ms) {
  QElapsedTimer clock;
  clock.start();
  QTimer wake;
  wake.start(1);
  while (!done()) {
    if (clock.elapsed() > timeout_ms) return false;
    QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  const models::RuntimeInfo runtime = models::initRuntime(0);
  QTemporaryDir dir;
  const fs::path root = dir.path().toStdString();
  core::SynthConfig synth;
  synth.seed = 5;
  synth.count = 24;
  synth.width = 320;
  synth.height = 240;
  synth.test_fraction = 0.5;
  core::writeSynthDataset(root / "data", synth);
  const QString dataset = QString::fromStdString((root / "data" / "test").string());
  const int samples = 10;

  std::printf("machine: %s, %u hardware threads, LibTorch %s with %d intra-op threads\n", cpuModel().c_str(),
              std::thread::hardware_concurrency(), runtime.torch_version.c_str(), runtime.intra_op_threads);
  std::printf("%-6s %12s %14s %16s %14s %14s %10s %10s\n", "width", "forward ms", "ModelCore ms", "shown ms median",
              "shown ms p90", "longest stall", "shown/fwd", "stall<=16");
  for (const char* width : {"0.125", "0.5"}) {
    const fs::path run = root / (std::string("lsf-") + width);
    const std::vector<std::string> overrides = {std::string("model.width=") + width, "data.size=256",
                                                "data.batch_size=1", "data.workers=0", "run.steps=1",
                                                "run.checkpoint_every=1", "run.log_every=1", "seed=1"};
    const training::RecipeResult trained =
        training::runRecipe({"learn-select-fuse", root / "data", run, overrides, false}, {}, {});
    if (trained.outcome != training::TrainOutcome::Finished) {
      std::fprintf(stderr, "training failed: %s\n", trained.message.c_str());
      return 1;
    }
    const fs::path fuse = run / "3-fuse";
    const double forward = bench::medianForwardMs(fuse, 256, 7);

    // ModelCore alone, in this thread.
    std::vector<double> core_ms;
    {
      training::ModelCore core;
      const training::RunId id = core.load(fuse);
      const core::Dataset test = core::openDataset(dataset.toStdString());
      for (std::size_t i = 0; i < std::min<std::size_t>(5, test.size()); ++i) {
        const training::LoadedSample s = core.loadSample(id, test.root, test.samples[i].name);
        core_ms.push_back(core.inspectNow(id, s).seconds * 1000.0);
      }
    }

    ui::MainWindow window;
    window.resize(1500, 1000);
    window.show();
    window.openFolder(dataset);
    if (!waitFor([&] { return window.session()->isOpen() && window.shownSample() == 0; }, 30000)) return 1;
    window.tabs()->setCurrentWidget(window.inspectView());
    window.inspectView()->addRun(QString::fromStdString(fuse.string()));
    if (!waitFor([&] { return window.inspectView()->isSettled() &&
                              window.inspectSession()->side(ui::InspectSession::Primary).hasMaps(); }, 60000)) return 1;

    // The latency probe: how late a 2 ms timer fires is how long the GUI thread was busy.
    double longest_stall = 0;
    QElapsedTimer since_tick;
    QTimer probe;
    probe.setInterval(2);
    QObject::connect(&probe, &QTimer::timeout, [&] {
      longest_stall = std::max(longest_stall, static_cast<double>(since_tick.nsecsElapsed()) / 1e6 - 2.0);
      since_tick.restart();
    });
    std::vector<double> shown;
    const int n = static_cast<int>(window.session()->dataset()->size());
    since_tick.start();
    probe.start();
    for (int i = 1; i <= samples; ++i) {
      const int index = i % n;
      const QString name = QString::fromStdString(window.session()->dataset()->samples[static_cast<std::size_t>(index)].name);
      QElapsedTimer clock;
      clock.start();
      window.session()->requestSample(index);
      const bool ok = waitFor([&] {
        const auto& side = window.inspectSession()->side(ui::InspectSession::Primary);
        return window.inspectView()->isSettled() && side.hasMaps() && QString::fromStdString(side.result.sample) == name;
      }, 60000);
      if (!ok) return 1;
      QCoreApplication::processEvents();  // the panes' repaint
      shown.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
    }
    probe.stop();
    const double median = percentile(shown, 0.5);
    std::printf("%-6s %12.1f %14.1f %16.1f %14.1f %14.1f %10.2f %10s\n", width, forward, percentile(core_ms, 0.5),
                median, percentile(shown, 0.9), longest_stall, median / forward, longest_stall <= 16 ? "yes" : "no");
  }
  return 0;
}
