#include "rgbdsod/core/validation_report.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

std::string relativeToRoot(const fs::path& file, const fs::path& root) {
  if (file.empty()) return {};
  std::error_code ec;
  const fs::path rel = fs::relative(file, root, ec);
  return (ec || rel.empty() || rel.native().rfind("..", 0) == 0) ? file.string() : rel.string();
}

std::string folderLabel(const fs::path& dir) { return dir.empty() ? std::string("(none)") : dir.filename().string() + "/"; }

std::string polarityLine(const Dataset& dataset, const ValidationReport& report) {
  const PolarityEstimate& est = report.polarity;
  const std::string detected = est.polarity ? std::string(toString(*est.polarity)) : std::string("undecided");
  std::string line = dataset.polarity_override
                         ? std::string(toString(*dataset.polarity_override)) + ", set by the user; detected: " + detected
                         : detected + " (detected)";
  if (!est.evidence.empty()) line += "\n            evidence: " + est.evidence;
  return line;
}

}  // namespace

std::optional<DepthPolarity> effectivePolarity(const Dataset& dataset, const ValidationReport& report) {
  return dataset.polarity_override ? dataset.polarity_override : report.polarity.polarity;
}

std::string formatValidationText(const Dataset& dataset, const ValidationReport& report, std::size_t max_problems) {
  std::ostringstream out;
  out << "dataset " << dataset.name << "  (" << dataset.root.string() << ")\n";
  out << "  layout:   RGB " << folderLabel(dataset.layout.rgb_dir) << ", depth " << folderLabel(dataset.layout.depth_dir)
      << ", GT " << folderLabel(dataset.layout.gt_dir) << "\n";
  out << "  samples:  " << report.samples << ", valid pairs: " << report.valid << ", errors: " << report.errors()
      << ", warnings: " << report.warnings() << "\n";
  out << "  depth:    polarity " << polarityLine(dataset, report) << "\n";

  std::vector<const Problem*> sorted;
  sorted.reserve(report.problems.size());
  for (const auto& p : report.problems) sorted.push_back(&p);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Problem* a, const Problem* b) {
    return a->severity == Severity::Error && b->severity != Severity::Error;
  });
  if (!sorted.empty()) out << "  problems:\n";
  const std::size_t shown = std::min(max_problems, sorted.size());
  for (std::size_t i = 0; i < shown; ++i) {
    const Problem& p = *sorted[i];
    out << "    " << (p.severity == Severity::Error ? "error  " : "warning") << "  " << toString(p.kind) << "  "
        << relativeToRoot(p.file, dataset.root);
    if (!p.message.empty()) out << ": " << p.message;
    out << "\n";
  }
  if (shown < sorted.size()) out << "    ... and " << (sorted.size() - shown) << " more (use --max-problems or --json)\n";
  return out.str();
}

std::string formatValidationJson(const Dataset& dataset, const ValidationReport& report) {
  nlohmann::json j;
  j["root"] = dataset.root.string();
  j["name"] = dataset.name;
  j["layout"] = {{"rgb", dataset.layout.rgb_dir.string()},
                 {"depth", dataset.layout.depth_dir.string()},
                 {"gt", dataset.layout.gt_dir.string()}};
  j["samples"] = report.samples;
  j["valid"] = report.valid;
  j["errors"] = report.errors();
  j["warnings"] = report.warnings();
  const PolarityEstimate& est = report.polarity;
  const auto effective = effectivePolarity(dataset, report);
  j["polarity"] = {{"effective", effective ? toString(*effective) : "undecided"},
                   {"overridden", dataset.polarity_override.has_value()},
                   {"detected", est.polarity ? toString(*est.polarity) : "undecided"},
                   {"method", est.method},
                   {"images_used", est.images_used},
                   {"votes_bright", est.votes_bright},
                   {"votes_dark", est.votes_dark},
                   {"median_contrast", est.median_contrast},
                   {"evidence", est.evidence}};
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : report.problems) {
    problems.push_back({{"kind", toString(p.kind)},
                        {"severity", p.severity == Severity::Error ? "error" : "warning"},
                        {"sample", p.sample},
                        {"file", p.file.string()},
                        {"message", p.message}});
  }
  j["problems"] = std::move(problems);
  // File names are bytes, not necessarily UTF-8 (a copy from another system): such a byte becomes
  // U+FFFD here instead of failing the whole report.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace rgbdsod::core
