// End-to-end tests of the rgbdsod command line: the real binary on real folders.

#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.h"
#include "test_support.h"

namespace fs = std::filesystem;
using rgbdsod::test::TempDir;

namespace {

using RunResult = rgbdsod::test::CliResult;
using rgbdsod::test::runCli;
using rgbdsod::test::readFileText;

std::string quote(const std::string& s) { return rgbdsod::test::shellQuote(s); }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A small labeled dataset with one good sample and chosen defects.
void writeSample(const fs::path& root, const std::string& name, cv::Size size = {32, 24}) {
  cv::Mat rgb(size, CV_8UC3, cv::Scalar(40, 80, 120));
  cv::Mat depth(size, CV_8UC1, cv::Scalar(30));
  cv::Mat gt(size, CV_8UC1, cv::Scalar(0));
  cv::rectangle(depth, {8, 6, 10, 8}, cv::Scalar(220), cv::FILLED);
  cv::rectangle(gt, {8, 6, 10, 8}, cv::Scalar(255), cv::FILLED);
  fs::create_directories(root / "RGB");
  fs::create_directories(root / "depth");
  fs::create_directories(root / "GT");
  cv::imwrite((root / "RGB" / (name + ".jpg")).string(), rgb);
  cv::imwrite((root / "depth" / (name + ".png")).string(), depth);
  cv::imwrite((root / "GT" / (name + ".png")).string(), gt);
}

}  // namespace

TEST(Cli, VersionNamesTheProgramAndTheTorchRuntime) {
  const RunResult r = runCli("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "rgbdsod 0.")) << r.out;
  EXPECT_TRUE(contains(r.out, "LibTorch")) << r.out;
}

TEST(Cli, HelpListsTheCommands) {
  const RunResult r = runCli("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "synth")) << r.out;
  EXPECT_TRUE(contains(r.out, "dataset")) << r.out;
}

TEST(Cli, UnknownCommandFailsWithUsageError) {
  const RunResult r = runCli("frobnicate");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "'frobnicate' is not a command")) << r.err;
  EXPECT_FALSE(contains(r.err, "did you mean")) << r.err;
}

TEST(Cli, MisspeltCommandGetsTheNearestSuggested) {
  const RunResult r = runCli("-q evl --gt a --pred b");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "did you mean 'eval'?")) << r.err;
  const RunResult t = runCli("trian --stage teacher");
  EXPECT_TRUE(contains(t.err, "did you mean 'train'?")) << t.err;
}

TEST(Cli, HelpListsTheEngineCommandsBesideTheOthers) {
  const RunResult r = runCli("--help");
  for (const char* c : {"synth", "noise", "dataset", "hha", "eval", "plot", "train", "infer", "runtime"})
    EXPECT_TRUE(contains(r.out, std::string("\n  ") + c + " ")) << c << "\n" << r.out;
}

// The front end must not load LibTorch (~0.4 s) or Qt: every torch-free command pays for it otherwise.
TEST(Cli, TorchFreeCommandsNeverLoadLibTorchOrQt) {
  TempDir dir;
  writeSample(dir / "ds", "a");
  const RunResult r = runCli("dataset check " + quote((dir / "ds").string()), "LD_DEBUG=libs");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "libopencv_core")) << "LD_DEBUG gave no library trace";
  EXPECT_FALSE(contains(r.err, "libtorch")) << "the front end loaded LibTorch";
  EXPECT_FALSE(contains(r.err, "libQt")) << "the front end loaded Qt";
}

TEST(Cli, TrainAndInferRunInTheEngineWithTheirOwnHelp) {
  const RunResult train = runCli("train --help");
  EXPECT_EQ(train.code, 0) << train.err;
  EXPECT_TRUE(contains(train.out, "Usage: rgbdsod train")) << train.out;
  EXPECT_TRUE(contains(train.out, "--recipe")) << train.out;
  const RunResult infer = runCli("-q infer --help");
  EXPECT_TRUE(contains(infer.out, "--depth-as-rgb")) << infer.out;
  const RunResult rt = runCli("runtime");
  EXPECT_EQ(rt.code, 0) << rt.err;
  EXPECT_TRUE(contains(rt.out, "intra-op threads")) << rt.out;
}

