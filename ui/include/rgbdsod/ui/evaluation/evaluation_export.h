#pragma once
// What the Evaluation view's export buttons write, callable with a path (the dialogs only choose
// it): the summary table (methods x metrics, rendered by core/report_table.h like `rgbdsod eval`)
// and one method's per-image table as CSV. Files are written atomically; errors are
// core::FileError naming the file.
#include <filesystem>
#include <string>
#include <vector>

#include "rgbdsod/core/report_table.h"
#include "rgbdsod/ui/evaluation/evaluation_session.h"

namespace rgbdsod::ui {

// The dataset's name for table headers: the GT folder's name, or its parent's when the folder is
// the usual "GT" ("NJU2K/GT" -> "NJU2K").
std::string datasetNameOf(const std::filesystem::path& gt_folder);

// The evaluated methods (in list order, by display name) as one dataset column group.
core::ResultsTable resultsTable(const std::vector<EvaluationMethod>& methods, const std::string& dataset,
                                const std::vector<core::Metric>& metrics);

// By extension: .csv (every metric, full precision: data, not a view), .tex (booktabs, best bold,
// second underlined), .md (Markdown) or .txt (aligned text), the last three with `metrics` as
// columns (the studio passes the columns it shows). Throws FileError otherwise.
void writeSummaryTable(const std::filesystem::path& file, const std::vector<EvaluationMethod>& methods,
                       const std::string& dataset, const std::vector<core::Metric>& metrics);

// CSV text: "image,mae,sm,...,resized,gt_file,pred_file", rows in the order given; values with
// 9 significant digits, NaN as "NaN".
std::string perImageCsv(const core::FolderEvaluation& evaluation, const std::vector<std::size_t>& order);
// Rows worst first by `sort_by` (core::worstFirst), as the table shows them by default.
void writePerImageCsv(const std::filesystem::path& file, const core::FolderEvaluation& evaluation,
                      core::Metric sort_by);

}  // namespace rgbdsod::ui
