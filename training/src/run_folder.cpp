#include "rgbdsod/training/run_folder.h"

#include <chrono>
#include <ctime>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;

LineWriter::LineWriter(const fs::path& file) : file_(file) {
  if (file.empty()) return;
  out_.open(file, std::ios::app);
  if (!out_) throw core::FileError(file, "cannot open for writing");
}

void LineWriter::write(const std::string& line) {
  if (file_.empty()) return;
  std::lock_guard lock(mutex_);
  out_ << line << '\n';
  out_.flush();
}

TrainConfig readRunConfig(const fs::path& run) {
  const RunPaths paths{run};
  std::ifstream in(paths.config());
  if (!in) throw core::FileError(paths.config(), "cannot open: not a training run folder");
  nlohmann::json resolved;
  try {
    resolved = nlohmann::json::parse(core::readJsonFile(paths.config()));
  } catch (const nlohmann::json::exception& e) {
    throw core::FileError(paths.config(), std::string("not valid JSON: ") + e.what());
  }
  return configFromResolved(resolved, paths.config().string());
}

namespace {

std::string utcNow() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return stamp;
}

}  // namespace

std::size_t removeStaleTemporaries(const fs::path& run) {
  std::size_t removed = 0;
  for (const fs::path& folder : {run, run / "checkpoints"}) {
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      const auto tmp = name.rfind(".tmp-");
      if (name.empty() || name[0] != '.' || tmp == std::string::npos) continue;
      const std::string tail = name.substr(tmp + 5);  // "<pid>-<n>"
      const auto dash = tail.find('-');
      const auto digits = [](const std::string& t) {
        return !t.empty() && t.find_first_not_of("0123456789") == std::string::npos;
      };
      if (dash == std::string::npos || !digits(tail.substr(0, dash)) || !digits(tail.substr(dash + 1))) continue;
      std::error_code rm;
      if (it->is_regular_file(rm) && fs::remove(it->path(), rm)) ++removed;
    }
  }
  return removed;
}

void logLine(LineWriter& log, const std::string& message) {
  log.write(utcNow().append(" ").append(message));
  spdlog::info("{}", message);
}

void writeRunStatus(const fs::path& run, RunStatus status) {
  status.updated = utcNow();
  const nlohmann::json j{{"state", status.state}, {"stage", status.stage}, {"data", status.data},
                         {"step", status.step},   {"steps", status.steps}, {"message", status.message},
                         {"updated", status.updated}};
  core::writeFileAtomic(RunPaths{run}.status(), j.dump(2) + "\n");
}

std::optional<RunStatus> readRunStatus(const fs::path& run) {
  const fs::path file = RunPaths{run}.status();
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  try {
    const nlohmann::json j = nlohmann::json::parse(core::readJsonFile(file));
    RunStatus s;
    s.state = j.at("state").get<std::string>();
    s.stage = j.value("stage", std::string());
    s.data = j.value("data", std::string());
    s.step = j.value("step", std::int64_t{0});
    s.steps = j.value("steps", std::int64_t{0});
    s.message = j.value("message", std::string());
    s.updated = j.value("updated", std::string());
    return s;
  } catch (const std::exception&) {
    return std::nullopt;  // torn or foreign: the catalog falls back to the checkpoints and metrics
  }
}

std::vector<nlohmann::json> readMetrics(const fs::path& file) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      lines.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception&) {
      // A torn line from a killed run: dropped.
    }
  }
  return lines;
}

void truncateMetricsAfter(const fs::path& file, std::int64_t step) {
  if (!fs::exists(file)) return;
  std::string kept;
  for (const auto& j : readMetrics(file)) {
    if (j.contains("step") && j["step"].is_number_integer() && j["step"].get<std::int64_t>() > step) continue;
    kept.append(j.dump()).append("\n");
  }
  core::writeFileAtomic(file, kept);
}

}  // namespace rgbdsod::training
