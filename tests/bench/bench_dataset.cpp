// Dataset benchmark: demo generation, folder scan and validation throughput.
// Usage: rgbdsod_bench_dataset [scenes=300] [size=256]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/synth.h"
#include "rgbdsod/core/validation.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

}  // namespace

int main(int argc, char** argv) {
  SynthConfig config;
  config.count = argc > 1 ? std::stoi(argv[1]) : 300;
  config.width = config.height = argc > 2 ? std::stoi(argv[2]) : 256;
  const fs::path out = fs::temp_directory_path() / ("rgbdsod-bench-" + std::to_string(::getpid()));

  std::printf("machine: %s, %u hardware threads\n", cpuModel().c_str(), std::thread::hardware_concurrency());
  auto t0 = std::chrono::steady_clock::now();
  const SynthSummary summary = writeSynthDataset(out, config);
  const double gen = secondsSince(t0);
  std::printf("synth:    %d scenes %dx%d in %.2f s  (%.0f scenes/s, incl. JPEG/PNG encoding)\n", config.count,
              config.width, config.height, gen, config.count / gen);

  for (const char* split : {"train", "test"}) {
    t0 = std::chrono::steady_clock::now();
    const Dataset ds = openDataset(out / split);
    const double scan = secondsSince(t0);
    t0 = std::chrono::steady_clock::now();
    const ValidationReport report = validate(ds);
    const double val = secondsSince(t0);
    std::printf("%-5s     scan %zu samples in %.3f s; validate in %.2f s (%.0f samples/s, decoding 3 images each); %s\n",
                split, ds.size(), scan, val, static_cast<double>(ds.size()) / val, report.summary().c_str());
  }
  (void)summary;
  fs::remove_all(out);
  return 0;
}
