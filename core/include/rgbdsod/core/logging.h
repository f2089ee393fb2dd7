#pragma once
// One place that configures spdlog for the CLI, the studio and the tests.
namespace rgbdsod::core {

// verbosity: -1 quiet (errors only), 0 info, 1 debug, 2 trace. Messages go to stderr.
void setupLogging(int verbosity);

}  // namespace rgbdsod::core
