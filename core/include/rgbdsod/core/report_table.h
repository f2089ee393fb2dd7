#pragma once
// Results tables of evaluations: methods (rows) x datasets (column groups) x metrics (columns),
// rendered as aligned plain text (stdout), CSV, Markdown and LaTeX (booktabs), plus display
// aliases for method and dataset names and the JSON of a whole evaluation run.
//
// Tables show values with `decimals` digits (3, as the field's papers). Best and second best are
// decided per dataset and metric column on the values as displayed (rounded), so equal printed
// numbers get equal marks; NaN values (shown as "-") are never ranked.
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rgbdsod/core/evaluator.h"

namespace rgbdsod::core {

// Display names for methods and datasets, keyed by folder name. File format (UTF-8):
//   # comment
//   MyNet_v3 = Ours
//   NJU2K_test = NJU2K
// one `name = Display Name` a line (spaces around both trimmed, blank lines and lines starting with
// '#' ignored), or, when the file's first non-blank character is '{', a JSON object
// {"MyNet_v3": "Ours", ...} of strings. A name given twice, an empty name or display name, or a
// line without '=' is an error.
class Aliases {
 public:
  // Throws FileError naming the file and, for the text format, the line ("aliases.txt: line 3: ...").
  static Aliases load(const std::filesystem::path& file);
  // Parses `text` as if read from `file` (the file name is only used in messages).
  static Aliases parse(std::string_view text, const std::filesystem::path& file);

  void set(const std::string& name, const std::string& display) { names_[name] = display; }
  // The display name of `name`, or `name` itself when it has no alias.
  const std::string& display(const std::string& name) const;
  std::size_t size() const noexcept { return names_.size(); }

 private:
  std::map<std::string, std::string> names_;
};

// Which metrics a table shows. `spec` is a comma-separated list of metric keys ("sm,max_fm,mae",
// see metricKey), or "all", or "default" (defaultTableMetrics). Throws std::invalid_argument
// naming the unknown key and listing the valid ones.
std::vector<Metric> parseMetricList(const std::string& spec);
// S-measure, max F, max E, MAE: the four numbers most RGB-D SOD papers report.
const std::vector<Metric>& defaultTableMetrics();
// Short column labels for plain text/CSV-free tables: "S", "wF", "adpF", "meanF", "maxF", ...
const char* metricShortLabel(Metric m);
// LaTeX math label of the field's notation: "$S_\alpha$", "$F_\beta^{\max}$", "MAE", ...
const char* metricLatexLabel(Metric m);

struct ResultsTable {
  std::vector<std::string> methods;   // row order (folder names)
  std::vector<std::string> datasets;  // column-group order (folder names)
  std::vector<Metric> metrics = defaultTableMetrics();

  // Stores the result of (method, dataset); new names are appended to the orders. `gt_images` is
  // the dataset's GT image count (FolderEvaluation::gtImageCount()); a result over fewer images is
  // partial and marked in every rendering. 0 (or less than result.images): taken as complete.
  void set(const std::string& method, const std::string& dataset, const DatasetMetrics& result,
           std::size_t gt_images = 0);
  // nullptr when the method has no result for the dataset (shown as an empty cell).
  const DatasetMetrics* find(const std::string& method, const std::string& dataset) const;
  // The GT image count stored with the result (at least its image count); 0 when there is none.
  std::size_t gtImages(const std::string& method, const std::string& dataset) const;
  // The result is over fewer images than the dataset's GT.
  bool partial(const std::string& method, const std::string& dataset) const;

 private:
  struct Cell {
    DatasetMetrics result;
    std::size_t gt_images = 0;
  };
  std::map<std::pair<std::string, std::string>, Cell> cells_;
};

enum class Rank { None, Best, Second };

struct TableFormat {
  int decimals = 3;
  Aliases aliases;
};

// The value as a table shows it ("0.912"; "-" for NaN).
std::string formatValue(double value, int decimals);
// Rank of `method` in the (dataset, metric) column: Best for the best displayed value (ties share
// it), Second for the next distinct one; None when fewer than two methods have a value there.
Rank rankOf(const ResultsTable& table, const std::string& method, const std::string& dataset, Metric metric,
            int decimals);

// Partial results (ResultsTable::partial) are marked alike in the display tables, so that a table
// over 47 of 60 images never passes for a full one: a dagger after the method's name and, below
// the table, one note per partial (method, dataset): "† A on NJU2K: 47 of 60 images".
std::string renderText(const ResultsTable& table, const TableFormat& format = {});
// One row per (method, dataset) with the table's metrics at full precision (shortest round-trip
// form, empty for NaN); names are the folder names (aliases are for display tables only). The
// columns images and gt_images say how many images the row is over (partial when fewer).
std::string renderCsv(const ResultsTable& table);
// GitHub Markdown: best **bold**, second _italic_ (Markdown has no underline).
std::string renderMarkdown(const ResultsTable& table, const TableFormat& format = {});
// A booktabs tabular: dataset groups with \cmidrule, $\uparrow$/$\downarrow$ after each metric,
// best \textbf{}, second \underline{}; names escaped with latexEscape. Partial rows get
// $^\dagger$ and a note row under \bottomrule. Needs \usepackage{booktabs}.
std::string renderLatex(const ResultsTable& table, const TableFormat& format = {});
// Escapes LaTeX's special characters (& % $ # _ { } ~ ^ \) so that a name prints as written.
std::string latexEscape(std::string_view text);

// One evaluated (method, dataset) pair of a run.
struct LabeledEvaluation {
  std::string method;
  std::string dataset;
  FolderEvaluation evaluation;
  bool from_cache = false;
};
// {"protocol": ..., "results": [{"method", "dataset", "cached", "images", "gt_images", "partial",
// "evaluation": toJson(...)}]}: images evaluated, GT images of the dataset, and images < gt_images.
std::string resultsJson(const std::vector<LabeledEvaluation>& results, bool with_images = true);

}  // namespace rgbdsod::core
