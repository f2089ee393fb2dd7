// Camera intrinsics: the NYU default, resizing, validation and the text file formats.
#include <cctype>
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

// Appended to every format error: a user with a camera file in some other layout learns what to
// write instead of guessing.
constexpr const char* kAcceptedForms =
    "accepted forms: 'fx 518.8', 'fx = 518.8' or 'fx: 518.8' lines for fx, fy, cx, cy (any case, '#' "
    "comments); NYU camera_params.m ('fx_rgb = 5.18e+02;', the _rgb camera preferred to _d); a 3x3 camera "
    "matrix (9 numbers); or 'fx fy cx cy' (4 numbers)";

FileError formatError(const fs::path& origin, const std::string& problem) {
  return FileError(origin, problem + "; " + kAcceptedForms);
}

// '#' (text files) and '%' (MATLAB, as in camera_params.m) start a comment.
std::string withoutComment(const std::string& line) { return line.substr(0, line.find_first_of("#%")); }

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

bool identifierStart(char ch) { return std::isalpha(static_cast<unsigned char>(ch)) != 0 || ch == '_'; }
bool identifierChar(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_'; }

// One "key value" statement; MATLAB files put several on a line, each ended by ';'.
struct Statement {
  int line = 0;
  std::string key;  // lower case
  std::string value;
};

// The statements of the text that start with a name. Anything else (continuation lines of
// camera_params.m's rotation matrix, ...) is no statement and is left out.
std::vector<Statement> statements(const std::vector<std::string>& lines) {
  std::vector<Statement> out;
  int line_no = 0;
  for (const std::string& raw : lines) {
    ++line_no;
    std::istringstream parts(withoutComment(raw));
    for (std::string part; std::getline(parts, part, ';');) {
      const std::string text = trim(part);
      if (text.empty() || !identifierStart(text.front())) continue;
      std::size_t end = 1;
      while (end < text.size() && identifierChar(text[end])) ++end;
      std::string value = trim(text.substr(end));
      if (!value.empty() && (value.front() == '=' || value.front() == ':')) value = trim(value.substr(1));
      if (!value.empty() && value.back() == ',') value = trim(value.substr(0, value.size() - 1));
      out.push_back({line_no, lower(text.substr(0, end)), value});
    }
  }
  return out;
}

bool hasStatement(const std::vector<std::string>& lines) { return !statements(lines).empty(); }

CameraIntrinsics fromKeyValues(const std::vector<std::string>& lines, const fs::path& origin) {
  std::map<std::string, const Statement*> by_key;  // the last statement of a key wins
  const std::vector<Statement> all = statements(lines);
  for (const Statement& s : all) by_key[s.key] = &s;
  CameraIntrinsics c;
  for (auto [key, field] : {std::pair{"fx", &c.fx}, {"fy", &c.fy}, {"cx", &c.cx}, {"cy", &c.cy}}) {
    // Plain names first, then NYU's colour camera (the one HHA is computed for), then its depth camera.
    const Statement* found = nullptr;
    for (const std::string& name : {std::string(key), std::string(key) + "_rgb", std::string(key) + "_d"}) {
      if (const auto it = by_key.find(name); it != by_key.end()) {
        found = it->second;
        break;
      }
    }
    if (found == nullptr) throw formatError(origin, fmt::format("no value for {} (needs fx, fy, cx and cy)", key));
    if (found->value.empty())
      throw formatError(origin, fmt::format("line {}: '{}' has no value", found->line, found->key));
    const auto v = number(found->value);
    if (!v)
      throw formatError(origin,
                        fmt::format("line {}: value of '{}' is not a number: '{}'", found->line, found->key, found->value));
    *field = *v;
  }
  return c;
}

// Files of numbers only: a 3x3 camera matrix, or fx fy cx cy.
CameraIntrinsics fromNumbers(const std::vector<std::string>& lines, const fs::path& origin) {
  std::string all;
  for (const std::string& line : lines) all += withoutComment(line) + ' ';
  for (char& ch : all)
    if (ch == ',' || ch == ';' || ch == '[' || ch == ']') ch = ' ';
  std::istringstream in(all);
  std::vector<double> m;
  for (std::string token; in >> token;) {
    const auto v = number(token);
    if (!v) throw formatError(origin, fmt::format("'{}' is not a number", token));
    m.push_back(*v);
  }
  if (m.empty()) throw formatError(origin, "empty intrinsics file (no number and no fx/fy/cx/cy)");
  if (m.size() == 4) return CameraIntrinsics{m[0], m[1], m[2], m[3]};
  if (m.size() != 9)
    throw formatError(origin, fmt::format("found {} numbers (expected 9 for a 3x3 matrix or 4 for fx fy cx cy)", m.size()));
  if (m[1] != 0.0 || m[3] != 0.0 || m[6] != 0.0 || m[7] != 0.0 || m[8] != 1.0)
    throw formatError(origin, "not a pinhole camera matrix: expected [fx 0 cx; 0 fy cy; 0 0 1] (no skew)");
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
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  // A file that names its values is read by name; one of bare numbers by their count.
  const CameraIntrinsics c = hasStatement(lines) ? fromKeyValues(lines, origin) : fromNumbers(lines, origin);
  if (const std::string p = c.problem(); !p.empty()) throw formatError(origin, p);
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
