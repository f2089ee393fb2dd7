// The corrections store (issue 12): saving and reopening, the originals never touched, atomic
// writes, the sidecar's problems and rebuild, read-only datasets, import and export.
#include "rgbdsod/core/label_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/image_io.h"
#include "rgbdsod/core/synth.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;
using rgbdsod::test::TempDir;
using rgbdsod::test::writeBytes;

// gmock is not linked: a substring check that prints both strings.
#define EXPECT_CONTAINS(text, part)                                                   \
  EXPECT_NE(std::string(text).find(part), std::string::npos)                          \
      << "\"" << (text) << "\" does not contain \"" << (part) << "\""

namespace {

std::string fileBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool sameMat(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::countNonZero(a != b) == 0;
}

// The original's pixels with a block inverted: a plausible correction.
cv::Mat edited(const cv::Mat& original, int offset = 0) {
  cv::Mat m = original.clone();
  cv::Mat block = m(cv::Rect(4 + offset, 4, 16, 16));
  cv::bitwise_not(block, block);
  return m;
}

// Every file of the three modality folders, path -> bytes.
std::map<std::string, std::string> snapshot(const Dataset& ds) {
  std::map<std::string, std::string> files;
  for (const fs::path& dir : {ds.layout.rgb_dir, ds.layout.depth_dir, ds.layout.gt_dir})
    for (const auto& e : fs::recursive_directory_iterator(dir)) files[e.path().string()] = fileBytes(e.path());
  return files;
}

std::vector<std::string> hiddenFiles(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with(".")) out.push_back(e.path().filename().string());
  return out;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

class LabelStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SynthConfig c;
    c.seed = 11;
    c.count = 6;
    c.width = 64;
    c.height = 64;
    writeSynthDataset(tmp_ / "synth", c);
    data_ = tmp_ / "synth" / "train";
    ds_ = openDataset(data_);
    ASSERT_GE(ds_.size(), 3u);
    a_ = ds_.samples[0].name;
    b_ = ds_.samples[1].name;
    originals_ = snapshot(ds_);
  }
  void TearDown() override { EXPECT_EQ(snapshot(ds_), originals_) << "an original file was changed"; }
  cv::Mat fixOf(const std::string& sample, int offset = 0) const { return edited(readMask(gtOf(sample)), offset); }
  fs::path gtOf(const std::string& sample) const { return ds_.samples[*ds_.indexOf(sample)].gt; }
  // writable() says no, and save() throws a FileError naming the folder and what to do.
  void expectNotWritable(LabelStore& store) const {
    EXPECT_FALSE(store.writable());
    try {
      store.save(a_, fixOf(a_), {});
      ADD_FAILURE() << "save into " << store.folder() << " did not throw";
    } catch (const FileError& e) {
      EXPECT_EQ(e.file(), store.folder());
      EXPECT_CONTAINS(e.what(), "not writable");
      EXPECT_CONTAINS(e.what(), "choose another corrections folder");
    }
  }

  TempDir tmp_{"label-store"};
  fs::path data_;
  Dataset ds_;
  std::string a_, b_;
  std::map<std::string, std::string> originals_;
};

