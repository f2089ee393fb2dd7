// The depth settings reader (core::parseDepthConfig, what a dataset's depth.json goes through):
// any text must give a config or a core::FileError naming the file and the key, never a crash or
// another exception. A config it accepts must have the invariants the header promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rgbdsod/core/depth_config.h"
#include "rgbdsod/core/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const rgbdsod::core::DepthConfig c = rgbdsod::core::parseDepthConfig(text, "/nonexistent-fuzz-dataset/depth.json");
    (void)c.fingerprint();
  } catch (const rgbdsod::core::FileError&) {
    // refused, naming the file: fine
  }
  return 0;
}
