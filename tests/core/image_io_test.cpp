// Readers of the image formats found in RGB-D SOD datasets, on real files written into temp folders.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/image_io.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;
using rgbdsod::test::TempDir;
using rgbdsod::test::writeBytes;

namespace {

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write(const fs::path& file, const cv::Mat& m, const std::vector<int>& params = {}) {
  fs::create_directories(file.parent_path());
  ASSERT_TRUE(cv::imwrite(file.string(), m, params)) << file;
}

// A mask with a filled rectangle (255) on black.
cv::Mat boxMask(int w = 32, int h = 24, uchar value = 255) {
  cv::Mat m = cv::Mat::zeros(h, w, CV_8UC1);
  m(cv::Rect(w / 4, h / 4, w / 2, h / 2)).setTo(value);
  return m;
}

// --- hand-made palette files (OpenCV cannot write them) ---

std::string le16(std::uint32_t v) { return {static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF)}; }
std::string le32(std::uint32_t v) { return le16(v & 0xFFFF) + le16(v >> 16); }
std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xFF), static_cast<char>((v >> 8) & 0xFF),
          static_cast<char>(v & 0xFF)};
}

// Indexed BMP (bits 1 or 8, BI_RGB) with the given palette (B, G, R).
std::string paletteBmp(const cv::Mat& indices, const std::vector<cv::Vec3b>& palette, int bits) {
  const int w = indices.cols, h = indices.rows;
  const int stride = ((w * bits + 31) / 32) * 4;
  const auto offset = static_cast<std::uint32_t>(14 + 40 + 4 * palette.size());
  const auto size = offset + static_cast<std::uint32_t>(stride * h);
  std::string out = "BM" + le32(size) + le32(0) + le32(offset);
  out += le32(40) + le32(static_cast<std::uint32_t>(w)) + le32(static_cast<std::uint32_t>(h)) + le16(1) +
         le16(static_cast<std::uint32_t>(bits)) + le32(0) + le32(static_cast<std::uint32_t>(stride * h)) + le32(2835) +
         le32(2835) + le32(static_cast<std::uint32_t>(palette.size())) + le32(0);
  for (const cv::Vec3b& c : palette) out += std::string{static_cast<char>(c[0]), static_cast<char>(c[1]), static_cast<char>(c[2]), 0};
  for (int y = h - 1; y >= 0; --y) {  // bottom-up rows
    std::string row(static_cast<std::size_t>(stride), '\0');
    for (int x = 0; x < w; ++x) {
      const uchar v = indices.at<uchar>(y, x);
      if (bits == 8) row[static_cast<std::size_t>(x)] = static_cast<char>(v);
      else if (v) row[static_cast<std::size_t>(x / 8)] = static_cast<char>(row[static_cast<std::size_t>(x / 8)] | (0x80 >> (x % 8)));
    }
    out += row;
  }
  return out;
}

std::uint32_t crc32(const std::string& data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : data) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string pngChunk(const std::string& type, const std::string& data) {
  return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}

// 8-bit palette PNG (colour type 3), compressed with zlib "stored" blocks so no deflate is needed.
std::string palettePng(const cv::Mat& indices, const std::vector<cv::Vec3b>& palette_rgb) {
  std::string raw;
  for (int y = 0; y < indices.rows; ++y) {
    raw += '\0';  // filter: none
    raw.append(reinterpret_cast<const char*>(indices.ptr<uchar>(y)), static_cast<std::size_t>(indices.cols));
  }
  std::string z = "\x78\x01";
  for (std::size_t at = 0; at < raw.size() || at == 0; at += 65535) {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - at);
    const bool last = at + n >= raw.size();
    z += static_cast<char>(last ? 1 : 0);
    z += le16(static_cast<std::uint32_t>(n)) + le16(static_cast<std::uint32_t>(~n & 0xFFFF));
    z += raw.substr(at, n);
    if (last) break;
  }
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  z += be32((b << 16) | a);
  std::string ihdr = be32(static_cast<std::uint32_t>(indices.cols)) + be32(static_cast<std::uint32_t>(indices.rows));
  ihdr += std::string{8, 3, 0, 0, 0};
  std::string plte;
  for (const cv::Vec3b& c : palette_rgb) plte += std::string{static_cast<char>(c[0]), static_cast<char>(c[1]), static_cast<char>(c[2])};
  return std::string("\x89PNG\r\n\x1a\n", 8) + pngChunk("IHDR", ihdr) + pngChunk("PLTE", plte) + pngChunk("IDAT", z) +
         pngChunk("IEND", "");
}