TEST_F(LabelStoreTest, SaveThenReopenContinues) {
  LabelStore store(ds_);
  EXPECT_EQ(store.folder(), fs::absolute(data_ / "GT_corrected").lexically_normal());
  EXPECT_TRUE(store.writable());
  EXPECT_FALSE(fs::exists(store.folder())) << "created before the first save";
  EXPECT_TRUE(sameMat(store.load(a_), store.loadOriginal(a_)));

  const cv::Mat fixed = fixOf(a_);
  store.save(a_, fixed, {{"brush", 2}, {"flip", 1}});
  EXPECT_EQ(snapshot(ds_), originals_);
  EXPECT_TRUE(hiddenFiles(store.folder()).empty()) << "temporary files left behind";
  const std::string saved_bytes = fileBytes(store.correctedPath(a_));

  const nlohmann::json j = nlohmann::json::parse(fileBytes(store.sidecarPath()));
  EXPECT_EQ(j["format"], "rgbdsod-labels");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["dataset"], fs::absolute(data_).lexically_normal().string());
  EXPECT_EQ(j["images"][a_]["status"], "corrected");
  EXPECT_EQ(j["images"][a_]["kinds"], nlohmann::json({{"brush", 2}, {"flip", 1}}));
  const std::string when = j["images"][a_]["saved"];
  EXPECT_TRUE(when.size() == 20u && when[10] == 'T' && when.back() == 'Z') << when;

  LabelStore again(ds_);
  EXPECT_TRUE(again.sidecarProblem().empty());
  ASSERT_EQ(again.records().size(), 1u);
  const LabelRecord r = again.record(a_);
  EXPECT_TRUE(r.status == LabelStatus::Corrected && r.edits == 3 && r.saved == when);
  EXPECT_EQ(r.edit_kinds, (std::map<std::string, int>{{"brush", 2}, {"flip", 1}}));
  EXPECT_TRUE(again.hasCorrection(a_) && !again.hasCorrection(b_));
  EXPECT_TRUE(sameMat(again.load(a_), fixed));
  EXPECT_EQ(again.record(b_).status, LabelStatus::Unreviewed);

  again.save(a_, fixed, {{"brush", 1}});
  again.save(b_, fixOf(b_, 8), {{"fill", 1}});
  EXPECT_EQ(fileBytes(again.correctedPath(a_)), saved_bytes);
  const LabelStore third(ds_);
  EXPECT_EQ(third.record(a_).edits, 4);
  EXPECT_EQ(third.record(a_).edit_kinds.at("brush"), 3);
  EXPECT_EQ(third.records().size(), 2u);
  EXPECT_TRUE(hiddenFiles(third.folder()).empty()) << "temporary files left behind";
}

TEST_F(LabelStoreTest, WrongSizeOrTypeIsRefusedNamingTheSample) {
  LabelStore store(ds_);
  const std::string msg = errorOf([&] { store.save(a_, cv::Mat(32, 64, CV_8UC1, cv::Scalar(0)), {}); });
  EXPECT_CONTAINS(msg, "sample " + a_ + ": the corrected mask is 64x32");
  EXPECT_CONTAINS(msg, "is 64x64");
  EXPECT_THROW(store.save(a_, cv::Mat(64, 64, CV_8UC3, cv::Scalar(0)), {}), Error);
  EXPECT_THROW(store.save("no_such_sample", cv::Mat(64, 64, CV_8UC1), {}), FileError);
  EXPECT_FALSE(fs::exists(store.folder()));
}

struct BadSidecar {
  const char* label;
  std::string bytes;
  const char* problem;
};

class SidecarProblemTest : public LabelStoreTest, public ::testing::WithParamInterface<BadSidecar> {};

TEST_P(SidecarProblemTest, NamedAndRebuilt) {
  {
    LabelStore store(ds_);
    store.save(a_, fixOf(a_), {{"brush", 5}});
    store.setStatus(b_, LabelStatus::Reviewed);
  }
  const fs::path sidecar = data_ / "GT_corrected" / "labels.json";
  writeBytes(sidecar, GetParam().bytes);

  LabelStore store(ds_);
  EXPECT_CONTAINS(store.sidecarProblem(), "labels.json");
  EXPECT_CONTAINS(store.sidecarProblem(), GetParam().problem);
  EXPECT_TRUE(sameMat(store.load(a_), fixOf(a_))) << "reading must still work";
  EXPECT_THROW(store.save(b_, store.loadOriginal(b_), {}), SidecarError);
  EXPECT_EQ(fileBytes(sidecar), GetParam().bytes) << "the unreadable file was overwritten";

  store.rebuildSidecar();
  EXPECT_TRUE(store.sidecarProblem().empty());
  EXPECT_EQ(fileBytes(data_ / "GT_corrected" / "labels.json.bad"), GetParam().bytes);
  ASSERT_EQ(store.records().size(), 1u);
  EXPECT_EQ(store.record(a_).status, LabelStatus::Corrected);
  EXPECT_EQ(store.record(a_).edits, 0);
  store.save(b_, fixOf(b_), {{"flip", 1}});
  LabelStore reopened(ds_);
  EXPECT_TRUE(reopened.sidecarProblem().empty());
  EXPECT_EQ(reopened.records().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, SidecarProblemTest,
    ::testing::Values(
        BadSidecar{"garbage", std::string("\x89PNG\0\xff garbage {", 16), "not valid JSON"},
        BadSidecar{"foreign", R"({"format": "foo", "version": 1, "images": {}})", "format 'foo'"},
        BadSidecar{"newer", R"({"format": "rgbdsod-labels", "version": 7, "images": {}})", "version 7 is newer"},
        BadSidecar{"types", R"({"format": "rgbdsod-labels", "version": 1, "images": {"x": {"status": "corrected",
                   "edits": "many"}}})", "images.x.edits"},
        BadSidecar{"array", "[1, 2]", "not a JSON object"},
        // fuzz_label_sidecar's finding: nlohmann throws out_of_range, not parse_error, for it.
        BadSidecar{"overflow", "7e772555a7777772", "not valid JSON"},
        // Refused before the parser recurses into it (input_limits.h).
        BadSidecar{"nested", std::string(100000, '[') + std::string(100000, ']'), "nested deeper than the limit"}),
    [](const auto& p) { return std::string(p.param.label); });

