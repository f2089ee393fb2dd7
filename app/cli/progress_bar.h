#pragma once
// A terminal progress bar for long CLI jobs. Drawn on stderr only when stderr is a terminal and
// the user did not ask for --quiet; redraws are throttled so that fast jobs do not flood it.
// Safe to call from worker threads.
#include <chrono>
#include <mutex>
#include <string>

#include "rgbdsod/core/progress.h"

namespace rgbdsod::cli {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled);
  ~ProgressBar();  // finishes the line if one was drawn
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(const core::ProgressEvent& event);
  void finish();
  // A callback for core::JobContext that forwards to update().
  core::ProgressFn callback();

  // "stage [=====>    ]  45/300  12.3/s  ETA 3s" for a given width; exposed for tests.
  static std::string render(const core::ProgressEvent& event, double seconds_elapsed, int width);

 private:
  bool enabled_;
  bool drawn_ = false;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::string stage_;
};

}  // namespace rgbdsod::cli
