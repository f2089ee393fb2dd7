// validate(): every problem of a broken dataset is named, real data passes, polarity is detected,
// progress and cancellation work.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/validation.h"
#include "rgbdsod/core/validation_report.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;
using rgbdsod::test::TempDir;
using rgbdsod::test::writeBytes;

namespace {

void write(const fs::path& file, const cv::Mat& m) {
  fs::create_directories(file.parent_path());
  ASSERT_TRUE(cv::imwrite(file.string(), m)) << file;
}

// One well-formed sample: near-bright depth in which the GT box is the nearest thing.
void goodSample(const fs::path& root, const std::string& name, int w = 64, int h = 48) {
  cv::Mat rgb(h, w, CV_8UC3);
  cv::randu(rgb, 0, 256);
  cv::Mat gt = cv::Mat::zeros(h, w, CV_8UC1);
  gt(cv::Rect(w / 4, h / 4, w / 2, h / 2)).setTo(255);
  cv::Mat depth(h, w, CV_8UC1);
  for (int y = 0; y < h; ++y) depth.row(y).setTo(40 + y);
  depth.setTo(220, gt);
  write(root / "RGB" / (name + ".jpg"), rgb);
  write(root / "depth" / (name + ".png"), depth);
  write(root / "GT" / (name + ".png"), gt);
}

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

const Problem* find(const ValidationReport& r, ProblemKind kind, const fs::path& file) {
  const auto it = std::find_if(r.problems.begin(), r.problems.end(),
                               [&](const Problem& p) { return p.kind == kind && p.file == file; });
  return it == r.problems.end() ? nullptr : &*it;
}

std::string listProblems(const ValidationReport& r) {
  std::string out;
  for (const Problem& p : r.problems)
    out += std::string(toString(p.kind)) + " [" + p.sample + "] " + p.file.string() + ": " + p.message + "\n";
  return out;
}

fs::path realDataset(const fs::path& shared) { return shared / "rgbd_samples" / "dut_rgbd_crossnet"; }

}  // namespace

TEST(Validation, KindNamesAndSeverities) {
  EXPECT_STREQ(toString(ProblemKind::MissingGt), "missing-gt");
  EXPECT_STREQ(toString(ProblemKind::SizeMismatch), "size-mismatch");
  EXPECT_STREQ(toString(ProblemKind::NotAnImage), "not-an-image");
  EXPECT_STREQ(toString(ProblemKind::ConstantDepth), "constant-depth");
  EXPECT_EQ(severityOf(ProblemKind::Corrupt), Severity::Error);
  EXPECT_EQ(severityOf(ProblemKind::DuplicateName), Severity::Error);
  EXPECT_EQ(severityOf(ProblemKind::NotAnImage), Severity::Warning);
  EXPECT_EQ(severityOf(ProblemKind::EmptyGt), Severity::Warning);
  EXPECT_EQ(severityOf(ProblemKind::ConstantDepth), Severity::Warning);
}

TEST(Validation, RealDutRgbdSamplesAreValidAndNearBright) {
  RGBDSOD_REQUIRE_SHARED_DATA(shared);
  const ValidationReport r = validate(openDataset(realDataset(shared)));
  EXPECT_EQ(r.samples, 7u);
  EXPECT_EQ(r.valid, 7u);
  EXPECT_EQ(r.errors(), 0u) << listProblems(r);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.polarity.method, "gt-contrast");
  EXPECT_EQ(r.polarity.polarity, DepthPolarity::NearIsBright) << r.polarity.evidence;
  EXPECT_EQ(r.summary().rfind("7 valid of 7 samples, 0 errors, ", 0), 0u) << r.summary();
  EXPECT_NE(r.summary().find("depth polarity near-bright ("), std::string::npos) << r.summary();
}

