// A scripted label-correction run (issue 12, item 6, second part): how many edits it takes to bring
// region-noisy labels back within a target MAE with the brush alone, with the flip tool, and with
// the saliency-map suggestions, played by a deterministic annotator who knows the truth.
//
// Set-up (everything is seeded; the same build gives the same numbers):
//  - Scenes: generateScene(seed 31, 160x120), indices 0..39. clean = GT >= 128 (0 or 255).
//  - Noisy labels: flipRegions(GT, p = 0.3, seed 2024) with labelNoiseSampleSeed(2024, scene name).
//  - Target: MAE(label, clean) <= 0.01 (binary labels: at most 1 % of the pixels wrong). An image
//    whose noisy label already meets it needs no edit; the others are the "noisy images".
//  - Model proxy (the assistance): an imperfect saliency map built from the clean mask, never the
//    clean mask itself. Per scene a SplitMix64 stream (seed labelNoiseSampleSeed(77, name)) draws one
//    uniform per object in the scene's object order: a salient object is missed (set to 0) when
//    the draw is < 0.2; a non-salient colour-only distractor is taken for salient (set to 1) when it
//    is < 0.5. Then one more draw: < 0.25 adds a false disc (centre and radius 4..10 px drawn next).
//    The map is blurred (Gaussian sigma 3 px), low-frequency noise is added (uniform per-pixel
//    noise, blurred with sigma 4 px, rescaled to a standard deviation of 0.15), clamped to [0, 1]
//    and stored as 0..255. Its suggestions are therefore sometimes wrong (missed objects, distractors,
//    shifted boundaries). The oracle (the clean mask as the prediction) is run as an upper bound.
//  - The annotator sees the clean mask. A "wrong region" is a 4-connected component of the pixels
//    where label != clean, taken apart by the clean value, so every wrong region has one correct value.
//  - Brush (stampSegment, radii 6, then 3, 1, 0 px): the annotator takes the largest wrong region
//    and sweeps it with horizontal strokes on rows bbox.y, bbox.y + r, ... (every row for r <= 1).
//    A stroke is a maximal run of consecutive centres on that row whose disc (a) covers at least one
//    wrong pixel of the region's kind and (b) lies wholly on pixels whose clean value is the stroke's
//    value, so a stroke never makes a right pixel wrong (the annotator switches to a smaller brush
//    near the edges instead). One stroke = one edit (the studio's undo unit). Radius 0 reaches every
//    pixel, so each region is fixed in the end. The annotator stops as soon as the target is met.
//  - Flip: the annotator previews flipRegion at the first pixel of each wrong region, largest first,
//    and clicks the first one whose flip lowers the wrong-pixel count (1 edit; a flip judged useless
//    is not clicked and costs nothing). When none helps, the largest wrong region is brushed.
//  - Assist: suggestRegions(label, prediction) with the default options, in ranked order. A
//    suggestion is accepted (applySuggestion, 1 edit) when it lowers the wrong-pixel count, and the
//    suggestions are then recomputed; otherwise it is rejected (1 key press, counted apart from the
//    edits) and a rejected region (same kind, box and pixels) is not offered again. When no useful
//    suggestion is left the annotator finishes with the brush.
//  - Cap: 5000 edits per image (reported as "capped"; the test fails if any image reaches it).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/label_noise.h"
#include "rgbdsod/core/label_suggestions.h"
#include "rgbdsod/core/mask_edit.h"
#include "rgbdsod/core/random.h"
#include "rgbdsod/core/synth.h"

using namespace rgbdsod::core;

