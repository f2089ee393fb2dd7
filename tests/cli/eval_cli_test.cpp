// `rgbdsod eval` and `rgbdsod plot` end to end: the real binary on the real DUT-RGBD triplets, with
// the binarised GT as a perfect prediction and degraded ones (blurred GT, the depth map).
#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.h"
#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using rgbdsod::test::readFileText;
using rgbdsod::test::runCli;
using rgbdsod::test::shellQuote;
using rgbdsod::test::TempDir;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// R/GT/DUT, R/Perfect/DUT (GT > 128 as 0/255), R/Blurred/DUT (GT blurred), R/Depth/DUT (depth maps).
fs::path buildRoot(const fs::path& data, const fs::path& dir) {
  const fs::path src = data / "rgbd_samples" / "dut_rgbd_crossnet";
  const fs::path root = dir / "R";
  for (const char* m : {"GT", "Perfect", "Blurred", "Depth"}) fs::create_directories(root / m / "DUT");
  for (const auto& e : fs::directory_iterator(src / "GT")) {
    const std::string name = e.path().filename().string();
    fs::copy_file(e.path(), root / "GT" / "DUT" / name);
    const cv::Mat gt = cv::imread(e.path().string(), cv::IMREAD_GRAYSCALE);
    cv::Mat binary;
    cv::threshold(gt, binary, 128, 255, cv::THRESH_BINARY);
    cv::imwrite((root / "Perfect" / "DUT" / name).string(), binary);
    cv::Mat blurred;
    cv::GaussianBlur(gt, blurred, {21, 21}, 6.0);
    cv::imwrite((root / "Blurred" / "DUT" / name).string(), blurred);
    fs::copy_file(src / "depth" / name, root / "Depth" / "DUT" / name);
  }
  return root;
}

std::map<std::string, json> metricsByMethod(const fs::path& json_file) {
  const json j = json::parse(readFileText(json_file));
  std::map<std::string, json> out;
  for (const json& r : j.at("results")) out[r.at("method").get<std::string>()] = r.at("evaluation");
  return out;
}

std::string shown(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string lineStartingWith(const std::string& text, const std::string& start) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(start, 0) == 0) return line;
  return {};
}

// Copies the images of `from` to `to` (created) renamed by `rename` (stem -> new stem); `count`
// limits how many (in name order).
void copyRenamed(const fs::path& from, const fs::path& to, const std::function<std::string(const std::string&)>& rename,
                 std::size_t count = 1000) {
  fs::create_directories(to);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(from)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (std::size_t i = 0; i < files.size() && i < count; ++i)
    fs::copy_file(files[i], to / (rename(files[i].stem().string()) + files[i].extension().string()));
}

std::string same(const std::string& stem) { return stem; }

class EvalCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto data = rgbdsod::test::sharedDataDir();
    if (!data) GTEST_SKIP() << "../shared/data is not present; skipping the CLI evaluation on real RGB-D files";
    root_ = buildRoot(*data, dir_.path());
    cache_ = "--cache-dir " + shellQuote(dir_ / "cache");
  }
  std::string q(const std::string& child) const { return shellQuote(dir_ / child); }

  TempDir dir_;
  fs::path root_;
  std::string cache_;
};

}  // namespace

