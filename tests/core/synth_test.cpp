// The synthetic RGB-D generator: determinism, the cue statistics that make depth matter, and
// the dataset writer's layout, refusal to overwrite, and clean cancellation.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/synth.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;

namespace {

SynthConfig smallConfig(std::uint64_t seed = 11, int count = 60, int side = 128) {
  SynthConfig c;
  c.seed = seed;
  c.count = count;
  c.width = side;
  c.height = side;
  return c;
}

bool identical(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

std::size_t filesIn(const fs::path& dir) {
  if (!fs::is_directory(dir)) return 0;
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Names in `dir` that look like the writer's temporary folders.
std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) out.push_back(e.path().filename().string());
  return out;
}

}  // namespace

TEST(SynthScene, SameConfigAndIndexGiveIdenticalImages) {
  const SynthConfig c = smallConfig();
  const SynthScene a = generateScene(c, 3), b = generateScene(c, 3);
  EXPECT_EQ(a.name, "synth_00003");
  ASSERT_EQ(a.rgb.type(), CV_8UC3);
  ASSERT_EQ(a.depth.type(), CV_8UC1);
  ASSERT_EQ(a.gt.type(), CV_8UC1);
  EXPECT_EQ(a.rgb.size(), cv::Size(128, 128));
  EXPECT_TRUE(identical(a.rgb, b.rgb));
  EXPECT_TRUE(identical(a.depth, b.depth));
  EXPECT_TRUE(identical(a.gt, b.gt));
  ASSERT_EQ(a.objects.size(), b.objects.size());

  const SynthScene other_seed = generateScene(smallConfig(12), 3);
  EXPECT_FALSE(identical(a.rgb, other_seed.rgb));
  EXPECT_FALSE(identical(a.depth, other_seed.depth));
  const SynthScene other_index = generateScene(c, 4);
  EXPECT_FALSE(identical(a.rgb, other_index.rgb));
}

TEST(SynthScene, DoesNotDependOnCountOrOtherScenes) {
  SynthConfig big = smallConfig();
  big.count = 1000;
  const SynthScene alone = generateScene(smallConfig(), 5);
  for (int i = 0; i < 5; ++i) (void)generateScene(big, i);
  const SynthScene later = generateScene(big, 5);
  EXPECT_TRUE(identical(alone.rgb, later.rgb));
  EXPECT_TRUE(identical(alone.depth, later.depth));
  EXPECT_TRUE(identical(alone.gt, later.gt));
}

TEST(SynthScene, RejectsInvalidConfig) {
  SynthConfig c = smallConfig();
  c.width = 8;
  EXPECT_THROW(generateScene(c, 0), Error);
  c = smallConfig();
  c.test_fraction = 1.5;
  EXPECT_THROW(generateScene(c, 0), Error);
  c = smallConfig();
  c.count = 0;
  EXPECT_THROW(generateScene(c, 0), Error);
  EXPECT_THROW(generateScene(smallConfig(), -1), Error);
}

