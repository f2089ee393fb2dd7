// Resource limits (input_limits.h): decompression bombs and absurd header dimensions are refused by
// every image reader before the pixels are allocated, huge or deeply nested JSON before parsing,
// each with an error naming the file and the limit; the environment overrides the limits.
#include <sys/resource.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <zlib.h>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth_config.h"
#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/core/image_io.h"
#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/core/report_table.h"
#include "rgbdsod/core/validation.h"
#include "rgbdsod/core/zip_check.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;
using rgbdsod::test::TempDir;
using rgbdsod::test::writeBytes;

namespace {

// Sets an environment variable for the scope of a test and restores the previous state.
class EnvGuard {
 public:
  EnvGuard(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~EnvGuard() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xFF), static_cast<char>((v >> 8) & 0xFF),
          static_cast<char>(v & 0xFF)};
}

// One PNG chunk with a valid CRC (over type and data), so that only the size can be refused.
std::string chunk(const std::string& type, const std::string& data) {
  const std::string td = type + data;
  const auto crc = static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(td.data()), static_cast<uInt>(td.size())));
  return be32(static_cast<std::uint32_t>(data.size())) + td + be32(crc);
}

// zlib stream of `zeros` zero bytes, deflated in pieces so that the test never holds them all.
std::string deflateZeros(std::uint64_t zeros) {
  z_stream z{};
  EXPECT_EQ(deflateInit(&z, 9), Z_OK);
  std::vector<Bytef> in(1 << 20, 0), out(1 << 16);
  std::string result;
  while (true) {
    const std::uint64_t n = std::min<std::uint64_t>(zeros, in.size());
    zeros -= n;
    z.next_in = in.data();
    z.avail_in = static_cast<uInt>(n);
    const int flush = zeros == 0 ? Z_FINISH : Z_NO_FLUSH;
    int rc = Z_OK;
    do {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      rc = deflate(&z, flush);
      result.append(reinterpret_cast<char*>(out.data()), out.size() - z.avail_out);
    } while (z.avail_out == 0);
    if (flush == Z_FINISH) {
      EXPECT_EQ(rc, Z_STREAM_END);
      break;
    }
  }
  deflateEnd(&z);
  return result;
}

// An 8-bit greyscale PNG whose header says width x height; its IDAT holds `rows` zero rows (all of
// them for a real decompression bomb, a few for a file that only lies about its size).
std::string greyPng(std::uint32_t width, std::uint32_t height, std::uint64_t rows) {
  const std::string ihdr = be32(width) + be32(height) + std::string("\x08\x00\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) +
         chunk("IDAT", deflateZeros(rows * (std::uint64_t{width} + 1))) + chunk("IEND", "");
}

// A real JPEG from OpenCV with the SOF0 frame size patched.
std::string jpegClaiming(std::uint16_t width, std::uint16_t height) {
  std::vector<uchar> bytes;
  EXPECT_TRUE(cv::imencode(".jpg", cv::Mat(16, 16, CV_8UC3, cv::Scalar(10, 20, 30)), bytes));
  std::string s(bytes.begin(), bytes.end());
  const auto sof = s.find("\xFF\xC0");
  EXPECT_NE(sof, std::string::npos);
  s[sof + 5] = static_cast<char>(height >> 8);
  s[sof + 6] = static_cast<char>(height & 0xFF);
  s[sof + 7] = static_cast<char>(width >> 8);
  s[sof + 8] = static_cast<char>(width & 0xFF);
  return s;
}

long maxRssKb() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// The FileError message of `read(file)`, or "" when it did not throw.
template <typename Read>
std::string errorOf(Read read, const fs::path& file) {
  try {
    read(file);
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), file);
    return e.what();
  }
  return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

