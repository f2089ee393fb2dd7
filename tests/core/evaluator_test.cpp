// Evaluator and evaluateFolders: agreement with PySODMetrics v1.6.2 (fixtures/eval_reference.json,
// produced by running the reference on fixtures/eval/* and on the real samples in ../shared), folder
// pairing, conversions, errors, and the exact feature transform against brute force.
#include <cmath>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/evaluator.h"
#include "test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace rgbdsod::core;
using rgbdsod::test::TempDir;

namespace {

const fs::path kFixtures = RGBDSOD_EVAL_FIXTURES;

const json& reference() {
  static const json j = [] {
    std::ifstream in(kFixtures / "eval_reference.json");
    return json::parse(in);
  }();
  return j;
}

// Equal within 1e-9 (relative above 1: the E-measure of a 1x1 image is 2^52); null means NaN.
void expectClose(double ours, const json& ref, const std::string& where) {
  if (ref.is_null()) {
    EXPECT_TRUE(std::isnan(ours)) << where << ": reference NaN, ours " << ours;
    return;
  }
  const double r = ref.get<double>();
  EXPECT_LE(std::abs(ours - r), 1e-9 * std::max(1.0, std::abs(r))) << where << ": ours " << ours << ", reference " << r;
}

void expectCurves(const ImageCurves& c, const json& ref, const std::string& where) {
  const std::pair<const char*, const Curve*> curves[] = {
      {"precision", &c.precision}, {"recall", &c.recall}, {"fm", &c.fmeasure}, {"em", &c.emeasure}};
  for (const auto& [key, curve] : curves)
    for (int t = 0; t < kThresholdCount; ++t) expectClose((*curve)[t], ref[key][t], where + " " + key + "[" + std::to_string(t) + "]");
}

void expectScores(const ImageScores& s, const json& ref, const std::string& where) {
  for (Metric m : allMetrics()) expectClose(metricValue(s, m), ref[metricKey(m)], where + " " + metricKey(m));
}

void expectDataset(const DatasetMetrics& d, const json& ref, const std::string& where) {
  EXPECT_EQ(d.images, ref["images"].get<std::size_t>()) << where;
  for (Metric m : allMetrics()) expectClose(metricValue(d, m), ref[metricKey(m)], where + " " + metricKey(m));
  expectCurves(d.curves, ref["curves"], where + " curve");
}

// Checks a folder evaluation against a reference group, image by image.
void expectGroup(const FolderEvaluation& ev, const json& group, const std::string& name) {
  ASSERT_EQ(ev.images.size(), group["images"].size()) << name;
  EXPECT_TRUE(ev.missing.empty()) << name;
  EXPECT_TRUE(ev.extra.empty()) << name;
  expectDataset(ev.metrics, group["dataset"], name);
  for (const ImageRecord& r : ev.images) {
    ASSERT_TRUE(group["images"].contains(r.name)) << name << "/" << r.name;
    const json& ref = group["images"][r.name];
    expectScores(r.scores, ref, name + "/" + r.name);
    if (!ref.contains("curves")) continue;
    cv::Mat pred = readEvaluationImage(r.pred_file);
    const cv::Mat gt = readEvaluationImage(r.gt_file);
    if (pred.size() != gt.size()) cv::resize(pred, pred, gt.size(), 0, 0, cv::INTER_LINEAR);
    expectCurves(computeImageMetrics(pred, gt).curves, ref["curves"], name + "/" + r.name);
  }
}

void writePng(const fs::path& file, const cv::Mat& image) {
  fs::create_directories(file.parent_path());
  ASSERT_TRUE(cv::imwrite(file.string(), image)) << file;
}

cv::Mat softMap(int rows, int cols, unsigned seed) {
  cv::Mat m(rows, cols, CV_8UC1);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  cv::GaussianBlur(m, m, cv::Size(5, 5), 0);
  return m;
}

}  // namespace

TEST(EvaluatorReference, FixtureGroupsAgreeWithPySODMetrics) {
  for (const char* group : {"edge", "random", "formats"}) {
    SCOPED_TRACE(group);
    const fs::path dir = kFixtures / "eval" / group;
    const FolderEvaluation ev = evaluateFolders(dir / "GT", dir / "pred");
    expectGroup(ev, reference()["groups"][group], group);
  }
}

