#pragma once
// The files of a training run folder besides the checkpoints: the resolved config, a plain-text
// log and the metrics as JSON lines (one object per line with "step"). Torch-free.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rgbdsod/training/config.h"

namespace rgbdsod::training {

struct RunPaths {
  std::filesystem::path root;
  std::filesystem::path config() const { return root / "config.json"; }
  std::filesystem::path log() const { return root / "train.log"; }
  std::filesystem::path metrics() const { return root / "metrics.jsonl"; }
  std::filesystem::path status() const { return root / "status.json"; }
};

// status.json: what the run is doing or how it ended, rewritten atomically at the start and the end
// of each job. "running" in a folder whose lock is free means the job died (see run_catalog.h).
struct RunStatus {
  std::string state;  // "running", "finished", "stopped", "non-finite", "failed"
  std::string stage;
  std::string data;   // the dataset folder the job trained on
  std::int64_t step = 0;
  std::int64_t steps = 0;
  std::string message;
  std::string updated;  // UTC, ISO 8601
};
void writeRunStatus(const std::filesystem::path& run, RunStatus status);  // sets `updated`; throws core::FileError
// Missing, unreadable or foreign JSON: nullopt (a run of an older version has none).
std::optional<RunStatus> readRunStatus(const std::filesystem::path& run);

// The run's config.json as a validated TrainConfig. Throws core::FileError naming the file when it
// is missing or not JSON, ConfigError for bad keys.
TrainConfig readRunConfig(const std::filesystem::path& run);

// Appends lines, flushed at once so that a killed process loses at most the line being written.
class LineWriter {
 public:
  // Appends to `file` (throws core::FileError); an empty path drops the lines (a rank other than 0).
  explicit LineWriter(const std::filesystem::path& file);
  void write(const std::string& line);

 private:
  std::filesystem::path file_;
  std::ofstream out_;
  std::mutex mutex_;
};

// Removes the temporaries a killed writer left in the run folder and its checkpoints/
// (".<name>.tmp-<pid>-<n>", core::temporarySiblingPath): only while holding the run's lock, when
// no other writer of that folder can be alive. Returns how many were removed.
std::size_t removeStaleTemporaries(const std::filesystem::path& run);

// "2026-11-21T08:03:53Z message" in the log and at info level in spdlog.
void logLine(LineWriter& log, const std::string& message);

// Every line of a metrics file as JSON (a torn last line from a killed process is skipped).
std::vector<nlohmann::json> readMetrics(const std::filesystem::path& file);
// Drops the lines whose "step" is greater than `step` (what a resumed run will write again),
// rewriting the file atomically. A missing file is left missing.
void truncateMetricsAfter(const std::filesystem::path& file, std::int64_t step);

}  // namespace rgbdsod::training
