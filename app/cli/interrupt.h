#pragma once
#include "rgbdsod/core/progress.h"

namespace rgbdsod::cli {

// A cancel token triggered by Ctrl-C (SIGINT) and SIGTERM, so long jobs stop between units of
// work and leave their output consistent instead of being killed half-way.
core::CancelToken interruptToken();

}  // namespace rgbdsod::cli
