#pragma once
// Measures how responsive the GUI thread is: a timer asks to fire every `interval_ms` and records
// how late each tick came (a stall of the event loop shows as a late tick). Used by the
// responsiveness test of the Training workspace and available to benchmarks.
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <vector>

namespace rgbdsod::ui {

class EventLoopProbe : public QObject {
  Q_OBJECT

 public:
  explicit EventLoopProbe(int interval_ms = 5, QObject* parent = nullptr);
  void start();
  void stop();
  // Lateness of each tick in ms (actual interval minus the asked one, at least 0).
  const std::vector<double>& latenessMs() const { return lateness_; }
  double maxMs() const;
  double percentileMs(double p) const;  // p in [0, 100]
  std::size_t ticks() const { return lateness_.size(); }

 private:
  void tick();

  int interval_ms_;
  QTimer timer_;
  QElapsedTimer clock_;
  qint64 last_ns_ = -1;
  std::vector<double> lateness_;
};

}  // namespace rgbdsod::ui
