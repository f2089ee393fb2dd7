// Label-editing responsiveness (issue 12): on a 1024x1024 mask, one radius-20 stamp, a 100-point
// brush stroke (stampSegment between consecutive points, as the Labels view sends a drag), and what
// an undo step costs to store: copying the changed rects vs cloning the whole mask.
// Usage: rgbdsod_bench_mask_edit [repeats=201]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>

#include "rgbdsod/core/mask_edit.h"

using namespace rgbdsod::core;

namespace {

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

using Clock = std::chrono::steady_clock;
double usSince(Clock::time_point t0) { return std::chrono::duration<double, std::micro>(Clock::now() - t0).count(); }

// Medians: robust to the other jobs on a shared machine.
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A wavy stroke of 100 points across the mask, ~8 px apart.
std::vector<cv::Point> strokePoints() {
  std::vector<cv::Point> pts;
  for (int i = 0; i < 100; ++i)
    pts.emplace_back(100 + i * 8, 512 + static_cast<int>(std::lround(200.0 * std::sin(i * 0.1))));
  return pts;
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 201;
  std::printf("machine: %s, %u hardware threads\n", cpuModel().c_str(), std::thread::hardware_concurrency());
  cv::Mat mask(1024, 1024, CV_8UC1, cv::Scalar(0));
  const std::vector<cv::Point> pts = strokePoints();

  // One stamp: alternate 255 and 0 so every call really writes its ~1.3k pixels.
  std::vector<double> disc_us;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = Clock::now();
    const cv::Rect r = stampDisc(mask, {512, 512}, 20, (i % 2) ? 0 : 255);
    disc_us.push_back(usSince(t0));
    if (r.empty()) std::abort();
  }
  std::printf("stampDisc r=20:            %8.2f us (median of %d)\n", median(disc_us), repeats);

  // The stroke, and the rects an undo step would store (one per segment).
  std::vector<double> stroke_us, rects_us, clone_us;
  std::size_t rect_px = 0;
  for (int i = 0; i < std::max(1, repeats / 10); ++i) {
    mask.setTo(0);
    std::vector<cv::Rect> rects;
    const auto t0 = Clock::now();
    rects.push_back(stampDisc(mask, pts[0], 20, 255));
    for (std::size_t k = 1; k < pts.size(); ++k) rects.push_back(stampSegment(mask, pts[k - 1], pts[k], 20, 255));
    stroke_us.push_back(usSince(t0));

    const auto t1 = Clock::now();
    std::vector<cv::Mat> copies;
    copies.reserve(rects.size());
    rect_px = 0;
    for (const cv::Rect& r : rects)
      if (!r.empty()) {
        copies.push_back(mask(r).clone());
        rect_px += static_cast<std::size_t>(r.area());
      }
    rects_us.push_back(usSince(t1));

    const auto t2 = Clock::now();
    const cv::Mat whole = mask.clone();
    clone_us.push_back(usSince(t2));
    if (whole.empty() || copies.empty()) std::abort();
  }
  const int stroke_runs = static_cast<int>(stroke_us.size());
  std::printf("stroke 100 pts r=20:       %8.2f us (median of %d), %zu px painted\n", median(stroke_us), stroke_runs,
              static_cast<std::size_t>(cv::countNonZero(mask)));
  std::printf("undo: copy changed rects:  %8.2f us, %zu px in %zu rects\n", median(rects_us), rect_px, pts.size());
  std::printf("undo: clone whole mask:    %8.2f us, %zu px\n", median(clone_us), static_cast<std::size_t>(mask.total()));
  return 0;
}
