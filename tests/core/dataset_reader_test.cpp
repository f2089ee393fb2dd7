// Dataset folders: layouts and naming variants, pairing by name, strays, and the errors of openDataset.
#include <algorithm>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/errors.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;
using rgbdsod::test::TempDir;
using rgbdsod::test::writeBytes;

namespace {

void image(const fs::path& file, int w = 16, int h = 12, int type = CV_8UC1) {
  fs::create_directories(file.parent_path());
  cv::Mat m(h, w, type, cv::Scalar::all(100));
  ASSERT_TRUE(cv::imwrite(file.string(), m)) << file;
}

// <root>/<rgb>/<n>.jpg, <root>/<depth>/<n><dsuffix>.png, <root>/<gt>/<n><gsuffix>.png
void makeDataset(const fs::path& root, const std::vector<std::string>& names, const std::string& rgb = "RGB",
                 const std::string& depth = "depth", const std::string& gt = "GT", const std::string& dsuffix = "",
                 const std::string& gsuffix = "") {
  for (const std::string& n : names) {
    image(root / rgb / (n + ".jpg"), 16, 12, CV_8UC3);
    image(root / depth / (n + dsuffix + ".png"));
    if (!gt.empty()) image(root / gt / (n + gsuffix + ".png"));
  }
}

std::vector<std::string> sampleNames(const Dataset& ds) {
  std::vector<std::string> out;
  for (const auto& s : ds.samples) out.push_back(s.name);
  return out;
}

std::string fileErrorOf(const fs::path& root) {
  try {
    openDataset(root);
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), root);
    return e.problem();
  }
  ADD_FAILURE() << "expected FileError for " << root;
  return {};
}

}  // namespace

TEST(DatasetNaming, SuffixesAreStrippedPerModalityCaseInsensitively) {
  EXPECT_EQ(pairingName("GT/0086_GT.png", Modality::Gt), "0086");
  EXPECT_EQ(pairingName("GT/0086_gt.png", Modality::Gt), "0086");
  EXPECT_EQ(pairingName("GT/0086_mask.bmp", Modality::Gt), "0086");
  EXPECT_EQ(pairingName("RGB/0086_GT.png", Modality::Rgb), "0086_GT");  // only the modality's own suffix
  EXPECT_EQ(pairingName("depth/0086_depth.png", Modality::Depth), "0086");
  EXPECT_EQ(pairingName("depth/0086_Depth.png", Modality::Depth), "0086");
  EXPECT_EQ(pairingName("depth/0086_d.png", Modality::Depth), "0086");
  EXPECT_EQ(pairingName("depth/0086_disparity.png", Modality::Depth), "0086");
  EXPECT_EQ(pairingName("depth/0086_depths.png", Modality::Depth), "0086");
  EXPECT_EQ(pairingName("RGB/0086_left.jpg", Modality::Rgb), "0086");
  EXPECT_EQ(pairingName("RGB/0086_RGB.jpg", Modality::Rgb), "0086");
  EXPECT_EQ(pairingName("RGB/0086.jpg", Modality::Rgb), "0086");
  EXPECT_EQ(pairingName("GT/_gt.png", Modality::Gt), "_gt");  // never the whole stem
  EXPECT_EQ(pairingName("GT/a.b_gt.png", Modality::Gt), "a.b");
}

TEST(DatasetNaming, FolderNamesCoverTheCommonVariants) {
  const auto has = [](Modality m, const std::string& n) {
    const auto& v = folderNames(m);
    return std::find(v.begin(), v.end(), n) != v.end();
  };
  EXPECT_TRUE(has(Modality::Rgb, "RGB"));
  EXPECT_TRUE(has(Modality::Rgb, "images"));
  EXPECT_TRUE(has(Modality::Depth, "depth"));
  EXPECT_TRUE(has(Modality::Depth, "depths"));
  EXPECT_TRUE(has(Modality::Gt, "GT"));
  EXPECT_TRUE(has(Modality::Gt, "masks"));
  EXPECT_TRUE(has(Modality::Gt, "gts"));
  EXPECT_STREQ(toString(Modality::Depth), "depth");
}