// Expects readMask to give exactly 0 outside and 255 inside the box of boxMask().
void expectBinaryBox(const cv::Mat& m) {
  ASSERT_EQ(m.type(), CV_8UC1);
  const cv::Mat expected = boxMask(m.cols, m.rows);
  EXPECT_EQ(cv::norm(m, expected, cv::NORM_INF), 0.0);
}

ReadFailure failureOf(const std::function<void()>& f, std::string* problem = nullptr) {
  try {
    f();
  } catch (const ImageReadError& e) {
    if (problem) *problem = e.problem();
    return e.failure();
  }
  ADD_FAILURE() << "expected ImageReadError";
  return ReadFailure::Missing;
}

}  // namespace

TEST(ImageIo, ExtensionsAreLowerCaseAndMatchedCaseInsensitively) {
  for (const std::string& e : imageExtensions()) EXPECT_EQ(e[0], '.');
  EXPECT_TRUE(hasImageExtension("a/0086.JPG"));
  EXPECT_TRUE(hasImageExtension("0086.tiff"));
  EXPECT_TRUE(hasImageExtension("x.pgm"));
  EXPECT_FALSE(hasImageExtension("notes.txt"));
  EXPECT_FALSE(hasImageExtension(".DS_Store"));
  EXPECT_FALSE(hasImageExtension("Thumbs.db"));
}

TEST(ImageIo, RgbFromJpegGreyAnd16BitBecomesBgr8) {
  TempDir dir;
  cv::Mat colour(20, 30, CV_8UC3, cv::Scalar(10, 120, 230));
  write(dir / "a.jpg", colour);
  const cv::Mat jpg = readRgb(dir / "a.jpg");
  EXPECT_EQ(jpg.type(), CV_8UC3);
  EXPECT_EQ(jpg.size(), colour.size());
  EXPECT_LT(cv::norm(jpg, colour, cv::NORM_INF), 8.0);

  write(dir / "g.png", cv::Mat(5, 6, CV_8UC1, cv::Scalar(77)));
  const cv::Mat grey = readRgb(dir / "g.png");
  EXPECT_EQ(grey.type(), CV_8UC3);
  EXPECT_EQ(grey.at<cv::Vec3b>(2, 3), cv::Vec3b(77, 77, 77));

  write(dir / "w.png", cv::Mat(5, 6, CV_16UC3, cv::Scalar(65535, 0, 257 * 100)));
  EXPECT_EQ(readRgb(dir / "w.png").at<cv::Vec3b>(0, 0), cv::Vec3b(255, 0, 100));

  write(dir / "alpha.png", cv::Mat(5, 6, CV_8UC4, cv::Scalar(1, 2, 3, 0)));
  EXPECT_EQ(readRgb(dir / "alpha.png").at<cv::Vec3b>(1, 1), cv::Vec3b(1, 2, 3));
}

TEST(ImageIo, Depth16BitIsKeptExactly) {
  TempDir dir;
  cv::Mat d(10, 12, CV_16UC1);
  for (int i = 0; i < d.rows * d.cols; ++i) d.ptr<std::uint16_t>()[i] = static_cast<std::uint16_t>(i * 499);
  write(dir / "d.png", d);
  const cv::Mat back = readDepth(dir / "d.png");
  ASSERT_EQ(back.type(), CV_16UC1);
  EXPECT_EQ(cv::norm(back, d, cv::NORM_INF), 0.0);
}