void expectRefusedByEveryReader(const fs::path& file, const std::string& claim) {
  const auto rgb = [](const fs::path& f) { readRgb(f); };
  const auto depth = [](const fs::path& f) { readDepth(f); };
  const auto mask = [](const fs::path& f) { readMask(f); };
  const auto eval = [](const fs::path& f) { readEvaluationImage(f); };
  for (const std::string& m : {errorOf(rgb, file), errorOf(depth, file), errorOf(mask, file), errorOf(eval, file)}) {
    EXPECT_TRUE(contains(m, file.string())) << m;
    EXPECT_TRUE(contains(m, claim)) << m;
    EXPECT_TRUE(contains(m, "limit of " + std::to_string(maxImagePixels()) + " pixels")) << m;
    EXPECT_TRUE(contains(m, "RGBDSOD_MAX_IMAGE_PIXELS")) << m;
  }
  try {
    readRgb(file);
  } catch (const ImageReadError& e) {
    EXPECT_EQ(e.failure(), ReadFailure::TooLarge);
  }
}

}  // namespace

TEST(InputLimits, DefaultsWithoutEnvironment) {
  if (std::getenv("RGBDSOD_MAX_IMAGE_PIXELS") || std::getenv("RGBDSOD_MAX_JSON_BYTES") ||
      std::getenv("RGBDSOD_MAX_JSON_DEPTH") || std::getenv("RGBDSOD_MAX_IMAGE_FILE_BYTES"))
    GTEST_SKIP() << "a limit is overridden in this environment";
  EXPECT_EQ(maxImagePixels(), std::uint64_t{1} << 28);
  EXPECT_EQ(maxImageFileBytes(), std::uint64_t{512} << 20);
  EXPECT_EQ(maxJsonBytes(), std::uint64_t{64} << 20);
  EXPECT_EQ(maxJsonDepth(), 256u);
  EnvGuard bad("RGBDSOD_MAX_JSON_DEPTH", "lots");  // unusable: warned about, default kept
  EXPECT_EQ(maxJsonDepth(), 256u);
}

TEST(InputLimits, PngBombIsRefusedBeforeDecoding) {
  TempDir dir;
  // Header only: 10^10 pixels claimed by a file of under 100 bytes.
  const std::string liar = greyPng(100000, 100000, 1);
  EXPECT_LT(liar.size(), 1024u);
  writeBytes(dir / "liar.png", liar);
  // A real bomb: 16500x16500 zero pixels (272 MB, within OpenCV's own limit of 2^30) in ~400 KB.
  const std::string bomb = greyPng(16500, 16500, 16500);
  EXPECT_LT(bomb.size(), 1u << 20);
  writeBytes(dir / "bomb.png", bomb);
  const long before = maxRssKb();
  expectRefusedByEveryReader(dir / "liar.png", "100000x100000");
  expectRefusedByEveryReader(dir / "bomb.png", "16500x16500");
  EXPECT_LT(maxRssKb() - before, 100 * 1024) << "max RSS grew by " << (maxRssKb() - before) << " KB";
}

TEST(InputLimits, JpegBmpTiffPnmWithAbsurdSizesAreRefused) {
  TempDir dir;
  writeBytes(dir / "huge.jpg", jpegClaiming(65535, 65535));
  writeBytes(dir / "big.jpg", jpegClaiming(20000, 20000));
  // BMP: width 100000, height -100000 (top-down), 8 bits, no pixel data.
  const auto le32 = [](std::uint32_t v) {
    return std::string{static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF),
                       static_cast<char>((v >> 16) & 0xFF), static_cast<char>(v >> 24)};
  };
  writeBytes(dir / "huge.bmp", "BM" + le32(54) + le32(0) + le32(54) + le32(40) + le32(100000) +
                                   le32(static_cast<std::uint32_t>(-100000)) + std::string("\x01\x00\x08\x00", 4) +
                                   std::string(24, '\0'));
  // Little-endian TIFF whose first IFD has ImageWidth and ImageLength (LONG) of 100000.
  std::string tiff = std::string("II*\0", 4) + le32(8) + std::string("\x02\x00", 2);
  for (const std::uint32_t tag : {256u, 257u}) tiff += std::string{static_cast<char>(tag & 0xFF), 1, 4, 0} + le32(1) + le32(100000);
  writeBytes(dir / "huge.tif", tiff + le32(0));
  writeBytes(dir / "huge.pgm", "P5\n# a comment\n100000 100000\n255\n" + std::string(16, '\0'));
  const long before = maxRssKb();
  expectRefusedByEveryReader(dir / "huge.jpg", "65535x65535");
  expectRefusedByEveryReader(dir / "big.jpg", "20000x20000");
  expectRefusedByEveryReader(dir / "huge.bmp", "100000x100000");
  expectRefusedByEveryReader(dir / "huge.tif", "100000x100000");
  expectRefusedByEveryReader(dir / "huge.pgm", "100000x100000");
  EXPECT_LT(maxRssKb() - before, 100 * 1024);
}

