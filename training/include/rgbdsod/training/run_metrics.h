#pragma once
// A run's metrics.jsonl as named series, read incrementally while the run grows (the studio polls
// it, also for runs started from the CLI). Series names: "loss", "lr", "samples_per_s",
// "terms/<name>", "val/<name>" (mae, max_fm, sm, mean_fm, wfm). Torch-free and Qt-free.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rgbdsod::training {

struct MetricPoint {
  std::int64_t step = 0;
  double time = -1;  // seconds since the run's first logged line (< 0: not logged, old runs)
  double value = 0;
};

struct RunSeries {
  std::map<std::string, std::vector<MetricPoint>> series;
  std::int64_t last_step = 0;
  std::size_t size() const;  // points over all series
};

// Appends the complete lines added to a metrics file since the last call. A torn last line (a run
// being written, or killed) is kept for the next call; a file that shrank (a resumed run truncated
// it) is read again from the start. Not thread-safe: one reader per file.
class MetricsTail {
 public:
  explicit MetricsTail(std::filesystem::path file) : file_(std::move(file)) {}
  // True when new points arrived (or the series were reset). A missing file is no error (no lines
  // yet); a bad line is skipped with its line number in `warnings`.
  bool poll();
  const RunSeries& series() const { return series_; }
  const std::filesystem::path& file() const { return file_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::filesystem::path file_;
  std::uintmax_t offset_ = 0;
  std::uintmax_t inode_ = 0;
  std::size_t line_no_ = 0;
  double first_time_ = -1;
  RunSeries series_;
  std::vector<std::string> warnings_;
};

}  // namespace rgbdsod::training
