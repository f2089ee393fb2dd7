// Writing the synthetic demo dataset: scenes generated on worker threads into a temporary
// sibling folder, which is renamed into place once complete (removed on error or cancel).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/synth.h"
#include "synth_detail.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

int testCount(const SynthConfig& c) {
  return static_cast<int>(std::clamp<long long>(std::llround(c.count * c.test_fraction), 0, c.count));
}

// Files inside the temporary folder need no per-file atomicity: the folder as a whole appears
// under its final name only when complete.
void writeEncoded(const fs::path& file, const cv::Mat& image, const std::vector<int>& params) {
  std::vector<uchar> bytes;
  if (!cv::imencode(file.extension().string(), image, bytes, params)) throw FileError(file, "cannot encode image");
  writeNewFile(file, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

nlohmann::json objectJson(const SynthObject& o) {
  return {{"cue", toString(o.cue)},
          {"salient", o.salient},
          {"shape", o.shape},
          {"bbox", {o.bbox.x, o.bbox.y, o.bbox.width, o.bbox.height}},
          {"area_fraction", o.area_fraction},
          {"soft_edge", o.soft_edge},
          {"depth_contrast", o.depth_contrast},
          {"colour_contrast", o.colour_contrast}};
}

std::string readme(const SynthConfig& c, int train, int test) {
  char fraction[32];
  std::snprintf(fraction, sizeof fraction, "%g", c.test_fraction);
  return "Synthetic RGB-D salient object detection dataset, written by rgbdsod synth.\n\n"
         "Config: seed " + std::to_string(c.seed) + ", " + std::to_string(c.count) + " scenes of " +
         std::to_string(c.width) + "x" + std::to_string(c.height) + " pixels, test fraction " +
         fraction + " (" + std::to_string(train) + " train, " + std::to_string(test) +
         " test). The same config always gives the same scenes.\n\n"
         "Layout: train/ and test/, each with RGB/ (<name>.jpg), depth/ (<name>.png) and GT/ (<name>.png).\n"
         "Depth: 8-bit, each image's depth range mapped linearly to 1..255 with near = bright;\n"
         "  0 = no measurement (hole). It imitates a structured-light sensor: noise growing with\n"
         "  distance, quantised disparity, projector shadows beside near objects, ragged edges and\n"
         "  dropouts.\n"
         "GT: 0 = background, 255 = salient object; some objects have soft (grey) edges.\n\n"
         "Scenes are built so that depth matters. Each has 1-4 objects in front of a textured wall\n"
         "and floor: salient objects that stand out in colour and depth (cue both), salient\n"
         "objects camouflaged in the background's own texture that stand out only in depth\n"
         "(depth-only), and flat coloured distractors painted on the background, at its depth, that\n"
         "are NOT salient (colour-only). synth.json lists every scene's objects with their cue,\n"
         "bounding box, area, edge type and measured colour (Lab) and depth contrast.\n";
}

}  // namespace

const char* toString(SalienceCue c) {
  switch (c) {
    case SalienceCue::DepthOnly: return "depth-only";
    case SalienceCue::ColourOnly: return "colour-only";
    case SalienceCue::Both: return "both";
  }
  return "unknown";
}

bool isSynthTestScene(const SynthConfig& config, int index) {
  return index >= config.count - testCount(config);
}

SynthSummary writeSynthDataset(const fs::path& out_arg, const SynthConfig& config, const JobContext& job) {
  synth_detail::validateConfig(config);
  SynthSummary summary;
  summary.test = testCount(config);
  summary.train = config.count - summary.test;
  summary.root = writeFolderAtomic(out_arg, [&](const fs::path& tmp) {
    std::error_code ec;
    for (const auto& [split, n] : {std::pair{"train", summary.train}, std::pair{"test", summary.test}}) {
      if (n == 0) continue;  // no empty split folders
      for (const char* kind : {"RGB", "depth", "GT"}) {
        fs::create_directories(tmp / split / kind, ec);
        if (ec) throw FileError(tmp / split / kind, "cannot create folder: " + ec.message());
      }
    }
    std::vector<nlohmann::json> scenes(static_cast<std::size_t>(config.count));
    std::atomic<int> next{0}, done{0};
    std::atomic<bool> stop{false};
    std::exception_ptr error;
    std::mutex mutex;  // guards error and serialises progress callbacks
    const std::vector<int> jpg{cv::IMWRITE_JPEG_QUALITY, 95}, png{cv::IMWRITE_PNG_COMPRESSION, 3};
    auto work = [&] {
      while (!stop.load()) {
        if (job.cancel.cancelled()) { stop = true; break; }
        const int i = next.fetch_add(1);
        if (i >= config.count) break;
        try {
          const SynthScene s = generateScene(config, i);
          const char* split = isSynthTestScene(config, i) ? "test" : "train";
          writeEncoded(tmp / split / "RGB" / (s.name + ".jpg"), s.rgb, jpg);
          writeEncoded(tmp / split / "depth" / (s.name + ".png"), s.depth, png);
          writeEncoded(tmp / split / "GT" / (s.name + ".png"), s.gt, png);
          nlohmann::json objects = nlohmann::json::array();
          for (const auto& o : s.objects) objects.push_back(objectJson(o));
          scenes[static_cast<std::size_t>(i)] = {{"name", s.name}, {"split", split}, {"objects", objects}};
          const int d = done.fetch_add(1) + 1;
          std::lock_guard lock(mutex);
          job.report("synth", static_cast<std::size_t>(d), static_cast<std::size_t>(config.count), s.name);
        } catch (...) {
          std::lock_guard lock(mutex);
          if (!error) error = std::current_exception();
          stop = true;
        }
      }
    };
    const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u,
                                        std::min(8u, static_cast<unsigned>(config.count)));
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
    job.throwIfCancelled();

    const nlohmann::json meta = {
        {"generator", "rgbdsod synth"},
        {"format_version", 1},
        {"config", {{"seed", config.seed}, {"count", config.count}, {"width", config.width},
                    {"height", config.height}, {"test_fraction", config.test_fraction}}},
        {"train", summary.train},
        {"test", summary.test},
        {"depth_polarity", "near-bright"},
        {"scenes", scenes}};
    writeFileAtomic(tmp / "synth.json", meta.dump(1));
    writeFileAtomic(tmp / "README.txt", readme(config, summary.train, summary.test));
    job.throwIfCancelled();
  });
  return summary;
}

}  // namespace rgbdsod::core
