// Depth settings (depth.json) and camera intrinsics files: parsing, defaults, and errors that
// name the file and the key.
#include <gtest/gtest.h>

#include "rgbdsod/core/depth_config.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/hha.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;
using rgbdsod::test::TempDir;
using rgbdsod::test::writeBytes;

namespace {

// The FileError's message, or "" when none is thrown.
template <typename F>
std::string fileErrorOf(F&& f) {
  try {
    f();
  } catch (const FileError& e) {
    return e.what();
  }
  return "";
}

std::string configError(const std::string& json) {
  return fileErrorOf([&] { parseDepthConfig(json, "/data/NJU2K/depth.json"); });
}

std::string intrinsicsError(const std::string& text) {
  return fileErrorOf([&] { parseIntrinsics(text, "/cams/k.txt"); });
}

}  // namespace

TEST(DepthConfig, DefaultsFollowTheSodPractice) {
  const DepthConfig c;
  EXPECT_TRUE(c.problem().empty());
  EXPECT_FALSE(c.encoding);
  EXPECT_FALSE(c.polarity);
  EXPECT_DOUBLE_EQ(c.near_m, 1.25);
  EXPECT_DOUBLE_EQ(c.far_m, 5.0);
  EXPECT_EQ(cameraFor(c, {640, 480}), CameraIntrinsics::nyuColour());
  const CameraIntrinsics half = cameraFor(c, {320, 240});
  EXPECT_DOUBLE_EQ(half.fx, CameraIntrinsics::nyuColour().fx / 2);
  EXPECT_DOUBLE_EQ(half.fy, CameraIntrinsics::nyuColour().fy / 2);
  EXPECT_NEAR(half.cx - 160.5, (CameraIntrinsics::nyuColour().cx - 320.5) / 2, 1e-12);
  // A non-4:3 image keeps square pixels (both focal lengths scale with the width).
  const CameraIntrinsics wide = cameraFor(c, {1280, 480});
  EXPECT_DOUBLE_EQ(wide.fy, 2 * CameraIntrinsics::nyuColour().fy);
}

TEST(DepthConfig, ParsesEveryKey) {
  const DepthConfig c = parseDepthConfig(R"({"encoding": "relative", "near_m": 0.5, "far_m": 3,
      "polarity": "near-dark", "intrinsics": {"fx": 500, "fy": 501, "cx": 320, "cy": 240},
      "intrinsics_size": [640, 480]})", "/d/depth.json");
  EXPECT_EQ(c.encoding, DepthEncoding::Relative);
  EXPECT_EQ(c.polarity, DepthPolarity::NearIsDark);
  EXPECT_DOUBLE_EQ(c.near_m, 0.5);
  ASSERT_TRUE(c.camera);
  EXPECT_DOUBLE_EQ(c.camera->fy, 501);
  EXPECT_EQ(cameraFor(c, {640, 480}), *c.camera);
  EXPECT_DOUBLE_EQ(cameraFor(c, {320, 240}).fx, 250);
  const DepthConfig m = parseDepthConfig(R"({"encoding": "metric", "scale": 0.0001, "polarity": "auto"})", "x.json");
  EXPECT_DOUBLE_EQ(m.scale, 0.0001);
  EXPECT_FALSE(m.polarity);
  EXPECT_NE(c.fingerprint(), m.fingerprint());
}

TEST(DepthConfig, ErrorsNameTheFileAndTheKey) {
  EXPECT_NE(configError("{ \"scale\": ").find("/data/NJU2K/depth.json: not valid JSON"), std::string::npos);
  EXPECT_NE(configError("[1, 2]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(configError(R"({"scael": 0.001})").find("key \"scael\": unknown key"), std::string::npos);
  EXPECT_NE(configError(R"({"scale": -1})").find("key \"scale\": must be positive"), std::string::npos);
  EXPECT_NE(configError(R"({"scale": "mm"})").find("key \"scale\": expected a number"), std::string::npos);
  EXPECT_NE(configError(R"({"encoding": "inches"})").find("key \"encoding\""), std::string::npos);
  EXPECT_NE(configError(R"({"polarity": "up"})").find("key \"polarity\""), std::string::npos);
  EXPECT_NE(configError(R"({"near_m": 3, "far_m": 2})").find("key \"far_m\": must be greater"), std::string::npos);
  EXPECT_NE(configError(R"({"encoding": "metric", "polarity": "near-bright"})").find("key \"polarity\""),
            std::string::npos);
  const std::string neg = configError(R"({"intrinsics": {"fx": -500, "fy": 500, "cx": 1, "cy": 1}})");
  EXPECT_NE(neg.find("/data/NJU2K/depth.json: key \"intrinsics.fx\": focal length must be positive"), std::string::npos)
      << neg;
  EXPECT_NE(configError(R"({"intrinsics": {"fx": 5, "fy": 5, "cx": 1}})").find("\"intrinsics.cy\": missing"),
            std::string::npos);
  EXPECT_NE(configError(R"({"intrinsics": {"fx": 5, "fy": 5, "cx": 1, "cy": 1, "k1": 0}})").find("intrinsics.k1"),
            std::string::npos);
  EXPECT_NE(configError(R"({"intrinsics_size": [640]})").find("\"intrinsics_size\""), std::string::npos);
}