TEST(Cli, AMissingEngineIsNamedWithTheFoldersSearched) {
  TempDir dir;
  fs::copy_file(RGBDSOD_CLI_PATH, dir / "rgbdsod");
  const RunResult r = rgbdsod::test::runCommand(quote((dir / "rgbdsod").string()) + " train --help");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "rgbdsod-engine")) << r.err;
  EXPECT_TRUE(contains(r.err, "missing")) << r.err;
  EXPECT_TRUE(contains(r.err, (dir.path().parent_path() / "libexec" / "rgbdsod").string())) << r.err;
  // The torch-free commands of that lone front end still work.
  EXPECT_EQ(rgbdsod::test::runCommand(quote((dir / "rgbdsod").string()) + " --version").code, 0);
}

TEST(Cli, GlobalFlagsWorkAfterTheCommandToo) {
  TempDir dir;
  const std::string args = "synth --count 2 --size 32x32 --out ";
  const RunResult loud = runCli(args + quote((dir / "a").string()));
  ASSERT_EQ(loud.code, 0) << loud.err;
  EXPECT_TRUE(contains(loud.out, "wrote")) << loud.out;
  const RunResult quiet = runCli(args + quote((dir / "b").string()) + " -q");
  ASSERT_EQ(quiet.code, 0) << quiet.err;
  EXPECT_EQ(quiet.out, "");
  EXPECT_TRUE(fs::exists(dir / "b"));
  const RunResult verbose = runCli("dataset check " + quote((dir / "a" / "train").string()) + " -vv");
  EXPECT_NE(verbose.code, 2) << verbose.err;
}

TEST(Cli, DatasetCheckOnRealTripletsReportsSevenValidPairsAndNearBright) {
  RGBDSOD_REQUIRE_SHARED_DATA(data);
  const RunResult r = runCli("dataset check " + quote((data / "rgbd_samples" / "dut_rgbd_crossnet").string()));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "valid pairs: 7")) << r.out;
  EXPECT_TRUE(contains(r.out, "errors: 0")) << r.out;
  EXPECT_TRUE(contains(r.out, "polarity near-bright")) << r.out;
}

TEST(Cli, DatasetCheckOverrideIsReportedNextToTheDetection) {
  RGBDSOD_REQUIRE_SHARED_DATA(data);
  const RunResult r =
      runCli("dataset check --polarity near-dark " + quote((data / "rgbd_samples" / "dut_rgbd_crossnet").string()));
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "near-dark, set by the user; detected: near-bright")) << r.out;
}

TEST(Cli, DatasetCheckNamesEachBrokenFileAndExitsWithOne) {
  TempDir dir;
  const fs::path root = dir / "broken";
  writeSample(root, "good");
  writeSample(root, "nogt");
  fs::remove(root / "GT" / "nogt.png");
  writeSample(root, "corrupt");
  rgbdsod::test::writeBytes(root / "depth" / "corrupt.png", "this is not a png at all");
  writeSample(root, "mismatch");
  cv::imwrite((root / "GT" / "mismatch.png").string(), cv::Mat(10, 10, CV_8UC1, cv::Scalar(255)));
  rgbdsod::test::writeBytes(root / "RGB" / "notes.txt", "hello");

  const RunResult r = runCli("dataset check " + quote(root.string()));
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "valid pairs: 1")) << r.out;
  EXPECT_TRUE(contains(r.out, "missing-gt")) << r.out;
  EXPECT_TRUE(contains(r.out, "corrupt")) << r.out;
  EXPECT_TRUE(contains(r.out, "depth/corrupt.png")) << r.out;
  EXPECT_TRUE(contains(r.out, "size-mismatch")) << r.out;
  EXPECT_TRUE(contains(r.out, "GT/mismatch.png") || contains(r.out, "mismatch")) << r.out;
  EXPECT_TRUE(contains(r.out, "RGB/notes.txt")) << r.out;
}

