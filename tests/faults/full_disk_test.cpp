// Issue 15, faults: a full disk during the command line's writes. Each test mounts a small tmpfs
// (in a private mount namespace, see fault_support.h), writes the previous version of the output
// where there is one, fills the disk to (nearly) the last page and runs the command again: the
// previous files stay byte for byte, no temporary is left, and the message names the file and
// says "No space left on device".
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.h"
#include "fault_support.h"
#include "rgbdsod/core/hha_cache.h"
#include "test_support.h"
#include "training_test_util.h"

namespace fs = std::filesystem;
using rgbdsod::test::CliResult;
using rgbdsod::test::containsNoCase;
using rgbdsod::test::joinNames;
using rgbdsod::test::namesOf;
using rgbdsod::test::readFileText;
using rgbdsod::test::runCli;
using rgbdsod::test::snapshotFiles;
using rgbdsod::test::temporariesUnder;

namespace {

constexpr std::size_t kDiskBytes = 8u << 20;  // a tiny run's checkpoint is ~2 MB
constexpr std::size_t kPage = 4096;

std::string q(const fs::path& p) { return rgbdsod::test::shellQuote(p); }

std::string tinySets(int steps, int checkpoint_every) {
  std::string s;
  for (const auto& o : rgbdsod::test::tinyOverrides(steps, checkpoint_every)) s += " --set " + o;
  return s;
}

class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = rgbdsod::test::enterPrivateMountNamespace();
    if (!why.empty())
      GTEST_SKIP() << "cannot mount a small tmpfs to fill up, so the full-disk tests cannot run here: " << why;
    std::string why_not;
    disk_ = rgbdsod::test::SmallDisk::mount(kDiskBytes, why_not);
    if (!disk_)
      GTEST_SKIP() << "cannot mount a small tmpfs to fill up, so the full-disk tests cannot run here: " << why_not;
  }
  void TearDown() override { disk_.reset(); }  // unmounted on failures too

  const fs::path& disk() const { return disk_->path(); }

  // Leaves `leave` bytes (whole pages) free on the disk.
  void fill(std::size_t leave) {
    std::string error;
    const std::int64_t free = disk_->fill(leave, error);
    ASSERT_GE(free, 0) << "cannot fill " << disk() << ": " << error;
    ASSERT_EQ(static_cast<std::size_t>(free), leave / kPage * kPage) << "the tmpfs did not fill as expected";
  }

  // The command failed, said the disk is full and named `file`.
  static void expectFullDiskNamed(const CliResult& r, const std::string& file) {
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(containsNoCase(r.err, "no space left")) << r.err;
    EXPECT_NE(r.err.find(file), std::string::npos) << "the message does not name " << file << ":\n" << r.err;
  }

  std::unique_ptr<rgbdsod::test::SmallDisk> disk_;
  rgbdsod::test::TempDir src_{"rgbdsod-full-disk-src"};  // what the commands read, on the ordinary disk
};

TEST_F(FullDisk, EvalReportKeepsThePreviousReportAndSaysTheDiskIsFullNamingTheReport) {
  rgbdsod::test::writeTinySynth(src_ / "ds", 6, 48, 40);
  const fs::path gt = src_ / "ds" / "train" / "GT";
  fs::copy(gt, src_ / "pred");  // perfect predictions
  const fs::path reports = disk() / "reports";
  fs::create_directories(reports);
  const fs::path report = reports / "eval.json";
  const std::string args = "-q eval --no-cache --gt " + q(gt) + " --pred " + q(src_ / "pred") + " --json " + q(report);
  ASSERT_EQ(runCli(args).code, 0);
  const std::string previous = readFileText(report);
  ASSERT_GT(previous.size(), 4 * kPage);

  ASSERT_NO_FATAL_FAILURE(fill(previous.size() / 2));  // the new report's write fails midway
  const CliResult r = runCli(args);
  expectFullDiskNamed(r, report.string());
  EXPECT_EQ(readFileText(report), previous) << "the previous report was damaged";
  EXPECT_EQ(namesOf(snapshotFiles(reports)), std::vector<std::string>{"eval.json"})
      << joinNames(namesOf(snapshotFiles(reports)));
}

TEST_F(FullDisk, CheckpointOnAFullDiskKeepsTheEarlierCheckpointAndSaysTheDiskIsFullNamingTheCheckpoint) {
  rgbdsod::test::writeTinySynth(src_ / "data", 16, 48, 40);
  const fs::path run = disk() / "run";
  const std::string base = "-q train --stage teacher --data " + q(src_ / "data") + " --out " + q(run);
  // The first run is killed after step 3, with the checkpoint of step 2 on disk.
  ASSERT_EQ(runCli(base + tinySets(4, 2) + " --set debug.sigkill_at_step=3").code, 128 + 9);
  const fs::path checkpoints = run / "checkpoints";
  const fs::path earlier = checkpoints / "step-000000002.pt";
  ASSERT_EQ(namesOf(snapshotFiles(checkpoints)), std::vector<std::string>{"step-000000002.pt"});
  const std::string previous = readFileText(earlier);

  // Room for the status and metrics, not for the checkpoint of step 4: resuming fails writing it.
  ASSERT_NO_FATAL_FAILURE(fill(previous.size() / 2));
  const CliResult r = runCli(base + " --resume");
  expectFullDiskNamed(r, (checkpoints / "step-000000004.pt").string());
  EXPECT_EQ(readFileText(earlier), previous) << "the earlier checkpoint was damaged";
  EXPECT_EQ(namesOf(snapshotFiles(checkpoints)), std::vector<std::string>{"step-000000002.pt"})
      << joinNames(namesOf(snapshotFiles(checkpoints)));
  EXPECT_TRUE(temporariesUnder(run).empty()) << joinNames(temporariesUnder(run));
  // The run folder says why the run failed.
  const nlohmann::json status = nlohmann::json::parse(readFileText(run / "status.json"));
  EXPECT_EQ(status.value("state", ""), "failed") << status.dump();
  EXPECT_TRUE(containsNoCase(status.value("message", ""), "no space left")) << status.dump();
}