TEST(Validation, InvertedRealDepthIsNearDark) {
  RGBDSOD_REQUIRE_SHARED_DATA(shared);
  TempDir dir;
  const fs::path src = realDataset(shared);
  fs::copy(src / "RGB", dir / "RGB");
  fs::copy(src / "GT", dir / "GT");
  for (const auto& e : fs::directory_iterator(src / "depth")) {
    const cv::Mat d = cv::imread(e.path().string(), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(d.type(), CV_8UC1);
    write(dir / "depth" / e.path().filename(), cv::Scalar::all(255) - d);
  }
  const ValidationReport r = validate(openDataset(dir.path()));
  EXPECT_EQ(r.valid, 7u) << listProblems(r);
  EXPECT_EQ(r.polarity.polarity, DepthPolarity::NearIsDark) << r.polarity.evidence;
  EXPECT_NE(r.summary().find("near-dark"), std::string::npos) << r.summary();
}

TEST(Validation, RealDepthWithoutGtFallsBackToTheFloorCue) {
  RGBDSOD_REQUIRE_SHARED_DATA(shared);
  TempDir dir;
  fs::copy(realDataset(shared) / "RGB", dir / "RGB");
  fs::copy(realDataset(shared) / "depth", dir / "depth");
  const ValidationReport r = validate(openDataset(dir.path()));
  EXPECT_EQ(r.valid, 7u) << listProblems(r);
  EXPECT_EQ(r.polarity.method, "vertical-gradient");
  EXPECT_EQ(r.polarity.polarity, DepthPolarity::NearIsBright) << r.polarity.evidence;
}

TEST(Validation, BrokenDatasetNamesEveryProblem) {
  TempDir dir;
  const fs::path root = dir.path();
  for (const char* n : {"ok", "corrupt", "truncated", "nogt", "size", "emptygt", "flat", "colourdepth", "norgb", "dup"})
    goodSample(root, n);
  std::string noise(3000, '\0');
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 2654435761u) >> 11);
  writeBytes(root / "depth" / "corrupt.png", noise);
  const std::string gt_png = readAll(root / "GT" / "truncated.png");
  writeBytes(root / "GT" / "truncated.png", gt_png.substr(0, gt_png.size() / 2));
  fs::remove(root / "GT" / "nogt.png");
  write(root / "depth" / "size.png", cv::Mat(24, 32, CV_8UC1, cv::Scalar(9)) + cv::Mat::eye(24, 32, CV_8UC1));
  write(root / "GT" / "emptygt.png", cv::Mat::zeros(48, 64, CV_8UC1));
  write(root / "depth" / "flat.png", cv::Mat(48, 64, CV_8UC1, cv::Scalar(77)));
  cv::Mat turbo, ramp(48, 64, CV_8UC1);
  for (int x = 0; x < 64; ++x) ramp.col(x).setTo(x * 4);
  cv::applyColorMap(ramp, turbo, cv::COLORMAP_TURBO);
  write(root / "depth" / "colourdepth.png", turbo);
  fs::remove(root / "RGB" / "norgb.jpg");
  fs::copy_file(root / "RGB" / "dup.jpg", root / "RGB" / "dup.png");
  writeBytes(root / "RGB" / "notes.txt", "taken on a Tuesday");

  const ValidationReport r = validate(openDataset(root));
  SCOPED_TRACE(listProblems(r));
  EXPECT_EQ(r.samples, 10u);
  EXPECT_EQ(r.valid, 3u);  // ok, emptygt, flat (warnings only)
  EXPECT_FALSE(r.ok());

  const Problem* p = find(r, ProblemKind::Corrupt, root / "depth" / "corrupt.png");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->message, "corrupt or not an image: cannot decode");
  EXPECT_EQ(p->sample, "corrupt");
  p = find(r, ProblemKind::Corrupt, root / "GT" / "truncated.png");
  ASSERT_TRUE(p);
  EXPECT_NE(p->message.find("truncated"), std::string::npos);
  p = find(r, ProblemKind::MissingGt, root / "RGB" / "nogt.jpg");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->severity, Severity::Error);
  p = find(r, ProblemKind::SizeMismatch, root / "depth" / "size.png");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->message, "RGB 64x48, depth 32x24, GT 64x48");
  p = find(r, ProblemKind::EmptyGt, root / "GT" / "emptygt.png");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->severity, Severity::Warning);
  EXPECT_TRUE(find(r, ProblemKind::ConstantDepth, root / "depth" / "flat.png"));
  p = find(r, ProblemKind::Corrupt, root / "depth" / "colourdepth.png");
  ASSERT_TRUE(p);
  EXPECT_NE(p->message.find("colour"), std::string::npos);
  EXPECT_TRUE(find(r, ProblemKind::MissingRgb, root / "depth" / "norgb.png"));
  p = find(r, ProblemKind::DuplicateName, root / "RGB" / "dup.png");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sample, "dup");
  EXPECT_NE(p->message.find("duplicate name dup"), std::string::npos);
  p = find(r, ProblemKind::NotAnImage, root / "RGB" / "notes.txt");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->severity, Severity::Warning);
  EXPECT_TRUE(p->sample.empty());
  EXPECT_EQ(r.warnings(), 3u);
  EXPECT_EQ(r.errors(), 7u);  // corrupt, truncated, colourdepth, nogt, size, norgb, dup
  EXPECT_EQ(r.summary().rfind("3 valid of 10 samples, 7 errors, 3 warnings; depth polarity near-bright", 0), 0u)
      << r.summary();

  // The order is deterministic whatever the thread timing: strays first, then samples in order.
  const ValidationReport again = validate(openDataset(root));
  ASSERT_EQ(again.problems.size(), r.problems.size());
  for (std::size_t i = 0; i < r.problems.size(); ++i) {
    EXPECT_EQ(again.problems[i].file, r.problems[i].file);
    EXPECT_EQ(again.problems[i].kind, r.problems[i].kind);
  }
  EXPECT_EQ(r.problems.front().kind, ProblemKind::NotAnImage);
}