TEST_F(LabelStoreTest, RecordsWithoutMaskDroppedUnknownSamplesKept) {
  {
    LabelStore store(ds_);
    store.save(a_, fixOf(a_), {{"brush", 1}});
    store.save(b_, fixOf(b_), {{"brush", 1}});
  }
  const fs::path folder = data_ / "GT_corrected";
  nlohmann::json j = nlohmann::json::parse(fileBytes(folder / "labels.json"));
  j["images"]["from_the_full_dataset"] = {{"status", "reviewed"}, {"edits", 0}, {"kinds", nlohmann::json::object()}};
  writeBytes(folder / "labels.json", j.dump());
  fs::remove(folder / (b_ + ".png"));

  LabelStore store(ds_);
  EXPECT_TRUE(store.sidecarProblem().empty() && store.record(a_).status == LabelStatus::Corrected);
  EXPECT_FALSE(store.records().count(b_)) << "a record whose mask is gone must be dropped";
  EXPECT_EQ(store.record("from_the_full_dataset").status, LabelStatus::Reviewed);
  store.setStatus(ds_.samples[2].name, LabelStatus::Reviewed);
  EXPECT_TRUE(nlohmann::json::parse(fileBytes(folder / "labels.json"))["images"].contains("from_the_full_dataset"));
}

TEST_F(LabelStoreTest, KilledWriterLeftovers) {
  LabelStore store(ds_);
  store.save(a_, fixOf(a_), {{"brush", 1}});
  // A writer killed mid-save leaves its hidden temporary; one killed between mask and sidecar
  // leaves a mask without a record.
  writeBytes(temporarySiblingPath(store.correctedPath(b_)), "half a PNG");
  writeBytes(temporarySiblingPath(store.sidecarPath()), "{\"format\": \"rgbd");
  const std::string c = ds_.samples[2].name;
  writeImageAtomic(store.correctedPath(c), fixOf(c));

  LabelStore reopened(ds_);
  EXPECT_TRUE(reopened.sidecarProblem().empty());
  EXPECT_TRUE(!reopened.hasCorrection(b_) && sameMat(reopened.load(b_), reopened.loadOriginal(b_)));
  EXPECT_EQ(reopened.records().size(), 2u);
  EXPECT_EQ(reopened.record(c).status, LabelStatus::Corrected);

  reopened.rebuildSidecar();  // the temporaries are not masks
  EXPECT_EQ(reopened.records().size(), 2u);
  EXPECT_TRUE(!reopened.records().count(b_) && LabelStore(ds_).records().size() == 2u);
  EXPECT_FALSE(reopened.records().count("." + b_));
}