// Over many scenes, the cues must be as designed: camouflaged objects differ from their
// surround in depth only, distractors in colour only and are absent from the GT.
TEST(SynthScene, CueStatisticsMakeDepthMatter) {
  const SynthConfig c = smallConfig(2024);
  int scenes_with_depth_only = 0, scenes_with_colour_only = 0, soft = 0, hard = 0, with_holes = 0;
  std::vector<double> depth_only_cc, depth_only_dc, colour_only_cc, colour_only_dc, both_cc, both_dc, areas;
  for (int i = 0; i < c.count; ++i) {
    const SynthScene s = generateScene(c, i);
    bool has_depth_only = false, has_colour_only = false, has_salient = false;
    for (const auto& o : s.objects) {
      ASSERT_EQ(o.mask.size(), s.gt.size());
      areas.push_back(o.area_fraction);
      const cv::Mat core = o.mask >= 128;
      ASSERT_GT(cv::countNonZero(core), 0) << s.name;
      if (o.cue == SalienceCue::DepthOnly) {
        has_depth_only = true;
        depth_only_cc.push_back(o.colour_contrast);
        depth_only_dc.push_back(o.depth_contrast);
      } else if (o.cue == SalienceCue::ColourOnly) {
        has_colour_only = true;
        colour_only_cc.push_back(o.colour_contrast);
        colour_only_dc.push_back(o.depth_contrast);
        EXPECT_FALSE(o.salient);
        double gt_max = 0;
        cv::minMaxLoc(s.gt, nullptr, &gt_max, nullptr, nullptr, core);
        EXPECT_LE(gt_max, 2) << s.name << ": a distractor is in the GT";
      } else {
        both_cc.push_back(o.colour_contrast);
        both_dc.push_back(o.depth_contrast);
      }
      if (o.salient) {
        has_salient = true;
        EXPECT_GT(cv::mean(s.gt, core)[0], 200) << s.name << ": a salient object is missing from the GT";
      }
    }
    EXPECT_TRUE(has_salient) << s.name;
    scenes_with_depth_only += has_depth_only;
    scenes_with_colour_only += has_colour_only;
    (cv::countNonZero((s.gt > 0) & (s.gt < 255)) > 0 ? soft : hard)++;
    with_holes += cv::countNonZero(s.depth == 0) > 0;
  }
  const auto percentile = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
  };
  const auto median = [&](const std::vector<double>& v) { return percentile(v, 0.5); };
  EXPECT_GE(scenes_with_depth_only, c.count / 4);
  EXPECT_GE(scenes_with_colour_only, c.count / 4);
  ASSERT_FALSE(depth_only_cc.empty());
  ASSERT_FALSE(colour_only_cc.empty());
  ASSERT_FALSE(both_cc.empty());
  // Camouflaged: hardly any colour difference, a clear depth difference.
  // (An object straddling the wall and the floor copies both, in other proportions than its
  // ring, so a few measure higher while still looking camouflaged.)
  EXPECT_LT(median(depth_only_cc), 6.0);
  EXPECT_LT(percentile(depth_only_cc, 0.9), 12.0);
  EXPECT_GT(*std::min_element(depth_only_dc.begin(), depth_only_dc.end()), 0.08);
  // Distractors: a clear colour difference, none in depth.
  EXPECT_GT(*std::min_element(colour_only_cc.begin(), colour_only_cc.end()), 20.0);
  EXPECT_LT(*std::max_element(colour_only_dc.begin(), colour_only_dc.end()), 0.01);
  EXPECT_GT(*std::min_element(both_cc.begin(), both_cc.end()), 20.0);
  EXPECT_GT(*std::min_element(both_dc.begin(), both_dc.end()), 0.08);
  // Edges, holes and sizes vary.
  EXPECT_GT(soft, c.count / 6);
  EXPECT_GT(hard, c.count / 6);
  EXPECT_GE(with_holes, c.count * 7 / 10);
  EXPECT_LT(*std::min_element(areas.begin(), areas.end()), 0.04);
  EXPECT_GT(*std::max_element(areas.begin(), areas.end()), 0.15);
}

TEST(SynthDataset, WritesLayoutAndRefusesToOverwrite) {
  rgbdsod::test::TempDir dir;
  const fs::path out = dir / "demo";
  SynthConfig c = smallConfig(5, 10, 64);
  c.test_fraction = 0.3;
  std::size_t last_done = 0, last_total = 0;
  JobContext job;
  job.progress = [&](const ProgressEvent& e) {
    EXPECT_EQ(e.stage, "synth");
    last_done = std::max(last_done, e.done);
    last_total = e.total;
  };
  const SynthSummary summary = writeSynthDataset(out, c, job);
  EXPECT_EQ(summary.train, 7);
  EXPECT_EQ(summary.test, 3);
  EXPECT_EQ(fs::canonical(summary.root), fs::canonical(out));
  EXPECT_EQ(last_done, 10u);
  EXPECT_EQ(last_total, 10u);
  for (const auto& [split, n] : {std::pair{"train", 7u}, std::pair{"test", 3u}})
    for (const char* kind : {"RGB", "depth", "GT"}) EXPECT_EQ(filesIn(out / split / kind), n) << split << "/" << kind;
  EXPECT_TRUE(fs::exists(out / "train" / "RGB" / "synth_00000.jpg"));
  EXPECT_TRUE(fs::exists(out / "train" / "depth" / "synth_00000.png"));
  EXPECT_TRUE(fs::exists(out / "test" / "GT" / "synth_00009.png"));
  EXPECT_TRUE(fs::exists(out / "README.txt"));
  EXPECT_TRUE(temporaries(dir.path()).empty());

  const std::string json_text = readAll(out / "synth.json");
  const auto meta = nlohmann::json::parse(json_text);
  EXPECT_EQ(meta.at("config").at("seed").get<std::uint64_t>(), 5u);
  ASSERT_EQ(meta.at("scenes").size(), 10u);
  EXPECT_EQ(meta.at("scenes")[9].at("split"), "test");
  EXPECT_FALSE(meta.at("scenes")[0].at("objects").empty());
  EXPECT_TRUE(meta.at("scenes")[0].at("objects")[0].contains("depth_contrast"));

  // A second run must not touch the existing dataset.
  const auto before = fs::last_write_time(out / "synth.json");
  try {
    writeSynthDataset(out, c);
    ADD_FAILURE() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_EQ(fs::path(e.file()).filename(), "demo");
  }
  EXPECT_EQ(readAll(out / "synth.json"), json_text);
  EXPECT_EQ(fs::last_write_time(out / "synth.json"), before);
  EXPECT_EQ(filesIn(out / "train" / "RGB"), 7u);
  EXPECT_TRUE(temporaries(dir.path()).empty());
}