TEST_F(EvalCli, PerfectAndDegradedPredictionsWithAllReports) {
  const auto r = runCli("eval --root " + shellQuote(root_) + " --metrics all " + cache_ + " --json " + q("r.json") +
                        " --latex " + q("t.tex") + " --csv " + q("t.csv") + " --markdown " + q("t.md") + " --curves " +
                        q("c.csv"));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "DUT")) << r.out;
  EXPECT_TRUE(contains(lineStartingWith(r.out, "Perfect"), "1.000")) << r.out;

  auto m = metricsByMethod(dir_ / "r.json");
  ASSERT_EQ(m.size(), 3u);
  const json& perfect = m["Perfect"]["metrics"];
  EXPECT_EQ(perfect["images"], 7);
  EXPECT_DOUBLE_EQ(perfect["mae"].get<double>(), 0.0);
  EXPECT_NEAR(perfect["sm"].get<double>(), 1.0, 1e-12);
  EXPECT_NEAR(perfect["max_fm"].get<double>(), 1.0, 1e-12);
  // The reference divides by H*W - 1: a perfect 256x256 map scores 65536 / 65535.
  EXPECT_NEAR(perfect["max_em"].get<double>(), 65536.0 / 65535.0, 1e-12);
  EXPECT_NEAR(perfect["wfm"].get<double>(), 1.0, 1e-12);
  const json& blurred = m["Blurred"]["metrics"];
  const json& depth = m["Depth"]["metrics"];
  EXPECT_GT(blurred["sm"].get<double>(), depth["sm"].get<double>());
  EXPECT_LT(blurred["mae"].get<double>(), depth["mae"].get<double>());
  EXPECT_GT(blurred["mae"].get<double>(), 0.0);
  EXPECT_EQ(m["Depth"]["images"].size(), 7u);

  // LaTeX: Perfect best everywhere, Blurred second on S and MAE, Depth unmarked there.
  const std::string tex = readFileText(dir_ / "t.tex");
  EXPECT_TRUE(contains(tex, "\\toprule") && contains(tex, "\\bottomrule") && contains(tex, "\\multicolumn{9}{c}{DUT}")) << tex;
  EXPECT_TRUE(contains(tex, "$S_\\alpha\\uparrow$") && contains(tex, "MAE$\\downarrow$")) << tex;
  const std::string perfect_row = lineStartingWith(tex, "Perfect &");
  EXPECT_TRUE(contains(perfect_row, "\\textbf{1.000}") && contains(perfect_row, "\\textbf{0.000}")) << tex;
  EXPECT_FALSE(contains(perfect_row, "\\underline")) << tex;
  const std::string blurred_row = lineStartingWith(tex, "Blurred &");
  EXPECT_EQ(std::count(blurred_row.begin(), blurred_row.end(), '&'), 9) << tex;
  for (const char* key : {"mae", "sm"})
    EXPECT_TRUE(contains(blurred_row, "\\underline{" + shown(blurred[key].get<double>()) + "}")) << key << "\n" << tex;
  EXPECT_FALSE(contains(lineStartingWith(tex, "Depth &"), "\\textbf")) << tex;

  const std::string curves = readFileText(dir_ / "c.csv");
  EXPECT_EQ(curves.substr(0, curves.find('\n')), "method,dataset,threshold,precision,recall,fmeasure,emeasure");
  std::map<std::string, int> rows;
  std::istringstream in(curves);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) ++rows[line.substr(0, line.find(',', line.find(',') + 1))];
  EXPECT_EQ(rows, (std::map<std::string, int>{{"Blurred,DUT", 256}, {"Depth,DUT", 256}, {"Perfect,DUT", 256}}));
  EXPECT_TRUE(contains(readFileText(dir_ / "t.csv"), "method,dataset,images,gt_images,mae,sm,")) << readFileText(dir_ / "t.csv");
  EXPECT_TRUE(contains(readFileText(dir_ / "t.md"), "| Perfect | **")) << readFileText(dir_ / "t.md");
}