TEST_F(LabelStoreTest, ReadOnlyDatasetFolder) {
  fs::permissions(data_, static_cast<fs::perms>(0555));
  const fs::path probe = data_ / "probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd >= 0) {
    ::close(fd);
    fs::remove(probe);
    fs::permissions(data_, fs::perms::owner_all, fs::perm_options::add);
    GTEST_SKIP() << "running as root (or permissions are not enforced here): chmod 0555 does not stop writes, so "
                    "the read-only case cannot be made; UncreatableFolder covers the error path";
  }
  LabelStore store(ds_);
  expectNotWritable(store);
  fs::permissions(data_, fs::perms::owner_all, fs::perm_options::add);
  EXPECT_FALSE(fs::exists(store.folder()));
}

TEST_F(LabelStoreTest, UncreatableFolder) {
  writeBytes(tmp_ / "a_file", "not a folder");
  LabelStore store(ds_, tmp_ / "a_file" / "corrections");
  expectNotWritable(store);
  EXPECT_EQ(fileBytes(tmp_ / "a_file"), "not a folder");
}

TEST_F(LabelStoreTest, CorrectionsFolderElsewhere) {
  const fs::path elsewhere = tmp_ / "mine" / "corrections";
  {
    LabelStore store(ds_, elsewhere);
    EXPECT_TRUE(store.writable());
    EXPECT_FALSE(fs::exists(tmp_ / "mine")) << "writable() must not create anything";
    store.save(a_, fixOf(a_), {{"brush", 1}});
  }
  EXPECT_TRUE(fs::is_regular_file(elsewhere / (a_ + ".png")));
  EXPECT_FALSE(fs::exists(data_ / "GT_corrected"));
  EXPECT_EQ(LabelStore(ds_, elsewhere).record(a_).status, LabelStatus::Corrected);
  EXPECT_FALSE(LabelStore(ds_).hasCorrection(a_));
}

TEST_F(LabelStoreTest, RefusesOriginalFolders) {
  EXPECT_THROW(LabelStore(ds_, ds_.layout.gt_dir), FileError);
  EXPECT_THROW(LabelStore(ds_, ds_.layout.gt_dir / "sub"), FileError);
  EXPECT_THROW(LabelStore(ds_, ds_.layout.gt_dir / ".." / ds_.layout.gt_dir.filename()), FileError);
  EXPECT_THROW(LabelStore(ds_, ds_.layout.depth_dir), FileError);
  fs::create_directory_symlink(ds_.layout.gt_dir, tmp_ / "gt_link");
  EXPECT_CONTAINS(errorOf([&] { LabelStore(ds_, tmp_ / "gt_link"); }), "GT folder");
  Dataset unlabeled = ds_;
  unlabeled.layout.gt_dir.clear();
  EXPECT_THROW(LabelStore{unlabeled}, FileError);
}

TEST_F(LabelStoreTest, Revert) {
  LabelStore store(ds_);
  store.revert(a_);  // nothing to revert: nothing created
  EXPECT_FALSE(fs::exists(store.folder()));
  store.save(a_, fixOf(a_), {{"brush", 1}});
  store.revert(a_);
  EXPECT_TRUE(!store.hasCorrection(a_) && !store.records().count(a_));
  EXPECT_TRUE(sameMat(store.load(a_), store.loadOriginal(a_)));
  EXPECT_TRUE(LabelStore(ds_).records().empty());
  EXPECT_TRUE(hiddenFiles(store.folder()).empty());
}

TEST_F(LabelStoreTest, SetStatus) {
  LabelStore store(ds_);
  EXPECT_THROW(store.setStatus(a_, LabelStatus::Corrected), Error);
  store.setStatus(a_, LabelStatus::Reviewed);
  EXPECT_EQ(LabelStore(ds_).record(a_).status, LabelStatus::Reviewed);
  EXPECT_FALSE(store.hasCorrection(a_));
  store.setStatus(a_, LabelStatus::Unreviewed);
  EXPECT_TRUE(LabelStore(ds_).records().empty());
  EXPECT_TRUE(labelStatusFromString("reviewed") == LabelStatus::Reviewed && !labelStatusFromString("done"));
}

