// Display aliases and metric selection/labels of results tables.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/core/report_table.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

std::string trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// 1-based line of a byte offset, for JSON parse errors.
std::size_t lineOf(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset; ++i) line += text[i] == '\n' ? 1 : 0;
  return line;
}

Aliases parseJsonAliases(std::string_view text, const fs::path& file, Aliases out) {
  checkJsonText(text, file);  // text given directly (Aliases::parse) is bounded too
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw FileError(file, "line " + std::to_string(lineOf(text, e.byte == 0 ? 0 : e.byte - 1)) +
                              ": invalid JSON (" + e.what() + ")");
  } catch (const nlohmann::json::exception& e) {  // e.g. a number too large for a double
    throw FileError(file, std::string("invalid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) throw FileError(file, "expected a JSON object {\"name\": \"Display Name\", ...}");
  for (const auto& [name, value] : j.items()) {
    if (!value.is_string()) throw FileError(file, "the alias of '" + name + "' is not a string");
    const std::string display = trim(value.get<std::string>());
    if (trim(name).empty()) throw FileError(file, "empty name");
    if (display.empty()) throw FileError(file, "empty display name for '" + name + "'");
    out.set(trim(name), display);
  }
  return out;
}

}  // namespace

Aliases Aliases::load(const fs::path& file) {
  // The JSON limits (input_limits.h) bound both forms of the file, JSON and text lines.
  return parse(readJsonFile(file), file);
}

Aliases Aliases::parse(std::string_view text, const fs::path& file) {
  Aliases out;
  const std::string all = trim(text);
  if (!all.empty() && all.front() == '{') return parseJsonAliases(text, file, std::move(out));
  std::set<std::string> seen;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string line = trim(text.substr(start, end - start));
    ++line_no;
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    auto fail = [&](const std::string& why) { throw FileError(file, "line " + std::to_string(line_no) + ": " + why); };
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos) fail("expected 'name = Display Name', got '" + line + "'");
    const std::string name = trim(std::string_view(line).substr(0, eq));
    const std::string display = trim(std::string_view(line).substr(eq + 1));
    if (name.empty()) fail("empty name before '='");
    if (display.empty()) fail("empty display name for '" + name + "'");
    if (!seen.insert(name).second) fail("'" + name + "' is given twice");
    out.set(name, display);
  }
  return out;
}

const std::string& Aliases::display(const std::string& name) const {
  const auto it = names_.find(name);
  return it == names_.end() ? name : it->second;
}

const std::vector<Metric>& defaultTableMetrics() {
  static const std::vector<Metric> m{Metric::Smeasure, Metric::MaxFmeasure, Metric::MaxEmeasure, Metric::Mae};
  return m;
}

std::vector<Metric> parseMetricList(const std::string& spec) {
  const std::string s = trim(spec);
  if (s == "all") return allMetrics();
  if (s == "default" || s.empty()) return defaultTableMetrics();
  std::vector<Metric> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    const std::string key = trim(std::string_view(s).substr(start, end - start));
    start = end + 1;
    if (key.empty()) continue;
    bool found = false;
    for (Metric m : allMetrics()) {
      if (key != metricKey(m)) continue;
      if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
      found = true;
    }
    if (!found) {
      std::string valid;
      for (Metric m : allMetrics()) valid += std::string(valid.empty() ? "" : ", ") + metricKey(m);
      throw std::invalid_argument("unknown metric '" + key + "' (valid: " + valid + ", all, default)");
    }
  }
  if (out.empty()) throw std::invalid_argument("no metric selected");
  return out;
}

const char* metricShortLabel(Metric m) {
  switch (m) {
    case Metric::Mae: return "MAE";
    case Metric::Smeasure: return "S";
    case Metric::WeightedFmeasure: return "wF";
    case Metric::AdaptiveFmeasure: return "adpF";
    case Metric::MeanFmeasure: return "meanF";
    case Metric::MaxFmeasure: return "maxF";
    case Metric::AdaptiveEmeasure: return "adpE";
    case Metric::MeanEmeasure: return "meanE";
    case Metric::MaxEmeasure: return "maxE";
  }
  return "?";
}

const char* metricLatexLabel(Metric m) {
  switch (m) {
    case Metric::Mae: return "MAE";
    case Metric::Smeasure: return "$S_\\alpha$";
    case Metric::WeightedFmeasure: return "$F_\\beta^{w}$";
    case Metric::AdaptiveFmeasure: return "$F_\\beta^{\\mathrm{adp}}$";
    case Metric::MeanFmeasure: return "$F_\\beta^{\\mathrm{mean}}$";
    case Metric::MaxFmeasure: return "$F_\\beta^{\\max}$";
    case Metric::AdaptiveEmeasure: return "$E_\\phi^{\\mathrm{adp}}$";
    case Metric::MeanEmeasure: return "$E_\\phi^{\\mathrm{mean}}$";
    case Metric::MaxEmeasure: return "$E_\\phi^{\\max}$";
  }
  return "?";
}

}  // namespace rgbdsod::core
