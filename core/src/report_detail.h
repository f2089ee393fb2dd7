#pragma once
// Helpers shared by the report renderers (report_*.cpp, curves_csv.cpp); not installed.
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/core/report_table.h"

namespace rgbdsod::core::detail {

std::size_t displayWidth(std::string_view s);
std::string pad(const std::string& s, std::size_t width, bool right);
std::string arrow(Metric m);  // UTF-8 up/down arrow for higher/lower-is-better

// The mark of partial rows in the plain text and Markdown tables (LaTeX uses $^\dagger$).
inline constexpr const char* kPartialMark = "\u2020";

// True when any of the method's results is partial (its row gets the mark).
bool rowPartial(const ResultsTable& table, const std::string& method);
// One note per partial (method, dataset), rows then datasets: "Ours on NJU2K: 47 of 60 images",
// with display names.
std::vector<std::string> partialNotes(const ResultsTable& table, const TableFormat& format);

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
