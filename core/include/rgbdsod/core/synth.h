#pragma once
// Synthetic RGB-D scenes for the built-in demo dataset, deterministic from a seed. They are built
// so that depth matters: salient objects stand in front of the background, some camouflaged in
// colour and texture (visible only in depth), and flat distractors painted on the background stand
// out in colour but not in depth (and are not salient). Depth carries Kinect-like noise and holes.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/progress.h"

namespace rgbdsod::core {

struct SynthConfig {
  std::uint64_t seed = 1;
  int count = 300;             // scenes in total (train + test)
  int width = 256;
  int height = 256;
  double test_fraction = 0.2;  // share of scenes written to test/
};

enum class SalienceCue {
  DepthOnly,   // salient; colour/texture like the background, stands out only in depth
  ColourOnly,  // NOT salient; a flat distractor that stands out only in colour
  Both,        // salient; stands out in colour and depth
};
const char* toString(SalienceCue c);

struct SynthObject {
  SalienceCue cue;
  bool salient;             // in the GT mask
  cv::Rect bbox;
  double area_fraction;     // object pixels / image pixels
  bool soft_edge;           // GT edge anti-aliased (grey values) rather than hard
  double depth_contrast;    // |object depth - local background depth| in normalised units
  double colour_contrast;   // mean Lab distance between the object and its surround
};

struct SynthScene {
  std::string name;  // e.g. "synth_00042"
  cv::Mat rgb;       // CV_8UC3 BGR
  cv::Mat depth;     // CV_8UC1, near = bright (as most SOD releases); 0 = hole
  cv::Mat gt;        // CV_8UC1, 0..255 with soft edges where soft_edge
  std::vector<SynthObject> objects;
};

// Scene `index` of the dataset defined by config; the same (config, index) always gives the
// same scene, independent of other scenes, threads or platform.
SynthScene generateScene(const SynthConfig& config, int index);

struct SynthSummary {
  std::filesystem::path root;
  int train = 0;
  int test = 0;
};

// Writes <out>/train/{RGB,depth,GT}/ and <out>/test/{RGB,depth,GT}/ (jpg RGB, png depth and GT)
// plus <out>/synth.json (config and per-scene object statistics). The dataset is built in a
// temporary sibling folder and renamed into place, so an interrupted run leaves nothing behind.
// Throws FileError when out exists and is not empty.
SynthSummary writeSynthDataset(const std::filesystem::path& out, const SynthConfig& config,
                               const JobContext& job = {});

}  // namespace rgbdsod::core