TEST(EvaluatorReference, EdgeCasesAreCoveredByTheFixtures) {
  // The NaN S-measure (centroid on the last row / column) is part of the reference numbers.
  const json& edge = reference()["groups"]["edge"]["images"];
  EXPECT_TRUE(edge["one_pixel_bottom_right"]["sm"].is_null());
  EXPECT_TRUE(reference()["groups"]["edge"]["dataset"]["sm"].is_null());  // a NaN image makes the mean NaN
  for (const char* name : {"gt_empty", "gt_full", "constant_pred_128", "zero_pred", "one_pixel", "thin_diagonal",
                           "gt_128_129", "centroid_half_even_down", "adaptive_exactly_one", "adaptive_tie_large"})
    EXPECT_TRUE(edge.contains(name)) << name;
}

TEST(EvaluatorReference, RealSamplesAgreeWithPySODMetrics) {
  RGBDSOD_REQUIRE_SHARED_DATA(shared);
  const fs::path root = shared / "rgbd_samples" / "dut_rgbd_crossnet";
  const json& groups = reference()["groups"];
  // The depth map as a (poor) prediction, and the GT itself (soft edges) as a near-perfect one.
  expectGroup(evaluateFolders(root / "GT", root / "depth"), groups["real_depth_as_pred"], "depth as prediction");
  expectGroup(evaluateFolders(root / "GT", root / "GT"), groups["real_gt_as_pred"], "GT as prediction");
  // A degraded GT: Gaussian blur 15x15 sigma 4, halved with INTER_AREA; evaluation resizes it back
  // bilinearly (as the reference's recorders do with cv2.resize) and records it.
  TempDir tmp;
  for (const auto& entry : fs::directory_iterator(root / "GT")) {
    const cv::Mat gt = cv::imread(entry.path().string(), cv::IMREAD_GRAYSCALE);
    cv::Mat blurred, small;
    cv::GaussianBlur(gt, blurred, cv::Size(15, 15), 4);
    cv::resize(blurred, small, cv::Size(gt.cols / 2, gt.rows / 2), 0, 0, cv::INTER_AREA);
    writePng(tmp / "degraded" / entry.path().filename().string(), small);
  }
  const FolderEvaluation degraded = evaluateFolders(root / "GT", tmp / "degraded");
  EXPECT_EQ(degraded.resizedCount(), degraded.images.size());
  expectGroup(degraded, groups["real_degraded_gt"], "degraded GT");
}

TEST(Evaluator, ResultsDoNotDependOnThreads) {
  const fs::path dir = kFixtures / "eval" / "random";
  EvalOptions one;
  one.threads = 1;
  EvalOptions three;
  three.threads = 3;
  const FolderEvaluation a = evaluateFolders(dir / "GT", dir / "pred", one);
  const FolderEvaluation b = evaluateFolders(dir / "GT", dir / "pred", three);
  EXPECT_EQ(toJson(a, true, -1), toJson(b, true, -1));  // bit for bit
}