TEST_F(EvalCli, SecondRunComesFromTheCacheAndAnEditedMapIsEvaluatedAgain) {
  const std::string args = "eval --root " + shellQuote(root_) + " --json " + q("r.json");
  const auto env = "XDG_CACHE_HOME=" + shellQuote(dir_ / "xdg");
  const auto first = runCli(args, env);
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_TRUE(contains(first.err, "reused 0 of 3 results")) << first.err;
  const fs::path cache = dir_ / "xdg" / "rgbdsod" / "eval";
  std::map<fs::path, fs::file_time_type> stamps;
  for (const auto& e : fs::directory_iterator(cache)) stamps[e.path()] = e.last_write_time();
  ASSERT_EQ(stamps.size(), 3u);

  const auto second = runCli(args, env);
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_TRUE(contains(second.err, "reused 3 of 3 results")) << second.err;
  EXPECT_EQ(second.out, first.out);
  for (const auto& [file, stamp] : stamps) EXPECT_EQ(fs::last_write_time(file), stamp) << file;
  const double mae_before = metricsByMethod(dir_ / "r.json")["Blurred"]["metrics"]["mae"].get<double>();

  cv::imwrite((root_ / "Blurred" / "DUT" / "0108.png").string(), cv::Mat(256, 256, CV_8UC1, cv::Scalar(0)));
  const auto third = runCli(args, env);
  ASSERT_EQ(third.code, 0) << third.err;
  EXPECT_TRUE(contains(third.err, "reused 2 of 3 results")) << third.err;
  EXPECT_NE(metricsByMethod(dir_ / "r.json")["Blurred"]["metrics"]["mae"].get<double>(), mae_before);

  const auto uncached = runCli(args + " --no-cache", env);
  EXPECT_EQ(uncached.code, 0);
  EXPECT_FALSE(contains(uncached.err, "reused")) << uncached.err;
  EXPECT_EQ(uncached.out, third.out);
}

TEST_F(EvalCli, MissingResizedAndExtraPredictionsAreReported) {
  fs::remove(root_ / "Depth" / "DUT" / "0086.png");
  cv::Mat small;
  cv::resize(cv::imread((root_ / "Blurred" / "DUT" / "0108.png").string(), cv::IMREAD_GRAYSCALE), small, {128, 96});
  cv::imwrite((root_ / "Blurred" / "DUT" / "0108.png").string(), small);
  cv::imwrite((root_ / "Blurred" / "DUT" / "9999.png").string(), small);
  const auto r = runCli("eval --root " + shellQuote(root_) + " " + cache_ + " --json " + q("r.json"));
  EXPECT_EQ(r.code, 1) << r.err;  // a GT image without prediction
  EXPECT_TRUE(contains(r.err, "Depth/DUT: 1 of 7 GT images have no prediction (not evaluated): 0086.png")) << r.err;
  EXPECT_TRUE(contains(r.err, "Blurred/DUT: 1 of 7 predictions have another size than their GT and were resized")) << r.err;
  EXPECT_TRUE(contains(r.err, "0108.png (128x96)")) << r.err;
  EXPECT_TRUE(contains(r.err, "Blurred/DUT: 1 prediction file(s) without a GT image (ignored): 9999.png")) << r.err;
  auto m = metricsByMethod(dir_ / "r.json");
  EXPECT_EQ(m["Depth"]["metrics"]["images"], 6);
  EXPECT_EQ(m["Blurred"]["resized"], 1);
}

TEST_F(EvalCli, CorruptPredictionFailsNamingTheFile) {
  rgbdsod::test::writeBytes(root_ / "Depth" / "DUT" / "0124.png", "\x89PNG\r\n\x1a\n but then nothing");
  const auto r = runCli("eval --root " + shellQuote(root_) + " " + cache_);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, (root_ / "Depth" / "DUT" / "0124.png").string())) << r.err;
}

TEST_F(EvalCli, AliasesRenameAndBadAliasesNameFileAndLine) {
  rgbdsod::test::writeBytes(dir_ / "aliases.txt", "# display names\nPerfect = GT_binary (ours)\nDUT = DUT-RGBD\n");
  const auto good = runCli("eval --root " + shellQuote(root_) + " " + cache_ + " --aliases " + q("aliases.txt") +
                           " --latex " + q("t.tex"));
  ASSERT_EQ(good.code, 0) << good.err;
  EXPECT_TRUE(contains(good.out, "GT_binary (ours)")) << good.out;
  const std::string tex = readFileText(dir_ / "t.tex");
  EXPECT_TRUE(contains(tex, "GT\\_binary (ours) & \\textbf{")) << tex;
  EXPECT_TRUE(contains(tex, "{DUT-RGBD}")) << tex;

  rgbdsod::test::writeBytes(dir_ / "bad.txt", "Perfect = Ours\nDepth: depth only\n");
  const auto bad = runCli("eval --root " + shellQuote(root_) + " " + cache_ + " --aliases " + q("bad.txt"));
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.err, (dir_ / "bad.txt").string() + ": line 2: expected 'name = Display Name'")) << bad.err;
}

