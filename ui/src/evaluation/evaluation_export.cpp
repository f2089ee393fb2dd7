#include "rgbdsod/ui/evaluation/evaluation_export.h"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"

namespace rgbdsod::ui {

namespace {

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", v);
  return buffer;
}

// RFC 4180: quote fields holding a comma, a quote or a line break; double the quotes.
std::string field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

}  // namespace

std::string datasetNameOf(const std::filesystem::path& gt_folder) {
  std::filesystem::path folder = gt_folder.lexically_normal();
  if (!folder.has_filename()) folder = folder.parent_path();  // "NJU2K/GT/"
  const std::string name = folder.filename().string();
  std::string lower = name;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if ((lower == "gt" || lower == "mask" || lower == "masks") && folder.has_parent_path()) {
    return folder.parent_path().filename().string();
  }
  return name;
}

core::ResultsTable resultsTable(const std::vector<EvaluationMethod>& methods, const std::string& dataset,
                                const std::vector<core::Metric>& metrics) {
  core::ResultsTable table;
  table.metrics = metrics;
  for (const EvaluationMethod& m : methods) {
    if (m.evaluated()) table.set(m.name.toStdString(), dataset, m.result->metrics);
  }
  return table;
}

void writeSummaryTable(const std::filesystem::path& file, const std::vector<EvaluationMethod>& methods,
                       const std::string& dataset, const std::vector<core::Metric>& metrics) {
  std::string ext = file.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string text;
  if (ext == ".csv") {
    text = core::renderCsv(resultsTable(methods, dataset, core::allMetrics()));
  } else if (ext == ".tex") {
    text = core::renderLatex(resultsTable(methods, dataset, metrics));
  } else if (ext == ".md") {
    text = core::renderMarkdown(resultsTable(methods, dataset, metrics));
  } else if (ext == ".txt") {
    text = core::renderText(resultsTable(methods, dataset, metrics));
  } else {
    throw core::FileError(file, "unknown table format (use .csv, .tex, .md or .txt)");
  }
  core::writeFileAtomic(file, text);
}

std::string perImageCsv(const core::FolderEvaluation& evaluation, const std::vector<std::size_t>& order) {
  std::string out = "image";
  for (core::Metric m : core::allMetrics()) out += std::string(",") + core::metricKey(m);
  out += ",resized,gt_file,pred_file\n";
  for (std::size_t i : order) {
    const core::ImageRecord& r = evaluation.images.at(i);
    out += field(r.name);
    for (core::Metric m : core::allMetrics()) out += ',' + number(core::metricValue(r.scores, m));
    out += std::string(",") + (r.resized ? "1" : "0") + ',' + field(r.gt_file.string()) + ',' +
           field(r.pred_file.string()) + '\n';
  }
  return out;
}

void writePerImageCsv(const std::filesystem::path& file, const core::FolderEvaluation& evaluation,
                      core::Metric sort_by) {
  core::writeFileAtomic(file, perImageCsv(evaluation, core::worstFirst(evaluation.images, sort_by)));
}

}  // namespace rgbdsod::ui
