// Sensor models of the synthetic scene generator (a camera with blur and noise, a Kinect-like
// depth sensor with shadows and holes), portable value noise and colour helpers, and the
// per-object contrast measurements.
#include <algorithm>
#include <cmath>
#include <limits>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "synth_detail.h"

namespace rgbdsod::core::synth_detail {
namespace {

// One multiply-xorshift round is enough decorrelation for value noise and much cheaper than a
// full mixer; this runs tens of times per pixel.
float lattice(std::int64_t ix, std::int64_t iy, std::uint64_t salt) {
  std::uint64_t h = (static_cast<std::uint64_t>(ix) * 0x632BE59BD9B4E019ull) ^
                    (static_cast<std::uint64_t>(iy) * 0x9E6C63D0676A9A99ull) ^ salt;
  h *= 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ull;
  return static_cast<float>(h >> 40) * (1.0f / 16777216.0f);
}

float srgbToLinear(float c) {
  return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f);
}

float labF(float t) {
  return t > 0.008856f ? std::cbrt(t) : 7.787f * t + 16.0f / 116.0f;
}

}  // namespace

float valueNoise(double x, double y, std::uint64_t salt) {
  // Truncate and correct instead of std::floor, which is a library call on baseline x86-64.
  auto ix = static_cast<std::int64_t>(x), iy = static_cast<std::int64_t>(y);
  ix -= static_cast<double>(ix) > x;
  iy -= static_cast<double>(iy) > y;
  const auto tx = static_cast<float>(x - static_cast<double>(ix)), ty = static_cast<float>(y - static_cast<double>(iy));
  const float sx = tx * tx * (3.0f - 2.0f * tx), sy = ty * ty * (3.0f - 2.0f * ty);  // smoothstep
  const float a = lattice(ix, iy, salt), b = lattice(ix + 1, iy, salt);
  const float c = lattice(ix, iy + 1, salt), d = lattice(ix + 1, iy + 1, salt);
  return (a + (b - a) * sx) + ((c + (d - c) * sx) - (a + (b - a) * sx)) * sy;
}

float fbm(double x, double y, int octaves, std::uint64_t salt) {
  float sum = 0.0f, amp = 1.0f, norm = 0.0f;
  double scale = 1.0;
  for (int o = 0; o < octaves; ++o) {
    sum += amp * valueNoise(x * scale, y * scale, salt + static_cast<std::uint64_t>(o) * 0x51ED27ull);
    norm += amp;
    amp *= 0.5f;
    scale *= 2.03;  // not exactly 2, so lattices of octaves do not line up
  }
  return sum / norm;
}

cv::Vec3f hsvToBgr(double h, double s, double v) {
  h = (h - std::floor(h)) * 6.0;
  const int sector = std::min(5, static_cast<int>(h));
  const double f = h - sector;
  const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double r = v, g = t, b = p;
  switch (sector) {
    case 0: r = v; g = t; b = p; break;
    case 1: r = q; g = v; b = p; break;
    case 2: r = p; g = v; b = t; break;
    case 3: r = p; g = q; b = v; break;
    case 4: r = t; g = p; b = v; break;
    default: r = v; g = p; b = q; break;
  }
  return {static_cast<float>(b), static_cast<float>(g), static_cast<float>(r)};
}

cv::Vec3f bgrToLab(const cv::Vec3f& bgr) {
  const float b = srgbToLinear(bgr[0]), g = srgbToLinear(bgr[1]), r = srgbToLinear(bgr[2]);
  const float x = (0.412453f * r + 0.357580f * g + 0.180423f * b) / 0.950456f;
  const float y = 0.212671f * r + 0.715160f * g + 0.072169f * b;
  const float z = (0.019334f * r + 0.119193f * g + 0.950227f * b) / 1.088754f;
  const float fx = labF(x), fy = labF(y), fz = labF(z);
  return {116.0f * fy - 16.0f, 500.0f * (fx - fy), 200.0f * (fy - fz)};
}

double labDistance(const cv::Vec3f& a, const cv::Vec3f& b) {
  return cv::norm(bgrToLab(a) - bgrToLab(b));
}

