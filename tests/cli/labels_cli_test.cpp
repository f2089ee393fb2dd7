// `rgbdsod labels rank` / `rgbdsod labels apply` end to end. A tiny synthetic dataset, binarised
// (`rgbdsod noise --p 0`, the clean labels) and given region-level label noise (`rgbdsod noise
// --p 0.3`, the noisy labels); the clean GT is a perfect predictor (--pred): ranking must put the
// images with flipped regions first, and applying every suggestion must give back the clean GT.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

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

cv::Mat readGrey(const fs::path& p) { return cv::imread(p.string(), cv::IMREAD_GRAYSCALE); }

class LabelsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = runCli("-q synth --out " + q("synth") + " --count 12 --size 48x48 --seed 3");
    ASSERT_EQ(r.code, 0) << r.err;
    r = runCli("-q noise --data " + shellQuote(dir_ / "synth" / "train") + " --out " + q("clean") + " --p 0");
    ASSERT_EQ(r.code, 0) << r.err;
    r = runCli("-q noise --data " + q("clean") + " --out " + q("noisy") + " --p 0.3 --seed 2");
    ASSERT_EQ(r.code, 0) << r.err;
    for (const auto& e : fs::directory_iterator(dir_ / "clean" / "GT")) {
      const std::string name = e.path().stem().string();
      const cv::Mat clean = readGrey(e.path());
      const cv::Mat noisy = readGrey(dir_ / "noisy" / "GT" / e.path().filename());
      ASSERT_FALSE(clean.empty());
      ASSERT_EQ(clean.size(), noisy.size());
      flipped_[name] = (clean >= 128) != (noisy >= 128);
      noisy_bytes_[name] = readFileText(dir_ / "noisy" / "GT" / e.path().filename());
    }
    std::size_t with = 0;
    for (const auto& [name, f] : flipped_) with += cv::countNonZero(f) > 0 ? 1 : 0;
    ASSERT_GT(with, 0u) << "the seed flips no region: choose another";
    ASSERT_LT(with, flipped_.size()) << "the seed flips a region of every sample: choose another";
  }

  std::string q(const std::string& child) const { return shellQuote(dir_ / child); }

  // rank the noisy labels against the clean GT; every flipped region counts (--min-area 1).
  json rankWithCleanGt() {
    const auto r = runCli("labels rank --data " + q("noisy") + " --pred " + shellQuote(dir_ / "clean" / "GT") +
                          " --json " + q("report.json") + " --min-area 1");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "score")) << r.out;
    return json::parse(readFileText(dir_ / "report.json"));
  }

  static std::size_t regionCount(const json& report) {
    std::size_t n = 0;
    for (const json& im : report["images"]) n += im["regions"].size();
    return n;
  }

  TempDir dir_;
  std::map<std::string, cv::Mat> flipped_;  // per sample: the pixels whose binary label the noise flipped
  std::map<std::string, std::string> noisy_bytes_;
};

}  // namespace

TEST_F(LabelsCli, RankPutsImagesWithFlippedRegionsFirstAndBoxesCoverThem) {
  const json report = rankWithCleanGt();
  ASSERT_TRUE(report["pred"].is_string());
  EXPECT_FALSE(report.contains("run"));
  const json& images = report["images"];
  ASSERT_EQ(images.size(), flipped_.size());
  bool seen_clean = false;
  double previous = 1e9;
  for (const json& im : images) {
    const std::string name = im["name"];
    ASSERT_TRUE(flipped_.count(name)) << name;
    const cv::Mat& flipped = flipped_.at(name);
    const double score = im["score"];
    EXPECT_LE(score, previous) << "not sorted by score at " << name;
    previous = score;
    if (cv::countNonZero(flipped) == 0) {
      seen_clean = true;
      EXPECT_EQ(score, 0.0) << name;
      EXPECT_TRUE(im["regions"].empty()) << name;
      continue;
    }
    EXPECT_FALSE(seen_clean) << name << " has flipped regions but comes after an image without";
    EXPECT_GT(score, 0.0) << name;
    cv::Mat covered = cv::Mat::zeros(flipped.size(), CV_8UC1);
    for (const json& r : im["regions"]) {
      const std::vector<int> b = r["bbox"];
      ASSERT_EQ(b.size(), 4u);
      covered(cv::Rect(b[0], b[1], b[2], b[3])).setTo(255);
      EXPECT_GT(r["area"].get<int>(), 0);
      EXPECT_DOUBLE_EQ(r["confidence"].get<double>(), 1.0);  // a binary map is sure of every pixel
      EXPECT_TRUE(r["suggest"] == "add" || r["suggest"] == "remove");
    }
    EXPECT_EQ(cv::countNonZero(flipped & ~covered), 0) << name << ": flipped pixels outside every region's box";
  }
}