TEST(DatasetReader, PairsTheStandardLayoutInNaturalOrder) {
  TempDir dir;
  makeDataset(dir.path(), {"10", "2", "1"});
  const Dataset ds = openDataset(dir.path());
  EXPECT_EQ(ds.name, dir.path().filename().string());
  EXPECT_EQ(ds.layout.rgb_dir, dir / "RGB");
  EXPECT_EQ(ds.layout.depth_dir, dir / "depth");
  EXPECT_EQ(ds.layout.gt_dir, dir / "GT");
  EXPECT_TRUE(ds.labeled());
  EXPECT_EQ(sampleNames(ds), (std::vector<std::string>{"1", "2", "10"}));
  EXPECT_TRUE(ds.strays.empty());
  EXPECT_EQ(ds.samples[2].rgb, dir / "RGB" / "10.jpg");
  EXPECT_EQ(ds.samples[2].depth, dir / "depth" / "10.png");
  EXPECT_EQ(ds.samples[2].gt, dir / "GT" / "10.png");
  EXPECT_EQ(ds.indexOf("10"), 2u);
  EXPECT_FALSE(ds.indexOf("11"));

  const Sample s = ds.load(1);
  EXPECT_EQ(s.name, "2");
  EXPECT_EQ(s.rgb.type(), CV_8UC3);
  EXPECT_EQ(s.depth.type(), CV_8UC1);
  EXPECT_EQ(s.gt.type(), CV_8UC1);
  EXPECT_THROW(ds.load(3), std::out_of_range);
}

TEST(DatasetReader, LayoutVariantsAndSuffixesPair) {
  struct Variant {
    std::string rgb, depth, gt, dsuffix, gsuffix;
  };
  const std::vector<Variant> variants{{"images", "Depth", "masks", "", "_GT"},
                                      {"RGB", "depths", "gts", "_depth", ""},
                                      {"rgb", "depth_maps", "ground_truth", "_Depth", "_mask"},
                                      {"train_images", "train_depth", "train_masks", "", ""},
                                      {"Image", "Disparity", "Labels", "_disp", "_label"}};
  for (const Variant& v : variants) {
    SCOPED_TRACE(v.rgb + " " + v.depth + " " + v.gt);
    TempDir dir;
    makeDataset(dir.path(), {"0086", "0108"}, v.rgb, v.depth, v.gt, v.dsuffix, v.gsuffix);
    ASSERT_TRUE(isDatasetFolder(dir.path()));
    const Dataset ds = openDataset(dir.path());
    EXPECT_EQ(ds.layout.rgb_dir.filename(), v.rgb);
    EXPECT_EQ(ds.layout.depth_dir.filename(), v.depth);
    EXPECT_EQ(ds.layout.gt_dir.filename(), v.gt);
    ASSERT_EQ(sampleNames(ds), (std::vector<std::string>{"0086", "0108"}));
    for (const auto& s : ds.samples) {
      EXPECT_FALSE(s.rgb.empty());
      EXPECT_FALSE(s.depth.empty());
      EXPECT_FALSE(s.gt.empty());
    }
    EXPECT_TRUE(ds.strays.empty());
  }
}

TEST(DatasetReader, UnlabeledDatasetHasNoGtFolder) {
  TempDir dir;
  makeDataset(dir.path(), {"a"}, "RGB", "depth", "");
  const Dataset ds = openDataset(dir.path());
  EXPECT_FALSE(ds.labeled());
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_TRUE(ds.load(0).gt.empty());
}

