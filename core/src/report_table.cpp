// Results tables: the table model, ranking, and the plain text, CSV and Markdown renderings.
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "report_detail.h"
#include "rgbdsod/core/report_table.h"

namespace rgbdsod::core {
namespace detail {

std::size_t displayWidth(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;  // count UTF-8 code points, not bytes
  return n;
}

std::string pad(const std::string& s, std::size_t width, bool right) {
  const std::size_t w = displayWidth(s);
  if (w >= width) return s;
  const std::string fill(width - w, ' ');
  return right ? fill + s : s + fill;
}

std::string arrow(Metric m) { return lowerIsBetter(m) ? "\u2193" : "\u2191"; }

bool rowPartial(const ResultsTable& table, const std::string& method) {
  return std::any_of(table.datasets.begin(), table.datasets.end(),
                     [&](const std::string& d) { return table.partial(method, d); });
}

std::vector<std::string> partialNotes(const ResultsTable& table, const TableFormat& format) {
  std::vector<std::string> notes;
  for (const std::string& method : table.methods)
    for (const std::string& dataset : table.datasets)
      if (table.partial(method, dataset))
        notes.push_back(fmt::format("{} on {}: {} of {} images", format.aliases.display(method),
                                    format.aliases.display(dataset), table.find(method, dataset)->images,
                                    table.gtImages(method, dataset)));
  return notes;
}

}  // namespace detail

void ResultsTable::set(const std::string& method, const std::string& dataset, const DatasetMetrics& result,
                       std::size_t gt_images) {
  if (std::find(methods.begin(), methods.end(), method) == methods.end()) methods.push_back(method);
  if (std::find(datasets.begin(), datasets.end(), dataset) == datasets.end()) datasets.push_back(dataset);
  cells_[{method, dataset}] = {result, std::max(gt_images, result.images)};
}

const DatasetMetrics* ResultsTable::find(const std::string& method, const std::string& dataset) const {
  const auto it = cells_.find({method, dataset});
  return it == cells_.end() ? nullptr : &it->second.result;
}

std::size_t ResultsTable::gtImages(const std::string& method, const std::string& dataset) const {
  const auto it = cells_.find({method, dataset});
  return it == cells_.end() ? 0 : it->second.gt_images;
}

bool ResultsTable::partial(const std::string& method, const std::string& dataset) const {
  const auto it = cells_.find({method, dataset});
  return it != cells_.end() && it->second.result.images < it->second.gt_images;
}

std::string formatValue(double value, int decimals) {
  if (std::isnan(value)) return "-";
  return fmt::format("{:.{}f}", value, std::clamp(decimals, 0, 12));
}

Rank rankOf(const ResultsTable& table, const std::string& method, const std::string& dataset, Metric metric,
            int decimals) {
  // Rank on the displayed numbers (parsed back from their text) so that printed ties share a mark.
  auto shown = [&](const std::string& m, double& out) {
    const DatasetMetrics* d = table.find(m, dataset);
    if (d == nullptr) return false;
    const double v = metricValue(*d, metric);
    if (std::isnan(v)) return false;
    out = std::stod(formatValue(v, decimals));
    return true;
  };
  double mine = 0;
  if (!shown(method, mine)) return Rank::None;
  std::set<double> distinct;
  std::size_t count = 0;
  for (const std::string& m : table.methods) {
    double v = 0;
    if (!shown(m, v)) continue;
    distinct.insert(lowerIsBetter(metric) ? v : -v);  // ascending = best first
    ++count;
  }
  if (count < 2) return Rank::None;
  const double key = lowerIsBetter(metric) ? mine : -mine;
  auto it = distinct.begin();
  if (key == *it) return Rank::Best;
  ++it;
  if (it != distinct.end() && key == *it) return Rank::Second;
  return Rank::None;
}

std::string renderText(const ResultsTable& table, const TableFormat& format) {
  using detail::displayWidth;
  using detail::pad;
  const std::size_t nm = table.metrics.size();
  // Cells: column 0 the method, then dataset-major metric columns.
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header{"Method"};
  for (std::size_t d = 0; d < table.datasets.size(); ++d)
    for (Metric m : table.metrics) header.push_back(metricShortLabel(m) + detail::arrow(m));
  for (const std::string& method : table.methods) {
    std::vector<std::string> row{format.aliases.display(method) +
                                 (detail::rowPartial(table, method) ? std::string(" ") + detail::kPartialMark : "")};
    for (const std::string& dataset : table.datasets) {
      const DatasetMetrics* r = table.find(method, dataset);
      for (Metric m : table.metrics) row.push_back(r ? formatValue(metricValue(*r, m), format.decimals) : "");
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) {
    width[c] = displayWidth(header[c]);
    for (const auto& row : rows) width[c] = std::max(width[c], displayWidth(row[c]));
  }
  // A dataset name longer than its group widens the group's last column.
  const std::string gap = "  ";
  const std::string group_gap = "   ";
  for (std::size_t d = 0; d < table.datasets.size() && nm > 0; ++d) {
    std::size_t group = 0;
    for (std::size_t k = 0; k < nm; ++k) group += width[1 + d * nm + k] + (k > 0 ? gap.size() : 0);
    const std::size_t name = displayWidth(format.aliases.display(table.datasets[d]));
    if (name > group) width[d * nm + nm] += name - group;
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out = pad(cells[0], width[0], false);
    for (std::size_t c = 1; c < cells.size(); ++c)
      out += ((c - 1) % nm == 0 ? group_gap : gap) + pad(cells[c], width[c], true);
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = std::string(width[0], ' ');
  for (std::size_t d = 0; d < table.datasets.size() && nm > 0; ++d) {
    std::size_t group = 0;
    for (std::size_t k = 0; k < nm; ++k) group += width[1 + d * nm + k] + (k > 0 ? gap.size() : 0);
    out += group_gap + pad(format.aliases.display(table.datasets[d]), group, false);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out.append("\n").append(line(header));
  std::vector<std::string> rule;
  for (std::size_t w : width) rule.push_back(std::string(w, '-'));
  out += line(rule);
  for (const auto& row : rows) out += line(row);
  for (const std::string& note : detail::partialNotes(table, format)) out += detail::kPartialMark + (" " + note) + "\n";
  return out;
}

std::string renderCsv(const ResultsTable& table) {
  std::string out = "method,dataset,images,gt_images";
  for (Metric m : table.metrics) out += std::string(",") + metricKey(m);
  out += "\n";
  for (const std::string& method : table.methods)
    for (const std::string& dataset : table.datasets) {
      const DatasetMetrics* r = table.find(method, dataset);
      if (r == nullptr) continue;
      out.append(detail::csvField(method)).append(",").append(detail::csvField(dataset)).append(",").append(std::to_string(r->images));
      out.append(",").append(std::to_string(table.gtImages(method, dataset)));
      for (Metric m : table.metrics) out.append(",").append(detail::csvNumber(metricValue(*r, m)));
      out += "\n";
    }
  return out;
}

std::string renderMarkdown(const ResultsTable& table, const TableFormat& format) {
  std::string out = "| Method |";
  std::string align = "|:--|";
  for (const std::string& dataset : table.datasets)
    for (Metric m : table.metrics) {
      out += " " + format.aliases.display(dataset) + " " + metricShortLabel(m) + detail::arrow(m) + " |";
      align += "--:|";
    }
  out += "\n" + align + "\n";
  for (const std::string& method : table.methods) {
    out += "| " + format.aliases.display(method) +
           (detail::rowPartial(table, method) ? std::string(" ") + detail::kPartialMark : "") + " |";
    for (const std::string& dataset : table.datasets) {
      const DatasetMetrics* r = table.find(method, dataset);
      for (Metric m : table.metrics) {
        std::string cell = r ? formatValue(metricValue(*r, m), format.decimals) : "";
        const Rank rank = r ? rankOf(table, method, dataset, m, format.decimals) : Rank::None;
        if (rank == Rank::Best) cell = "**" + cell + "**";
        if (rank == Rank::Second) cell = "_" + cell + "_";
        out += " " + cell + " |";
      }
    }
    out += "\n";
  }
  // A paragraph after the table (a blank line ends it), one line per note.
  const std::vector<std::string> notes = detail::partialNotes(table, format);
  if (!notes.empty()) out += "\n";
  for (std::size_t i = 0; i < notes.size(); ++i)
    out += detail::kPartialMark + (" " + notes[i]) + (i + 1 < notes.size() ? "  \n" : "\n");  // "  ": a line break
  return out;
}

}  // namespace rgbdsod::core
