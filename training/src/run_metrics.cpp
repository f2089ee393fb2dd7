#include "rgbdsod/training/run_metrics.h"

#include <sys/stat.h>

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rgbdsod::training {

std::size_t RunSeries::size() const {
  std::size_t n = 0;
  for (const auto& [name, points] : series) n += points.size();
  return n;
}

namespace {

void addPoint(RunSeries& s, const std::string& name, std::int64_t step, double time, const nlohmann::json& v) {
  if (!v.is_number()) return;  // null: a metric that was not finite (validation of an empty split)
  s.series[name].push_back({step, time, v.get<double>()});
}

}  // namespace

bool MetricsTail::poll() {
  struct stat st {};
  if (::stat(file_.c_str(), &st) != 0) return false;  // no lines yet
  const auto size = static_cast<std::uintmax_t>(st.st_size);
  // A resumed run rewrites the file (atomically, so a new inode) without the steps it redoes.
  const bool replaced = (inode_ != 0 && static_cast<std::uintmax_t>(st.st_ino) != inode_) || size < offset_;
  bool changed = false;
  if (replaced) {
    offset_ = 0;
    line_no_ = 0;
    first_time_ = -1;
    series_ = RunSeries{};
    warnings_.clear();
    changed = true;
  }
  inode_ = static_cast<std::uintmax_t>(st.st_ino);
  if (size == offset_) return changed;

  std::ifstream in(file_, std::ios::binary);
  if (!in) return changed;
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string chunk(static_cast<std::size_t>(size - offset_), '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  chunk.resize(static_cast<std::size_t>(in.gcount()));

  std::size_t begin = 0;
  for (std::size_t nl = chunk.find('\n'); nl != std::string::npos; nl = chunk.find('\n', begin)) {
    const std::string line = chunk.substr(begin, nl - begin);
    begin = nl + 1;
    ++line_no_;
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      warnings_.push_back(fmt::format("{}:{}: not a JSON line, skipped", file_.string(), line_no_));
      continue;
    }
    if (!j.is_object() || !j.contains("step") || !j["step"].is_number_integer()) {
      warnings_.push_back(fmt::format("{}:{}: no integer \"step\", skipped", file_.string(), line_no_));
      continue;
    }
    const std::int64_t step = j["step"].get<std::int64_t>();
    double time = -1;
    if (j.contains("time") && j["time"].is_number()) {
      const double t = j["time"].get<double>();
      if (first_time_ < 0) first_time_ = t;
      time = t - first_time_;
    }
    addPoint(series_, "loss", step, time, j.value("loss", nlohmann::json()));
    addPoint(series_, "lr", step, time, j.value("lr", nlohmann::json()));
    addPoint(series_, "samples_per_s", step, time, j.value("samples_per_s", nlohmann::json()));
    for (const char* group : {"terms", "val"}) {
      if (!j.contains(group) || !j[group].is_object()) continue;
      for (const auto& [name, v] : j[group].items()) {
        if (std::string(group) == "val" && name == "images") continue;  // a count, not a curve
        addPoint(series_, std::string(group) + "/" + name, step, time, v);
      }
    }
    series_.last_step = std::max(series_.last_step, step);
    changed = true;
  }
  offset_ += begin;  // a torn last line is read again next time
  return changed;
}

}  // namespace rgbdsod::training
