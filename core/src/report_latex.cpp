// The LaTeX (booktabs) rendering of results tables and the JSON of a whole run.
#include <nlohmann/json.hpp>

#include "report_detail.h"
#include "rgbdsod/core/report_table.h"

namespace rgbdsod::core {
namespace {

// "$S_\alpha$" -> "$S_\alpha\uparrow$"; "MAE" -> "MAE$\downarrow$" (one math group, no "$$").
std::string withArrow(Metric m) {
  const std::string label = metricLatexLabel(m);
  const std::string arrow = lowerIsBetter(m) ? "\\downarrow" : "\\uparrow";
  if (!label.empty() && label.back() == '$') return label.substr(0, label.size() - 1) + arrow + "$";
  return label + "$" + arrow + "$";
}

}  // namespace

std::string latexEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': case '%': case '$': case '#': case '_': case '{': case '}':
        out += '\\';
        out += c;
        break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '\\': out += "\\textbackslash{}"; break;
      default: out += c;
    }
  }
  return out;
}

std::string renderLatex(const ResultsTable& table, const TableFormat& format) {
  const std::size_t nm = table.metrics.size();
  std::string out;
  out += "% rgbdsod eval: PySODMetrics v1.6.2 protocol. Best per column in bold, second best underlined.\n";
  out += "% Needs \\usepackage{booktabs}.\n";
  out += "\\begin{tabular}{l" + std::string(nm * table.datasets.size(), 'c') + "}\n\\toprule\n";
  std::string groups;
  std::string rules;
  for (std::size_t d = 0; d < table.datasets.size(); ++d) {
    groups += " & \\multicolumn{" + std::to_string(nm) + "}{c}{" + latexEscape(format.aliases.display(table.datasets[d])) + "}";
    rules += "\\cmidrule(lr){" + std::to_string(2 + d * nm) + "-" + std::to_string(1 + (d + 1) * nm) + "}";
  }
  out += groups + " \\\\\n" + rules + "\n";
  out += "Method";
  for (std::size_t d = 0; d < table.datasets.size(); ++d)
    for (Metric m : table.metrics) out += " & " + withArrow(m);
  out += " \\\\\n\\midrule\n";
  for (const std::string& method : table.methods) {
    out += latexEscape(format.aliases.display(method));
    if (detail::rowPartial(table, method)) out += "$^\\dagger$";
    for (const std::string& dataset : table.datasets) {
      const DatasetMetrics* r = table.find(method, dataset);
      for (Metric m : table.metrics) {
        std::string cell;
        if (r != nullptr) {
          const std::string shown = formatValue(metricValue(*r, m), format.decimals);
          cell = shown == "-" ? "--" : shown;
          const Rank rank = rankOf(table, method, dataset, m, format.decimals);
          if (rank == Rank::Best) cell = "\\textbf{" + cell + "}";
          if (rank == Rank::Second) cell = "\\underline{" + cell + "}";
        }
        out += " & " + cell;
      }
    }
    out += " \\\\\n";
  }
  out += "\\bottomrule\n";
  // The notes of partial rows inside the tabular, so that they travel with it into any table float.
  for (const std::string& note : detail::partialNotes(table, format))
    out += "\\multicolumn{" + std::to_string(1 + nm * table.datasets.size()) + "}{l}{\\footnotesize $^\\dagger$ " +
           latexEscape(note) + "} \\\\\n";
  out += "\\end{tabular}\n";
  return out;
}

std::string resultsJson(const std::vector<LabeledEvaluation>& results, bool with_images) {
  nlohmann::json j;
  j["protocol"] = "PySODMetrics v1.6.2";
  j["results"] = nlohmann::json::array();
  for (const LabeledEvaluation& r : results)
    j["results"].push_back({{"method", r.method},
                            {"dataset", r.dataset},
                            {"cached", r.from_cache},
                            {"images", r.evaluation.metrics.images},
                            {"gt_images", r.evaluation.gtImageCount()},
                            {"partial", r.evaluation.isPartial()},
                            {"evaluation", nlohmann::json::parse(toJson(r.evaluation, with_images, -1))}});
  return j.dump(2) + "\n";
}

}  // namespace rgbdsod::core