TEST(DepthConfig, IntrinsicsFileIsRelativeToTheJson) {
  TempDir dir;
  writeBytes(dir / "cam.txt", "fx = 400\nfy = 410\ncx = 100.5\ncy = 80.5\n");
  writeBytes(dir / "depth.json", R"({"intrinsics_file": "cam.txt"})");
  const DepthConfig c = datasetDepthConfig(dir.path());
  ASSERT_TRUE(c.camera);
  EXPECT_DOUBLE_EQ(c.camera->fy, 410);
  EXPECT_EQ(c.source, dir / "depth.json");
  writeBytes(dir / "depth.json", R"({"intrinsics_file": "nope.txt"})");
  const std::string e = fileErrorOf([&] { datasetDepthConfig(dir.path()); });
  EXPECT_NE(e.find("nope.txt: intrinsics file does not exist"), std::string::npos) << e;
  fs::remove(dir / "depth.json");
  EXPECT_FALSE(datasetDepthConfig(dir.path()).camera);  // no depth.json: defaults
}

TEST(Intrinsics, ReadsTheReferenceFileAndMatrices) {
  RGBDSOD_REQUIRE_SHARED_DATA(shared);
  EXPECT_EQ(readIntrinsicsFile(shared / "hha_reference/camera_intrinsics.txt"), CameraIntrinsics::nyuColour());
}

TEST(Intrinsics, ParsesBothForms) {
  const CameraIntrinsics a = parseIntrinsics("# K\n fx = 500\nfy=510 # comment\ncx = 319.5\ncy = 239.5\nk1 = 0.1\n", "k");
  EXPECT_EQ(a, (CameraIntrinsics{500, 510, 319.5, 239.5}));
  const CameraIntrinsics b = parseIntrinsics("[500, 0, 319.5;\n 0, 510, 239.5;\n 0, 0, 1]\n", "k");
  EXPECT_EQ(a, b);
  EXPECT_EQ(parseIntrinsics("500 0 319.5\n0 510 239.5\n0 0 1\n", "k"), a);
}

TEST(Intrinsics, BadFilesGiveClearErrors) {
  EXPECT_NE(intrinsicsError("fx = 500\nfy = 500\ncx = 320\n").find("/cams/k.txt: missing key 'cy'"), std::string::npos);
  EXPECT_NE(intrinsicsError("fx = five hundred\n").find("line 1: value of 'fx' is not a number"), std::string::npos);
  EXPECT_NE(intrinsicsError("fx = -500\nfy = 500\ncx = 320\ncy = 240\n").find("fx must be a positive number"),
            std::string::npos);
  EXPECT_NE(intrinsicsError("fx = 500\nfy 500\n").find("line 2: expected 'key = value'"), std::string::npos);
  EXPECT_NE(intrinsicsError("500 0 320 0 500 240\n").find("found 6 numbers"), std::string::npos);
  EXPECT_NE(intrinsicsError("500 1 320 0 500 240 0 0 1\n").find("not a pinhole camera matrix"), std::string::npos);
  EXPECT_NE(intrinsicsError("").find("found 0 numbers"), std::string::npos);
  EXPECT_NE(intrinsicsError("0 0 320 0 500 240 0 0 1").find("fx must be a positive number"), std::string::npos);
  TempDir dir;
  EXPECT_NE(fileErrorOf([&] { readIntrinsicsFile(dir / "missing.txt"); }).find("missing.txt: intrinsics file does not exist"),
            std::string::npos);
  EXPECT_NE(fileErrorOf([&] { readIntrinsicsFile(dir.path()); }).find("is a folder"), std::string::npos);
}

TEST(Intrinsics, ResizeKeepsPixelCentres) {
  const CameraIntrinsics c{500, 500, 320.5, 240.5};  // principal point at the centre of 640x480
  const CameraIntrinsics h = c.resized({640, 480}, {320, 240});
  EXPECT_DOUBLE_EQ(h.cx, 160.5);
  EXPECT_DOUBLE_EQ(h.cy, 120.5);
  EXPECT_DOUBLE_EQ(h.fx, 250);
}