namespace {

constexpr int kScenes = 40;
constexpr double kTargetMae = 0.01;
constexpr int kEditCap = 5000;
constexpr std::array<int, 4> kRadii = {6, 3, 1, 0};
constexpr std::array<const char*, 4> kStrategyNames = {"brush alone", "flip + brush", "assist (proxy) + brush",
                                                      "assist (oracle) + brush"};
enum Strategy { kBrush = 0, kFlip = 1, kAssistProxy = 2, kAssistOracle = 3 };

struct Sample {
  std::string name;
  cv::Mat clean, noisy, proxy;
  std::array<std::array<cv::Mat, kRadii.size()>, 2> safe;  // [clean value 0/255][radius]: disc centres
};

cv::Mat discKernel(int r) {
  cv::Mat k(2 * r + 1, 2 * r + 1, CV_8UC1, cv::Scalar(0));
  for (int dy = -r; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx)
      if (dx * dx + dy * dy <= r * r) k.at<std::uint8_t>(dy + r, dx + r) = 1;
  return k;
}

cv::Mat modelProxy(const SynthScene& scene, const cv::Mat& clean) {
  SplitMix64 rng(labelNoiseSampleSeed(77, scene.name));
  cv::Mat p;
  clean.convertTo(p, CV_32F, 1.0 / 255.0);
  for (const SynthObject& o : scene.objects) {
    const double draw = rng.uniform();
    if (o.mask.empty()) continue;
    const cv::Mat m = o.mask >= kMaskThreshold;
    if (o.salient && draw < 0.2) p.setTo(0.0, m);
    else if (!o.salient && draw < 0.5) p.setTo(1.0, m);
  }
  if (rng.uniform() < 0.25) {
    const cv::Point c(static_cast<int>(rng.uniform(0, p.cols)), static_cast<int>(rng.uniform(0, p.rows)));
    cv::circle(p, c, static_cast<int>(rng.uniform(4, 11)), cv::Scalar(1.0), cv::FILLED);
  }
  cv::GaussianBlur(p, p, cv::Size(), 3.0);
  cv::Mat noise(p.size(), CV_32F);
  for (int y = 0; y < noise.rows; ++y)
    for (int x = 0; x < noise.cols; ++x) noise.at<float>(y, x) = static_cast<float>(rng.uniform(-1.0, 1.0));
  cv::GaussianBlur(noise, noise, cv::Size(), 4.0);
  cv::Scalar mean, stddev;
  cv::meanStdDev(noise, mean, stddev);
  p += noise * (0.15 / stddev[0]);
  cv::Mat out;
  p.convertTo(out, CV_8U, 255.0);  // saturates to 0..255
  return out;
}

const std::vector<Sample>& samples() {
  static const std::vector<Sample> all = [] {
    const SynthConfig config{.seed = 31, .count = kScenes, .width = 160, .height = 120};
    const LabelNoiseOptions noise{.p = 0.3, .seed = 2024};
    std::vector<Sample> out;
    for (int i = 0; i < kScenes; ++i) {
      const SynthScene scene = generateScene(config, i);
      Sample s;
      s.name = scene.name;
      s.clean = scene.gt >= kMaskThreshold;
      s.noisy = flipRegions(scene.gt, noise, labelNoiseSampleSeed(noise.seed, scene.name)).mask;
      s.proxy = modelProxy(scene, s.clean);
      for (int v = 0; v < 2; ++v)
        for (std::size_t r = 0; r < kRadii.size(); ++r)
          cv::erode(s.clean == (v ? 255 : 0), s.safe[static_cast<std::size_t>(v)][r], discKernel(kRadii[r]));
      out.push_back(std::move(s));
    }
    return out;
  }();
  return all;
}

struct ImageResult {
  int edits = 0;
  int rejections = 0;
  int wrong = 0;   // wrong pixels at the end
  int broken = 0;  // right pixels that a brush stroke made wrong (the stroke rule says none)
  bool capped = false;
  bool operator==(const ImageResult&) const = default;
};

struct WrongRegion {
  cv::Rect bbox;
  int area = 0;
  std::uint8_t value = 0;  // the clean value of its pixels
  cv::Point seed;          // its first pixel in raster order
};

class Annotator {
 public:
  explicit Annotator(const Sample& s) : s_(s), label_(s.noisy.clone()), wrong_(countWrong(label_)) {}