TEST(InputLimits, EnvironmentOverridesTheImageLimit) {
  TempDir dir;
  writeBytes(dir / "small.jpg", jpegClaiming(16, 16));  // unpatched size: a valid 16x16 image
  ASSERT_TRUE(cv::imwrite((dir / "small.png").string(), cv::Mat(16, 16, CV_8UC1, cv::Scalar(7))));
  EXPECT_EQ(readRgb(dir / "small.jpg").cols, 16);
  {
    EnvGuard lower("RGBDSOD_MAX_IMAGE_PIXELS", "255");
    EXPECT_EQ(maxImagePixels(), 255u);
    expectRefusedByEveryReader(dir / "small.jpg", "16x16");
    expectRefusedByEveryReader(dir / "small.png", "16x16");
  }
  {
    EnvGuard exact("RGBDSOD_MAX_IMAGE_PIXELS", "256");  // the limit itself is allowed
    EXPECT_EQ(readMask(dir / "small.png").rows, 16);
    EXPECT_EQ(readEvaluationImage(dir / "small.png").rows, 16);
  }
  // Raised: the header check passes a 100000x100000 claim on to the decoder, which then refuses
  // it for its own reasons (OpenCV's limit, missing rows), never with our limit's message.
  writeBytes(dir / "liar.png", greyPng(100000, 100000, 1));
  EnvGuard raise("RGBDSOD_MAX_IMAGE_PIXELS", "100000000000");
  const std::string m = errorOf([](const fs::path& f) { readMask(f); }, dir / "liar.png");
  EXPECT_FALSE(m.empty());
  EXPECT_FALSE(contains(m, "RGBDSOD_MAX_IMAGE_PIXELS")) << m;
}

TEST(InputLimits, ImageFileOverTheByteLimitIsNotRead) {
  TempDir dir;
  ASSERT_TRUE(cv::imwrite((dir / "a.png").string(), cv::Mat(16, 16, CV_8UC1, cv::Scalar(7))));
  EnvGuard lower("RGBDSOD_MAX_IMAGE_FILE_BYTES", "10");
  for (const std::string& m : {errorOf([](const fs::path& f) { readRgb(f); }, dir / "a.png"),
                               errorOf([](const fs::path& f) { readEvaluationImage(f); }, dir / "a.png")}) {
    EXPECT_TRUE(contains(m, (dir / "a.png").string())) << m;
    EXPECT_TRUE(contains(m, "over the limit of 10 bytes")) << m;
    EXPECT_TRUE(contains(m, "RGBDSOD_MAX_IMAGE_FILE_BYTES")) << m;
  }
}

