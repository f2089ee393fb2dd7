#pragma once
// Internals of the synthetic scene generator shared by its translation units: a seeded random
// source with portable conversions, colour helpers, and the sensor models applied to a clean
// rendering. Not installed; only core/src includes it.
#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/synth.h"

namespace rgbdsod::core::synth_detail {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Random source of one scene. Only the engine's integer output is used (its sequence is fixed by
// the standard); the std distributions are implementation-defined, so the conversions are ours.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t bits() { return engine_(); }
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  double logUniform(double lo, double hi) { return lo * std::exp(std::log(hi / lo) * uniform()); }
  int integer(int lo, int hi) {  // inclusive; the modulo bias is negligible for small ranges
    return lo + static_cast<int>(engine_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool chance(double p) { return uniform() < p; }

 private:
  std::mt19937_64 engine_;
};

// Fast per-pixel random numbers (a splitmix64 sequence seeded from a scene stream).
class PixelNoise {
 public:
  explicit PixelNoise(std::uint64_t seed) : state_(seed) {}
  std::uint64_t bits() { return splitmix64(state_++); }
  float uniform() { return static_cast<float>(bits() >> 40) * (1.0f / 16777216.0f); }
  // Approximately normal (Irwin-Hall of four 16-bit uniforms, unit variance).
  float normal() {
    const std::uint64_t b = bits();
    const auto sum = static_cast<float>((b & 0xFFFF) + ((b >> 16) & 0xFFFF) + ((b >> 32) & 0xFFFF) + (b >> 48));
    return (sum * (1.0f / 65536.0f) - 2.0f) * 1.7320508f;
  }

 private:
  std::uint64_t state_;
};

// Smooth value noise in [0, 1] at real coordinates (lattice spacing 1), from a hash, no tables.
float valueNoise(double x, double y, std::uint64_t salt);
// Fractal sum of `octaves` value-noise layers, in [0, 1].
float fbm(double x, double y, int octaves, std::uint64_t salt);

// Colours are BGR floats in [0, 1] (sRGB-encoded, like the 8-bit output).
cv::Vec3f hsvToBgr(double h, double s, double v);
cv::Vec3f bgrToLab(const cv::Vec3f& bgr);
double labDistance(const cv::Vec3f& a, const cv::Vec3f& b);

// A procedural surface pattern sampled at surface coordinates (metres), mapped into a palette.
struct Texture {
  enum class Kind { Noise, Blotches, Stripes, Checks, Flat };
  Kind kind = Kind::Flat;
  std::array<cv::Vec3f, 3> palette{};
  double scale = 0.3;   // feature size in surface units
  double angle = 0;     // of stripes
  double warp = 0;      // noise displacement of stripes
  double edge = 0.2;    // stripe sharpness: 0 = hard, 0.5 = sinusoidal
  double grain = 0.05;  // fine lightness noise
  std::uint64_t salt = 0;
  cv::Vec3f sample(double u, double v) const;
};

// Palettes: a background one (analogous hues, dark to light) and a distinct one whose colours
// are far (in Lab) from every colour of `avoid`.
std::array<cv::Vec3f, 3> backgroundPalette(Rng& rng);
std::array<cv::Vec3f, 3> distinctPalette(Rng& rng, const std::vector<cv::Vec3f>& avoid);
Texture randomTexture(Rng& rng, const std::array<cv::Vec3f, 3>& palette, bool allow_flat);

// Illumination: ambient + a directional gradient over the image, vignetting, and a mild falloff
// with distance. at() is the shading factor of a surface point seen at pixel (x, y), depth z.
struct Light {
  double ambient = 0.8, gradient = 0.2, angle = 0, vignette = 0.1, falloff = 0.2, z_ref = 4;
  int width = 1, height = 1;
  float at(int x, int y, float z) const;
  void setAngle(double a) { angle = a; cos_a = std::cos(a); sin_a = std::sin(a); }

 private:
  double cos_a = 1, sin_a = 0;
};

// Clean scene before the sensors: metric depth and linear-ish colour layers.
struct CleanScene {
  cv::Mat albedo;   // CV_32FC3
  cv::Mat shading;  // CV_32FC1
  cv::Mat depth;    // CV_32FC1, metres
};

// The background (a wall, often with a receding floor) with its light and palette colours.
struct Background {
  CleanScene clean;
  Light light;
  double focal = 1;                 // pixels
  std::vector<cv::Vec3f> colours;   // every palette colour used, for contrast decisions
  cv::Mat floor;                    // CV_8U, 255 where the floor is seen
};
Background renderBackground(Rng& rng, int width, int height);

// The camera: returns the 8-bit BGR image (blur, shot/read noise).
cv::Mat renderRgbSensor(const CleanScene& clean, Rng& rng);

// Depth normalisation shared by the clean and the noisy maps: the scene's depth range mapped
// linearly to [0, 1], 1 = nearest point.
struct DepthRange {
  float near = 1.0f;  // metres
  float far = 2.0f;
  float normalise(float z) const;
};
DepthRange depthRangeOf(const cv::Mat& depth, Rng& rng);

// The depth sensor (Kinect-like): quantised disparity, noise growing with distance, projector
// shadows beside near objects, ragged edges, dropouts. Returns CV_8UC1, near = bright, 0 = hole.
cv::Mat renderDepthSensor(const CleanScene& clean, const DepthRange& range, Rng& rng);

// Throws Error unless count >= 1, both sides are 16..8192 and test_fraction is in [0, 1].
void validateConfig(const SynthConfig& config);

// Fills area_fraction, bbox, colour_contrast (final image against a surround ring) and
// depth_contrast (clean depth of the scene against the background's depth behind the object,
// both normalised to [0, 1]) of each object from its visible coverage mask.
void measureObjects(std::vector<SynthObject>& objects, const cv::Mat& rgb, const cv::Mat& depth01,
                    const cv::Mat& background_depth01);

}  // namespace rgbdsod::core::synth_detail
