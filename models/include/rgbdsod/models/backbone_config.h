#pragma once
// Shared by all backbones: a width multiplier (tests and the demo train at 1/8 width or less on a
// CPU; 1.0 reproduces the papers) and any number of input channels (RGB 3, raw depth 1, HHA 3).
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace rgbdsod::models {

struct BackboneConfig {
  double width = 1.0;
  int64_t in_channels = 3;
};

// Channels of a layer at the given width: rounded, at least 1 (so 1/64 width still builds).
inline int64_t scaledChannels(int64_t full_channels, double width) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::lround(static_cast<double>(full_channels) * width)));
}

}  // namespace rgbdsod::models
