// Results tables (text, CSV, Markdown, LaTeX), ranking, aliases and the curves CSV.
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "rgbdsod/core/curves_csv.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/report_table.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

DatasetMetrics result(double sm, double mae, double max_fm = 0.5) {
  DatasetMetrics d;
  d.images = 3;
  d.smeasure = sm;
  d.mae = mae;
  d.max_fmeasure = max_fm;
  d.max_emeasure = 0.9;
  return d;
}

// Three methods on two datasets: A is best on S, B second; on MAE (lower is better) C is best.
ResultsTable threeMethods() {
  ResultsTable t;
  t.metrics = {Metric::Smeasure, Metric::Mae};
  t.set("A", "NJU2K", result(0.912, 0.050));
  t.set("B", "NJU2K", result(0.9, 0.040));
  t.set("C", "NJU2K", result(0.85, 0.030));
  t.set("A", "NLPR", result(0.88, 0.02));
  t.set("B", "NLPR", result(0.88, 0.021));  // a printed tie on S with A
  return t;
}

std::string errorOf(const std::string& text, const std::string& file = "aliases.txt") {
  try {
    Aliases::parse(text, file);
  } catch (const FileError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(Report, RankingIsPerDatasetAndMetricOnDisplayedValues) {
  const ResultsTable t = threeMethods();
  EXPECT_EQ(rankOf(t, "A", "NJU2K", Metric::Smeasure, 3), Rank::Best);
  EXPECT_EQ(rankOf(t, "B", "NJU2K", Metric::Smeasure, 3), Rank::Second);
  EXPECT_EQ(rankOf(t, "C", "NJU2K", Metric::Smeasure, 3), Rank::None);
  EXPECT_EQ(rankOf(t, "C", "NJU2K", Metric::Mae, 3), Rank::Best);  // lower is better
  EXPECT_EQ(rankOf(t, "B", "NJU2K", Metric::Mae, 3), Rank::Second);
  EXPECT_EQ(rankOf(t, "A", "NLPR", Metric::Smeasure, 3), Rank::Best);  // tie: both best
  EXPECT_EQ(rankOf(t, "B", "NLPR", Metric::Smeasure, 3), Rank::Best);
  EXPECT_EQ(rankOf(t, "C", "NLPR", Metric::Smeasure, 3), Rank::None);  // no result there
  // 0.0204 and 0.0201 print the same with 3 decimals: equal marks.
  ResultsTable close;
  close.metrics = {Metric::Mae};
  close.set("X", "D", result(0.5, 0.0204));
  close.set("Y", "D", result(0.5, 0.0201));
  EXPECT_EQ(rankOf(close, "X", "D", Metric::Mae, 3), Rank::Best);
  EXPECT_EQ(rankOf(close, "Y", "D", Metric::Mae, 3), Rank::Best);
  EXPECT_EQ(rankOf(close, "X", "D", Metric::Mae, 4), Rank::Second);
}

TEST(Report, NanIsShownAsDashAndNeverRanked) {
  ResultsTable t;
  t.metrics = {Metric::Smeasure};
  t.set("A", "D", result(std::numeric_limits<double>::quiet_NaN(), 0.1));
  t.set("B", "D", result(0.5, 0.1));
  EXPECT_EQ(rankOf(t, "A", "D", Metric::Smeasure, 3), Rank::None);
  EXPECT_EQ(rankOf(t, "B", "D", Metric::Smeasure, 3), Rank::None);  // alone with a value
  EXPECT_EQ(formatValue(std::numeric_limits<double>::quiet_NaN(), 3), "-");
  EXPECT_TRUE(contains(renderLatex(t), "A & --")) << renderLatex(t);
}

TEST(Report, LatexTableIsBooktabsWithArrowsMarksAndEscapedNames) {
  ResultsTable t = threeMethods();
  t.set("My_Net&Co", "NJU2K", result(0.1, 0.9));
  TableFormat f;
  f.aliases.set("A", "Ours");
  const std::string tex = renderLatex(t, f);
  EXPECT_TRUE(contains(tex, "\\begin{tabular}{lcccc}")) << tex;
  for (const char* rule : {"\\toprule", "\\midrule", "\\bottomrule", "\\cmidrule(lr){2-3}", "\\cmidrule(lr){4-5}"})
    EXPECT_TRUE(contains(tex, rule)) << rule << "\n" << tex;
  EXPECT_TRUE(contains(tex, "\\multicolumn{2}{c}{NJU2K}")) << tex;
  EXPECT_TRUE(contains(tex, "$S_\\alpha\\uparrow$")) << tex;
  EXPECT_TRUE(contains(tex, "MAE$\\downarrow$")) << tex;
  EXPECT_TRUE(contains(tex, "Ours & \\textbf{0.912} & 0.050 & \\textbf{0.880} & \\textbf{0.020} \\\\")) << tex;
  EXPECT_TRUE(contains(tex, "B & \\underline{0.900} & \\underline{0.040} & \\textbf{0.880} & \\underline{0.021} \\\\")) << tex;
  EXPECT_TRUE(contains(tex, "C & 0.850 & \\textbf{0.030} &  &  \\\\")) << tex;
  EXPECT_TRUE(contains(tex, "My\\_Net\\&Co & 0.100 & 0.900")) << tex;
  EXPECT_EQ(latexEscape("a_b%c$d#e{f}g~h^i\\j"),
            "a\\_b\\%c\\$d\\#e\\{f\\}g\\textasciitilde{}h\\textasciicircum{}i\\textbackslash{}j");
}

TEST(Report, TextTableIsAlignedWithArrows) {
  TableFormat f;
  f.aliases.set("C", "A much longer name");
  const std::string text = renderText(threeMethods(), f);
  EXPECT_TRUE(contains(text, "S\u2191")) << text;
  EXPECT_TRUE(contains(text, "MAE\u2193")) << text;
  EXPECT_TRUE(contains(text, "NJU2K")) << text;
  std::istringstream lines(text);
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(lines, line)) rows.push_back(line);
  ASSERT_EQ(rows.size(), 6u) << text;  // groups, labels, rule, 3 methods
  // Values end in the same column on every full row (right-aligned numbers).
  const std::size_t end_a = rows[3].find("0.912") + 5;
  const std::size_t end_b = rows[4].find("0.900") + 5;
  EXPECT_EQ(end_a, end_b) << text;
  EXPECT_EQ(rows[5].find("A much longer name"), 0u) << text;
  EXPECT_EQ(rows[3].rfind("0.020") + 5, rows[3].size()) << text;
  EXPECT_EQ(rows[4].rfind("0.021") + 5, rows[4].size()) << text;
}

TEST(Report, CsvHasFullPrecisionAndQuotesNames) {
  ResultsTable t;
  t.metrics = {Metric::Smeasure, Metric::Mae};
  t.set("a,b", "D", result(0.123456789012345, 0.25));
  const std::string csv = renderCsv(t);
  EXPECT_TRUE(contains(csv, "method,dataset,images,gt_images,sm,mae\n")) << csv;
  EXPECT_TRUE(contains(csv, "\"a,b\",D,3,3,0.123456789012345,0.25\n")) << csv;  // no GT count: complete
}

TEST(Report, MarkdownMarksBestBoldAndSecondItalic) {
  const std::string md = renderMarkdown(threeMethods());
  EXPECT_TRUE(contains(md, "| Method | NJU2K S\u2191 |")) << md;
  EXPECT_TRUE(contains(md, "| A | **0.912** |")) << md;
  EXPECT_TRUE(contains(md, "| B | _0.900_ |")) << md;
}

TEST(Report, AliasesTextAndJsonFormats) {
  const Aliases a = Aliases::parse("# comment\n\n  MyNet_v3 =  Ours (v3) \nNJU2K_test=NJU2K\n", "a.txt");
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(a.display("MyNet_v3"), "Ours (v3)");
  EXPECT_EQ(a.display("NJU2K_test"), "NJU2K");
  EXPECT_EQ(a.display("unknown"), "unknown");
  const Aliases j = Aliases::parse(" {\"MyNet\": \"Ours\", \"B\": \"Baseline = old\"}", "a.json");
  EXPECT_EQ(j.display("MyNet"), "Ours");
  EXPECT_EQ(j.display("B"), "Baseline = old");
}

TEST(Report, BadAliasesNameTheFileAndLine) {
  EXPECT_TRUE(contains(errorOf("A = a\n\nnot an alias\n"), "aliases.txt: line 3: expected 'name = Display Name'"))
      << errorOf("A = a\n\nnot an alias\n");
  EXPECT_TRUE(contains(errorOf(" = x\n"), "aliases.txt: line 1: empty name"));
  EXPECT_TRUE(contains(errorOf("A = \n"), "line 1: empty display name for 'A'"));
  EXPECT_TRUE(contains(errorOf("A = x\nA = y\n"), "line 2: 'A' is given twice"));
  EXPECT_TRUE(contains(errorOf("{\n\"A\": \"x\",\n\"B\": \n}", "a.json"), "a.json: line 4: invalid JSON"))
      << errorOf("{\n\"A\": \"x\",\n\"B\": \n}", "a.json");
  EXPECT_TRUE(contains(errorOf("{\"A\": 3}", "a.json"), "a.json: the alias of 'A' is not a string"));
  try {
    Aliases::load("/nonexistent/aliases.txt");
    FAIL() << "no error";
  } catch (const FileError& e) {
    EXPECT_TRUE(contains(e.what(), "/nonexistent/aliases.txt")) << e.what();
  }
}

TEST(Report, MetricSelection) {
  EXPECT_EQ(parseMetricList("mae, sm"), (std::vector<Metric>{Metric::Mae, Metric::Smeasure}));
  EXPECT_EQ(parseMetricList("all"), allMetrics());
  EXPECT_EQ(parseMetricList("default"), defaultTableMetrics());
  try {
    parseMetricList("sm,fbeta");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(contains(e.what(), "unknown metric 'fbeta'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "max_fm")) << e.what();
  }
}

TEST(Report, CurvesCsvRoundTripsAndNamesBadLines) {
  NamedCurves a{"A,1", "D", {}};
  for (int t = 0; t < kThresholdCount; ++t) {
    a.curves.precision[t] = 1.0 / (t + 3);
    a.curves.recall[t] = 1.0 - t / 255.0;
    a.curves.fmeasure[t] = std::sqrt(t) / 16.0;
    a.curves.emeasure[t] = t == 7 ? std::numeric_limits<double>::quiet_NaN() : 0.1 * t;
  }
  const std::string csv = curvesToCsv({a, NamedCurves{"B", "D", {}}});
  EXPECT_EQ(csv.substr(0, csv.find('\n')), kCurvesCsvHeader);
  const std::vector<NamedCurves> back = curvesFromCsv(csv, "c.csv");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].method, "A,1");
  for (int t = 0; t < kThresholdCount; ++t) {
    EXPECT_EQ(back[0].curves.precision[t], a.curves.precision[t]);
    EXPECT_EQ(back[0].curves.fmeasure[t], a.curves.fmeasure[t]);
  }
  EXPECT_TRUE(std::isnan(back[0].curves.emeasure[7]));

  auto error = [](const std::string& text) {
    try {
      curvesFromCsv(text, "c.csv");
    } catch (const FileError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string header = std::string(kCurvesCsvHeader) + "\n";
  EXPECT_TRUE(contains(error("m,d\n"), "c.csv: line 1: expected the header"));
  EXPECT_TRUE(contains(error(header + "A,D,0,1,1,1\n"), "c.csv: line 2: expected 7"));
  EXPECT_TRUE(contains(error(header + "A,D,256,1,1,1,1\n"), "line 2: threshold must be 0..255"));
  EXPECT_TRUE(contains(error(header + "A,D,0,x,1,1,1\n"), "line 2: not a number: 'x'"));
  EXPECT_TRUE(contains(error(header + "A,D,0,1,1,1,1\n"), "A/D has no row for threshold 1"));
}

TEST(Report, ResultsJsonNamesEachPair) {
  LabeledEvaluation e;
  e.method = "M\"1";
  e.dataset = "D";
  e.evaluation.metrics = result(0.5, 0.25);
  const std::string json = resultsJson({e});
  EXPECT_TRUE(contains(json, "\"method\": \"M\\\"1\"")) << json;
  EXPECT_TRUE(contains(json, "\"protocol\": \"PySODMetrics v1.6.2\"")) << json;
}

// A over 3 of 5 NJU2K images (partial), complete on NLPR; B complete everywhere.
ResultsTable partialTable() {
  ResultsTable t;
  t.metrics = {Metric::Smeasure, Metric::Mae};
  t.set("A", "NJU2K", result(0.9, 0.04), 5);
  t.set("B", "NJU2K", result(0.8, 0.05), 3);
  t.set("A", "NLPR", result(0.9, 0.04), 3);
  t.set("B", "NLPR", result(0.8, 0.05));
  return t;
}

TEST(Report, PartialResultsKnowTheirGtCount) {
  const ResultsTable t = partialTable();
  EXPECT_TRUE(t.partial("A", "NJU2K"));
  EXPECT_EQ(t.gtImages("A", "NJU2K"), 5u);
  EXPECT_FALSE(t.partial("A", "NLPR"));
  EXPECT_FALSE(t.partial("B", "NLPR"));
  EXPECT_EQ(t.gtImages("B", "NLPR"), 3u);  // not given: the result's own count
  EXPECT_FALSE(t.partial("C", "NJU2K"));
  EXPECT_EQ(t.gtImages("C", "NJU2K"), 0u);
}

TEST(Report, PartialRowsAreMarkedInTextCsvMarkdownAndLatex) {
  TableFormat f;
  f.aliases.set("A", "Ours");
  const ResultsTable t = partialTable();
  const std::string note = "Ours on NJU2K: 3 of 5 images";

  const std::string text = renderText(t, f);
  EXPECT_TRUE(contains(text, "\nOurs \u2020 ")) << text;
  EXPECT_FALSE(contains(text, "B \u2020")) << text;
  EXPECT_TRUE(contains(text, "\n\u2020 " + note + "\n")) << text;

  const std::string csv = renderCsv(t);
  EXPECT_TRUE(contains(csv, "\nA,NJU2K,3,5,0.9,0.04\n")) << csv;
  EXPECT_TRUE(contains(csv, "\nA,NLPR,3,3,")) << csv;

  const std::string md = renderMarkdown(t, f);
  EXPECT_TRUE(contains(md, "| Ours \u2020 | ")) << md;
  EXPECT_TRUE(contains(md, "| B | ")) << md;
  EXPECT_TRUE(contains(md, "|\n\n\u2020 " + note + "\n")) << md;  // a paragraph after the table

  const std::string tex = renderLatex(t, f);
  EXPECT_TRUE(contains(tex, "\nOurs$^\\dagger$ & ")) << tex;
  EXPECT_TRUE(contains(tex, "\nB & ")) << tex;
  EXPECT_TRUE(contains(tex, "\\bottomrule\n\\multicolumn{5}{l}{\\footnotesize $^\\dagger$ " + note +
                                "} \\\\\n\\end{tabular}\n"))
      << tex;
}

TEST(Report, CompleteTablesHaveNoPartialMarks) {
  const ResultsTable t = threeMethods();
  for (const std::string& out : {renderText(t), renderMarkdown(t)}) EXPECT_FALSE(contains(out, "\u2020")) << out;
  EXPECT_FALSE(contains(renderLatex(t), "dagger")) << renderLatex(t);
}

TEST(Report, ResultsJsonGivesImagesAndGtImages) {
  LabeledEvaluation e;
  e.method = "M";
  e.dataset = "D";
  e.evaluation.metrics = result(0.5, 0.25);  // 3 images
  e.evaluation.missing = {{"D/GT/4.png", "no prediction for 4"}, {"D/GT/5.png", "no prediction for 5"}};
  LabeledEvaluation full = e;
  full.method = "F";
  full.evaluation.missing.clear();
  const std::string json = resultsJson({e, full});
  // Keys are sorted: M's fields come first, F's after them.
  const std::size_t m = json.find("\"method\": \"M\"");
  const std::size_t f = json.find("\"method\": \"F\"");
  ASSERT_TRUE(m != std::string::npos && f != std::string::npos && m < f) << json;
  EXPECT_LT(json.find("\"gt_images\": 5"), m) << json;
  EXPECT_LT(json.find("\"partial\": true"), f) << json;
  EXPECT_GT(json.find("\"gt_images\": 3"), m) << json;
  EXPECT_GT(json.find("\"partial\": false"), m) << json;
  EXPECT_TRUE(contains(json, "\"images\": 3,\n")) << json;
}
