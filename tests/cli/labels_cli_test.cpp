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
#include "rgbdsod/core/dataset.h"
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

// ---- labels import / export / status ----

namespace {

// `labels status --json` of a dataset's default corrections folder.
json statusOf(const std::string& data, const fs::path& out) {
  const auto r = runCli("labels status --data " + data + " --json " + shellQuote(out));
  EXPECT_EQ(r.code, 0) << r.err;
  return json::parse(readFileText(out));
}

}  // namespace

TEST_F(LabelsCli, ImportThenExportGivesADatasetWithTheImportedMasksAsGt) {
  const auto imp = runCli("labels import --data " + q("noisy") + " --masks " + shellQuote(dir_ / "clean" / "GT"));
  ASSERT_EQ(imp.code, 0) << imp.err;
  EXPECT_TRUE(contains(imp.out, "imported " + std::to_string(flipped_.size()))) << imp.out;
  for (const auto& [name, f] : flipped_) EXPECT_TRUE(fs::exists(dir_ / "noisy" / "GT_corrected" / (name + ".png"))) << name;

  const auto exp = runCli("labels export --data " + q("noisy") + " --out " + q("export"));
  ASSERT_EQ(exp.code, 0) << exp.err;
  const rgbdsod::core::Dataset source = rgbdsod::core::openDataset(dir_ / "noisy");
  const rgbdsod::core::Dataset exported = rgbdsod::core::openDataset(dir_ / "export");
  ASSERT_EQ(exported.samples.size(), flipped_.size());
  ASSERT_TRUE(exported.labeled());
  for (const rgbdsod::core::SampleFiles& s : exported.samples) {
    ASSERT_TRUE(flipped_.count(s.name)) << s.name;
    ASSERT_FALSE(s.gt.empty()) << s.name;
    const cv::Mat gt = readGrey(s.gt);
    const cv::Mat clean = readGrey(dir_ / "clean" / "GT" / (s.name + ".png"));
    ASSERT_EQ(gt.size(), clean.size()) << s.name;
    EXPECT_EQ(cv::countNonZero(gt != clean), 0) << s.name << ": the export's GT is not the imported mask";
    EXPECT_EQ(readFileText(dir_ / "noisy" / "GT" / (s.name + ".png")), noisy_bytes_.at(s.name)) << s.name << " was changed";
    const rgbdsod::core::SampleFiles& from = source.samples.at(*source.indexOf(s.name));
    for (const auto& [link, target] : {std::pair{s.rgb, from.rgb}, std::pair{s.depth, from.depth}}) {
      ASSERT_FALSE(link.empty()) << s.name;
      EXPECT_TRUE(fs::is_symlink(link)) << link;
      EXPECT_TRUE(fs::equivalent(link, target)) << link << " does not resolve to " << target;
    }
  }
  // --copy gives plain files.
  const auto copied = runCli("-q labels export --data " + q("noisy") + " --out " + q("copied") + " --copy");
  ASSERT_EQ(copied.code, 0) << copied.err;
  for (const auto& e : fs::directory_iterator(dir_ / "copied" / "RGB")) EXPECT_FALSE(fs::is_symlink(e.path())) << e.path();
}

TEST_F(LabelsCli, ExportRefusesAnExistingOutFolder) {
  fs::create_directories(dir_ / "taken");
  const auto r = runCli("labels export --data " + q("noisy") + " --out " + q("taken"));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, (dir_ / "taken").string())) << r.err;
  EXPECT_TRUE(fs::is_empty(dir_ / "taken"));
}

TEST_F(LabelsCli, ImportRefusesAWrongSizeMaskNamingItAndWritesNothing) {
  const std::string first = flipped_.begin()->first;
  const std::string second = std::next(flipped_.begin())->first;
  fs::create_directories(dir_ / "masks");
  fs::copy_file(dir_ / "clean" / "GT" / (first + ".png"), dir_ / "masks" / (first + ".png"));
  cv::imwrite((dir_ / "masks" / (second + "_GT.png")).string(), cv::Mat(10, 10, CV_8UC1, cv::Scalar(255)));
  const auto r = runCli("labels import --data " + q("noisy") + " --masks " + q("masks"));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, second + "_GT.png")) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "noisy" / "GT_corrected" / (first + ".png")));
}

