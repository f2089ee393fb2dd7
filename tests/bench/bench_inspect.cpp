// Inspect's responsiveness (issue 10): the time from selecting a sample to all of its maps shown,
// for the Learn-Select-Fuse fusion net (recipe learn-select-fuse, step 3-fuse) at width 1/8 and
// 1/2 on 256 px input, against the bare forward pass and ModelCore's own inspectNow, and the GUI
// thread's longest stall meanwhile (a 2 ms timer that records how late it fires). Goals: no stall
// over 16 ms; maps shown within 1.5x of the bare forward. Offscreen; trains the runs (one step per
// recipe step, so the weights are untrained: timing only) into a temporary folder first.
// Usage: rgbdsod_bench_inspect [samples=10] [repeats=7] [widths=0.125,0.5]
//   samples: selections timed in the studio (and inspectNow calls), at most the test split's size - 1
//   repeats: bare forward passes per width
// Run it through `scripts/bench.sh inspect`; ctest never runs it. Exit status 1 when a step fails.
// This translation unit includes Qt and no torch; the forward pass is in bench_inspect_forward.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <QApplication>
#include <QElapsedTimer>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>

#include "bench_inspect_forward.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/synth.h"
#include "rgbdsod/models/runtime.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/training/model_core.h"
#include "rgbdsod/training/recipe.h"
#include "rgbdsod/ui/dataset_session.h"
#include "rgbdsod/ui/inspect/inspect_session.h"
#include "rgbdsod/ui/inspect/inspect_view.h"
#include "rgbdsod/ui/main_window.h"

using namespace rgbdsod;
namespace fs = std::filesystem;

namespace {

constexpr int kSize = 256;           // data.size: the network's input side
constexpr double kStallGoalMs = 16;  // one frame at 60 Hz
constexpr double kShownGoal = 1.5;   // select-to-shown vs the bare forward
constexpr int kProbeMs = 2;

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Nearest rank: the smallest value with at least q of the values at or below it.
double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

double msSince(const QElapsedTimer& t) { return static_cast<double>(t.nsecsElapsed()) / 1e6; }

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

// The event-loop latency probe: a 2 ms timer; how late each tick fires is how long the GUI thread
// was busy with something else (layout, painting, converting maps).
class StallProbe {
 public:
  StallProbe() {
    timer_.setTimerType(Qt::PreciseTimer);
    timer_.setInterval(kProbeMs);
    QObject::connect(&timer_, &QTimer::timeout, [this] {
      const double late = msSince(since_tick_) - kProbeMs;
      since_tick_.restart();
      longest_ = std::max(longest_, late);
      if (late > kStallGoalMs) ++over_goal_;
    });
  }
  void start() {
    longest_ = 0;
    over_goal_ = 0;
    since_tick_.start();
    timer_.start();
  }
  void stop() { timer_.stop(); }
  double longest() const { return longest_; }
  int overGoal() const { return over_goal_; }

 private:
  QTimer timer_;
  QElapsedTimer since_tick_;
  double longest_ = 0;
  int over_goal_ = 0;
};

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "rgbdsod_bench_inspect: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  const models::RuntimeInfo runtime = models::initRuntime(0);  // all cores (LibTorch starts with 1)
  int samples = 10;
  int repeats = 7;
  std::vector<std::string> widths = {"0.125", "0.5"};
  try {
    if (argc > 1) samples = std::max(1, std::stoi(argv[1]));
    if (argc > 2) repeats = std::max(1, std::stoi(argv[2]));
    if (argc > 3) widths = splitList(argv[3]);
  } catch (const std::exception&) {
    return fail("usage: rgbdsod_bench_inspect [samples=10] [repeats=7] [widths=0.125,0.5]");
  }

  QTemporaryDir dir;
  if (!dir.isValid()) return fail("cannot create a temporary folder");
  const fs::path root = dir.path().toStdString();
  core::SynthConfig synth;
  synth.seed = 5;
  synth.count = 2 * std::max(12, samples + 1);  // test/ holds half: at least 12, one more than timed
  synth.width = 320;
  synth.height = 240;
  synth.test_fraction = 0.5;
  try {
    core::writeSynthDataset(root / "data", synth);
  } catch (const std::exception& e) {
    return fail(std::string("synthetic data: ") + e.what());
  }
  const fs::path test_folder = root / "data" / "test";
  const QString dataset = QString::fromStdString(test_folder.string());

  std::printf("machine: %s, %u hardware threads, LibTorch %s with %d intra-op threads\n", cpuModel().c_str(),
              std::thread::hardware_concurrency(), runtime.torch_version.c_str(), runtime.intra_op_threads);
  std::printf("input:   %dx%d samples resized to %d px; forward: median of %d; studio: %d selections\n", synth.width,
              synth.height, kSize, repeats, samples);
  std::printf("%-6s %11s %13s %13s %11s %12s %9s %14s %14s\n", "width", "forward ms", "inspectNow ms", "shown median",
              "shown p90", "max stall ms", "stalls>16", "shown/forward", "stall/16 ms");

