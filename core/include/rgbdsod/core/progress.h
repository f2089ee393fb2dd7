#pragma once
// Progress reporting and cooperative cancellation for long jobs (scanning, validation,
// generation, evaluation, training). Jobs poll the token between units of work and report
// progress through a callback; the callback may be called from a worker thread.
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace rgbdsod::core {

class CancelToken {
 public:
  CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  void cancel() const noexcept { flag_->store(true, std::memory_order_relaxed); }
  bool cancelled() const noexcept { return flag_->load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;  // shared: copies of a token cancel together
};

struct ProgressEvent {
  std::string stage;     // what is being done, e.g. "validate"
  std::size_t done = 0;  // units finished
  std::size_t total = 0; // 0 when unknown
  std::string item;      // the unit just finished, e.g. a sample name
};

using ProgressFn = std::function<void(const ProgressEvent&)>;

// What a long job receives from its caller.
struct JobContext {
  ProgressFn progress;  // may be empty
  CancelToken cancel;

  void report(const std::string& stage, std::size_t done, std::size_t total,
              const std::string& item = {}) const {
    if (progress) progress(ProgressEvent{stage, done, total, item});
  }
  // Throws Cancelled when the token was triggered.
  void throwIfCancelled() const;
};

}  // namespace rgbdsod::core
