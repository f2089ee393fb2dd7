// Issue 15 item 2: the evaluation's own 8-bit grey PNG decoder (core/src/png_gray8.cpp) against
// libspng (fuzzed upstream in OSS-Fuzz) and cv::imdecode (libpng), on the files the evaluation
// reads: saliency maps and GT masks, 8-bit grey, written by OpenCV. Every decoder's pixels must
// equal cv::imdecode's on every file (checked first); then each decodes all files in memory,
// interleaved rounds, median per decoder. Usage: rgbdsod_bench_png_decoders [files=300] [size=352]
#include <spng.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "png_gray8.h"  // core's internal fast path (this benchmark reaches into core/src on purpose)

namespace {

using Bytes = std::vector<std::uint8_t>;

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

// Half GT masks (hard ellipses), half soft maps like a network's (blurred, noisy): both as
// cv::imwrite writes them (default compression).
std::vector<Bytes> makeFiles(int count, int size) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Bytes> files;
  for (int i = 0; i < count; ++i) {
    cv::Mat m = cv::Mat::zeros(size, size, CV_8UC1);
    const cv::Point c(static_cast<int>(size * (0.2 + 0.6 * u(rng))), static_cast<int>(size * (0.2 + 0.6 * u(rng))));
    const cv::Size axes(static_cast<int>(size * (0.05 + 0.25 * u(rng))), static_cast<int>(size * (0.05 + 0.25 * u(rng))));
    cv::ellipse(m, c, axes, 180 * u(rng), 0, 360, cv::Scalar(255), cv::FILLED, cv::LINE_AA);
    if (i % 2 == 1) {
      cv::GaussianBlur(m, m, cv::Size(21, 21), 7.0);
      cv::Mat noise(size, size, CV_8UC1);
      cv::randu(noise, 0, 24);
      cv::add(m, noise, m);
    }
    Bytes png;
    cv::imencode(".png", m, png);
    files.push_back(std::move(png));
  }
  return files;
}

bool decodeSpng(const Bytes& file, cv::Mat& out) {
  spng_ctx* ctx = spng_ctx_new(0);
  if (!ctx) return false;
  bool ok = false;
  spng_ihdr ihdr{};
  std::size_t size = 0;
  if (spng_set_png_buffer(ctx, file.data(), file.size()) == 0 && spng_get_ihdr(ctx, &ihdr) == 0 &&
      spng_decoded_image_size(ctx, SPNG_FMT_G8, &size) == 0 && size == std::size_t(ihdr.width) * ihdr.height) {
    out.create(static_cast<int>(ihdr.height), static_cast<int>(ihdr.width), CV_8UC1);
    ok = spng_decode_image(ctx, out.data, size, SPNG_FMT_G8, 0) == 0;
  }
  spng_ctx_free(ctx);
  return ok;
}

bool decodeOwn(const Bytes& file, cv::Mat& out) { return rgbdsod::core::detail::decodePngGray8(file.data(), file.size(), out); }

bool decodeOpenCv(const Bytes& file, cv::Mat& out) {
  out = cv::imdecode(file, cv::IMREAD_GRAYSCALE);
  return !out.empty();
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 300;
  const int size = argc > 2 ? std::atoi(argv[2]) : 352;
  const std::vector<Bytes> files = makeFiles(count, size);
  struct Decoder {
    const char* name;
    std::function<bool(const Bytes&, cv::Mat&)> decode;
    std::vector<double> rounds_ms;
  };
  std::vector<Decoder> decoders = {{"own (png_gray8)", decodeOwn, {}}, {"libspng 0.7", decodeSpng, {}},
                                   {"cv::imdecode", decodeOpenCv, {}}};
  // Equality with cv::imdecode on every file, before any timing.
  for (const Bytes& f : files) {
    cv::Mat reference, got;
    decodeOpenCv(f, reference);
    for (Decoder& d : decoders) {
      if (!d.decode(f, got) || got.size() != reference.size() || cv::countNonZero(got != reference) != 0) {
        std::fprintf(stderr, "%s differs from cv::imdecode\n", d.name);
        return 1;
      }
    }
  }
  constexpr int kRounds = 7;
  cv::Mat out;
  for (int r = 0; r < kRounds; ++r) {
    for (Decoder& d : decoders) {
      const auto t0 = std::chrono::steady_clock::now();
      for (const Bytes& f : files) d.decode(f, out);
      d.rounds_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  std::printf("machine: %s; %d PNGs of %dx%d (half hard masks, half soft maps), one thread, %d interleaved rounds\n",
              cpuModel().c_str(), count, size, size, kRounds);
  std::printf("all decoders equal cv::imdecode on every file\n");
  std::vector<double> medians;
  for (Decoder& d : decoders) {
    std::sort(d.rounds_ms.begin(), d.rounds_ms.end());
    medians.push_back(d.rounds_ms[kRounds / 2]);
  }
  for (std::size_t i = 0; i < decoders.size(); ++i) {
    std::printf("%-18s %8.1f ms  %8.0f images/s  %.2fx the time of the own decoder\n", decoders[i].name, medians[i],
                1000.0 * count / medians[i], medians[i] / medians[0]);
  }
  return 0;
}
