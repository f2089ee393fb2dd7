#include "rgbdsod/ui/shell/event_loop_probe.h"

#include <algorithm>
#include <cmath>

namespace rgbdsod::ui {

EventLoopProbe::EventLoopProbe(int interval_ms, QObject* parent) : QObject(parent), interval_ms_(interval_ms) {
  timer_.setTimerType(Qt::PreciseTimer);  // coarse timers may fire 5% late by design
  timer_.setInterval(interval_ms_);
  connect(&timer_, &QTimer::timeout, this, &EventLoopProbe::tick);
}

void EventLoopProbe::start() {
  lateness_.clear();
  clock_.start();
  last_ns_ = clock_.nsecsElapsed();
  timer_.start();
}

void EventLoopProbe::stop() { timer_.stop(); }

void EventLoopProbe::tick() {
  const qint64 now = clock_.nsecsElapsed();
  const double gap_ms = static_cast<double>(now - last_ns_) / 1e6;
  last_ns_ = now;
  lateness_.push_back(std::max(0.0, gap_ms - interval_ms_));
}

double EventLoopProbe::maxMs() const {
  return lateness_.empty() ? 0.0 : *std::max_element(lateness_.begin(), lateness_.end());
}

double EventLoopProbe::percentileMs(double p) const {
  if (lateness_.empty()) return 0.0;
  std::vector<double> sorted = lateness_;
  std::sort(sorted.begin(), sorted.end());
  const auto i = static_cast<std::size_t>(std::lround(p / 100.0 * static_cast<double>(sorted.size() - 1)));
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace rgbdsod::ui
