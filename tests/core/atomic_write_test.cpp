#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;

namespace {
std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
std::size_t entriesIn(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}
}  // namespace

TEST(AtomicWrite, ReplacesContentAndLeavesNoTemporary) {
  rgbdsod::test::TempDir dir;
  const fs::path file = dir / "a.txt";
  writeFileAtomic(file, "first");
  writeFileAtomic(file, "second");
  EXPECT_EQ(readAll(file), "second");
  EXPECT_EQ(entriesIn(dir.path()), 1u);
}

TEST(AtomicWrite, MissingFolderIsAnErrorNamingTheFile) {
  rgbdsod::test::TempDir dir;
  const fs::path file = dir / "no" / "such" / "a.txt";
  try {
    writeFileAtomic(file, "x");
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), file);
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos);
  }
}

TEST(AtomicWrite, ImageRoundTripsAsPng) {
  rgbdsod::test::TempDir dir;
  cv::Mat img(4, 5, CV_8UC1);
  for (int i = 0; i < img.rows * img.cols; ++i) img.data[i] = static_cast<uchar>(i * 7);
  writeImageAtomic(dir / "m.png", img);
  const cv::Mat back = cv::imread((dir / "m.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(back.size(), img.size());
  EXPECT_EQ(cv::norm(back, img, cv::NORM_INF), 0.0);
}

TEST(AtomicWrite, UnknownExtensionIsAnErrorAndWritesNothing) {
  rgbdsod::test::TempDir dir;
  cv::Mat img(2, 2, CV_8UC1, cv::Scalar(1));
  EXPECT_THROW(writeImageAtomic(dir / "m.nosuchformat", img), FileError);
  EXPECT_EQ(entriesIn(dir.path()), 0u);
}
