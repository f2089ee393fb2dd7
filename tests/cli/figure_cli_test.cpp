// `rgbdsod figure` end to end (issue 10): qualitative figures from the dataset `rgbdsod synth`
// writes, with prediction folders made of GT copies (one plain, one with a shared prefix), and the
// errors a user meets (unknown sample, column without '=', a folder lacking a map, bad output).
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.h"
#include "test_support.h"

namespace fs = std::filesystem;
using rgbdsod::test::readFileText;
using rgbdsod::test::runCli;
using rgbdsod::test::shellQuote;
using rgbdsod::test::TempDir;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class FigureCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RGBDSOD_HAVE_PLOT) GTEST_SKIP() << "built without Qt (-DRGBDSOD_BUILD_GUI=OFF): no rgbdsod figure";
    const auto synth = runCli("-q synth --out " + q("synth") + " --count 6 --size 64x64 --seed 4");
    ASSERT_EQ(synth.code, 0) << synth.err;
    data_ = dir_ / "synth" / "train";
    for (const auto& e : fs::directory_iterator(data_ / "GT")) gts_.push_back(e.path());
    std::sort(gts_.begin(), gts_.end());
    ASSERT_GE(gts_.size(), 3u);
    // "Ours": the GT maps as they are; "Prefixed": JLDCF_<name>.png, as some published folders are.
    fs::create_directories(dir_ / "ours");
    fs::create_directories(dir_ / "prefixed");
    for (const fs::path& gt : gts_) {
      fs::copy_file(gt, dir_ / "ours" / gt.filename());
      fs::copy_file(gt, dir_ / "prefixed" / ("JLDCF_" + gt.filename().string()));
    }
  }
  std::string q(const std::string& child) const { return shellQuote(dir_ / child); }
  std::string name(std::size_t i) const { return gts_.at(i).stem().string(); }
  std::string base() const { return "figure --data " + shellQuote(data_) + " "; }

  TempDir dir_;
  fs::path data_;
  std::vector<fs::path> gts_;
};

}  // namespace

TEST_F(FigureCli, PngOfRgbDepthGtAndTwoMethodsHasTheLayoutsSize) {
  const auto r = runCli(base() + "--samples " + name(0) + "," + name(2) + " --column " +
                        shellQuote("Ours=" + (dir_ / "ours").string()) + " --column " +
                        shellQuote("JL-DCF=" + (dir_ / "prefixed").string()) +
                        " --out " + q("fig.png") + " --dpi 150 --width-pt 60 --row-labels");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "wrote")) << r.out;
  EXPECT_TRUE(contains(r.out, "RGB, Depth, GT, Ours, JL-DCF")) << r.out;
  EXPECT_TRUE(contains(r.err, "prefix 'JLDCF_'")) << r.err;  // stripped as `rgbdsod eval` strips it
  const cv::Mat image = cv::imread((dir_ / "fig.png").string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(image.empty());
  // 64x64 images: square 60 pt cells. Width: margins 2 + 2, row labels 1.6 x 8 pt, 5 cells, 4 gaps
  // of 2 pt = 324.8 -> 325 pt; height: margins, titles 12.8 pt, 2 cells, 1 gap = 138.8 -> 139 pt.
  EXPECT_EQ(image.cols, 677);  // 325 pt at 150 dpi
  EXPECT_EQ(image.rows, 290);  // 139 pt
  int dark = 0, coloured = 0, white = 0;
  for (int y = 0; y < image.rows; ++y)
    for (int x = 0; x < image.cols; ++x) {
      const cv::Vec3b p = image.at<cv::Vec3b>(y, x);
      const int hi = std::max({p[0], p[1], p[2]}), lo = std::min({p[0], p[1], p[2]});
      dark += hi < 60 ? 1 : 0;
      coloured += hi - lo > 80 ? 1 : 0;  // the turbo-coloured depth, the RGB
      white += lo == 255 ? 1 : 0;
    }
  const int total = image.rows * image.cols;
  EXPECT_GT(coloured, total / 20) << "no colour: RGB and depth missing?";
  EXPECT_GT(dark, total / 20) << "no dark pixels: GT / prediction backgrounds and titles missing?";
  EXPECT_GT(white, total / 50);  // margins and gaps
  EXPECT_LT(white, total * 6 / 10);  // white is also the masks' foreground
}