TEST(Evaluator, PairsBySuffixAndListsMissingAndExtra) {
  TempDir tmp;
  const cv::Mat gt = cv::Mat::zeros(6, 6, CV_8UC1) + 255;
  for (const char* name : {"a_GT.png", "b.png", "c_mask.png", "e.png", "f.png"}) writePng(tmp / "gt" / name, gt);
  for (const char* name : {"a.png", "a_final.png", "b_MyNet.png", "c-sal.png", "d.png", "f_PRED.png"})
    writePng(tmp / "pred" / name, softMap(6, 6, 1));
  rgbdsod::test::writeBytes(tmp / "pred" / "notes.txt", "not an image");
  EvalOptions options;
  options.method = "MyNet";
  const FolderEvaluation ev = evaluateFolders(tmp / "gt", tmp / "pred", options);
  ASSERT_EQ(ev.images.size(), 4u);
  EXPECT_EQ(ev.images[0].name, "a");
  EXPECT_EQ(ev.images[0].pred_file.filename(), "a.png");  // the literal name wins over a_final
  EXPECT_EQ(ev.images[1].pred_file.filename(), "b_MyNet.png");
  EXPECT_EQ(ev.images[2].pred_file.filename(), "c-sal.png");
  EXPECT_EQ(ev.images[3].name, "f");
  ASSERT_EQ(ev.missing.size(), 1u);
  EXPECT_EQ(ev.missing[0].file.filename(), "e.png");
  ASSERT_EQ(ev.extra.size(), 2u);
  std::vector<std::string> extra{ev.extra[0].file.filename().string(), ev.extra[1].file.filename().string()};
  std::sort(extra.begin(), extra.end());
  EXPECT_EQ(extra, (std::vector<std::string>{"a_final.png", "d.png"}));
  ASSERT_EQ(ev.skipped.size(), 1u);
  EXPECT_EQ(ev.skipped[0].file.filename(), "notes.txt");
  EXPECT_EQ(ev.metrics.images, 4u);

  const std::vector<std::string> names = predictionNameCandidates("x_MyNet_final.png", options);
  EXPECT_EQ(names, (std::vector<std::string>{"x_MyNet_final", "x_MyNet", "x"}));
  EXPECT_EQ(predictionNameCandidates("_sal.png", options).size(), 1u);  // never the whole name
}

TEST(Evaluator, APredictionWithTheGtsVeryStemPairsFirst) {
  // x_sal.png in both folders pairs as is, ahead of x.png (which needs no stripping either but has
  // another stem); record names stay the GT's pairing names.
  TempDir tmp;
  const cv::Mat gt = cv::Mat::zeros(6, 6, CV_8UC1) + 255;
  for (const char* name : {"x_sal.png", "y_gt.png", "z.png"}) writePng(tmp / "gt" / name, gt);
  for (const char* name : {"x.png", "x_sal.png", "y_gt.png", "z_final.png"}) writePng(tmp / "pred" / name, softMap(6, 6, 1));
  const FolderEvaluation ev = evaluateFolders(tmp / "gt", tmp / "pred", EvalOptions{});
  ASSERT_EQ(ev.images.size(), 3u);
  EXPECT_EQ(ev.images[0].name, "x");
  EXPECT_EQ(ev.images[0].pred_file.filename(), "x_sal.png");
  EXPECT_EQ(ev.images[1].name, "y");
  EXPECT_EQ(ev.images[1].pred_file.filename(), "y_gt.png");
  EXPECT_EQ(ev.images[2].pred_file.filename(), "z_final.png");
  ASSERT_EQ(ev.extra.size(), 1u);
  EXPECT_EQ(ev.extra[0].file.filename(), "x.png");
  EXPECT_TRUE(ev.missing.empty());
}

TEST(Evaluator, ResizesAndRecordsIt) {
  TempDir tmp;
  const cv::Mat gt = softMap(20, 30, 2) > 128;
  writePng(tmp / "gt" / "x.png", gt);
  writePng(tmp / "pred" / "x.png", softMap(10, 15, 3));
  const FolderEvaluation ev = evaluateFolders(tmp / "gt", tmp / "pred");
  ASSERT_EQ(ev.images.size(), 1u);
  EXPECT_TRUE(ev.images[0].resized);
  EXPECT_EQ(ev.images[0].pred_width, 15);
  EXPECT_EQ(ev.images[0].pred_height, 10);
  EXPECT_EQ(ev.resizedCount(), 1u);
  cv::Mat up;
  cv::resize(softMap(10, 15, 3), up, gt.size(), 0, 0, cv::INTER_LINEAR);
  EXPECT_EQ(ev.images[0].scores.mae, computeImageMetrics(up, gt).scores.mae);
}

