// Pairing files across modality folders: identical stems pair first (whatever suffix they carry),
// known suffixes are stripped only where the stems differ.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "rgbdsod/core/dataset.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;
using rgbdsod::test::TempDir;

namespace {

void image(const fs::path& file) {
  fs::create_directories(file.parent_path());
  ASSERT_TRUE(cv::imwrite(file.string(), cv::Mat(12, 16, CV_8UC1, cv::Scalar::all(100)))) << file;
}

// One sample per file-name triple: RGB/<rgb>, depth/<depth>, GT/<gt> (an empty name: no file).
struct Files {
  std::string rgb, depth, gt;
};

Dataset make(const fs::path& root, const std::vector<Files>& files) {
  fs::create_directories(root / "RGB");
  fs::create_directories(root / "depth");
  fs::create_directories(root / "GT");
  for (const Files& f : files) {
    if (!f.rgb.empty()) image(root / "RGB" / f.rgb);
    if (!f.depth.empty()) image(root / "depth" / f.depth);
    if (!f.gt.empty()) image(root / "GT" / f.gt);
  }
  return openDataset(root);
}

// The sample's files, by file name, as "name: rgb depth gt".
std::string describe(const SampleFiles& s) {
  const auto name = [](const fs::path& p) { return p.empty() ? std::string("-") : p.filename().string(); };
  return s.name + ": " + name(s.rgb) + " " + name(s.depth) + " " + name(s.gt);
}

std::vector<std::string> describeAll(const Dataset& ds) {
  std::vector<std::string> out;
  for (const SampleFiles& s : ds.samples) out.push_back(describe(s));
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST(DatasetPairing, SameStemWithRgbSuffixInEveryFolderPairs) {
  TempDir dir;
  const Dataset ds = make(dir.path(), {{"x_rgb.jpg", "x_rgb.png", "x_rgb.png"}, {"y_RGB.jpg", "y_RGB.png", "y_RGB.png"}});
  EXPECT_EQ(describeAll(ds), (Lines{"x_rgb: x_rgb.jpg x_rgb.png x_rgb.png", "y_RGB: y_RGB.jpg y_RGB.png y_RGB.png"}));
  EXPECT_TRUE(ds.strays.empty());
}

TEST(DatasetPairing, SameStemWithGtSuffixInEveryFolderPairs) {
  TempDir dir;
  const Dataset ds = make(dir.path(), {{"x_gt.jpg", "x_gt.png", "x_gt.png"}, {"0086_GT.jpg", "0086_GT.png", "0086_GT.png"}});
  EXPECT_EQ(describeAll(ds), (Lines{"0086_GT: 0086_GT.jpg 0086_GT.png 0086_GT.png", "x_gt: x_gt.jpg x_gt.png x_gt.png"}));
  EXPECT_TRUE(ds.strays.empty());
}

TEST(DatasetPairing, SameStemWithDepthSuffixInEveryFolderPairs) {
  TempDir dir;
  const Dataset ds = make(dir.path(), {{"x_depth.jpg", "x_depth.png", "x_depth.png"}, {"y_d.jpg", "y_d.png", "y_d.png"}});
  EXPECT_EQ(describeAll(ds), (Lines{"x_depth: x_depth.jpg x_depth.png x_depth.png", "y_d: y_d.jpg y_d.png y_d.png"}));
  EXPECT_TRUE(ds.strays.empty());
}

TEST(DatasetPairing, DifferingStemsPairWithTheirSuffixesStripped) {
  TempDir dir;
  const Dataset ds = make(dir.path(), {{"x.jpg", "x_depth.png", "x_GT.png"}, {"y_rgb.jpg", "y_d.png", "y_mask.png"}});
  EXPECT_EQ(describeAll(ds), (Lines{"x: x.jpg x_depth.png x_GT.png", "y: y_rgb.jpg y_d.png y_mask.png"}));
  EXPECT_TRUE(ds.strays.empty());
}

TEST(DatasetPairing, FilesSharingAStemJoinAFileThatNeedsStripping) {
  // RGB and depth share x_rgb; the GT is x_GT: the shared stem is stripped of the RGB suffix.
  TempDir dir;
  const Dataset ds = make(dir.path(), {{"x_rgb.jpg", "x_rgb.png", "x_GT.png"}, {"y.jpg", "y.png", "y_gt.png"}});
  EXPECT_EQ(describeAll(ds), (Lines{"x: x_rgb.jpg x_rgb.png x_GT.png", "y: y.jpg y.png y_gt.png"}));
  EXPECT_TRUE(ds.strays.empty());
}

TEST(DatasetPairing, IdenticalAndStrippedStemsInOneDatasetBothPair) {
  TempDir dir;
  const Dataset ds = make(dir.path(), {{"1_gt.jpg", "1_gt.png", "1_gt.png"},
                                       {"2.jpg", "2_depth.png", "2_GT.png"},
                                       {"3_rgb.jpg", "3_rgb.png", "3_rgb.png"},
                                       {"4.jpg", "4.png", "4.png"},
                                       {"10_left.jpg", "10_disp.png", "10.png"}});
  EXPECT_EQ(describeAll(ds), (Lines{"1_gt: 1_gt.jpg 1_gt.png 1_gt.png", "2: 2.jpg 2_depth.png 2_GT.png",
                                    "3_rgb: 3_rgb.jpg 3_rgb.png 3_rgb.png", "4: 4.jpg 4.png 4.png",
                                    "10: 10_left.jpg 10_disp.png 10.png"}));
  EXPECT_TRUE(ds.strays.empty());
}

TEST(DatasetPairing, SharedStemWithAPartnerMissingKeepsTheStemAsName) {
  TempDir dir;
  const Dataset ds = make(dir.path(), {{"x_rgb.jpg", "x_rgb.png", ""}, {"y_gt.jpg", "", ""}});
  EXPECT_EQ(describeAll(ds), (Lines{"x_rgb: x_rgb.jpg x_rgb.png -", "y_gt: y_gt.jpg - -"}));
}

TEST(DatasetPairing, ALoneFileIsNamedByItsStrippedStem) {
  TempDir dir;
  const Dataset ds = make(dir.path(), {{"a.jpg", "a.png", "a.png"}, {"", "0086_depth.png", ""}});
  EXPECT_EQ(describeAll(ds), (Lines{"0086: - 0086_depth.png -", "a: a.jpg a.png a.png"}));
}

TEST(DatasetPairing, AStrippedStemThatNamesACompleteSampleIsADuplicate) {
  TempDir dir;
  const Dataset ds = make(dir.path(), {{"x.jpg", "x.png", "x.png"}, {"", "", "x_gt.png"}});
  EXPECT_EQ(describeAll(ds), (Lines{"x: x.jpg x.png x.png"}));
  ASSERT_EQ(ds.strays.size(), 1u);
  EXPECT_EQ(ds.strays[0].file.filename(), "x_gt.png");
  EXPECT_EQ(ds.strays[0].kind, StrayKind::DuplicateName);
  EXPECT_EQ(ds.strays[0].sample, "x");
  EXPECT_EQ(ds.strays[0].reason, "duplicate name x (also x.png)");
}

TEST(DatasetPairing, TwoFilesStrippedToOneNameKeepTheFirstByName) {
  TempDir dir;
  const Dataset ds = make(dir.path(), {{"x_rgb.jpg", "x_d.png", "x.png"}, {"", "", "x_gt.png"}});
  EXPECT_EQ(describeAll(ds), (Lines{"x: x_rgb.jpg x_d.png x.png"}));
  ASSERT_EQ(ds.strays.size(), 1u);
  EXPECT_EQ(ds.strays[0].reason, "duplicate name x (also x.png)");
}

TEST(DatasetPairing, UnlabeledDatasetsPairRgbAndDepthByIdenticalStems) {
  TempDir dir;
  image(dir / "RGB" / "x_depth.jpg");
  image(dir / "depth" / "x_depth.png");
  image(dir / "RGB" / "y.jpg");
  image(dir / "depth" / "y_depth.png");
  const Dataset ds = openDataset(dir.path());
  EXPECT_EQ(describeAll(ds), (Lines{"x_depth: x_depth.jpg x_depth.png -", "y: y.jpg y_depth.png -"}));
}

TEST(DatasetPairing, RealSamplesStillPair) {
  RGBDSOD_REQUIRE_SHARED_DATA(shared);
  const std::vector<fs::path> roots = findDatasets(shared / "rgbd_samples");
  ASSERT_FALSE(roots.empty()) << shared / "rgbd_samples";
  for (const fs::path& root : roots) {
    const Dataset ds = openDataset(root);
    EXPECT_FALSE(ds.samples.empty()) << root;
    EXPECT_TRUE(ds.strays.empty()) << root;
    for (const SampleFiles& s : ds.samples) {
      EXPECT_FALSE(s.rgb.empty()) << root << " " << describe(s);
      EXPECT_FALSE(s.depth.empty()) << root << " " << describe(s);
      if (ds.labeled()) {
        EXPECT_FALSE(s.gt.empty()) << root << " " << describe(s);
      }
    }
  }
}
