// The whole evaluation reader (core::readEvaluationImage): size limits, the header check before
// allocation, the grey-PNG fast path, OpenCV for everything else, the JPEG end-marker check. Any
// input must give an image or a core::FileError naming the file: never a crash, a leak of the
// limits (more pixels than RGBDSOD_MAX_IMAGE_PIXELS) or another exception.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/core/input_limits.h"

namespace {

std::filesystem::path scratchFile() {
  const std::filesystem::path dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  return dir / ("rgbdsod-fuzz-" + std::to_string(::getpid()) + ".png");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path file = scratchFile();
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const cv::Mat image = rgbdsod::core::readEvaluationImage(file);
    if (image.empty() || image.type() != CV_8UC1) {
      std::fprintf(stderr, "readEvaluationImage returned an empty or non-grey image\n");
      std::abort();
    }
  } catch (const rgbdsod::core::FileError&) {
    // refused with a message naming the file: what bad input must get
  }
  return 0;
}