TEST(Evaluator, ConvertsRgbaAnd16BitPredictions) {
  TempDir tmp;
  const cv::Mat gt = softMap(16, 16, 4) > 120;
  const cv::Mat gray = softMap(16, 16, 5);
  cv::Mat rgba, wide;
  cv::cvtColor(gray, rgba, cv::COLOR_GRAY2BGRA);
  rgba.forEach<cv::Vec4b>([](cv::Vec4b& p, const int*) { p[3] = 77; });  // alpha is ignored
  gray.convertTo(wide, CV_16U, 257.0);                                   // 16-bit v*257: high byte v
  for (const char* n : {"gray", "rgba", "wide"}) writePng(tmp / "gt" / (std::string(n) + ".png"), gt);
  writePng(tmp / "pred" / "gray.png", gray);
  writePng(tmp / "pred" / "rgba.png", rgba);
  writePng(tmp / "pred" / "wide.png", wide);
  EXPECT_EQ(readEvaluationImage(tmp / "pred" / "rgba.png").type(), CV_8UC1);
  EXPECT_EQ(cv::norm(readEvaluationImage(tmp / "pred" / "wide.png"), gray, cv::NORM_INF), 0.0);
  const FolderEvaluation ev = evaluateFolders(tmp / "gt", tmp / "pred");
  ASSERT_EQ(ev.images.size(), 3u);
  for (const ImageRecord& r : ev.images)
    for (Metric m : allMetrics()) EXPECT_EQ(metricValue(r.scores, m), metricValue(ev.images[0].scores, m)) << r.name;
}

TEST(Evaluator, CorruptPredictionNamesTheFile) {
  TempDir tmp;
  writePng(tmp / "gt" / "a.png", cv::Mat::zeros(8, 8, CV_8UC1));
  writePng(tmp / "gt" / "b.png", cv::Mat::zeros(8, 8, CV_8UC1));
  writePng(tmp / "pred" / "a.png", softMap(8, 8, 6));
  rgbdsod::test::writeBytes(tmp / "pred" / "b.png", "\x89PNG\r\n\x1a\n garbage, not a PNG");
  try {
    evaluateFolders(tmp / "gt", tmp / "pred");
    FAIL() << "no error";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), tmp / "pred" / "b.png");
    EXPECT_NE(std::string(e.what()).find("b.png"), std::string::npos);
  }
  // A truncated PNG and a truncated JPEG.
  std::vector<uchar> bytes;
  cv::imencode(".png", softMap(64, 64, 7), bytes);
  rgbdsod::test::writeBytes(tmp / "cut.png", std::string(bytes.begin(), bytes.begin() + bytes.size() / 2));
  EXPECT_THROW(readEvaluationImage(tmp / "cut.png"), FileError);
  cv::imencode(".jpg", softMap(64, 64, 8), bytes);
  rgbdsod::test::writeBytes(tmp / "cut.jpg", std::string(bytes.begin(), bytes.begin() + bytes.size() * 2 / 3));
  EXPECT_THROW(readEvaluationImage(tmp / "cut.jpg"), FileError);
  EXPECT_THROW(evaluateFolders(tmp / "nope", tmp / "pred"), FileError);
}

TEST(Evaluator, ProgressCancellationAndJson) {
  const fs::path dir = kFixtures / "eval" / "formats";
  JobContext job;
  std::size_t last = 0, total = 0;
  job.progress = [&](const ProgressEvent& e) {
    EXPECT_EQ(e.stage, "evaluate");
    EXPECT_EQ(e.done, last + 1);  // in order, one by one
    last = e.done;
    total = e.total;
  };
  const FolderEvaluation ev = evaluateFolders(dir / "GT", dir / "pred", {}, job);
  EXPECT_EQ(last, ev.images.size());
  EXPECT_EQ(total, ev.images.size());
  JobContext cancelled;
  cancelled.cancel.cancel();
  EXPECT_THROW(evaluateFolders(dir / "GT", dir / "pred", {}, cancelled), Cancelled);

  const json j = json::parse(toJson(ev));
  EXPECT_EQ(j["metrics"]["images"], ev.images.size());
  EXPECT_EQ(j["metrics"]["curves"]["fmeasure"].size(), 256u);
  EXPECT_EQ(j["images"].size(), ev.images.size());
  EXPECT_EQ(j["resized"], 2);  // "smaller" and "larger_odd"
  // NaN is written as null.
  const fs::path edge = kFixtures / "eval" / "edge";
  EXPECT_TRUE(json::parse(toJson(evaluateFolders(edge / "GT", edge / "pred").metrics))["sm"].is_null());
}