  bool done() const { return wrong_ <= kTargetMae * static_cast<double>(label_.total()) || capped(); }
  bool capped() const { return r_.edits >= kEditCap; }
  ImageResult result() const {
    ImageResult out = r_;
    out.wrong = wrong_;
    out.capped = capped();
    return out;
  }

  void brushAll() {
    while (!done()) brushRegion(wrongRegions().front());
  }

  void flipThenBrush() {
    while (!done()) {
      const std::vector<WrongRegion> regions = wrongRegions();
      bool clicked = false;
      for (const WrongRegion& w : regions) {
        cv::Mat preview = label_.clone();
        flipRegion(preview, w.seed);
        const int after = countWrong(preview);
        if (after < wrong_) {
          label_ = preview;
          wrong_ = after;
          ++r_.edits;
          clicked = true;
          break;
        }
      }
      if (!clicked) brushRegion(regions.front());
    }
  }

  void assistThenBrush(const cv::Mat& prediction) {
    std::vector<SuggestedRegion> rejected;
    bool accepted = true;
    while (accepted && !done()) {
      accepted = false;
      for (const SuggestedRegion& s : suggestRegions(label_, prediction).regions) {
        const bool seen = std::any_of(rejected.begin(), rejected.end(), [&](const SuggestedRegion& o) {
          return o.add == s.add && o.bbox == s.bbox && o.area == s.area && cv::countNonZero(o.region != s.region) == 0;
        });
        if (seen) continue;
        const int gain = suggestionGain(s);
        if (gain > 0) {
          applySuggestion(label_, s);
          wrong_ -= gain;
          ++r_.edits;
          accepted = true;
          break;
        }
        ++r_.rejections;
        rejected.push_back(s);
      }
    }
    brushAll();
  }

 private:
  int countWrong(const cv::Mat& label) const { return cv::countNonZero(label != s_.clean); }

  // Wrong regions, largest first (ties: box y, box x, then clean value 255 before 0).
  std::vector<WrongRegion> wrongRegions() const {
    std::vector<WrongRegion> out;
    for (const std::uint8_t v : {std::uint8_t{255}, std::uint8_t{0}}) {
      const cv::Mat kind = (label_ != s_.clean) & (s_.clean == v);
      cv::Mat ids, stats, centroids;
      const int n = cv::connectedComponentsWithStats(kind, ids, stats, centroids, 4, CV_32S);
      std::vector<WrongRegion> found(static_cast<std::size_t>(std::max(n - 1, 0)));
      for (int y = 0; y < ids.rows; ++y)
        for (int x = 0; x < ids.cols; ++x) {
          const int k = ids.at<int>(y, x);
          if (k == 0 || found[static_cast<std::size_t>(k - 1)].area > 0) continue;  // area 0: not seen yet
          WrongRegion& w = found[static_cast<std::size_t>(k - 1)];
          w.seed = {x, y};
          w.value = v;
          w.area = stats.at<int>(k, cv::CC_STAT_AREA);
          w.bbox = cv::Rect(stats.at<int>(k, cv::CC_STAT_LEFT), stats.at<int>(k, cv::CC_STAT_TOP),
                            stats.at<int>(k, cv::CC_STAT_WIDTH), stats.at<int>(k, cv::CC_STAT_HEIGHT));
        }
      out.insert(out.end(), found.begin(), found.end());
    }
    std::stable_sort(out.begin(), out.end(), [](const WrongRegion& a, const WrongRegion& b) {
      if (a.area != b.area) return a.area > b.area;
      if (a.bbox.y != b.bbox.y) return a.bbox.y < b.bbox.y;
      return a.bbox.x < b.bbox.x;
    });
    return out;
  }