TEST_F(FullDisk, HhaRebuildOnAFullDiskKeepsTheCachedImagesAndSaysTheDiskIsFullNamingTheImage) {
  rgbdsod::test::writeTinySynth(disk() / "ds", 6, 48, 40);  // the cache lives in the dataset
  const fs::path data = disk() / "ds" / "train";
  const fs::path cache = data / rgbdsod::core::kHhaFolder;
  ASSERT_EQ(runCli("-q hha --data " + q(data)).code, 0);
  const auto previous = snapshotFiles(cache);
  ASSERT_GE(previous.size(), 4u) << joinNames(namesOf(previous));

  ASSERT_NO_FATAL_FAILURE(fill(0));
  const CliResult r = runCli("-q hha --force --data " + q(data));
  expectFullDiskNamed(r, (cache / "synth_").string());
  EXPECT_TRUE(snapshotFiles(cache) == previous) << "the cache changed: " << joinNames(namesOf(snapshotFiles(cache)));
}

TEST_F(FullDisk, HhaBuildThatFillsTheDiskNamesTheImageNotTheManifestAndLeavesOnlyCompleteImages) {
  rgbdsod::test::writeTinySynth(disk() / "ds", 6, 48, 40);  // each HHA image < 1 page
  const fs::path data = disk() / "ds" / "train";
  const fs::path cache = data / rgbdsod::core::kHhaFolder;
  // Room for two encoded images: the third fails, and so does saving the manifest afterwards.
  ASSERT_NO_FATAL_FAILURE(fill(2 * kPage));
  const CliResult r = runCli("-q hha --data " + q(data));
  expectFullDiskNamed(r, (cache / "synth_").string());
  EXPECT_EQ(r.err.find(rgbdsod::core::kHhaManifest), std::string::npos)
      << "the error about the image was replaced by one about the manifest:\n"
      << r.err;
  EXPECT_TRUE(temporariesUnder(cache).empty()) << joinNames(temporariesUnder(cache));
  for (const auto& [name, bytes] : snapshotFiles(cache)) {
    if (name == rgbdsod::core::kHhaManifest) continue;
    const cv::Mat hha = cv::imread((cache / name).string(), cv::IMREAD_UNCHANGED);
    EXPECT_EQ(hha.size(), cv::Size(48, 40)) << name << " is not a complete image";
  }
}

TEST_F(FullDisk, NoiseOnAFullDiskWritesNoFolderKeepsTheEarlierCopyAndSaysTheDiskIsFull) {
  rgbdsod::test::writeTinySynth(src_ / "ds", 8, 48, 40);
  const std::string base = "-q noise --p 0.3 --data " + q(src_ / "ds" / "train") + " --out ";
  ASSERT_EQ(runCli(base + q(disk() / "noisy-1")).code, 0);
  const auto previous = snapshotFiles(disk() / "noisy-1");
  ASSERT_GE(previous.size(), 10u);

  ASSERT_NO_FATAL_FAILURE(fill(0));
  const fs::path out = disk() / "noisy-2";
  const CliResult r = runCli(base + q(out));
  expectFullDiskNamed(r, out.string());
  // The first write is the first noisy GT: the error is about it (cv::imwrite used to report
  // success there with an empty file, and the error came later, from copying the RGB image).
  EXPECT_NE(r.err.find("/GT/synth_00000.png"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(temporariesUnder(disk()).empty()) << joinNames(temporariesUnder(disk()));
  EXPECT_TRUE(snapshotFiles(disk() / "noisy-1") == previous) << "the earlier noisy copy changed";
}

TEST_F(FullDisk, SynthOnAFullDiskWritesNoFolderKeepsTheEarlierDatasetAndSaysTheDiskIsFull) {
  const std::string base = "-q synth --count 8 --size 48x40 --seed 5 --out ";
  ASSERT_EQ(runCli(base + q(disk() / "synth-1")).code, 0);
  const auto previous = snapshotFiles(disk() / "synth-1");
  ASSERT_GE(previous.size(), 20u);

  ASSERT_NO_FATAL_FAILURE(fill(3 * kPage));
  const fs::path out = disk() / "synth-2";
  const CliResult r = runCli(base + q(out));
  expectFullDiskNamed(r, out.string());
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(temporariesUnder(disk()).empty()) << joinNames(temporariesUnder(disk()));
  EXPECT_TRUE(snapshotFiles(disk() / "synth-1") == previous) << "the earlier dataset changed";
}

}  // namespace
