// Camera intrinsics: the NYU default, resizing, validation and the text file formats.
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/hha.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// A whole-string number, or nullopt ("3.2x" is not a number).
std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    if (used != s.size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string withoutComment(const std::string& line) { return line.substr(0, line.find('#')); }

CameraIntrinsics fromKeyValues(const std::vector<std::string>& lines, const fs::path& origin) {
  std::map<std::string, double> values;
  int line_no = 0;
  for (const std::string& raw : lines) {
    ++line_no;
    const std::string line = trim(withoutComment(raw));
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      throw FileError(origin, fmt::format("line {}: expected 'key = value', got '{}'", line_no, line));
    const std::string key = trim(line.substr(0, eq));
    const std::string text = trim(line.substr(eq + 1));
    const auto v = number(text);
    if (!v) throw FileError(origin, fmt::format("line {}: value of '{}' is not a number: '{}'", line_no, key, text));
    values[key] = *v;
  }
  CameraIntrinsics c;
  for (auto [key, field] : {std::pair{"fx", &c.fx}, {"fy", &c.fy}, {"cx", &c.cx}, {"cy", &c.cy}}) {
    const auto it = values.find(key);
    if (it == values.end()) throw FileError(origin, fmt::format("missing key '{}' (needs fx, fy, cx, cy)", key));
    *field = it->second;
  }
  return c;
}

CameraIntrinsics fromMatrix(const std::vector<std::string>& lines, const fs::path& origin) {
  std::string all;
  for (const std::string& line : lines) all += withoutComment(line) + ' ';
  for (char& ch : all)
    if (ch == ',' || ch == ';' || ch == '[' || ch == ']') ch = ' ';
  std::istringstream in(all);
  std::vector<double> m;
  for (std::string token; in >> token;) {
    const auto v = number(token);
    if (!v) throw FileError(origin, fmt::format("'{}' is not a number (expected a 3x3 camera matrix)", token));
    m.push_back(*v);
  }
  if (m.size() != 9)
    throw FileError(origin, fmt::format("expected a 3x3 camera matrix (9 numbers) or fx/fy/cx/cy keys, found {} numbers",
                                        m.size()));
  if (m[1] != 0.0 || m[3] != 0.0 || m[6] != 0.0 || m[7] != 0.0 || m[8] != 1.0)
    throw FileError(origin, "not a pinhole camera matrix: expected [fx 0 cx; 0 fy cy; 0 0 1] (no skew)");
  return CameraIntrinsics{m[0], m[4], m[2], m[5]};
}

}  // namespace

CameraIntrinsics CameraIntrinsics::nyuColour() {
  // NYU Depth v2 toolbox camera_params.m (the reference's getCameraParam('color')).
  return CameraIntrinsics{5.1885790117450188e+02, 5.1946961112127485e+02, 3.2558244941119034e+02,
                          2.5373616633400465e+02};
}

CameraIntrinsics CameraIntrinsics::resized(cv::Size from, cv::Size to) const {
  const double sx = static_cast<double>(to.width) / from.width;
  const double sy = static_cast<double>(to.height) / from.height;
  // Pixel u (1-based) covers [u - 1, u] in continuous coordinates: its centre u - 0.5 scales.
  return CameraIntrinsics{fx * sx, fy * sy, (cx - 0.5) * sx + 0.5, (cy - 0.5) * sy + 0.5};
}

std::string CameraIntrinsics::problem() const {
  for (auto [key, v] : {std::pair{"fx", fx}, {"fy", fy}})
    if (!std::isfinite(v) || v <= 0.0) return fmt::format("{} must be a positive number, got {}", key, v);
  for (auto [key, v] : {std::pair{"cx", cx}, {"cy", cy}})
    if (!std::isfinite(v)) return fmt::format("{} must be a finite number, got {}", key, v);
  return {};
}

CameraIntrinsics parseIntrinsics(std::string_view text, const fs::path& origin) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(text)};
  bool has_equals = false;
  for (std::string line; std::getline(in, line);) {
    if (withoutComment(line).find('=') != std::string::npos) has_equals = true;
    lines.push_back(line);
  }
  const CameraIntrinsics c = has_equals ? fromKeyValues(lines, origin) : fromMatrix(lines, origin);
  if (const std::string p = c.problem(); !p.empty()) throw FileError(origin, p);
  return c;
}

CameraIntrinsics readIntrinsicsFile(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw FileError(file, "intrinsics file does not exist");
  if (fs::is_directory(file, ec)) throw FileError(file, "is a folder, not an intrinsics file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FileError(file, "cannot open the intrinsics file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw FileError(file, "cannot read the intrinsics file");
  return parseIntrinsics(buffer.str(), file);
}

}  // namespace rgbdsod::core