  // Wrong pixels fixed minus right pixels broken if the suggestion were accepted.
  int suggestionGain(const SuggestedRegion& s) const {
    const std::uint8_t value = s.add ? 255 : 0;
    int gain = 0;
    for (int y = 0; y < s.bbox.height; ++y)
      for (int x = 0; x < s.bbox.width; ++x) {
        if (!s.region.at<std::uint8_t>(y, x)) continue;
        const cv::Point p(s.bbox.x + x, s.bbox.y + y);
        if (label_.at<std::uint8_t>(p) == value) continue;
        gain += s_.clean.at<std::uint8_t>(p) == value ? 1 : -1;
      }
    return gain;
  }

  // Whether the disc of radius r at (cx, cy) covers a pixel whose clean value is v but whose label is not.
  bool coversWrong(int cx, int cy, int r, std::uint8_t v) const {
    for (int dy = -r; dy <= r; ++dy) {
      const int y = cy + dy;
      if (y < 0 || y >= label_.rows) continue;
      int hw = 0;
      while ((hw + 1) * (hw + 1) + dy * dy <= r * r) ++hw;
      const std::uint8_t* l = label_.ptr<std::uint8_t>(y);
      const std::uint8_t* c = s_.clean.ptr<std::uint8_t>(y);
      for (int x = std::max(0, cx - hw); x <= std::min(label_.cols - 1, cx + hw); ++x)
        if (c[x] == v && l[x] != v) return true;
    }
    return false;
  }

  // One stroke from (x0, y) to (x1, y); returns false when the annotator stops (target met or cap).
  bool stroke(int x0, int x1, int y, int r, std::uint8_t v) {
    if (done()) return false;
    const cv::Rect touched =
        cv::Rect(x0 - r, y - r, x1 - x0 + 1 + 2 * r, 2 * r + 1) & cv::Rect(0, 0, label_.cols, label_.rows);
    const cv::Mat right_before = label_(touched) == s_.clean(touched);
    const int before = static_cast<int>(touched.area()) - cv::countNonZero(right_before);
    stampSegment(label_, {x0, y}, {x1, y}, r, v);
    const cv::Mat wrong_after = label_(touched) != s_.clean(touched);
    wrong_ += cv::countNonZero(wrong_after) - before;
    r_.broken += cv::countNonZero(right_before & wrong_after);
    ++r_.edits;
    return true;
  }

  void brushRegion(const WrongRegion& w) {
    const std::size_t kind = w.value ? 1 : 0;
    for (std::size_t ri = 0; ri < kRadii.size(); ++ri) {
      const int r = kRadii[ri];
      const cv::Mat& safe = s_.safe[kind][ri];
      const int xa = std::max(0, w.bbox.x - r), xb = std::min(label_.cols - 1, w.bbox.x + w.bbox.width - 1 + r);
      for (int y = w.bbox.y; y < w.bbox.y + w.bbox.height; y += std::max(r, 1)) {
        int start = -1;
        for (int x = xa; x <= xb + 1; ++x) {
          const bool on = x <= xb && safe.at<std::uint8_t>(y, x) && coversWrong(x, y, r, w.value);
          if (on && start < 0) start = x;
          if (!on && start >= 0) {
            if (!stroke(start, x - 1, y, r, w.value)) return;
            start = -1;
          }
        }
      }
    }
  }

  const Sample& s_;
  cv::Mat label_;
  int wrong_ = 0;
  ImageResult r_;
};

using Results = std::array<std::vector<ImageResult>, 4>;

Results runAll() {
  Results out;
  for (const Sample& s : samples()) {
    for (int k = 0; k < 4; ++k) {
      Annotator a(s);
      if (k == kBrush) a.brushAll();
      else if (k == kFlip) a.flipThenBrush();
      else a.assistThenBrush(k == kAssistProxy ? s.proxy : s.clean);
      out[static_cast<std::size_t>(k)].push_back(a.result());
    }
  }
  return out;
}

const Results& results() {
  static const Results r = runAll();  // shared by the tests; CountsAreDeterministic runs it again
  return r;
}

double mae(int wrong, const Sample& s) { return static_cast<double>(wrong) / static_cast<double>(s.clean.total()); }
double noisyMae(const Sample& s) { return mae(cv::countNonZero(s.noisy != s.clean), s); }

int total(const std::vector<ImageResult>& v, int ImageResult::*field) {
  int t = 0;
  for (const ImageResult& r : v) t += r.*field;
  return t;
}

int noisyImages() {
  return static_cast<int>(std::count_if(samples().begin(), samples().end(),
                                        [](const Sample& s) { return noisyMae(s) > kTargetMae; }));
}

}  // namespace