cv::Mat renderRgbSensor(const CleanScene& clean, Rng& rng) {
  cv::Mat shading3;
  cv::merge(std::vector<cv::Mat>{clean.shading, clean.shading, clean.shading}, shading3);
  cv::Mat img = clean.albedo.mul(shading3);
  const double sigma = rng.uniform(0.35, 0.8);  // optics
  cv::GaussianBlur(img, img, cv::Size(0, 0), sigma, sigma, cv::BORDER_REFLECT);
  const cv::Vec3f cast(static_cast<float>(rng.uniform(0.96, 1.04)), 1.0f, static_cast<float>(rng.uniform(0.96, 1.04)));
  const auto read = static_cast<float>(rng.uniform(0.003, 0.012));
  const auto shot = static_cast<float>(rng.uniform(0.008, 0.025));
  PixelNoise noise(rng.bits());
  cv::Mat out(img.size(), CV_8UC3);
  for (int y = 0; y < img.rows; ++y) {
    const auto* src = img.ptr<cv::Vec3f>(y);
    auto* dst = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < img.cols; ++x) {
      for (int c = 0; c < 3; ++c) {
        const float v = std::clamp(src[x][c] * cast[c], 0.0f, 1.0f);
        const float noisy = v + (read + shot * std::sqrt(v)) * noise.normal();
        dst[x][c] = cv::saturate_cast<uchar>(noisy * 255.0f);
      }
    }
  }
  return out;
}

float DepthRange::normalise(float z) const {
  const float span = far - near;
  return span <= 0 ? 1.0f : std::clamp((far - z) / span, 0.0f, 1.0f);
}

DepthRange depthRangeOf(const cv::Mat& depth, Rng& rng) {
  double lo = 0, hi = 0;
  cv::minMaxLoc(depth, &lo, &hi);
  // Releases stretch each map differently; a margin at the far end keeps the farthest surface
  // above 0, so that holes remain distinguishable from the background.
  const double span = std::max(hi - lo, 1e-3);
  return DepthRange{static_cast<float>(std::max(0.05, lo - rng.uniform(0.0, 0.08) * span)),
                    static_cast<float>(hi + rng.uniform(0.05, 0.3) * span)};
}

cv::Mat renderDepthSensor(const CleanScene& clean, const DepthRange& range, Rng& rng) {
  const cv::Mat& z = clean.depth;
  const int w = z.cols, h = z.rows;
  // Noise sigma grows with the square of the distance (structured light); it is spatially
  // correlated over small blocks, and disparity is quantised into a limited number of levels.
  const auto noise_c = static_cast<float>(rng.uniform(0.002, 0.006));
  const auto inv_step = static_cast<float>((1.0 / range.near - 1.0 / range.far) / rng.uniform(150.0, 400.0));
  const int block = w >= 192 ? 2 : 1;
  PixelNoise noise(rng.bits());
  cv::Mat block_noise(h / block + 1, w / block + 1, CV_32F);
  for (int y = 0; y < block_noise.rows; ++y)
    for (int x = 0; x < block_noise.cols; ++x) block_noise.at<float>(y, x) = noise.normal();
  cv::Mat out(z.size(), CV_8U);
  for (int y = 0; y < h; ++y) {
    const float* zr = z.ptr<float>(y);
    const float* nr = block_noise.ptr<float>(y / block);
    auto* o = out.ptr<uchar>(y);
    for (int x = 0; x < w; ++x) {
      const float n = 0.8f * nr[x / block] + 0.45f * noise.normal();
      const float zn = std::max(0.05f, zr[x] + noise_c * zr[x] * zr[x] * n);
      const float zq = 1.0f / (std::max(1.0f, std::floor(1.0f / (zn * inv_step) + 0.5f)) * inv_step);  // disparity steps
      o[x] = static_cast<uchar>(1.5f + 254.0f * range.normalise(zq));
    }
  }
  if (rng.chance(0.07)) return out;  // some sensors/releases come without holes

  cv::Mat holes = cv::Mat::zeros(z.size(), CV_8U);
  if (rng.chance(0.9)) {
    // Projector shadow: the projector sits beside the camera, so the background just beside a
    // near object receives no pattern. A pixel is shadowed when a pixel on the projector's side
    // maps to the same or a later projector column (it is nearer and blocks the ray).
    const double k = rng.uniform(0.035, 0.075) * w * rng.uniform(0.8, 1.0);  // baseline * focal
    const bool projector_right = rng.chance(0.8);
    for (int y = 0; y < h; ++y) {
      const float* zr = z.ptr<float>(y);
      auto* hr = holes.ptr<uchar>(y);
      double extreme = projector_right ? std::numeric_limits<double>::infinity()
                                       : -std::numeric_limits<double>::infinity();
      for (int i = 0; i < w; ++i) {
        const int x = projector_right ? w - 1 - i : i;
        const double p = projector_right ? x - k / zr[x] : x + k / zr[x];
        if (projector_right ? p > extreme + 0.5 : p < extreme - 0.5) hr[x] = 255;
        extreme = projector_right ? std::min(extreme, p) : std::max(extreme, p);
      }
    }
  }
  if (rng.chance(0.6)) {  // ragged depth edges: mixed pixels at discontinuities are dropped
    const double p = rng.uniform(0.2, 0.6);
    for (int y = 1; y + 1 < h; ++y)
      for (int x = 1; x + 1 < w; ++x) {
        const float c = z.at<float>(y, x);
        const float m = std::max({z.at<float>(y, x - 1), z.at<float>(y, x + 1), z.at<float>(y - 1, x),
                                  z.at<float>(y + 1, x)});
        if (m > c * 1.08f && noise.uniform() < p) holes.at<uchar>(y, x) = 255;
      }
  }
  const int blobs = rng.chance(0.6) ? rng.integer(1, 4) : 0;
  for (int i = 0; i < blobs; ++i) {  // dropout patches (absorbing or specular surfaces)
    const cv::Point c(rng.integer(0, w - 1), rng.integer(0, h - 1));
    const cv::Size axes(std::max(1, static_cast<int>(rng.uniform(0.008, 0.04) * w)),
                        std::max(1, static_cast<int>(rng.uniform(0.008, 0.03) * h)));
    cv::ellipse(holes, c, axes, rng.uniform(0, 180), 0, 360, cv::Scalar(255), cv::FILLED);
  }
  if (rng.chance(0.5)) {  // sparse misses towards the end of the range
    const auto z_limit = static_cast<float>(range.far * rng.uniform(0.8, 1.0));
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const float over = (z.at<float>(y, x) - z_limit) / (0.4f * z_limit);
        if (over > 0 && noise.uniform() < std::min(0.5f, over)) holes.at<uchar>(y, x) = 255;
      }
  }
  if (rng.chance(0.3)) {  // very dark surfaces return too little light
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const cv::Vec3f a = clean.albedo.at<cv::Vec3f>(y, x);
        const float lum = (0.11f * a[0] + 0.59f * a[1] + 0.3f * a[2]) * clean.shading.at<float>(y, x);
        if (lum < 0.08f && noise.uniform() < 0.5f) holes.at<uchar>(y, x) = 255;
      }
  }
  if (rng.chance(0.25)) {  // invalid band at one side after registration to the colour camera
    const int band = rng.integer(1, std::max(1, w / 32));
    const cv::Rect r = rng.chance(0.5) ? cv::Rect(0, 0, band, h) : cv::Rect(w - band, 0, band, h);
    holes(r).setTo(255);
  }
  out.setTo(0, holes);
  return out;
}