TEST_F(EvalCli, GtAndPredFoldersWithMethodNames) {
  const std::string gt = shellQuote(root_ / "GT" / "DUT");
  const auto dup = runCli("eval --gt " + gt + " --pred " + shellQuote(root_ / "Perfect" / "DUT") + " --pred " +
                          shellQuote(root_ / "Depth" / "DUT") + " --dataset DUT " + cache_);
  // Folders named like the dataset take their parent's name (the toolboxes' layout).
  ASSERT_EQ(dup.code, 0) << dup.err;
  EXPECT_TRUE(contains(dup.out, "Perfect") && contains(dup.out, "Depth")) << dup.out;
  const auto named = runCli("eval --gt " + gt + " --pred " + shellQuote(root_ / "Depth" / "DUT") +
                            " --method Mine --metrics sm,mae " + cache_);
  ASSERT_EQ(named.code, 0) << named.err;
  EXPECT_TRUE(contains(named.out, "Mine")) << named.out;
  EXPECT_TRUE(contains(named.out, "MAE")) << named.out;
  EXPECT_FALSE(contains(named.out, "maxF")) << named.out;
  const auto bad_metric = runCli("eval --gt " + gt + " --pred " + shellQuote(root_ / "Depth" / "DUT") + " --metrics sm,nope");
  EXPECT_EQ(bad_metric.code, 2);
  EXPECT_TRUE(contains(bad_metric.err + bad_metric.out, "unknown metric 'nope'")) << bad_metric.err;
}

TEST_F(EvalCli, SuffixSharedByAllPredictionsIsStrippedAndSaid) {
  // As published: GT/RGBD_data_0086_GT.png against JLDCF's RGBD_data_0086_JLDCF.png, method not named.
  copyRenamed(root_ / "GT" / "DUT", dir_ / "data" / "DUT" / "GT", [](const std::string& s) { return "RGBD_data_" + s + "_GT"; });
  copyRenamed(root_ / "Perfect" / "DUT", dir_ / "pub" / "DUT", [](const std::string& s) { return "RGBD_data_" + s + "_JLDCF"; });
  const auto r = runCli("eval --gt " + q("data/DUT/GT") + " --pred " + q("pub/DUT") + " " + cache_ + " --json " + q("r.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "pub/DUT: every prediction name has the suffix '_JLDCF', stripped for pairing: 7 of 7 GT "
                              "images pair (0 without)"))
      << r.err;
  EXPECT_TRUE(contains(lineStartingWith(r.out, "pub"), "1.000")) << r.out;
  EXPECT_EQ(metricsByMethod(dir_ / "r.json")["pub"]["metrics"]["images"], 7);
}

