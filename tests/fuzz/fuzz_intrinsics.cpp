// The camera intrinsics reader (core::parseIntrinsics, what `rgbdsod hha --intrinsics FILE` reads):
// any text must give a usable camera (CameraIntrinsics::problem() empty: positive finite focal
// lengths, finite principal point) or a core::FileError naming the file, never a crash or another
// exception.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/hha.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const rgbdsod::core::CameraIntrinsics c = rgbdsod::core::parseIntrinsics(text, "camera_intrinsics.txt");
    if (const std::string p = c.problem(); !p.empty()) {
      std::fprintf(stderr, "parseIntrinsics accepted an unusable camera: %s\n", p.c_str());
      std::abort();
    }
  } catch (const rgbdsod::core::FileError&) {
    // refused, naming the file: fine
  }
  return 0;
}
