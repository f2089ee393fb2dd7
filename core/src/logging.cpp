#include "rgbdsod/core/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace rgbdsod::core {

void setupLogging(int verbosity) {
  static auto logger = [] {
    auto l = spdlog::stderr_color_mt("rgbdsod");
    l->set_pattern("%^[%L]%$ %v");
    return l;
  }();
  spdlog::set_default_logger(logger);
  spdlog::level::level_enum level = spdlog::level::info;
  if (verbosity < 0) level = spdlog::level::err;
  else if (verbosity == 1) level = spdlog::level::debug;
  else if (verbosity >= 2) level = spdlog::level::trace;
  spdlog::set_level(level);
}

}  // namespace rgbdsod::core