TEST_F(LabelsCli, ApplyingEverySuggestionRestoresTheCleanGtOriginalsUntouched) {
  const json report = rankWithCleanGt();
  const std::size_t all = regionCount(report);
  ASSERT_GT(all, 0u);
  const auto r = runCli("labels apply --data " + q("noisy") + " --report " + q("report.json") + " --top " +
                        std::to_string(all) + " --out " + q("fixed"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "applied " + std::to_string(all))) << r.out;
  for (const auto& [name, flipped] : flipped_) {
    const fs::path corrected = dir_ / "fixed" / (name + ".png");
    EXPECT_EQ(fs::exists(corrected), cv::countNonZero(flipped) > 0) << name;
    const cv::Mat now = readGrey(fs::exists(corrected) ? corrected : dir_ / "noisy" / "GT" / (name + ".png"));
    const cv::Mat clean = readGrey(dir_ / "clean" / "GT" / (name + ".png"));
    ASSERT_EQ(now.size(), clean.size());
    EXPECT_EQ(cv::countNonZero(now != clean), 0) << name;
    EXPECT_EQ(readFileText(dir_ / "noisy" / "GT" / (name + ".png")), noisy_bytes_.at(name)) << name << " was changed";
  }
  const json sidecar = json::parse(readFileText(dir_ / "fixed" / "labels.json"));
  int suggestions = 0;
  for (const auto& [name, rec] : sidecar["images"].items()) suggestions += rec["kinds"].value("suggestion", 0);
  EXPECT_EQ(suggestions, static_cast<int>(all));

  // Ranking the corrections finds nothing left; continuing into the same folder is allowed.
  const auto again = runCli("labels rank --data " + q("noisy") + " --pred " + shellQuote(dir_ / "clean" / "GT") +
                            " --labels " + q("fixed") + " --json " + q("again.json") + " --min-area 1 -q");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(regionCount(json::parse(readFileText(dir_ / "again.json"))), 0u);
}

// Ranking a prediction folder stays in the torch-free front end.
TEST_F(LabelsCli, RankWithAPredictionFolderNeverLoadsLibTorch) {
  const auto r = runCli("labels rank --data " + q("noisy") + " --pred " + shellQuote(dir_ / "clean" / "GT") + " --json " +
                            q("report.json") + " -q",
                        "LD_DEBUG=libs");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "libopencv_core")) << "LD_DEBUG gave no library trace";
  EXPECT_FALSE(contains(r.err, "libtorch")) << "labels rank loaded LibTorch";
}

TEST_F(LabelsCli, TopKCountsRegionsOverAllImages) {
  const json report = rankWithCleanGt();
  ASSERT_GE(regionCount(report), 2u);
  const auto r = runCli("labels apply --data " + q("noisy") + " --report " + q("report.json") + " --top 1 --out " + q("one"));
  ASSERT_EQ(r.code, 0) << r.err;
  std::size_t masks = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "one")) masks += e.path().extension() == ".png" ? 1 : 0;
  EXPECT_EQ(masks, 1u);
  // The region with the highest score (not the first image's: an image's score sums its regions).
  std::string best;
  double best_score = -1.0;
  for (const json& im : report["images"])
    for (const json& reg : im["regions"])
      if (reg["score"].get<double>() > best_score) {
        best_score = reg["score"].get<double>();
        best = im["name"].get<std::string>();
      }
  EXPECT_TRUE(fs::exists(dir_ / "one" / (best + ".png"))) << best;
}

