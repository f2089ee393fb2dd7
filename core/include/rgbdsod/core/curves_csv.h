#pragma once
// The 256-point curves of a run as CSV, the exchange format between `rgbdsod eval --curves` and
// `rgbdsod plot --curves` (and spreadsheets or matplotlib):
//   method,dataset,threshold,precision,recall,fmeasure,emeasure
// one row per threshold t = 0..255 (the binary map "p*255 truncated >= t", see Curve) for each
// (method, dataset), values at full precision (shortest round-trip form, empty for NaN).
#include <filesystem>
#include <string>
#include <vector>

#include "rgbdsod/core/metrics.h"

namespace rgbdsod::core {

struct NamedCurves {
  std::string method;
  std::string dataset;
  ImageCurves curves;
};

inline constexpr const char* kCurvesCsvHeader = "method,dataset,threshold,precision,recall,fmeasure,emeasure";

std::string curvesToCsv(const std::vector<NamedCurves>& curves);

// Parses the CSV written by curvesToCsv, in the order the (method, dataset) pairs first appear.
// Throws FileError naming `file` and the line on a wrong header, a malformed row, an unknown
// threshold, or a pair without all 256 thresholds.
std::vector<NamedCurves> curvesFromCsv(const std::string& text, const std::filesystem::path& file);
std::vector<NamedCurves> readCurvesCsv(const std::filesystem::path& file);

}  // namespace rgbdsod::core
