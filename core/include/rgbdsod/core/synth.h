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
  SalienceCue cue = SalienceCue::Both;
  bool salient = true;             // in the GT mask
  std::string shape;               // "ellipse", "rounded-rect", "blob", "polygon" or "composite"
  cv::Rect bbox;                   // of the visible pixels
  double area_fraction = 0;        // visible object pixels / image pixels
  bool soft_edge = false;          // GT edge anti-aliased (grey values) rather than hard
  // Depth contrast: |mean depth of the object - mean depth of the background behind it| over
  // the object's pixels, from the clean depth normalised to [0,1] like the depth image (near = 1).
  // Colour contrast: Lab distance between the mean colours of the object and of a surround ring
  // a few pixels outside it (other objects excluded), measured on the final RGB image.
  double depth_contrast = 0;
  double colour_contrast = 0;
  cv::Mat mask;                    // CV_8UC1 visible coverage 0..255 (in memory only, not written)
};

struct SynthScene {
  std::string name;  // e.g. "synth_00042"
  cv::Mat rgb;       // CV_8UC3 BGR
  cv::Mat depth;     // CV_8UC1, near = bright (as most SOD releases); 0 = hole
  cv::Mat gt;        // CV_8UC1, 0..255 with soft edges where soft_edge
  std::vector<SynthObject> objects;
};

// Scene `index` (>= 0) of the dataset defined by config. It depends only on seed, size and index
// (not on count, other scenes or threads): the same inputs give byte-identical images with the
// same build. Throws Error for an invalid config (count < 1, a side outside 16..8192 pixels,
// test_fraction outside [0, 1]) or a negative index.
SynthScene generateScene(const SynthConfig& config, int index);

struct SynthSummary {
  std::filesystem::path root;
  int train = 0;
  int test = 0;
};

// Whether scene `index` belongs to test/: the last round(count * test_fraction) indices do.
bool isSynthTestScene(const SynthConfig& config, int index);

// Writes <out>/train/{RGB,depth,GT}/ and <out>/test/{RGB,depth,GT}/ (a split's folders only when
// it has scenes; files <name>.jpg RGB quality 95, <name>.png depth and GT) plus <out>/synth.json
// (config and per-scene object statistics) and <out>/README.txt. The dataset is built in the
// temporary sibling folder "<out>.tmp-<pid>" and renamed into place, so an interrupted or
// cancelled run leaves nothing behind. Scenes are generated on several threads; progress is
// reported as stage "synth" (one call at a time, from any thread). Throws FileError when out
// exists and is not an empty folder or when the temporary folder already exists (another run),
// Cancelled when job.cancel fires, Error for a bad config.
SynthSummary writeSynthDataset(const std::filesystem::path& out, const SynthConfig& config,
                               const JobContext& job = {});

}  // namespace rgbdsod::core