TEST(ImageIo, DepthWithEqualChannelsIsReducedAndColourMappedDepthIsRefused) {
  TempDir dir;
  cv::Mat grey(8, 8, CV_8UC1);
  cv::randu(grey, 0, 256);
  cv::Mat three;
  cv::cvtColor(grey, three, cv::COLOR_GRAY2BGR);
  write(dir / "d3.png", three);
  const cv::Mat back = readDepth(dir / "d3.png");
  ASSERT_EQ(back.type(), CV_8UC1);
  EXPECT_EQ(cv::norm(back, grey, cv::NORM_INF), 0.0);

  cv::Mat turbo;
  cv::applyColorMap(grey, turbo, cv::COLORMAP_TURBO);
  write(dir / "turbo.png", turbo);
  std::string why;
  EXPECT_EQ(failureOf([&] { readDepth(dir / "turbo.png"); }, &why), ReadFailure::Unsupported);
  EXPECT_NE(why.find("colour"), std::string::npos) << why;
}

TEST(ImageIo, MaskOneBitPngBecomes0And255) {
  TempDir dir;
  write(dir / "bilevel.png", boxMask(), {cv::IMWRITE_PNG_BILEVEL, 1});
  // Written with bit depth 1: byte 24 of a PNG is IHDR's bit depth.
  ASSERT_EQ(readAll(dir / "bilevel.png").at(24), 1);
  expectBinaryBox(readMask(dir / "bilevel.png"));
}

TEST(ImageIo, MaskPaletteBmp8And1BitBecome0And255) {
  TempDir dir;
  const cv::Mat idx = boxMask() / 255;  // indices 0/1
  writeBytes(dir / "p8.bmp", paletteBmp(idx, {{0, 0, 0}, {255, 255, 255}}, 8));
  expectBinaryBox(readMask(dir / "p8.bmp"));
  writeBytes(dir / "p1.bmp", paletteBmp(idx, {{0, 0, 0}, {255, 255, 255}}, 1));
  expectBinaryBox(readMask(dir / "p1.bmp"));
  // A palette whose foreground entry is 1 (labels stored as indices) is scaled like a 0/1 mask.
  writeBytes(dir / "p01.bmp", paletteBmp(idx, {{0, 0, 0}, {1, 1, 1}}, 8));
  expectBinaryBox(readMask(dir / "p01.bmp"));
}

TEST(ImageIo, MaskPalettePngBecomes0And255) {
  TempDir dir;
  const cv::Mat idx = boxMask() / 255;
  writeBytes(dir / "grey.png", palettePng(idx, {{0, 0, 0}, {255, 255, 255}}));
  expectBinaryBox(readMask(dir / "grey.png"));
  // VOC-style colour palette: the object is dark red; every non-black pixel is foreground.
  writeBytes(dir / "voc.png", palettePng(idx, {{0, 0, 0}, {128, 0, 0}}));
  expectBinaryBox(readMask(dir / "voc.png"));
}

TEST(ImageIo, MaskZeroOneSixteenBitColourAndSoftEdges) {
  TempDir dir;
  write(dir / "01.png", boxMask(32, 24, 1));
  expectBinaryBox(readMask(dir / "01.png"));

  cv::Mat m16;
  boxMask().convertTo(m16, CV_16U, 257.0);
  write(dir / "16.png", m16);
  expectBinaryBox(readMask(dir / "16.png"));

  cv::Mat colour = cv::Mat::zeros(24, 32, CV_8UC3);
  colour(cv::Rect(8, 6, 16, 12)).setTo(cv::Scalar(0, 0, 200));
  write(dir / "colour.png", colour);
  expectBinaryBox(readMask(dir / "colour.png"));

  cv::Mat soft = boxMask();
  cv::GaussianBlur(soft, soft, cv::Size(7, 7), 2.0);
  write(dir / "soft.png", soft);
  const cv::Mat back = readMask(dir / "soft.png");
  EXPECT_EQ(cv::norm(back, soft, cv::NORM_INF), 0.0);
  EXPECT_GT(cv::countNonZero((back > 0) & (back < 255)), 0);

  // A grey mask saved as a 3-channel JPEG stays grey (compression noise is not "colour").
  cv::Mat jpg3;
  cv::cvtColor(soft, jpg3, cv::COLOR_GRAY2BGR);
  write(dir / "soft.jpg", jpg3);
  const cv::Mat from_jpg = readMask(dir / "soft.jpg");
  EXPECT_LT(cv::norm(from_jpg, soft, cv::NORM_INF), 40.0);
  EXPECT_EQ(cv::countNonZero(from_jpg(cv::Rect(0, 0, 3, 3)) > 128), 0);
}