TEST(InputLimits, DatasetCheckReportsTheBombAndGoesOn) {
  TempDir dir;
  const fs::path root = dir.path();
  for (const char* name : {"ok", "bomb"}) {
    cv::Mat rgb(24, 32, CV_8UC3, cv::Scalar(40, 80, 120)), depth(24, 32, CV_8UC1), gt = cv::Mat::zeros(24, 32, CV_8UC1);
    for (int y = 0; y < 24; ++y) depth.row(y).setTo(y * 8);
    gt(cv::Rect(8, 6, 16, 12)).setTo(255);
    fs::create_directories(root / "RGB");
    fs::create_directories(root / "depth");
    fs::create_directories(root / "GT");
    ASSERT_TRUE(cv::imwrite((root / "RGB" / (std::string(name) + ".jpg")).string(), rgb));
    ASSERT_TRUE(cv::imwrite((root / "depth" / (std::string(name) + ".png")).string(), depth));
    ASSERT_TRUE(cv::imwrite((root / "GT" / (std::string(name) + ".png")).string(), gt));
  }
  writeBytes(root / "depth" / "bomb.png", greyPng(16500, 16500, 16500));
  const long before = maxRssKb();
  const ValidationReport r = validate(openDataset(root));
  EXPECT_LT(maxRssKb() - before, 100 * 1024);
  EXPECT_EQ(r.samples, 2u);
  EXPECT_EQ(r.valid, 1u);
  bool found = false;
  for (const Problem& p : r.problems)
    if (p.file == root / "depth" / "bomb.png") {
      found = true;
      EXPECT_EQ(p.kind, ProblemKind::Corrupt);
      EXPECT_TRUE(contains(p.message, "16500x16500")) << p.message;
      EXPECT_TRUE(contains(p.message, "RGBDSOD_MAX_IMAGE_PIXELS")) << p.message;
    }
  EXPECT_TRUE(found);
}

TEST(InputLimits, JsonOverTheByteLimitIsRefusedBeforeReading) {
  TempDir dir;
  // A sparse file one byte over the default: refused by its size, so nothing is read.
  writeBytes(dir / "depth.json", "{}");
  fs::resize_file(dir / "depth.json", (std::uint64_t{64} << 20) + 1);
  if (std::getenv("RGBDSOD_MAX_JSON_BYTES") == nullptr) {
    const long before = maxRssKb();
    const std::string m = errorOf([](const fs::path& f) { readDepthConfig(f); }, dir / "depth.json");
    EXPECT_TRUE(contains(m, (dir / "depth.json").string())) << m;
    EXPECT_TRUE(contains(m, "exceeds the limit of 64 MiB")) << m;
    EXPECT_TRUE(contains(m, "RGBDSOD_MAX_JSON_BYTES")) << m;
    EXPECT_LT(maxRssKb() - before, 32 * 1024);
  }
  EnvGuard lower("RGBDSOD_MAX_JSON_BYTES", "100");
  writeBytes(dir / "aliases.json", "{\"a\": \"" + std::string(200, 'x') + "\"}");
  const std::string m = errorOf([](const fs::path& f) { Aliases::load(f); }, dir / "aliases.json");
  EXPECT_TRUE(contains(m, "exceeds the limit of 100 bytes")) << m;
  EXPECT_THROW(checkJsonText(std::string(101, ' '), "inline"), FileError);
  EXPECT_NO_THROW(checkJsonText(std::string(100, ' '), "inline"));
}

TEST(InputLimits, DeeplyNestedJsonIsRefusedWithoutRecursion) {
  TempDir dir;
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  writeBytes(dir / "depth.json", deep);
  writeBytes(dir / "aliases.json", "{\"a\": " + deep + "}");
  for (const std::string& m : {errorOf([](const fs::path& f) { readDepthConfig(f); }, dir / "depth.json"),
                               errorOf([](const fs::path& f) { Aliases::load(f); }, dir / "aliases.json"),
                               errorOf([](const fs::path& f) { readJsonFile(f); }, dir / "depth.json")}) {
    EXPECT_TRUE(contains(m, "nested deeper than the limit of 256 levels")) << m;
    EXPECT_TRUE(contains(m, "RGBDSOD_MAX_JSON_DEPTH")) << m;
  }
  EXPECT_THROW(parseDepthConfig(deep, "inline"), FileError);
  // Brackets inside strings (escaped quotes included) do not count; exactly the limit is allowed.
  const std::string at_limit = std::string(256, '[') + "\"[[[\\\"[[\"" + std::string(256, ']');
  EXPECT_NO_THROW(checkJsonText(at_limit, "inline"));
  EXPECT_THROW(checkJsonText("[" + at_limit + "]", "inline"), FileError);
  EnvGuard raise("RGBDSOD_MAX_JSON_DEPTH", "20000");
  EXPECT_NO_THROW(checkJsonText(deep, "inline"));
}