TEST_F(LabelsCli, ApplyRefusesWhatItCannotUse) {
  rankWithCleanGt();
  const std::string report = " --report " + q("report.json");
  auto expectRefused = [](const rgbdsod::test::CliResult& r, const std::string& file) {
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, file)) << r.err;
  };
  // A report written for another dataset.
  expectRefused(runCli("labels apply --data " + q("clean") + report + " --top 3 --out " + q("o")), "report.json");
  // K < 1.
  expectRefused(runCli("labels apply --data " + q("noisy") + report + " --top 0 --out " + q("o")), "--top");
  // An existing folder that is not a corrections folder of this dataset.
  fs::create_directories(dir_ / "other");
  rgbdsod::test::writeBytes(dir_ / "other" / "notes.txt", "x");
  expectRefused(runCli("labels apply --data " + q("noisy") + report + " --top 3 --out " + q("other")), "other");
  expectRefused(runCli("labels apply --data " + q("noisy") + report + " --top 3 --out " +
                       shellQuote(dir_ / "noisy" / "GT")), "GT");
  // Missing and corrupt reports.
  expectRefused(runCli("labels apply --data " + q("noisy") + " --report " + q("missing.json") + " --top 3 --out " + q("o")),
                "missing.json");
  rgbdsod::test::writeBytes(dir_ / "corrupt.json", "{\"format\": \"rgbdsod-labels-report\", \"images\": [");
  expectRefused(runCli("labels apply --data " + q("noisy") + " --report " + q("corrupt.json") + " --top 3 --out " + q("o")),
                "corrupt.json");
  expectRefused(runCli("labels apply --data " + q("noisy") + " --report " + shellQuote(dir_ / "noisy" / "noise.json") +
                       " --top 3 --out " + q("o")),
                "noise.json");
  EXPECT_FALSE(fs::exists(dir_ / "o"));
  // rank: neither or both of --run and --pred, a prediction folder that does not exist.
  expectRefused(runCli("labels rank --data " + q("noisy") + " --json " + q("r.json")), "--run");
  expectRefused(runCli("labels rank --data " + q("noisy") + " --pred " + q("nothing") + " --json " + q("r.json")), "nothing");
}

TEST_F(LabelsCli, RankWithARunPredictsEverySample) {
  const auto train = runCli("-q train --stage teacher --data " + q("noisy") + " --out " + q("run") +
                            " --set model.width=0.0625 --set data.size=32 --set data.batch_size=2 --set data.workers=0 "
                            "--set run.steps=3 --set run.threads=1 --set val.every=0 --set seed=3");
  ASSERT_EQ(train.code, 0) << train.err;
  const auto r = runCli("labels rank --data " + q("noisy") + " --run " + q("run") + " --json " + q("run.json") +
                        " --min-confidence 0");
  ASSERT_EQ(r.code, 0) << r.err;
  const json report = json::parse(readFileText(dir_ / "run.json"));
  ASSERT_TRUE(report["run"].is_string());
  EXPECT_FALSE(report.contains("pred"));
  std::set<std::string> names;
  for (const json& im : report["images"]) {
    names.insert(im["name"].get<std::string>());
    EXPECT_TRUE(im["score"].is_number());
    EXPECT_TRUE(im["regions"].is_array());
  }
  EXPECT_EQ(names.size(), flipped_.size());
  // apply predicts the chosen samples again with the run and finds the same regions.
  if (regionCount(report) > 0) {
    const auto a = runCli("labels apply --data " + q("noisy") + " --report " + q("run.json") + " --top 2 --out " + q("fixed"));
    EXPECT_EQ(a.code, 0) << a.err;
    EXPECT_TRUE(fs::exists(dir_ / "fixed" / "labels.json"));
  }
  // A front end without its engine says so, naming the run.
  fs::copy_file(RGBDSOD_CLI_PATH, dir_ / "rgbdsod");
  const auto lone = rgbdsod::test::runCommand(q("rgbdsod") + " labels rank --data " + q("noisy") + " --run " + q("run") +
                                              " --json " + q("lone.json"));
  EXPECT_EQ(lone.code, 2);
  EXPECT_TRUE(contains(lone.err, "rgbdsod-engine") && contains(lone.err, "missing")) << lone.err;
  EXPECT_TRUE(contains(lone.err, (dir_ / "run").string())) << lone.err;
  // A run that is no run folder is refused naming it.
  const auto bad = runCli("labels rank --data " + q("noisy") + " --run " + q("clean") + " --json " + q("x.json"));
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.err, "clean")) << bad.err;
}
