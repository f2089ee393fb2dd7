#pragma once
// Helpers shared by the report renderers (report_*.cpp, curves_csv.cpp); not installed.
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "rgbdsod/core/evaluator.h"

namespace rgbdsod::core::detail {

std::size_t displayWidth(std::string_view s);
std::string pad(const std::string& s, std::size_t width, bool right);
std::string arrow(Metric m);  // UTF-8 up/down arrow for higher/lower-is-better

// RFC 4180 quoting when needed.
inline std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// Shortest text that reads back to the same double; empty for NaN.
inline std::string csvNumber(double v) { return std::isnan(v) ? std::string() : fmt::format("{}", v); }

}  // namespace rgbdsod::core::detail
