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

TEST(Intrinsics, ReadsNamedValuesWithSpaceEqualsOrColon) {
  const CameraIntrinsics want{518.8, 519.4, 325.5, 253.7};
  EXPECT_EQ(parseIntrinsics("fx 518.8\nfy 519.4\ncx 325.5\ncy 253.7\n", "k"), want);
  EXPECT_EQ(parseIntrinsics("fx=518.8\nfy=519.4\ncx=325.5\ncy=253.7", "k"), want);
  EXPECT_EQ(parseIntrinsics("fx: 518.8\r\nfy: 519.4\r\ncx: 325.5\r\ncy: 253.7\r\n", "k"), want);
  EXPECT_EQ(parseIntrinsics("# Kinect colour camera\nFX 518.8  # focal\nFy: 519.4\nCX = 325.5\ncY 253.7\n", "k"), want);
}

TEST(Intrinsics, ReadsNyuCameraParamsPreferringTheColourCamera) {
  // The layout of the NYU Depth v2 toolbox's camera_params.m, depth camera first so the order
  // cannot decide; the rotation matrix spans lines that are no statements.
  const std::string m = R"(% The maximum depth used, in meters.
maxDepth = 10;
% Depth Intrinsic Parameters
fx_d = 5.8262448167737955e+02;
fy_d = 5.8269103270988637e+02;
cx_d = 3.1304475870804731e+02;
cy_d = 2.3844389626620386e+02;
% RGB Intrinsic Parameters
fx_rgb = 5.1885790117450188e+02;
fy_rgb = 5.1946961112127485e+02;
cx_rgb = 3.2558244941119034e+02;
cy_rgb = 2.5373616633400465e+02;
% Rotation
R = -[ 9.9997798940829263e-01, 5.0518419386157446e-03, ...
   4.3011152014118693e-03; ...
   -5.0359919480810989e-03, 9.9998051861143999e-01, ...
   -3.6879781309514218e-03];
depthParam1 = 351.3;
)";
  EXPECT_EQ(parseIntrinsics(m, "camera_params.m"), CameraIntrinsics::nyuColour());
  // Several statements on one line, as MATLAB allows.
  EXPECT_EQ(parseIntrinsics("fx_rgb = 500; fy_rgb = 510; cx_rgb = 319.5; cy_rgb = 239.5;", "k"),
            (CameraIntrinsics{500, 510, 319.5, 239.5}));
  // Only the depth camera: that is the camera given.
  EXPECT_EQ(parseIntrinsics("fx_d = 582; fy_d = 583; cx_d = 313; cy_d = 238;", "k"), (CameraIntrinsics{582, 583, 313, 238}));
}

TEST(Intrinsics, ReadsFourNumbersAsFxFyCxCy) {
  EXPECT_EQ(parseIntrinsics("518.8 519.4 325.5 253.7\n", "k.txt"), (CameraIntrinsics{518.8, 519.4, 325.5, 253.7}));
  EXPECT_EQ(parseIntrinsics("518.8, 519.4, 325.5, 253.7", "k.txt"), (CameraIntrinsics{518.8, 519.4, 325.5, 253.7}));
}

TEST(Intrinsics, BadFilesGiveClearErrors) {
  EXPECT_NE(intrinsicsError("fx = 500\nfy = 500\ncx = 320\n").find("/cams/k.txt: no value for cy"), std::string::npos);
  EXPECT_NE(intrinsicsError("fx = five hundred\n").find("line 1: value of 'fx' is not a number"), std::string::npos);
  EXPECT_NE(intrinsicsError("fx = -500\nfy = 500\ncx = 320\ncy = 240\n").find("fx must be a positive number"),
            std::string::npos);
  EXPECT_NE(intrinsicsError("500 0 320 0 500 240\n").find("found 6 numbers"), std::string::npos);
  EXPECT_NE(intrinsicsError("500 1 320 0 500 240 0 0 1\n").find("not a pinhole camera matrix"), std::string::npos);
  EXPECT_NE(intrinsicsError("0 0 320 0 500 240 0 0 1").find("fx must be a positive number"), std::string::npos);
  TempDir dir;
  EXPECT_NE(fileErrorOf([&] { readIntrinsicsFile(dir / "missing.txt"); }).find("missing.txt: intrinsics file does not exist"),
            std::string::npos);
  EXPECT_NE(fileErrorOf([&] { readIntrinsicsFile(dir.path()); }).find("is a folder"), std::string::npos);
}

TEST(Intrinsics, FormatErrorsNameTheFileTheProblemAndTheAcceptedForms) {
  const auto check = [](const std::string& text, const std::string& problem) {
    const std::string e = intrinsicsError(text);
    EXPECT_TRUE(e.starts_with("/cams/k.txt: ")) << e;
    EXPECT_NE(e.find(problem), std::string::npos) << "want '" << problem << "' in: " << e;
    EXPECT_NE(e.find("accepted forms: 'fx 518.8', 'fx = 518.8' or 'fx: 518.8'"), std::string::npos) << e;
    EXPECT_NE(e.find("camera_params.m"), std::string::npos) << e;
    EXPECT_NE(e.find("3x3 camera matrix"), std::string::npos) << e;
    EXPECT_NE(e.find("'fx fy cx cy' (4 numbers)"), std::string::npos) << e;
  };
  check("fx 518.8\ncx 325.5\ncy 253.7\n", "no value for fy");                      // missing fy
  check("fx_rgb = 518.8;\ncx_rgb = 325.5;\ncy_rgb = 253.7;\n", "no value for fy");   // ... in camera_params.m
  check("fx 518.8\nfy abc\ncx 325.5\ncy 253.7\n", "line 2: value of 'fy' is not a number: 'abc'");
  check("fx 518.8\nfy\ncx 325.5\ncy 253.7\n", "line 2: 'fy' has no value");
  check("518.8 519.4 3x5.5 253.7", "'3x5.5' is not a number");
  check("", "empty intrinsics file");
  check("# nothing but a comment\n\n", "empty intrinsics file");
  check("fx 0\nfy 519.4\ncx 325.5\ncy 253.7\n", "fx must be a positive number, got 0");
  check("fx 518.8\nfy -519.4\ncx 325.5\ncy 253.7\n", "fy must be a positive number, got -519.4");
  check("-518.8 519.4 325.5 253.7", "fx must be a positive number");
  check("518.8 519.4 325.5", "found 3 numbers");
}

TEST(Intrinsics, BrokenFilesOnDiskAreNamedInTheError) {
  TempDir dir;
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"empty.txt", ""}, {"nofy.txt", "fx 5\ncx 1\ncy 1\n"},
                                   {"nan.txt", "fx 5\nfy five\ncx 1\ncy 1\n"}, {"zero.txt", "0 5 1 1\n"}}) {
    writeBytes(dir / name, text);
    const std::string e = fileErrorOf([&] { readIntrinsicsFile(dir / name); });
    EXPECT_TRUE(e.starts_with((dir / name).string() + ": ")) << e;
    EXPECT_NE(e.find("accepted forms"), std::string::npos) << e;
  }
}

TEST(Intrinsics, ResizeKeepsPixelCentres) {
  const CameraIntrinsics c{500, 500, 320.5, 240.5};  // principal point at the centre of 640x480
  const CameraIntrinsics h = c.resized({640, 480}, {320, 240});
  EXPECT_DOUBLE_EQ(h.cx, 160.5);
  EXPECT_DOUBLE_EQ(h.cy, 120.5);
  EXPECT_DOUBLE_EQ(h.fx, 250);
}