  struct Footnote {
    std::string width;
    double load_ms = 0, load_stall = 0;
  };
  std::vector<Footnote> notes;
  bool goals_met = true;
  for (const std::string& width : widths) {
    const fs::path run = root / ("lsf-" + width);
    const std::vector<std::string> overrides = {"model.width=" + width, "data.size=" + std::to_string(kSize),
                                                "data.batch_size=1", "data.workers=0", "run.steps=1",
                                                "run.checkpoint_every=1", "run.log_every=1", "seed=1"};
    training::RecipeResult trained;
    try {
      trained = training::runRecipe({"learn-select-fuse", root / "data", run, overrides, false}, {}, {});
    } catch (const std::exception& e) {
      return fail("training width " + width + ": " + e.what());
    }
    if (trained.outcome != training::TrainOutcome::Finished)
      return fail("training width " + width + ": " + trained.message);
    const fs::path fuse = run / "3-fuse";

    double forward = 0;
    std::vector<double> core_ms;
    try {
      forward = bench::medianForwardMs(fuse, kSize, repeats);
      // ModelCore alone, in this thread: load each sample first (cached per run), then time
      // inspectNow (resize, forward, every map back at the original size); one warm-up call.
      training::ModelCore core;
      const training::RunId id = core.load(fuse);
      const core::Dataset test = core::openDataset(test_folder);
      const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(samples), test.size());
      std::vector<training::LoadedSample> loaded;
      for (std::size_t i = 0; i < n; ++i) loaded.push_back(core.loadSample(id, test.root, test.samples[i].name));
      (void)core.inspectNow(id, loaded.front());
      for (const auto& s : loaded) {
        QElapsedTimer clock;
        clock.start();
        const training::InspectResult r = core.inspectNow(id, s);
        core_ms.push_back(msSince(clock));
        if (r.status != training::InspectStatus::Done || r.maps.empty())
          return fail("inspectNow on " + s.name + ": " + (r.error.empty() ? "no maps" : r.error));
      }
    } catch (const std::exception& e) {
      return fail("width " + width + ": " + e.what());
    }

    ui::MainWindow window;
    window.resize(1500, 1000);
    window.show();
    window.openFolder(dataset);
    // Open and validated (validation runs in workers: it must not share the cores with the timing).
    if (!waitFor([&] { return window.session()->isOpen() && window.shownSample() == 0 && window.isSettled(); }, 60000))
      return fail("the studio did not open " + test_folder.string() + ": " + window.lastError().toStdString());
    window.tabs()->setCurrentWidget(window.inspectView());
    StallProbe probe;
    QElapsedTimer load_clock;
    load_clock.start();
    probe.start();
    window.inspectView()->addRun(QString::fromStdString(fuse.string()));
    if (!waitFor([&] { return window.inspectView()->isSettled() &&
                              window.inspectSession()->side(ui::InspectSession::Primary).hasMaps(); }, 120000))
      return fail("the Inspect view did not show " + fuse.string() + ": " + window.inspectView()->lastError().toStdString());
    probe.stop();
    notes.push_back({width, msSince(load_clock), probe.longest()});
    waitFor([] { return false; }, 200);  // let the first maps' repaints finish

    const auto& data = *window.session()->dataset();
    const int n = static_cast<int>(data.size());
    std::vector<double> shown;
    probe.start();
    for (int i = 1; i <= samples; ++i) {
      const int index = i % n;  // sample 0 is on screen
      const std::string name = data.samples[static_cast<std::size_t>(index)].name;
      QElapsedTimer clock;
      clock.start();
      window.session()->requestSample(index);
      const bool ok = waitFor(
          [&] {
            const auto& side = window.inspectSession()->side(ui::InspectSession::Primary);
            return window.shownSample() == index && window.inspectView()->isSettled() && !side.pending &&
                   side.hasMaps() && side.result.sample == name;
          },
          60000);
      if (!ok) return fail("sample " + name + ": maps not shown within 60 s");
      QCoreApplication::processEvents();  // the panes' repaint
      shown.push_back(msSince(clock));
    }
    probe.stop();

    const double shown_median = median(shown);
    const double shown_ratio = forward > 0 ? shown_median / forward : 0;
    const double stall_ratio = probe.longest() / kStallGoalMs;
    goals_met = goals_met && shown_ratio <= kShownGoal && stall_ratio <= 1.0;
    std::printf("%-6s %11.1f %13.1f %13.1f %11.1f %12.1f %9d %7.2f %-6s %7.2f %-6s\n", width.c_str(), forward,
                median(core_ms), shown_median, percentile(shown, 0.9), probe.longest(), probe.overGoal(), shown_ratio,
                shown_ratio <= kShownGoal ? "ok" : "(>1.5)", stall_ratio, stall_ratio <= 1.0 ? "ok" : "(>1)");
    std::fflush(stdout);
  }
  for (const auto& note : notes) {
    std::printf("width %s: adding the run (load in a worker, first maps) took %.0f ms, longest stall %.1f ms\n",
                note.width.c_str(), note.load_ms, note.load_stall);
  }
  std::printf("goals (shown <= %.1fx forward, no stall over %.0f ms): %s\n", kShownGoal, kStallGoalMs,
              goals_met ? "met" : "not met");
  return 0;
}
