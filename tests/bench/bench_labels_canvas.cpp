// Labels workspace (issue 12 item 7): how long a brush stamp takes to reach the screen on a
// 1024x1024 mask (the edit, its undo step, the overlay rebuilt in the stamp's rectangle and the
// partial repaint), against a full repaint of the canvas; and what a 100-stamp stroke stores.
// Offscreen; prints the machine. Usage: rgbdsod_bench_labels_canvas [stamps=100] [radius=12]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QUndoStack>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/synth.h"
#include "rgbdsod/ui/labels/label_canvas.h"
#include "rgbdsod/ui/labels/labels_session.h"
#include "rgbdsod/ui/labels/labels_view.h"

using namespace rgbdsod;
namespace fs = std::filesystem;

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5))];
}

std::string cpuName() {
  FILE* f = std::fopen("/proc/cpuinfo", "r");
  if (!f) return "unknown CPU";
  char line[512];
  std::string name = "unknown CPU";
  while (std::fgets(line, sizeof line, f)) {
    std::string s(line);
    if (s.rfind("model name", 0) == 0) {
      name = s.substr(s.find(':') + 2);
      if (!name.empty() && name.back() == '\n') name.pop_back();
      break;
    }
  }
  std::fclose(f);
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  const int stamps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 100;
  const int radius = argc > 2 ? std::max(1, std::atoi(argv[2])) : 12;

  const fs::path dir = fs::temp_directory_path() / ("rgbdsod-bench-labels-" + std::to_string(::getpid()));
  core::SynthConfig config;
  config.count = 2;
  config.width = 1024;
  config.height = 1024;
  config.test_fraction = 0.5;
  core::writeSynthDataset(dir / "data", config);
  auto ds = std::make_shared<core::Dataset>(core::openDataset(dir / "data" / "train"));

  ui::LabelsSession session;
  session.setDataset(ds, QString::fromStdString((dir / "corrections").string()));
  ui::LoadedSample sample;
  sample.name = QString::fromStdString(ds->samples[0].name);
  sample.gt_file = QString::fromStdString(ds->samples[0].gt.string());
  sample.rgb = QImage(QString::fromStdString(ds->samples[0].rgb.string())).convertToFormat(QImage::Format_RGB888);
  session.setSample(sample);
  ui::LabelsView view(&session);
  view.resize(1400, 1100);
  view.show();
  for (int i = 0; i < 20; ++i) QApplication::processEvents();
  ui::LabelCanvas* canvas = view.canvas();

  // One stroke of `stamps` stamps across the mask: each stamp until its paint is done.
  std::vector<double> stamp_ms, edit_ms;
  session.beginStroke();
  QPoint last(100, 100);
  for (int i = 1; i <= stamps; ++i) {
    const QPoint next(100 + i * 8, 100 + (i * 5) % 800);
    const int paints = canvas->paintCount();
    QElapsedTimer t;
    t.start();
    session.strokeTo(last, next, radius, false);
    edit_ms.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    while (canvas->paintCount() == paints) {
      QApplication::sendPostedEvents();
      QApplication::processEvents();
    }
    stamp_ms.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    last = next;
  }
  session.endStroke();
  const auto* cmd = dynamic_cast<const ui::MaskEditCommand*>(session.undoStack()->command(session.undoStack()->count() - 1));

  std::vector<double> full_ms;
  for (int i = 0; i < 20; ++i) {
    QElapsedTimer t;
    t.start();
    canvas->repaint();
    full_ms.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
  }

  std::printf("machine: %s, %u hardware threads, Qt offscreen, canvas %dx%d showing a 1024x1024 mask\n",
              cpuName().c_str(), std::thread::hardware_concurrency(), canvas->width(), canvas->height());
  std::printf("brush stamp (radius %d) to the screen: median %.2f ms, p90 %.2f ms, max %.2f ms over %d stamps\n", radius,
              percentile(stamp_ms, 50), percentile(stamp_ms, 90), percentile(stamp_ms, 100), stamps);
  std::printf("  of which the edit and its undo step: median %.3f ms, p90 %.3f ms\n", percentile(edit_ms, 50),
              percentile(edit_ms, 90));
  std::printf("full repaint of the canvas: median %.2f ms (a stamp repaints %.1fx faster)\n", percentile(full_ms, 50),
              percentile(full_ms, 50) / std::max(1e-6, percentile(stamp_ms, 50)));
  if (cmd)
    std::printf("the stroke is 1 undo step (%zu patches within %dx%d px) storing %zu bytes before + after (one full mask: %d bytes; %.1f%%)\n",
                cmd->patchCount(), cmd->rect().width, cmd->rect().height, cmd->storedBytes(), 1024 * 1024,
                100.0 * static_cast<double>(cmd->storedBytes()) / (1024.0 * 1024.0));
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