TEST(Validation, UnlabeledDatasetNeedsNoGtAndUsesTheFloorCue) {
  TempDir dir;
  for (const char* n : {"a", "b", "c"}) goodSample(dir.path(), n);
  fs::remove_all(dir / "GT");
  const ValidationReport r = validate(openDataset(dir.path()));
  EXPECT_EQ(r.valid, 3u) << listProblems(r);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.polarity.method, "vertical-gradient");
  EXPECT_EQ(r.polarity.polarity, DepthPolarity::NearIsBright);  // the ramp grows downwards
  EXPECT_NE(r.summary().find("no GT"), std::string::npos) << r.summary();
}

TEST(Validation, ReportsProgressPerSampleInOrder) {
  TempDir dir;
  for (int i = 0; i < 12; ++i) goodSample(dir.path(), std::to_string(i), 32, 24);
  const Dataset ds = openDataset(dir.path());
  std::mutex m;
  std::vector<ProgressEvent> events;
  JobContext job;
  job.progress = [&](const ProgressEvent& e) {
    const std::lock_guard lock(m);
    events.push_back(e);
  };
  const ValidationReport r = validate(ds, job);
  EXPECT_EQ(r.valid, 12u);
  ASSERT_EQ(events.size(), 12u);
  std::vector<std::string> items;
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].stage, "validate");
    EXPECT_EQ(events[i].done, i + 1);
    EXPECT_EQ(events[i].total, 12u);
    items.push_back(events[i].item);
  }
  std::sort(items.begin(), items.end());
  std::vector<std::string> names;
  for (const auto& s : ds.samples) names.push_back(s.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(items, names);
}

TEST(Validation, HonoursCancellation) {
  TempDir dir;
  for (int i = 0; i < 20; ++i) goodSample(dir.path(), std::to_string(i), 32, 24);
  const Dataset ds = openDataset(dir.path());
  JobContext before;
  before.cancel.cancel();
  EXPECT_THROW(validate(ds, before), Cancelled);

  JobContext during;
  std::atomic<std::size_t> calls{0};
  during.progress = [&](const ProgressEvent&) {
    ++calls;
    during.cancel.cancel();
  };
  EXPECT_THROW(validate(ds, during), Cancelled);
  EXPECT_LT(calls.load(), 20u);
}

// Mode 000 does not stop root from reading, and CI runs as root: then a child process drops to
// the unprivileged "nobody" user and runs the check; its exit status carries the verdict.
TEST(Validation, UnreadableFileIsReported) {
  TempDir dir;
  const fs::path root = dir / "ds";
  goodSample(root, "a");
  goodSample(root, "b");
  const fs::path locked = root / "GT" / "b.png";
  const auto check = [&]() -> bool {
    const ValidationReport r = validate(openDataset(root));
    const Problem* p = find(r, ProblemKind::Unreadable, locked);
    return p && p->sample == "b" && p->message.find("ermission") != std::string::npos && r.valid == 1;
  };
  if (::geteuid() != 0) {
    fs::permissions(locked, fs::perms::none);
    EXPECT_TRUE(check());
    return;
  }
  // Everything world-readable and traversable except the target.
  for (const auto& e : fs::recursive_directory_iterator(dir.path()))
    fs::permissions(e.path(), e.is_directory() ? fs::perms::all : fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(dir.path(), fs::perms::all);
  fs::permissions(locked, fs::perms::none);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) GTEST_SKIP() << "fork() failed; cannot run the check as an unprivileged user";
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(77);
    int code = 2;
    try {
      code = check() ? 0 : 1;
    } catch (...) {
      code = 3;
    }
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child did not exit normally";
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "cannot switch to user nobody (setuid failed)";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no unreadable problem reported, 3: validation threw";
}

// Found by fuzz_dataset_reader: a file name that is not UTF-8 (bytes from another system's copy)
// made formatValidationJson throw nlohmann's type_error 316, so `dataset check --json` failed
// instead of reporting; the byte now becomes U+FFFD in the JSON, the text report keeps it.
TEST(Validation, JsonReportOfAFileNameThatIsNotUtf8) {
  TempDir dir;
  const fs::path root = dir / "ds";
  goodSample(root, "a");
  writeBytes(root / "GT" / "notes\xae.txt", "x");
  const Dataset ds = openDataset(root);
  const ValidationReport r = validate(ds);
  ASSERT_EQ(r.warnings(), 1u) << listProblems(r);
  std::string json;
  ASSERT_NO_THROW(json = formatValidationJson(ds, r));
  EXPECT_NE(json.find("notes\xef\xbf\xbd.txt"), std::string::npos) << json;
  EXPECT_NE(formatValidationText(ds, r, 10).find("notes\xae.txt"), std::string::npos);
}