TEST(Evaluator, WorstFirstAndEmptyResult) {
  Evaluator ev;
  const cv::Mat gt = softMap(12, 12, 9) > 128;
  ev.add("good", gt, gt);
  ev.add("bad", 255 - gt, gt);
  ev.add("mid", softMap(12, 12, 10), gt);
  const std::vector<std::size_t> mae_order = worstFirst(ev.images(), Metric::Mae);
  EXPECT_EQ(ev.images()[mae_order[0]].name, "bad");
  EXPECT_EQ(ev.images()[mae_order[2]].name, "good");
  const std::vector<std::size_t> s_order = worstFirst(ev.images(), Metric::Smeasure);
  EXPECT_EQ(ev.images()[s_order[0]].name, "bad");
  EXPECT_EQ(ev.result().images, 3u);
  EXPECT_TRUE(std::isnan(Evaluator().result().mae));
}

TEST(FeatureTransform, MatchesBruteForceWithScipyTies) {
  // Brute force: the minimum squared distance, and among the features at that distance the smallest
  // column, then the smallest row (scipy.ndimage.distance_transform_edt's choice, verified on scipy).
  std::mt19937 rng(42);
  int checked = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int rows = 1 + static_cast<int>(rng() % 24);
    const int cols = 1 + static_cast<int>(rng() % 24);
    const double density = std::array<double, 5>{0.01, 0.05, 0.2, 0.5, 0.9}[rng() % 5];
    cv::Mat f(rows, cols, CV_8UC1);
    std::vector<std::pair<int, int>> features;  // (col, row)
    for (int y = 0; y < rows; ++y)
      for (int x = 0; x < cols; ++x) {
        const bool on = std::uniform_real_distribution<double>(0, 1)(rng) < density;
        f.at<std::uint8_t>(y, x) = on ? 255 : 0;
        if (on) features.emplace_back(x, y);
      }
    if (trial % 50 == 0) {  // regular grids: many exact ties
      features.clear();
      for (int y = 0; y < rows; ++y)
        for (int x = 0; x < cols; ++x) {
          const bool on = y % 4 == 1 && x % 4 == 2;
          f.at<std::uint8_t>(y, x) = on ? 255 : 0;
          if (on) features.emplace_back(x, y);
        }
    }
    if (features.empty()) continue;
    const FeatureTransform ft = nearestFeature(f);
    for (int y = 0; y < rows; ++y)
      for (int x = 0; x < cols; ++x) {
        int best = -1, best_d = 0;
        for (const auto& [fx, fy] : features) {  // sorted by row then column: pick column, then row
          const int d = (fx - x) * (fx - x) + (fy - y) * (fy - y);
          const bool better = best < 0 || d < best_d ||
                              (d == best_d && (fx < best % cols || (fx == best % cols && fy < best / cols)));
          if (better) best = fy * cols + fx, best_d = d;
        }
        ASSERT_EQ(ft.sq_distance.at<std::int32_t>(y, x), best_d) << trial << " at " << y << "," << x;
        ASSERT_EQ(ft.nearest.at<std::int32_t>(y, x), best) << trial << " at " << y << "," << x;
        ++checked;
      }
  }
  EXPECT_GT(checked, 50000);
}

// Fuzz finding (tests/fuzz/findings/): a grey PNG whose dynamic Huffman header repeats a code
// length past the count. libpng (cv2.imread) refuses it, so the evaluation must refuse it too,
// naming the file, instead of scoring pixels the reference never sees.
TEST(EvaluationImage, PngThatLibpngRefusesIsRefusedNotDecodedByTheFastPath) {
  const fs::path file = kFixtures / ".." / ".." / "fuzz" / "findings" / "png_gray8-deflate-bit-length-repeat.png";
  ASSERT_TRUE(fs::exists(file)) << file;
  std::ifstream in(file, std::ios::binary);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  cv::Mat reference;
  try {
    reference = cv::imdecode(bytes, cv::IMREAD_GRAYSCALE);
  } catch (const cv::Exception&) {
  }
  ASSERT_TRUE(reference.empty()) << "the reference decodes it: the finding no longer applies";
  try {
    (void)readEvaluationImage(file);
    FAIL() << "decoded a PNG that cv::imdecode refuses";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("png_gray8-deflate-bit-length-repeat.png"), std::string::npos) << e.what();
  }
}
