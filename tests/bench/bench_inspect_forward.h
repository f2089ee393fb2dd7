#pragma once
// The bare forward pass of a run's network (torch, in its own translation unit), for
// bench_inspect.cpp (Qt, no torch) to compare the studio's time with.
#include <filesystem>

namespace rgbdsod::bench {

// Median milliseconds of `repeats` forward passes of the run's network on one size x size input
// (eval mode, no gradients, the depth input with the run's channel count), after two warm-up
// passes; the time includes the sigmoid of the final map (what every map needs). repeats >= 1.
double medianForwardMs(const std::filesystem::path& run, int size, int repeats);

}  // namespace rgbdsod::bench