TEST(LabelCorrection, TheNoisyLabelsNeedCorrecting) { EXPECT_GE(noisyImages(), kScenes / 4); }

TEST(LabelCorrection, EveryStrategyReachesTheTargetMaeOnEveryImage) {
  const Results& res = results();
  for (std::size_t k = 0; k < res.size(); ++k)
    for (std::size_t i = 0; i < res[k].size(); ++i) {
      EXPECT_FALSE(res[k][i].capped) << kStrategyNames[k] << " hit the cap on " << samples()[i].name;
      EXPECT_LE(mae(res[k][i].wrong, samples()[i]), kTargetMae) << kStrategyNames[k] << " on " << samples()[i].name;
    }
}

TEST(LabelCorrection, BrushStrokesNeverBreakRightPixels) {
  for (const std::vector<ImageResult>& v : results()) EXPECT_EQ(total(v, &ImageResult::broken), 0);
}

TEST(LabelCorrection, OracleAssistanceNeedsNoMoreEditsThanTheBrushAndTheProxyIsNoOracle) {
  const Results& res = results();
  EXPECT_LE(total(res[kAssistOracle], &ImageResult::edits), total(res[kBrush], &ImageResult::edits));
  EXPECT_EQ(total(res[kAssistOracle], &ImageResult::rejections), 0);  // every oracle suggestion is right
  EXPECT_GT(total(res[kAssistProxy], &ImageResult::rejections), 0);   // the proxy is not an oracle
}

TEST(LabelCorrection, TheFlipToolNeedsFewerEditsThanTheBrushOnRegionNoise) {
  const Results& res = results();
  EXPECT_LT(total(res[kFlip], &ImageResult::edits), total(res[kBrush], &ImageResult::edits));
}

TEST(LabelCorrection, CountsAreDeterministic) {
  const Results again = runAll();
  for (std::size_t k = 0; k < again.size(); ++k) EXPECT_TRUE(again[k] == results()[k]) << kStrategyNames[k];
}

TEST(LabelCorrection, PrintsTheComparisonTable) {
  const Results& res = results();
  const int noisy = noisyImages();
  double noisy_mae = 0.0;
  for (const Sample& s : samples()) noisy_mae += noisyMae(s) / kScenes;
  std::printf("\nlabel correction: %d scenes 160x120, region noise p=0.3, %d above the target MAE %.3f, "
              "mean noisy MAE %.4f\n", kScenes, noisy, kTargetMae, noisy_mae);
  std::printf("%-26s %11s %11s %16s %14s %7s\n", "strategy", "edits", "rejections", "edits/noisy img", "final mean MAE",
              "capped");
  for (std::size_t k = 0; k < res.size(); ++k) {
    const int edits = total(res[k], &ImageResult::edits);
    double final_mae = 0.0;
    for (std::size_t i = 0; i < res[k].size(); ++i) final_mae += mae(res[k][i].wrong, samples()[i]) / kScenes;
    const auto capped = std::count_if(res[k].begin(), res[k].end(), [](const ImageResult& r) { return r.capped; });
    std::printf("%-26s %11d %11d %16.2f %14.5f %7d\n", kStrategyNames[k], edits,
                total(res[k], &ImageResult::rejections), noisy ? static_cast<double>(edits) / noisy : 0.0, final_mae,
                static_cast<int>(capped));
    RecordProperty(std::string("edits_") + std::to_string(k), edits);
  }
  SUCCEED();
}