TEST_F(LabelsCli, StatusCountsAfterApplyAndImport) {
  const json report = rankWithCleanGt();
  const std::size_t all = regionCount(report);
  ASSERT_GT(all, 0u);
  const std::string corrections = shellQuote(dir_ / "noisy" / "GT_corrected");
  const auto a = runCli("-q labels apply --data " + q("noisy") + " --report " + q("report.json") + " --top " +
                        std::to_string(all) + " --out " + corrections);
  ASSERT_EQ(a.code, 0) << a.err;
  std::vector<std::string> with, without;
  for (const auto& [name, f] : flipped_) (cv::countNonZero(f) > 0 ? with : without).push_back(name);

  json st = statusOf(q("noisy"), dir_ / "status.json");
  EXPECT_EQ(st["samples"], flipped_.size());
  EXPECT_EQ(st["status"]["corrected"], with.size());
  EXPECT_EQ(st["status"]["unreviewed"], without.size());
  EXPECT_EQ(st["status"]["reviewed"], 0);
  EXPECT_EQ(st["edits"], all);
  EXPECT_EQ(st["kinds"]["suggestion"], all);
  std::vector<std::string> listed = st["corrected"];
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, with);  // `with` comes sorted (a std::map's order)
  const auto text = runCli("labels status --data " + q("noisy"));
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, std::to_string(with.size()) + " corrected")) << text.out;
  EXPECT_TRUE(contains(text.out, "suggestion " + std::to_string(all))) << text.out;

  // Importing a mask of a corrected sample and of an unreviewed one: both are to review now.
  fs::create_directories(dir_ / "masks");
  for (const std::string& name : {with.front(), without.front()})
    fs::copy_file(dir_ / "clean" / "GT" / (name + ".png"), dir_ / "masks" / (name + "_GT.png"));
  const auto imp = runCli("labels import --data " + q("noisy") + " --masks " + q("masks"));
  ASSERT_EQ(imp.code, 0) << imp.err;
  EXPECT_TRUE(contains(imp.out, "imported 2")) << imp.out;
  st = statusOf(q("noisy"), dir_ / "status.json");
  EXPECT_EQ(st["status"]["corrected"], with.size() - 1);
  EXPECT_EQ(st["status"]["unreviewed"], without.size() + 1);
  EXPECT_EQ(st["edits"], all + 2);
  EXPECT_EQ(st["kinds"]["import"], 2);
  EXPECT_EQ(st["masks"].size(), with.size() + 1);
  const std::vector<std::string> corrected = st["corrected"];
  EXPECT_EQ(std::count(corrected.begin(), corrected.end(), with.front()), 0);
}

TEST_F(LabelsCli, AForeignSidecarNeedsStatusRebuildWhichKeepsIt) {
  const fs::path folder = dir_ / "noisy" / "GT_corrected";
  const std::string name = flipped_.begin()->first;
  fs::create_directories(folder);
  fs::copy_file(dir_ / "clean" / "GT" / (name + ".png"), folder / (name + ".png"));
  const std::string foreign = "{\"format\": \"someone-elses-tool\", \"images\": []}\n";
  rgbdsod::test::writeBytes(folder / "labels.json", foreign);

  const auto st = runCli("labels status --data " + q("noisy"));
  EXPECT_EQ(st.code, 2) << st.err;
  EXPECT_TRUE(contains(st.err, "labels.json") && contains(st.err, "rgbdsod labels status") &&
              contains(st.err, "--rebuild"))
      << st.err;
  const auto imp = runCli("labels import --data " + q("noisy") + " --masks " + shellQuote(dir_ / "clean" / "GT"));
  EXPECT_EQ(imp.code, 2) << imp.err;
  EXPECT_TRUE(contains(imp.err, "--rebuild")) << imp.err;
  EXPECT_EQ(readFileText(folder / "labels.json"), foreign) << "the foreign sidecar was overwritten";

  const auto fixed = runCli("labels status --data " + q("noisy") + " --rebuild --json " + q("status.json"));
  ASSERT_EQ(fixed.code, 0) << fixed.err;
  EXPECT_TRUE(contains(fixed.out, "labels.json.bad")) << fixed.out;
  EXPECT_EQ(readFileText(folder / "labels.json.bad"), foreign);
  const json summary = json::parse(readFileText(dir_ / "status.json"));
  EXPECT_EQ(summary["status"]["corrected"], 1);
  EXPECT_EQ(summary["corrected"], json::array({name}));
  // Readable again: plain status works and import goes through.
  EXPECT_EQ(runCli("-q labels status --data " + q("noisy")).code, 0);
  EXPECT_EQ(runCli("-q labels import --data " + q("noisy") + " --masks " + shellQuote(dir_ / "clean" / "GT")).code, 0);
}
