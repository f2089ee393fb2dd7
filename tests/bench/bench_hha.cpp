// HHA encoder benchmark: ms per 640x480 frame on one thread (the figure compared with the Python
// reference port, ~2-5 s per frame) and with OpenCV's default thread count.
// Usage: rgbdsod_bench_hha [hha_reference_dir] [frames=20]
//   hha_reference_dir defaults to $RGBDSOD_SHARED_DATA/hha_reference; without it a synthetic
//   640x480 room (floor, wall, box, holes) is used.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "rgbdsod/core/hha.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;

namespace {

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

struct Frame {
  cv::Mat depth_m, raw;
  CameraIntrinsics camera = CameraIntrinsics::nyuColour();
  std::string what;
};

// A room seen by the NYU camera: floor 1.3 m below, back wall at 4 m, a box, and missing strips.
Frame syntheticFrame() {
  Frame f;
  f.what = "synthetic 640x480 room";
  f.depth_m.create(480, 640, CV_64F);
  f.raw.create(480, 640, CV_16U);
  const CameraIntrinsics& c = f.camera;
  cv::RNG rng(7);
  for (int v = 0; v < 480; ++v)
    for (int u = 0; u < 640; ++u) {
      const double dy = (v + 1 - c.cy) / c.fy;
      double z = 4.0;                           // wall
      if (dy > 0 && 1.3 / dy < z) z = 1.3 / dy;  // floor
      if (u > 250 && u < 400 && v > 200 && v < 330) z = std::min(z, 2.0);
      z += rng.gaussian(0.002);
      f.depth_m.at<double>(v, u) = z;
      f.raw.at<std::uint16_t>(v, u) = (v < 40 || (u / 16 + v / 24) % 11 == 0) ? 0 : 1;
    }
  return f;
}

std::optional<Frame> nyuFrame(const fs::path& dir) {
  const cv::Mat d16 = cv::imread((dir / "nyu_demo" / "0.png").string(), cv::IMREAD_UNCHANGED);
  if (d16.empty()) return std::nullopt;
  Frame f;
  f.what = "NYU frame " + (dir / "nyu_demo" / "0.png").string() + " with its raw depth";
  d16.convertTo(f.depth_m, CV_64F, 1.0 / 10000.0);
  f.raw = cv::imread((dir / "nyu_demo" / "0_raw.png").string(), cv::IMREAD_UNCHANGED);
  f.camera = readIntrinsicsFile(dir / "camera_intrinsics.txt");
  return f;
}

double cpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

struct Timing {
  double wall_ms;  // median wall-clock time per frame
  double cpu_ms;   // median CPU time per frame, all threads of the process together
};

// Medians: robust to other processes on a shared machine. CPU time is what one core spends and
// does not grow when other jobs compete for the cores; wall time does.
Timing timePerFrame(const Frame& f, int frames) {
  std::vector<double> wall, cpu;
  for (int i = 0; i < frames; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpuMs();
    const HhaResult r = computeHha(f.depth_m, f.raw, f.camera);
    cpu.push_back(cpuMs() - c0);
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (r.hha.empty()) std::abort();
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir;
  if (argc > 1) dir = argv[1];
  else if (const char* env = std::getenv("RGBDSOD_SHARED_DATA")) dir = fs::path(env) / "hha_reference";
  const int frames = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
  std::optional<Frame> frame = dir.empty() ? std::nullopt : nyuFrame(dir);
  if (!frame) frame = syntheticFrame();

  std::printf("machine: %s, %u hardware threads\n", cpuModel().c_str(), std::thread::hardware_concurrency());
  std::printf("input:   %s\n", frame->what.c_str());
  timePerFrame(*frame, 2);  // warm-up (page faults, OpenCV's thread pool)
  const int default_threads = cv::getNumThreads();
  cv::setNumThreads(1);
  const Timing one = timePerFrame(*frame, frames);
  std::printf("hha:     1 thread:  %.1f ms/frame CPU, %.1f ms/frame wall (medians of %d)\n", one.cpu_ms, one.wall_ms,
              frames);
  cv::setNumThreads(default_threads);
  const Timing many = timePerFrame(*frame, frames);
  std::printf("hha:     %d threads: %.1f ms/frame CPU, %.1f ms/frame wall (medians of %d)\n", cv::getNumThreads(),
              many.cpu_ms, many.wall_ms, frames);
  return 0;
}