TEST(DatasetReader, MissingPartnersStayAsSamplesAndLoadNamesTheMissingFile) {
  TempDir dir;
  makeDataset(dir.path(), {"a", "b"});
  fs::remove(dir / "GT" / "b.png");
  image(dir / "depth" / "c.png");
  const Dataset ds = openDataset(dir.path());
  ASSERT_EQ(sampleNames(ds), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(ds.samples[1].gt.empty());
  EXPECT_TRUE(ds.samples[2].rgb.empty());
  try {
    ds.load(2);
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_NE(e.problem().find("no RGB file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ds.load(1), FileError);
}

TEST(DatasetReader, NonImagesSubFoldersAndDuplicatesBecomeStrays) {
  TempDir dir;
  makeDataset(dir.path(), {"0086", "0108"});
  writeBytes(dir / "RGB" / "notes.txt", "x");
  writeBytes(dir / "RGB" / "Thumbs.db", "x");
  writeBytes(dir / "depth" / ".DS_Store", "x");
  writeBytes(dir / "GT" / "._0086.png", "x");
  image(dir / "RGB" / "old" / "0086.jpg");
  image(dir / "RGB" / "0086.png");  // second RGB file for 0086
  const Dataset ds = openDataset(dir.path());
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds.samples[0].rgb, dir / "RGB" / "0086.jpg");  // the first by file name is kept
  ASSERT_EQ(ds.strays.size(), 6u);
  const auto stray = [&](const fs::path& f) -> const StrayFile& {
    const auto it = std::find_if(ds.strays.begin(), ds.strays.end(), [&](const StrayFile& s) { return s.file == f; });
    EXPECT_NE(it, ds.strays.end()) << f;
    return *it;
  };
  EXPECT_EQ(stray(dir / "RGB" / "notes.txt").kind, StrayKind::NotAnImage);
  EXPECT_EQ(stray(dir / "RGB" / "notes.txt").reason, "not an image file (.txt)");
  EXPECT_EQ(stray(dir / "RGB" / "Thumbs.db").kind, StrayKind::NotAnImage);
  EXPECT_EQ(stray(dir / "depth" / ".DS_Store").kind, StrayKind::NotAnImage);
  EXPECT_EQ(stray(dir / "GT" / "._0086.png").kind, StrayKind::NotAnImage);
  EXPECT_EQ(stray(dir / "RGB" / "old").kind, StrayKind::SubFolder);
  const StrayFile& dup = stray(dir / "RGB" / "0086.png");
  EXPECT_EQ(dup.kind, StrayKind::DuplicateName);
  EXPECT_EQ(dup.sample, "0086");
  EXPECT_EQ(dup.reason, "duplicate name 0086 (also 0086.jpg)");
}

TEST(DatasetReader, OpenErrorsNameTheProblem) {
  TempDir dir;
  EXPECT_EQ(fileErrorOf(dir / "absent"), "dataset folder does not exist");
  writeBytes(dir / "file", "x");
  EXPECT_NE(fileErrorOf(dir / "file").find("not a folder"), std::string::npos);

  image(dir / "no_rgb" / "depth" / "a.png");
  const std::string no_rgb = fileErrorOf(dir / "no_rgb");
  EXPECT_NE(no_rgb.find("no RGB folder"), std::string::npos) << no_rgb;
  EXPECT_NE(no_rgb.find("images"), std::string::npos) << no_rgb;

  image(dir / "no_depth" / "RGB" / "a.png");
  const std::string no_depth = fileErrorOf(dir / "no_depth");
  EXPECT_NE(no_depth.find("no depth folder"), std::string::npos) << no_depth;
  EXPECT_NE(no_depth.find("depths"), std::string::npos) << no_depth;
  EXPECT_FALSE(isDatasetFolder(dir / "no_depth"));
}

TEST(DatasetReader, SeveralMatchingFoldersChooseByPreference) {
  TempDir dir;
  makeDataset(dir.path(), {"a"}, "images", "depths", "masks");
  makeDataset(dir.path(), {"b"}, "RGB", "depth", "GT");
  const Dataset ds = openDataset(dir.path());
  EXPECT_EQ(ds.layout.rgb_dir.filename(), "RGB");
  EXPECT_EQ(ds.layout.depth_dir.filename(), "depth");
  EXPECT_EQ(ds.layout.gt_dir.filename(), "GT");
  EXPECT_EQ(sampleNames(ds), std::vector<std::string>{"b"});
}

TEST(DatasetReader, FindDatasetsListsSubDatasetsOrTheRootItself) {
  TempDir dir;
  makeDataset(dir / "train", {"a"});
  makeDataset(dir / "test", {"b"});
  fs::create_directories(dir / "notes");
  EXPECT_EQ(findDatasets(dir.path()), (std::vector<fs::path>{dir / "test", dir / "train"}));
  EXPECT_EQ(findDatasets(dir / "train"), std::vector<fs::path>{dir / "train"});
  EXPECT_TRUE(findDatasets(dir / "notes").empty());
  EXPECT_TRUE(findDatasets(dir / "absent").empty());
  EXPECT_FALSE(isDatasetFolder(dir.path()));
}
