#include "progress_bar.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <fmt/format.h>

namespace rgbdsod::cli {
namespace {

int terminalWidth() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 80;
}

std::string formatDuration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

}  // namespace

ProgressBar::ProgressBar(bool enabled)
    : enabled_(enabled && ::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - std::chrono::seconds(1)) {}

ProgressBar::~ProgressBar() { finish(); }

std::string ProgressBar::render(const core::ProgressEvent& event, double seconds_elapsed, int width) {
  const double rate = seconds_elapsed > 0 ? static_cast<double>(event.done) / seconds_elapsed : 0.0;
  std::string tail = event.total > 0 ? fmt::format(" {}/{}", event.done, event.total) : fmt::format(" {}", event.done);
  tail += fmt::format("  {:.1f}/s", rate);
  if (event.total > 0 && rate > 0 && event.done < event.total)
    tail += "  ETA " + formatDuration(static_cast<double>(event.total - event.done) / rate);
  const std::string head = event.stage + " ";
  const int bar_width = std::max(10, width - static_cast<int>(head.size() + tail.size()) - 3);
  std::string bar(static_cast<std::size_t>(bar_width), ' ');
  if (event.total > 0) {
    const auto filled = static_cast<std::size_t>(
        std::min<double>(bar_width, bar_width * static_cast<double>(event.done) / static_cast<double>(event.total)));
    std::fill_n(bar.begin(), filled, '=');
    if (filled < bar.size()) bar[filled] = '>';
  }
  return head + "[" + bar + "]" + tail;
}

void ProgressBar::update(const core::ProgressEvent& event) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  const bool last = event.total > 0 && event.done >= event.total;
  if (event.stage != stage_ && drawn_) {
    std::fputc('\n', stderr);  // a new stage starts on its own line
    start_ = now;
  }
  if (!last && event.stage == stage_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  stage_ = event.stage;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::fprintf(stderr, "\r%s", render(event, elapsed, terminalWidth() - 1).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  std::lock_guard lock(mutex_);
  if (enabled_ && drawn_) {
    std::fputc('\n', stderr);
    std::fflush(stderr);
  }
  drawn_ = false;
}

core::ProgressFn ProgressBar::callback() {
  return [this](const core::ProgressEvent& e) { update(e); };
}

}  // namespace rgbdsod::cli
