// The method aliases reader (core::Aliases::parse: JSON or "name = display" lines): any text must
// give aliases or a core::FileError naming the file (and the line), never a crash or another
// exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/report_table.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)rgbdsod::core::Aliases::parse(text, "aliases.txt");
    (void)rgbdsod::core::Aliases::parse(text, "aliases.json");
  } catch (const rgbdsod::core::FileError&) {
    // refused, naming the file: fine
  }
  return 0;
}