TEST(SynthDataset, BatchScenesMatchSingleScenes) {
  rgbdsod::test::TempDir dir;
  SynthConfig c = smallConfig(77, 8, 64);
  c.test_fraction = 0.25;
  writeSynthDataset(dir / "ds", c);
  const SynthScene s = generateScene(c, 5);
  EXPECT_TRUE(identical(cv::imread((dir / "ds/train/depth/synth_00005.png").string(), cv::IMREAD_UNCHANGED), s.depth));
  EXPECT_TRUE(identical(cv::imread((dir / "ds/train/GT/synth_00005.png").string(), cv::IMREAD_UNCHANGED), s.gt));
  std::vector<uchar> jpg;
  cv::imencode(".jpg", s.rgb, jpg, {cv::IMWRITE_JPEG_QUALITY, 95});
  EXPECT_TRUE(identical(cv::imread((dir / "ds/train/RGB/synth_00005.jpg").string(), cv::IMREAD_COLOR),
                        cv::imdecode(jpg, cv::IMREAD_COLOR)));
  EXPECT_TRUE(fs::exists(dir / "ds/test/RGB/synth_00007.jpg"));
  EXPECT_FALSE(fs::exists(dir / "ds/test/RGB/synth_00005.jpg"));
}

TEST(SynthDataset, UsesAnEmptyFolderAndRefusesAFile) {
  rgbdsod::test::TempDir dir;
  fs::create_directory(dir / "empty");
  SynthConfig c = smallConfig(3, 3, 48);
  c.test_fraction = 0;
  const SynthSummary s = writeSynthDataset(dir / "empty", c);
  EXPECT_EQ(s.train, 3);
  EXPECT_EQ(s.test, 0);
  EXPECT_EQ(filesIn(dir / "empty" / "train" / "GT"), 3u);
  EXPECT_FALSE(fs::exists(dir / "empty" / "test"));  // no empty split folders

  rgbdsod::test::writeBytes(dir / "file", "x");
  EXPECT_THROW(writeSynthDataset(dir / "file", c), FileError);
  EXPECT_EQ(readAll(dir / "file"), "x");
}

TEST(SynthDataset, NeverReusesAnotherRunsTemporaryFolder) {
  rgbdsod::test::TempDir dir;
  const fs::path busy = dir / ("demo.tmp-" + std::to_string(::getpid()));
  rgbdsod::test::writeBytes(busy / "marker", "running");
  EXPECT_THROW(writeSynthDataset(dir / "demo", smallConfig(1, 2, 32)), FileError);
  EXPECT_EQ(readAll(busy / "marker"), "running");
  EXPECT_FALSE(fs::exists(dir / "demo"));
}

TEST(SynthDataset, CancellingLeavesNothingBehind) {
  rgbdsod::test::TempDir dir;
  const SynthConfig c = smallConfig(9, 40, 64);
  JobContext job;
  job.progress = [&](const ProgressEvent& e) {
    if (e.done >= 3) job.cancel.cancel();
  };
  EXPECT_THROW(writeSynthDataset(dir / "demo", c, job), Cancelled);
  EXPECT_FALSE(fs::exists(dir / "demo"));
  EXPECT_TRUE(temporaries(dir.path()).empty());
  EXPECT_EQ(filesIn(dir.path()), 0u);
}
