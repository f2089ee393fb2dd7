// The training configuration readers: training::resolveConfig (defaults + a --config JSON file +
// --set key=value overrides) and configFromResolved (a run folder's config.json). The first byte
// picks the stage; the rest is split at "\n%%\n" into the config file's text (empty: no file) and
// up to 8 overrides. Refusals are fine as long as they are exceptions the CLI reports
// (std::exception); a crash, std::terminate or undefined behaviour is a finding. A config that is
// accepted must also be accepted again from its config.json, as a resumed run reads it.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rgbdsod/training/config.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kSeparator = "\n%%\n";

fs::path scratchFile() {
  const fs::path dir = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path();
  return dir / ("rgbdsod-fuzz-config-" + std::to_string(::getpid()) + ".json");
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> parts;
  while (parts.size() < 9) {
    const std::size_t end = std::min(text.find(kSeparator), text.size());
    parts.emplace_back(text.substr(0, end));
    if (end == text.size()) break;
    text.remove_prefix(end + kSeparator.size());
  }
  return parts;
}

// A resolved config written as the run's config.json and read back must give the same config.
void checkRoundTrip(const rgbdsod::training::TrainConfig& c) {
  try {
    const auto again = rgbdsod::training::configFromResolved(json::parse(c.resolved.dump(2)), "config.json");
    if (again.resolved != c.resolved) {
      std::fprintf(stderr, "config.json read back differs:\n%s\n%s\n", c.resolved.dump().c_str(),
                   again.resolved.dump().c_str());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "an accepted config is refused from its config.json: %s\n", e.what());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fs::path file = scratchFile();
  const auto& stages = rgbdsod::training::stageNames();
  const std::string& stage = stages[size == 0 ? 0 : data[0] % stages.size()];
  const std::vector<std::string> parts =
      split(size == 0 ? std::string_view() : std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  const bool with_file = !parts.front().empty();
  if (with_file) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(parts.front().data(), static_cast<std::streamsize>(parts.front().size()));
  }
  const std::vector<std::string> overrides(parts.begin() + 1, parts.end());
  try {
    checkRoundTrip(rgbdsod::training::resolveConfig(stage, with_file ? file : fs::path(), overrides));
  } catch (const std::exception&) {
    // refused with a message (ConfigError, core::FileError, ...)
  }
  // The same text as a run's config.json (a stage of its own, or none).
  json resolved;
  try {
    resolved = json::parse(parts.front());
  } catch (const json::exception&) {
    return 0;  // the trainer's JSON reader refuses it first
  }
  try {
    checkRoundTrip(rgbdsod::training::configFromResolved(resolved, "config.json"));
  } catch (const std::exception&) {
  }
  return 0;
}