void measureObjects(std::vector<SynthObject>& objects, const cv::Mat& rgb, const cv::Mat& depth01,
                    const cv::Mat& background_depth01) {
  const double pixels = static_cast<double>(rgb.total());
  const cv::Rect image(cv::Point(0, 0), rgb.size());
  cv::Mat any_object = cv::Mat::zeros(rgb.size(), CV_8U);
  for (const auto& o : objects) any_object.setTo(255, o.mask > 0);
  for (auto& o : objects) {
    const cv::Mat hard_full = o.mask >= 128;
    const int area = cv::countNonZero(hard_full);
    o.area_fraction = area / pixels;
    o.bbox = area > 0 ? cv::boundingRect(hard_full) : cv::Rect();
    o.depth_contrast = o.colour_contrast = 0;
    if (area == 0) continue;
    o.depth_contrast = std::abs(cv::mean(depth01, hard_full)[0] - cv::mean(background_depth01, hard_full)[0]);
    // The surround ring skips the two pixels next to the edge (blur, anti-aliasing) and any
    // other object, so it measures the background the object is seen against. Work in a
    // window around the object: the ring is at most r + 2 pixels away.
    const int r = std::max(3, static_cast<int>(std::lround(0.15 * std::sqrt(area))));
    const cv::Rect win = cv::Rect(o.bbox.x - r - 3, o.bbox.y - r - 3, o.bbox.width + 2 * r + 6,
                                  o.bbox.height + 2 * r + 6) & image;
    const cv::Mat hard = hard_full(win);
    cv::Mat inner, outer;
    cv::dilate(hard, inner, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5)), {-1, -1}, 1,
               cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::dilate(hard, outer, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * r + 5, 2 * r + 5)), {-1, -1}, 1,
               cv::BORDER_CONSTANT, cv::Scalar(0));
    const cv::Mat band = outer & ~inner;
    cv::Mat ring = band & ~(any_object(win) & ~(o.mask(win) > 0));
    if (cv::countNonZero(ring) < 8) ring = band;
    if (cv::countNonZero(ring) == 0) continue;
    const auto meanColour = [&](const cv::Mat& m) {
      const cv::Scalar c = cv::mean(rgb(win), m) / 255.0;
      return cv::Vec3f(static_cast<float>(c[0]), static_cast<float>(c[1]), static_cast<float>(c[2]));
    };
    o.colour_contrast = labDistance(meanColour(hard), meanColour(ring));
  }
}

}  // namespace rgbdsod::core::synth_detail