namespace {

// Little-endian fields of {value, bytes}.
void put(std::string& out, std::initializer_list<std::pair<std::uint64_t, int>> fields) {
  for (const auto& [v, bytes] : fields)
    for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

// Raw deflate (no zlib header), as ZIP method 8 holds it.
std::string rawDeflate(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A ZIP archive as LibTorch writes its checkpoints (without the ZIP64 records): entries stored
// (method 0, tensor data) or deflated (method 8, LibTorch's code/ entries).
std::string zipArchive(const std::vector<std::pair<std::string, std::string>>& entries, int method = 0) {
  std::string local, central;
  for (const auto& [name, data] : entries) {
    const std::uint64_t crc =
        crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
    const std::string packed = method == 8 ? rawDeflate(data) : data;
    std::string common;  // flags, method, time and date, CRC, sizes, name and extra lengths
    put(common, {{0, 2}, {static_cast<std::uint64_t>(method), 2}, {0, 4}, {crc, 4}, {packed.size(), 4},
                 {data.size(), 4}, {name.size(), 2}, {0, 2}});
    central += "PK\x01\x02";
    put(central, {{20, 2}, {20, 2}});
    central += common;
    put(central, {{0, 2}, {0, 2}, {0, 2}, {0, 4}, {local.size(), 4}});
    central += name;
    local += "PK\x03\x04";
    put(local, {{20, 2}});
    local += common + name + packed;
  }
  std::string end = "PK\x05\x06";
  put(end, {{0, 4}, {entries.size(), 2}, {entries.size(), 2}, {central.size(), 4}, {local.size(), 4}, {0, 2}});
  return local + central + end;
}

// The problem checkZipArchive names in `bytes` written to `file`, or "accepted".
std::string zipProblem(const fs::path& file, const std::string& bytes) {
  writeBytes(file, bytes);
  try {
    checkZipArchive(file);
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), file);
    return e.problem();
  }
  return "accepted";
}

}  // namespace

// The check before LibTorch opens a checkpoint (LibTorch verifies no CRC; fuzz_checkpoint): a
// consistent archive passes, a changed byte, a cut and a broken directory are named.
TEST(ZipCheck, DamagedArchivesAreRefusedNamingTheFile) {
  TempDir dir;
  const fs::path file = dir / "a.pt";
  const std::string good = zipArchive({{"archive/data.pkl", "pickle bytes"}, {"archive/version", "3\n"}});
  writeBytes(file, good);
  EXPECT_NO_THROW(checkZipArchive(file));
  const auto problem = [&](const std::string& bytes) { return zipProblem(file, bytes); };
  std::string flipped = good;
  flipped[good.find("pickle") + 2] ^= 0x04;
  EXPECT_NE(problem(flipped).find("archive/data.pkl does not match its CRC-32"), std::string::npos) << problem(flipped);
  EXPECT_NE(problem(good.substr(0, good.size() - 30)).find("no ZIP end record"), std::string::npos);
  EXPECT_NE(problem(good.substr(20)).find("outside the file"), std::string::npos) << problem(good.substr(20));
  EXPECT_NE(problem("").find("no ZIP end record"), std::string::npos);
  std::string moved = good;
  moved[good.find("PK\x01\x02") + 42] = 7;  // the first entry's local header offset
  EXPECT_NE(problem(moved).find("no local header"), std::string::npos) << problem(moved);
}