TEST(Cli, DatasetCheckOnMissingFolderNamesItAndExitsWithTwo) {
  const RunResult r = runCli("dataset check /no/such/dataset-folder");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "/no/such/dataset-folder")) << r.err;
}

TEST(Cli, DatasetCheckRejectsAnUnknownPolarityByName) {
  TempDir dir;
  writeSample(dir / "ds", "a");
  const RunResult r = runCli("dataset check --polarity sideways " + quote((dir / "ds").string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--polarity")) << r.err;
  EXPECT_TRUE(contains(r.err, "sideways")) << r.err;
}

TEST(Cli, DatasetCheckWritesAJsonReport) {
  TempDir dir;
  writeSample(dir / "ds", "a");
  writeSample(dir / "ds", "b");
  const fs::path json_file = dir / "report.json";
  const RunResult r = runCli("--quiet dataset check --json " + quote(json_file.string()) + " " + quote((dir / "ds").string()));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty()) << "quiet run printed: " << r.out;
  const auto j = nlohmann::json::parse(readFileText(json_file));
  EXPECT_EQ(j["samples"], 2);
  EXPECT_EQ(j["valid"], 2);
  EXPECT_EQ(j["polarity"]["detected"], "near-bright");
}

TEST(Cli, SynthWritesAValidDatasetThatChecksClean) {
  TempDir dir;
  const fs::path out = dir / "demo";
  const RunResult r = runCli("synth --out " + quote(out.string()) + " --count 12 --size 64x64 --seed 3");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "wrote")) << r.out;
  EXPECT_TRUE(fs::is_directory(out / "train" / "RGB"));
  EXPECT_TRUE(fs::is_directory(out / "test" / "GT"));

  const RunResult check = runCli("dataset check " + quote(out.string()));
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  EXPECT_TRUE(contains(check.out, "dataset train")) << check.out;
  EXPECT_TRUE(contains(check.out, "dataset test")) << check.out;
  EXPECT_TRUE(contains(check.out, "polarity near-bright")) << check.out;
}

TEST(Cli, SynthRefusesANonEmptyFolderAndLeavesItAlone) {
  TempDir dir;
  rgbdsod::test::writeBytes(dir / "taken" / "keep.txt", "precious");
  const RunResult r = runCli("synth --out " + quote((dir / "taken").string()) + " --count 4 --size 64x64");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, (dir / "taken").string())) << r.err;
  EXPECT_EQ(readFileText(dir / "taken" / "keep.txt"), "precious");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(Cli, SynthRejectsABadSizeByName) {
  TempDir dir;
  const RunResult r = runCli("synth --out " + quote((dir / "x").string()) + " --size 64by64");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--size")) << r.err;
  EXPECT_FALSE(fs::exists(dir / "x"));
}

TEST(Cli, NoiseWritesANoisyCopyAndRefusesToOverwriteIt) {
  TempDir dir;
  const fs::path synth = dir / "synth";
  ASSERT_EQ(runCli("synth --out " + quote(synth.string()) + " --count 6 --size 64x64 --seed 2").code, 0);
  const fs::path out = dir / "noisy";
  const std::string args = "noise --data " + quote((synth / "train").string()) + " --out " + quote(out.string()) +
                           " --p 0.5 --seed 4";
  const RunResult r = runCli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "wrote 5 samples")) << r.out;
  EXPECT_TRUE(contains(r.out, "regions flipped")) << r.out;
  EXPECT_TRUE(fs::is_directory(out / "RGB"));
  EXPECT_TRUE(fs::is_directory(out / "depth"));
  EXPECT_TRUE(fs::is_directory(out / "GT"));
  const nlohmann::json j = nlohmann::json::parse(readFileText(out / "noise.json"));
  EXPECT_EQ(j["seed"], 4);
  EXPECT_EQ(j["totals"]["samples"], 5);

  const RunResult again = runCli(args);
  EXPECT_EQ(again.code, 2);
  EXPECT_TRUE(contains(again.err, out.string())) << again.err;
  EXPECT_TRUE(contains(again.err, "already exists")) << again.err;
}
