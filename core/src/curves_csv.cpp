// The curves CSV shared by `rgbdsod eval --curves` and `rgbdsod plot --curves`.
#include "rgbdsod/core/curves_csv.h"

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>

#include "report_detail.h"
#include "rgbdsod/core/errors.h"

namespace rgbdsod::core {
namespace {

// Splits one CSV record (RFC 4180 quotes; records never span lines here).
bool splitCsv(const std::string& line, std::vector<std::string>& fields) {
  fields.assign(1, std::string());
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return !quoted;
}

bool parseNumber(const std::string& s, double& out) {
  if (s.empty()) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  char* end = nullptr;
  errno = 0;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno == 0;
}

}  // namespace

std::string curvesToCsv(const std::vector<NamedCurves>& curves) {
  std::string out = std::string(kCurvesCsvHeader) + "\n";
  using detail::csvNumber;
  for (const NamedCurves& c : curves) {
    const std::string prefix = detail::csvField(c.method) + "," + detail::csvField(c.dataset) + ",";
    for (int t = 0; t < kThresholdCount; ++t)
      out += prefix + std::to_string(t) + "," + csvNumber(c.curves.precision[t]) + "," + csvNumber(c.curves.recall[t]) +
             "," + csvNumber(c.curves.fmeasure[t]) + "," + csvNumber(c.curves.emeasure[t]) + "\n";
  }
  return out;
}

std::vector<NamedCurves> curvesFromCsv(const std::string& text, const std::filesystem::path& file) {
  std::vector<NamedCurves> out;
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  std::vector<std::array<bool, kThresholdCount>> seen;
  std::size_t line_no = 0;
  std::size_t start = 0;
  std::vector<std::string> f;
  bool header = false;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto fail = [&](const std::string& why) { throw FileError(file, "line " + std::to_string(line_no) + ": " + why); };
    if (!header) {
      if (line != kCurvesCsvHeader) fail(std::string("expected the header '") + kCurvesCsvHeader + "'");
      header = true;
      continue;
    }
    if (line.empty()) continue;
    if (!splitCsv(line, f) || f.size() != 7) fail("expected 7 comma-separated fields");
    char* end_t = nullptr;
    const long t = std::strtol(f[2].c_str(), &end_t, 10);
    if (f[2].empty() || *end_t != '\0' || t < 0 || t >= kThresholdCount) fail("threshold must be 0..255, got '" + f[2] + "'");
    double v[4];
    for (int k = 0; k < 4; ++k)
      if (!parseNumber(f[3 + k], v[k])) fail("not a number: '" + f[3 + k] + "'");
    const auto key = std::make_pair(f[0], f[1]);
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, out.size()).first;
      out.push_back({f[0], f[1], {}});
      seen.push_back({});
    }
    if (seen[it->second][t]) fail("threshold " + std::to_string(t) + " of " + f[0] + "/" + f[1] + " given twice");
    seen[it->second][t] = true;
    ImageCurves& c = out[it->second].curves;
    c.precision[t] = v[0];
    c.recall[t] = v[1];
    c.fmeasure[t] = v[2];
    c.emeasure[t] = v[3];
  }
  if (!header) throw FileError(file, "empty file (expected the header '" + std::string(kCurvesCsvHeader) + "')");
  for (std::size_t i = 0; i < out.size(); ++i)
    for (int t = 0; t < kThresholdCount; ++t)
      if (!seen[i][t])
        throw FileError(file, out[i].method + "/" + out[i].dataset + " has no row for threshold " + std::to_string(t) +
                                  " (every pair needs all 256)");
  return out;
}

std::vector<NamedCurves> readCurvesCsv(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FileError(file, "cannot open the curves file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return curvesFromCsv(text, file);
}

}  // namespace rgbdsod::core