TEST_F(FigureCli, PdfAndSvgWithoutDepthOrGt) {
  const auto pdf = runCli(base() + "--samples " + name(1) + " --column " + shellQuote("Ours=" + (dir_ / "ours").string()) +
                          " --no-depth --no-gt --out " + q("fig.pdf") + " -q");
  ASSERT_EQ(pdf.code, 0) << pdf.err;
  EXPECT_EQ(pdf.out, "");
  EXPECT_EQ(readFileText(dir_ / "fig.pdf").substr(0, 5), "%PDF-");
  const auto svg = runCli(base() + "-s " + name(1) + " -c " + shellQuote("Ours=" + (dir_ / "ours").string()) +
                          " --out " + q("fig.svg"));
  ASSERT_EQ(svg.code, 0) << svg.err;
  const std::string text = readFileText(dir_ / "fig.svg");
  EXPECT_TRUE(contains(text, "<svg") && contains(text, "Ours") && contains(text, "Depth")) << text.substr(0, 300);
}

TEST_F(FigureCli, UnknownSampleIsNamedWithTheDatasetAndANearName) {
  const auto r = runCli(base() + "--samples " + name(0) + ",no_such_sample --out " + q("fig.png"));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "no sample 'no_such_sample' in dataset train")) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "fig.png"));
  const auto typo = runCli(base() + "--samples " + name(1) + "x --out " + q("fig.png"));
  EXPECT_EQ(typo.code, 2);
  EXPECT_TRUE(contains(typo.err, "did you mean '" + name(1) + "'?")) << typo.err;
  EXPECT_FALSE(fs::exists(dir_ / "fig.png"));
}

TEST_F(FigureCli, BadColumnsMissingMapsAndBadOutputsFailWithNothingWritten) {
  const std::string ours = shellQuote("Ours=" + (dir_ / "ours").string());
  const auto no_eq = runCli(base() + "--samples " + name(0) + " --column " + q("ours") + " --out " + q("fig.png"));
  EXPECT_EQ(no_eq.code, 2);
  EXPECT_TRUE(contains(no_eq.err, "TITLE=FOLDER")) << no_eq.err;
  const auto no_dir = runCli(base() + "--samples " + name(0) + " --column " + shellQuote("X=" + (dir_ / "nope").string()) +
                             " --out " + q("fig.png"));
  EXPECT_EQ(no_dir.code, 2);
  EXPECT_TRUE(contains(no_dir.err, "nope") && contains(no_dir.err, "column 'X'")) << no_dir.err;

  // A folder with the first sample's map only.
  fs::create_directories(dir_ / "partial");
  fs::copy_file(gts_[0], dir_ / "partial" / gts_[0].filename());
  const std::string partial = shellQuote("Half=" + (dir_ / "partial").string());
  const auto lacking = runCli(base() + "--samples " + name(0) + "," + name(1) + " --column " + partial + " --out " + q("fig.png"));
  EXPECT_EQ(lacking.code, 2);
  EXPECT_TRUE(contains(lacking.err, "partial") && contains(lacking.err, "sample '" + name(1) + "'")) << lacking.err;
  EXPECT_FALSE(fs::exists(dir_ / "fig.png"));
  const auto allowed = runCli(base() + "--samples " + name(0) + "," + name(1) + " --column " + partial +
                              " --allow-missing --out " + q("fig.png"));
  EXPECT_EQ(allowed.code, 0) << allowed.err;
  EXPECT_TRUE(contains(allowed.out, "1 missing cell")) << allowed.out;
  fs::remove(dir_ / "fig.png");

  const auto gif = runCli(base() + "--samples " + name(0) + " --column " + ours + " --out " + q("fig.gif"));
  EXPECT_EQ(gif.code, 2);
  EXPECT_TRUE(contains(gif.err, "unknown figure format '.gif'") && contains(gif.err, ".pdf")) << gif.err;
  const auto no_folder = runCli(base() + "--samples " + name(0) + " --out " + q("missing/fig.png"));
  EXPECT_EQ(no_folder.code, 2);
  EXPECT_TRUE(contains(no_folder.err, "does not exist")) << no_folder.err;
  // A folder of datasets (train/ and test/) is not one dataset.
  const auto two = runCli("figure --data " + q("synth") + " --samples " + name(0) + " --out " + q("fig.png"));
  EXPECT_EQ(two.code, 2);
  EXPECT_TRUE(contains(two.err, "one dataset")) << two.err;
  for (const auto& e : fs::directory_iterator(dir_.path()))
    EXPECT_TRUE(fs::is_directory(e.path())) << "left behind: " << e.path();
}

TEST(FigureCliHelp, FigureIsListedAndHasItsOwnHelp) {
  if (!RGBDSOD_HAVE_PLOT) GTEST_SKIP() << "built without Qt";
  const auto r = runCli("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "\n  figure ")) << r.out;
  const auto help = runCli("figure --help");
  EXPECT_EQ(help.code, 0) << help.err;
  EXPECT_TRUE(contains(help.out, "--column") && contains(help.out, "--samples")) << help.out;
}