TEST_F(EvalCli, PrefixSharedByAllPredictionsIsStrippedAndSaid) {
  copyRenamed(root_ / "Perfect" / "DUT", dir_ / "pub" / "JLDCF", [](const std::string& s) { return "JLDCF_" + s; });
  const auto r = runCli("eval --gt " + shellQuote(root_ / "GT" / "DUT") + " --pred " + q("pub/JLDCF") + " " + cache_ +
                        " --json " + q("r.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "JLDCF/DUT: every prediction name has the prefix 'JLDCF_', stripped for pairing: 7 of 7"))
      << r.err;
  EXPECT_EQ(metricsByMethod(dir_ / "r.json")["JLDCF"]["metrics"]["images"], 7);
  // Names that pair as they are are left alone.
  const auto plain = runCli("eval --root " + shellQuote(root_) + " " + cache_);
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_FALSE(contains(plain.err, "stripped for pairing")) << plain.err;
}

TEST_F(EvalCli, NothingPairsGivesAHintAndExitCode1) {
  int i = 0;
  copyRenamed(root_ / "Perfect" / "DUT", dir_ / "pub" / "Other", [&i](const std::string&) { return "cat_" + std::to_string(++i); });
  const auto r = runCli("eval --gt " + shellQuote(root_ / "GT" / "DUT") + " --pred " + q("pub/Other") + " " + cache_);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_FALSE(contains(r.err, "stripped for pairing")) << r.err;  // "cat_" is shared, but stripping it pairs nothing
  EXPECT_TRUE(contains(r.err, "Other/DUT: names differ: GT 0086.png pairs as '0086', prediction cat_1.png as 'cat_1'"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "--method NAME")) << r.err;
}

TEST_F(EvalCli, FoldersNamedLikeTheDatasetTakeTheirParentsName) {
  const std::string preds = " --pred " + shellQuote(root_ / "Perfect" / "DUT") + " --pred " + shellQuote(root_ / "Depth" / "DUT");
  // GT at R/GT/DUT, GT at data/DUT/GT, a --dataset display name, and folders given with a trailing '/'.
  copyRenamed(root_ / "GT" / "DUT", dir_ / "data" / "DUT" / "GT", same);
  for (const std::string& gt : {shellQuote(root_ / "GT" / "DUT"), q("data/DUT/GT"), q("data/DUT/GT") + " --dataset DUT-RGBD",
                                shellQuote((root_ / "GT" / "DUT").string() + "/") + " --pred " +
                                    shellQuote((root_ / "Blurred" / "DUT").string() + "/")}) {
    const auto r = runCli("eval --gt " + gt + preds + " " + cache_);
    ASSERT_EQ(r.code, 0) << gt << "\n" << r.err;
    EXPECT_FALSE(lineStartingWith(r.out, "Perfect").empty()) << gt << "\n" << r.out;
    EXPECT_FALSE(lineStartingWith(r.out, "Depth").empty()) << gt << "\n" << r.out;
    EXPECT_TRUE(lineStartingWith(r.out, "DUT").empty()) << gt << "\n" << r.out;  // no method named after the dataset
  }
  // Two folders with the same name that is not the dataset's: the parents tell them apart too.
  copyRenamed(root_ / "Perfect" / "DUT", dir_ / "out" / "A" / "test", same);
  copyRenamed(root_ / "Depth" / "DUT", dir_ / "out" / "B" / "test", same);
  const auto r = runCli("eval --gt " + shellQuote(root_ / "GT" / "DUT") + " --pred " + q("out/A/test") + " --pred " +
                        q("out/B/test") + " " + cache_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(lineStartingWith(r.out, "A "), "1.000")) << r.out;
  EXPECT_FALSE(lineStartingWith(r.out, "B ").empty()) << r.out;
}

TEST_F(EvalCli, PartialResultsAreMarkedInEveryFormat) {
  copyRenamed(root_ / "GT" / "DUT", dir_ / "P" / "GT" / "DUT", same, 6);
  copyRenamed(root_ / "Perfect" / "DUT", dir_ / "P" / "Part" / "DUT", same, 4);
  copyRenamed(root_ / "Perfect" / "DUT", dir_ / "P" / "Full" / "DUT", same, 6);
  const auto r = runCli("eval --root " + q("P") + " " + cache_ + " --csv " + q("t.csv") + " --markdown " + q("t.md") +
                        " --latex " + q("t.tex") + " --json " + q("r.json"));
  EXPECT_EQ(r.code, 1) << r.err;  // GT images without a prediction
  const std::string note = "Part on DUT: 4 of 6 images";
  EXPECT_TRUE(contains(lineStartingWith(r.out, "Part"), "Part \u2020 ")) << r.out;
  EXPECT_FALSE(contains(lineStartingWith(r.out, "Full"), "\u2020")) << r.out;
  EXPECT_TRUE(contains(r.out, "\n\u2020 " + note + "\n")) << r.out;
  const std::string csv = readFileText(dir_ / "t.csv");
  EXPECT_TRUE(contains(csv, "\nPart,DUT,4,6,") && contains(csv, "\nFull,DUT,6,6,")) << csv;
  const std::string md = readFileText(dir_ / "t.md");
  EXPECT_TRUE(contains(md, "| Part \u2020 | ") && contains(md, "| Full | ")) << md;
  EXPECT_TRUE(contains(md, "\n\u2020 " + note + "\n")) << md;
  const std::string tex = readFileText(dir_ / "t.tex");
  EXPECT_TRUE(contains(tex, "\nPart$^\\dagger$ & ") && contains(tex, "\nFull & ")) << tex;
  EXPECT_TRUE(contains(tex, "{\\footnotesize $^\\dagger$ " + note + "} \\\\\n\\end{tabular}")) << tex;
  const json j = json::parse(readFileText(dir_ / "r.json"));
  std::map<std::string, json> by_method;
  for (const json& res : j.at("results")) by_method[res.at("method").get<std::string>()] = res;
  EXPECT_EQ(by_method["Part"]["images"], 4);
  EXPECT_EQ(by_method["Part"]["gt_images"], 6);
  EXPECT_EQ(by_method["Part"]["partial"], true);
  EXPECT_EQ(by_method["Full"]["images"], 6);
  EXPECT_EQ(by_method["Full"]["gt_images"], 6);
  EXPECT_EQ(by_method["Full"]["partial"], false);
}

TEST_F(EvalCli, PlotWritesPngPdfAndSvgFigures) {
  if (!RGBDSOD_HAVE_PLOT) {
    const auto r = runCli("plot --curves x.csv --out x.png");
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "built without plotting")) << r.err;
    return;
  }
  ASSERT_EQ(runCli("eval --root " + shellQuote(root_) + " " + cache_ + " --curves " + q("c.csv")).code, 0);
  // No desktop session (XDG_RUNTIME_DIR unset, as over ssh or in CI): still no Qt warning.
  const auto png = runCli("plot --curves " + q("c.csv") + " --out " + q("pr.png") + " --width-cm 12 --height-cm 8",
                          "XDG_RUNTIME_DIR=");
  ASSERT_EQ(png.code, 0) << png.err;
  EXPECT_FALSE(contains(png.err, "XDG_RUNTIME_DIR")) << png.err;
  const cv::Mat image = cv::imread((dir_ / "pr.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(image.empty());
  EXPECT_EQ(image.cols, 1417);  // 12 cm at 300 dpi
  EXPECT_NEAR(image.rows, 945, 1);
  const auto pdf = runCli("plot --curves " + q("c.csv") + " --kind fm --out " + q("f.pdf"));  // short name
  ASSERT_EQ(pdf.code, 0) << pdf.err;
  EXPECT_EQ(readFileText(dir_ / "f.pdf").substr(0, 5), "%PDF-");
  // Straight from the folders, through the cache, with a dataset chosen and aliases.
  rgbdsod::test::writeBytes(dir_ / "aliases.json", "{\"Perfect\": \"Ours\"}");
  const auto svg = runCli("plot --root " + shellQuote(root_) + " --dataset DUT --method Perfect --method Depth " + cache_ +
                          " --aliases " + q("aliases.json") + " --kind emeasure --out " + q("e.svg"));
  ASSERT_EQ(svg.code, 0) << svg.err;
  const std::string text = readFileText(dir_ / "e.svg");
  EXPECT_TRUE(contains(text, "<svg") && contains(text, "Ours") && !contains(text, "Blurred")) << text.substr(0, 300);
  const auto typo = runCli("plot --curves " + q("c.csv") + " --kind emesure --out " + q("t.png"));
  EXPECT_EQ(typo.code, 2);
  EXPECT_TRUE(contains(typo.err, "did you mean 'emeasure'?")) << typo.err;
  EXPECT_FALSE(fs::exists(dir_ / "t.png"));
  const auto bad = runCli("plot --curves " + q("c.csv") + " --out " + q("x.gif"));
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.err, "unknown figure format '.gif'")) << bad.err;
  EXPECT_FALSE(fs::exists(dir_ / "x.gif"));
}

TEST(EvalCliHelp, ListsEvalAndPlot) {
  const auto r = runCli("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "eval") && contains(r.out, "plot")) << r.out;
  const auto usage = runCli("eval --root /nonexistent/R");
  EXPECT_EQ(usage.code, 2);
  EXPECT_TRUE(contains(usage.err, "/nonexistent/R")) << usage.err;
}
