// The labels sidecar reader (core::parseLabelSidecar, what LabelStore reads from labels.json):
// any input must give records or a core::SidecarError naming the file, never a crash, another
// exception, or a record that breaks the reader's own promises (a sample name with a path
// separator, a negative count).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "rgbdsod/core/label_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto records = rgbdsod::core::parseLabelSidecar(text, "labels.json");
    for (const auto& [name, r] : records) {
      if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos || r.edits < 0) {
        std::fprintf(stderr, "parseLabelSidecar accepted a bad record '%s'\n", name.c_str());
        std::abort();
      }
      for (const auto& [kind, n] : r.edit_kinds)
        if (n < 0) std::abort();
    }
  } catch (const rgbdsod::core::SidecarError&) {
    // refused, with a message: fine
  }
  return 0;
}