TEST_F(LabelStoreTest, ImportMasksPairsByNameAndRefusesWrongSizes) {
  const fs::path incoming = tmp_ / "incoming";
  fs::create_directories(incoming);
  const cv::Mat ma = edited(readMask(ds_.samples[0].gt));
  const cv::Mat mb = edited(readMask(ds_.samples[1].gt), 10);
  ASSERT_TRUE(cv::imwrite((incoming / (a_ + "_GT.png")).string(), ma));
  ASSERT_TRUE(cv::imwrite((incoming / (b_ + ".png")).string(), mb));
  ASSERT_TRUE(cv::imwrite((incoming / "unrelated.png").string(), ma));
  writeBytes(incoming / "notes.txt", "hello");

  LabelStore store(ds_);
  EXPECT_EQ(store.importMasks(incoming), 2u);
  EXPECT_TRUE(sameMat(store.load(a_), ma));
  EXPECT_TRUE(sameMat(store.load(b_), mb));
  EXPECT_EQ(store.record(a_).status, LabelStatus::Unreviewed);
  EXPECT_EQ(store.record(a_).edit_kinds.at("import"), 1);
  EXPECT_EQ(LabelStore(ds_).record(b_).edit_kinds.at("import"), 1);
  EXPECT_TRUE(LabelStore(ds_).hasCorrection(b_));

  const fs::path wrong = tmp_ / "wrong";
  fs::create_directories(wrong);
  const std::string c = ds_.samples[2].name;
  ASSERT_TRUE(cv::imwrite((wrong / (c + ".png")).string(), cv::Mat(20, 30, CV_8UC1, cv::Scalar(255))));
  ASSERT_TRUE(cv::imwrite((wrong / (b_ + ".png")).string(), ma));
  const std::string msg = errorOf([&] { store.importMasks(wrong); });
  EXPECT_CONTAINS(msg, (wrong / (c + ".png")).string() + ": is 30x20");
  EXPECT_FALSE(store.hasCorrection(c));
  EXPECT_TRUE(sameMat(store.load(b_), mb)) << "a refused import must write nothing";
}

TEST_F(LabelStoreTest, ExportDataset) {
  LabelStore store(ds_);
  const cv::Mat fixed = fixOf(a_);
  store.save(a_, fixed, {{"brush", 1}});

  const fs::path out = tmp_ / "exports" / "fixed";
  store.exportDataset(out);
  const Dataset exported = openDataset(out);
  ASSERT_EQ(exported.size(), ds_.size());
  EXPECT_TRUE(exported.strays.empty());
  EXPECT_TRUE(sameMat(exported.load(*exported.indexOf(a_)).gt, fixed));
  const SampleFiles& fb = exported.samples[*exported.indexOf(b_)];
  EXPECT_EQ(fileBytes(fb.gt), fileBytes(ds_.samples[1].gt));
  EXPECT_TRUE(!fs::is_symlink(fb.gt) && fs::is_symlink(fb.rgb) && fs::read_symlink(fb.rgb).is_absolute());
  EXPECT_EQ(fs::read_symlink(fb.depth), fs::absolute(ds_.samples[1].depth).lexically_normal());

  EXPECT_CONTAINS(errorOf([&] { store.exportDataset(out); }), "already exists");

  const fs::path copied = tmp_ / "exports" / "copied";
  store.exportDataset(copied, /*copy=*/true);
  const Dataset c = openDataset(copied);
  EXPECT_FALSE(fs::is_symlink(c.samples[1].rgb));
  EXPECT_EQ(fileBytes(c.samples[1].rgb), fileBytes(ds_.samples[1].rgb));

  // A source file that vanished mid-export: it fails, and leaves nothing behind.
  Dataset broken = ds_;
  broken.samples.back().depth = tmp_ / "gone" / "depth.png";
  LabelStore broken_store(broken);
  const fs::path failed = tmp_ / "exports" / "failed";
  EXPECT_THROW(broken_store.exportDataset(failed), FileError);
  EXPECT_THROW(broken_store.exportDataset(failed, true), FileError);
  for (const auto& e : fs::directory_iterator(tmp_ / "exports"))
    EXPECT_TRUE(e.path() == out || e.path() == copied) << "left behind: " << e.path();
}

}  // namespace