TEST(ImageIo, MissingNotAnImageCorruptTruncatedAndEmptyAreNamed) {
  TempDir dir;
  std::string why;
  EXPECT_EQ(failureOf([&] { readRgb(dir / "nope.png"); }, &why), ReadFailure::Missing);
  EXPECT_EQ(why, "file does not exist");

  writeBytes(dir / "notes.txt", "hello");
  EXPECT_EQ(failureOf([&] { readRgb(dir / "notes.txt"); }, &why), ReadFailure::NotAnImage);
  EXPECT_NE(why.find(".txt"), std::string::npos) << why;

  std::string noise(4000, '\0');
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 2654435761u) >> 13);
  writeBytes(dir / "random.png", noise);
  EXPECT_EQ(failureOf([&] { readMask(dir / "random.png"); }, &why), ReadFailure::Corrupt);
  EXPECT_EQ(why, "corrupt or not an image: cannot decode");

  cv::Mat img(64, 64, CV_8UC3);
  cv::randu(img, 0, 256);
  write(dir / "full.png", img);
  write(dir / "full.jpg", img);
  const std::string png = readAll(dir / "full.png"), jpg = readAll(dir / "full.jpg");
  writeBytes(dir / "cut.png", png.substr(0, png.size() / 2));
  EXPECT_EQ(failureOf([&] { readRgb(dir / "cut.png"); }, &why), ReadFailure::Corrupt);
  EXPECT_NE(why.find("truncated"), std::string::npos) << why;
  writeBytes(dir / "cut.jpg", jpg.substr(0, jpg.size() * 2 / 3));
  EXPECT_EQ(failureOf([&] { readRgb(dir / "cut.jpg"); }, &why), ReadFailure::Corrupt);
  EXPECT_NE(why.find("truncated"), std::string::npos) << why;

  const std::string bmp = paletteBmp(boxMask() / 255, {{0, 0, 0}, {255, 255, 255}}, 8);
  writeBytes(dir / "cut.bmp", bmp.substr(0, bmp.size() - 100));
  EXPECT_EQ(failureOf([&] { readMask(dir / "cut.bmp"); }, &why), ReadFailure::Corrupt);
  EXPECT_NE(why.find("truncated"), std::string::npos) << why;

  writeBytes(dir / "empty.png", "");
  EXPECT_EQ(failureOf([&] { readDepth(dir / "empty.png"); }, &why), ReadFailure::Corrupt);
  EXPECT_NE(why.find("empty"), std::string::npos) << why;

  fs::create_directories(dir / "folder.png");
  EXPECT_EQ(failureOf([&] { readRgb(dir / "folder.png"); }), ReadFailure::Unreadable);
}

TEST(ImageIo, ErrorsAreFileErrorsNamingTheFile) {
  TempDir dir;
  try {
    readDepth(dir / "d.png");
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), dir / "d.png");
    EXPECT_EQ(std::string(e.what()), (dir / "d.png").string() + ": file does not exist");
  }
}

TEST(ImageIo, PermissionDeniedIsUnreadable) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "running as root, where mode 000 does not stop reads; the validation test "
                    "covers this case in a child process running as an unprivileged user";
  TempDir dir;
  write(dir / "locked.png", boxMask());
  fs::permissions(dir / "locked.png", fs::perms::none);
  std::string why;
  EXPECT_EQ(failureOf([&] { readMask(dir / "locked.png"); }, &why), ReadFailure::Unreadable);
  EXPECT_NE(why.find("ermission"), std::string::npos) << why;
}