// LibTorch deflates the code/ entries of a checkpoint and allocates an entry's declared size
// before inflating it (fuzz_checkpoint: 251 packed bytes declaring 4294903751): the check inflates
// each deflated entry in bounded chunks, so a forged size, a damaged stream or a method LibTorch
// does not write is named, and a consistent deflated entry passes.
TEST(ZipCheck, DeflatedEntriesAreInflatedInBoundedChunksAndAForgedSizeIsRefused) {
  TempDir dir;
  const fs::path file = dir / "a.pt";
  std::string code;
  for (int i = 0; i < 4000; ++i) code += "def forward(self, x):\n  return x  # " + std::to_string(i) + "\n";
  const std::string good = zipArchive({{"archive/code/__torch__/m.py", code}, {"archive/version", "3\n"}}, 8);
  ASSERT_LT(good.size(), code.size() / 4);  // really deflated
  EXPECT_EQ(zipProblem(file, good), "accepted");

  const std::size_t central = good.find("PK\x01\x02");
  std::string forged = good;  // the first entry's uncompressed size, as in the fuzz finding
  for (int i = 0; i < 4; ++i) forged[central + 24 + i] = static_cast<char>((4294903751u >> (8 * i)) & 0xff);
  const std::string forged_problem = zipProblem(file, forged);
  EXPECT_NE(forged_problem.find("entry archive/code/__torch__/m.py inflates to " + std::to_string(code.size()) +
                                " bytes, not the 4294903751 its header declares"),
            std::string::npos)
      << forged_problem;

  std::string small = good;  // a declared size below what the stream holds stops the inflation there
  small[central + 24] = 10;
  small[central + 25] = small[central + 26] = small[central + 27] = 0;
  const std::string small_problem = zipProblem(file, small);
  EXPECT_NE(small_problem.find("does not inflate to the 10 bytes its header declares"), std::string::npos)
      << small_problem;

  std::string flipped = good;  // a changed compressed byte: a broken stream or a wrong CRC
  flipped[good.find("m.py") + 4 + 40] ^= 0x10;
  const std::string flipped_problem = zipProblem(file, flipped);
  EXPECT_NE(flipped_problem.find("archive/code/__torch__/m.py"), std::string::npos) << flipped_problem;
  EXPECT_NE(flipped_problem, "accepted");

  std::string bzip2 = good;  // compression method 12 in the central directory
  bzip2[central + 10] = 12;
  EXPECT_NE(zipProblem(file, bzip2).find("compression method 12"), std::string::npos) << zipProblem(file, bzip2);
}

// A run's trainer prunes old checkpoints while a viewer may be loading one: the check reads an
// open stream, so a reader that opened the file checks (and then loads) it even after the trainer
// unlinked it. Messages still name the file.
TEST(ZipCheck, AnOpenArchiveIsCheckedAfterItsFileWasRemoved) {
  TempDir dir;
  const fs::path file = dir / "step-000000010.pt";
  const std::string good = zipArchive({{"archive/data.pkl", "pickle bytes"}, {"archive/version", "3\n"}});
  writeBytes(file, good);
  std::ifstream in(file, std::ios::binary);
  ASSERT_TRUE(in);
  fs::remove(file);
  EXPECT_NO_THROW(checkZipArchive(in, file));
  EXPECT_THROW(checkZipArchive(file), FileError);  // by path it is gone

  std::string flipped = good;
  flipped[good.find("pickle") + 2] ^= 0x04;
  writeBytes(file, flipped);
  std::ifstream damaged(file, std::ios::binary);
  fs::remove(file);
  try {
    checkZipArchive(damaged, file);
    ADD_FAILURE() << "a damaged archive was accepted";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), file);
    EXPECT_NE(e.problem().find("archive/data.pkl does not match its CRC-32"), std::string::npos) << e.problem();
  }
}
