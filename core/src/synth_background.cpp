// Backgrounds of the synthetic scenes: procedural textures in random palettes on a wall and a
// receding floor seen in perspective, with a smooth metric depth field and soft illumination.
#include <algorithm>
#include <cmath>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "synth_detail.h"

namespace rgbdsod::core::synth_detail {
namespace {

cv::Vec3f lerp(const cv::Vec3f& a, const cv::Vec3f& b, float t) { return a + (b - a) * t; }

float smoothstep(float lo, float hi, float x) {
  const float t = std::clamp((x - lo) / (hi - lo), 0.0f, 1.0f);
  return t * t * (3.0f - 2.0f * t);
}

cv::Vec3f gradient3(const std::array<cv::Vec3f, 3>& p, float t) {
  return t < 0.5f ? lerp(p[0], p[1], 2.0f * t) : lerp(p[1], p[2], 2.0f * t - 1.0f);
}

}  // namespace

cv::Vec3f Texture::sample(double u, double v) const {
  const double su = u / scale, sv = v / scale;
  cv::Vec3f c;
  switch (kind) {
    case Kind::Flat:
      c = palette[1];
      break;
    case Kind::Noise: {
      const float t = std::clamp((fbm(su, sv, 3, salt) - 0.5f) * 2.2f + 0.5f, 0.0f, 1.0f);
      c = gradient3(palette, t);
      break;
    }
    case Kind::Blotches: {  // camouflage-like patches with narrow transitions
      const float t = fbm(su, sv, 3, salt);
      const float a = smoothstep(0.43f, 0.46f, t), b = smoothstep(0.56f, 0.59f, t);
      c = lerp(lerp(palette[0], palette[1], a), palette[2], b);
      break;
    }
    case Kind::Stripes: {
      const double s = su * std::cos(angle) + sv * std::sin(angle) + warp * fbm(su * 0.5, sv * 0.5, 2, salt);
      const auto t = static_cast<float>(0.5 + 0.5 * std::sin(6.283185307179586 * s));
      const float e = static_cast<float>(std::max(edge, 0.02));
      c = lerp(palette[0], palette[2], smoothstep(0.5f - e, 0.5f + e, t));
      c = lerp(c, palette[1], 0.35f * fbm(su * 0.7, sv * 0.7, 2, salt + 7));
      break;
    }
    case Kind::Checks: {
      const auto iu = static_cast<std::int64_t>(std::floor(su)), iv = static_cast<std::int64_t>(std::floor(sv));
      c = ((iu + iv) & 1) ? palette[0] : palette[2];
      c = lerp(c, palette[1], 0.4f * valueNoise(static_cast<double>(iu) + 0.5, static_cast<double>(iv) + 0.5, salt));
      break;
    }
  }
  if (grain > 0.01) c *= 1.0f + static_cast<float>(grain) * (valueNoise(su * 9.0, sv * 9.0, salt + 3) - 0.5f) * 2.0f;
  return c;
}

std::array<cv::Vec3f, 3> backgroundPalette(Rng& rng) {
  const double hue = rng.uniform();
  const double sat = rng.chance(0.3) ? rng.uniform(0.02, 0.15) : rng.uniform(0.15, 0.55);
  const double spread = rng.uniform(0.15, 0.35);  // lightness range of the pattern
  const double mid = rng.uniform(0.35 + spread / 2, 0.9 - spread / 2);
  std::array<cv::Vec3f, 3> p;
  for (int i = 0; i < 3; ++i)
    p[static_cast<std::size_t>(i)] = hsvToBgr(hue + rng.uniform(-0.05, 0.05), std::clamp(sat * rng.uniform(0.7, 1.2), 0.0, 1.0),
                                              mid + (i - 1) * spread / 2 + rng.uniform(-0.03, 0.03));
  return p;
}

std::array<cv::Vec3f, 3> distinctPalette(Rng& rng, const std::vector<cv::Vec3f>& avoid) {
  cv::Vec3f best;
  double best_score = -1;
  for (int attempt = 0; attempt < 40 && best_score < 45; ++attempt) {
    const cv::Vec3f c = hsvToBgr(rng.uniform(), rng.uniform(0.5, 1.0), rng.uniform(0.55, 1.0));
    double score = 1e9;
    for (const auto& a : avoid) score = std::min(score, labDistance(c, a));
    if (score > best_score) { best_score = score; best = c; }
  }
  // Darker and lighter companions of the same hue keep the mean colour where it was chosen.
  const cv::Vec3f dark = best * 0.78f;
  const cv::Vec3f light = best * 0.8f + cv::Vec3f(0.2f, 0.2f, 0.2f);
  return {dark, best, light};
}

Texture randomTexture(Rng& rng, const std::array<cv::Vec3f, 3>& palette, bool allow_flat) {
  Texture t;
  t.palette = palette;
  const double u = rng.uniform();
  if (allow_flat && u < 0.4) t.kind = Texture::Kind::Flat;
  else if (u < 0.55) t.kind = Texture::Kind::Noise;
  else if (u < 0.72) t.kind = Texture::Kind::Blotches;
  else if (u < 0.88) t.kind = Texture::Kind::Stripes;
  else t.kind = Texture::Kind::Checks;
  t.scale = rng.logUniform(0.08, 0.6);
  t.angle = rng.uniform(0, 3.14159);
  t.warp = rng.chance(0.5) ? rng.uniform(0.2, 1.5) : 0.0;
  t.edge = rng.uniform(0.03, 0.5);
  t.grain = rng.uniform(0.0, 0.08);
  t.salt = rng.bits();
  return t;
}

float Light::at(int x, int y, float z) const {
  const double nx = (x + 0.5) / width - 0.5, ny = (y + 0.5) / height - 0.5;
  const double s = ambient + gradient * (nx * cos_a + ny * sin_a) - vignette * 2.0 * (nx * nx + ny * ny);
  // Nearer surfaces a little brighter; a rational falloff (no pow: this runs for every pixel).
  const double f = 1.0 / std::max(0.3, 1.0 + falloff * (z / z_ref - 1.0));
  return std::clamp(static_cast<float>(s * f), 0.25f, 1.35f);
}

Background renderBackground(Rng& rng, int width, int height) {
  Background bg;
  const int w = width, h = height;
  bg.focal = w * rng.uniform(0.8, 1.1);
  const double cx = w / 2.0;
  const double z_wall = rng.uniform(2.5, 6.0);
  const double tilt_x = rng.uniform(-0.35, 0.35), tilt_y = rng.uniform(-0.1, 0.1);
  const bool has_floor = rng.chance(0.8);
  const double horizon = h * rng.uniform(0.15, 0.5);
  const double cam_height = rng.uniform(0.8, 1.6);

  bg.light.width = w;
  bg.light.height = h;
  bg.light.ambient = rng.uniform(0.8, 0.95);
  bg.light.gradient = rng.uniform(0.1, 0.4);
  bg.light.setAngle(rng.uniform(0, 6.283185307179586));
  bg.light.vignette = rng.uniform(0.0, 0.25);
  bg.light.falloff = rng.uniform(0.0, 0.35);
  bg.light.z_ref = z_wall;

  const auto wall_palette = backgroundPalette(rng);
  const auto floor_palette = rng.chance(0.25) ? wall_palette : backgroundPalette(rng);
  const Texture wall = randomTexture(rng, wall_palette, false);
  const Texture floor = randomTexture(rng, floor_palette, false);
  bg.colours.assign(wall_palette.begin(), wall_palette.end());
  bg.colours.insert(bg.colours.end(), floor_palette.begin(), floor_palette.end());
  const double corner_shadow = rng.uniform(0.0, 0.25);  // darkening where the wall meets the floor

  // Surface seen through the pixel-plane point (px, py), pixel centres at +0.5: the wall's depth
  // and the floor's (a floor point at row py lies at cam_height * focal / (py - horizon)).
  struct Surface { double z, z_wall, z_floor; bool on_floor; };
  const auto surface = [&](double px, double py) {
    const double zf = has_floor && py > horizon + 1 ? cam_height * bg.focal / (py - horizon) : 1e9;
    const double zw = z_wall * (1.0 + tilt_x * (px - cx) / w + tilt_y * (py - h / 2.0) / h);
    return Surface{std::min(zf, zw), zw, zf, zf < zw};
  };
  const auto albedo = [&](double px, double py) {
    const Surface s = surface(px, py);
    const double u = (px - cx) * s.z / bg.focal;
    return s.on_floor ? floor.sample(u, s.z) : wall.sample(u, py * s.z / bg.focal);
  };

  // Textures are the costliest part of a scene; on larger images they are evaluated at half
  // resolution and interpolated (the background is out of focus anyway).
  const int step = w >= 160 && h >= 160 ? 2 : 1;
  cv::Mat coarse((h + step - 1) / step, (w + step - 1) / step, CV_32FC3);
  const double sx = static_cast<double>(w) / coarse.cols, sy = static_cast<double>(h) / coarse.rows;
  for (int y = 0; y < coarse.rows; ++y)
    for (int x = 0; x < coarse.cols; ++x) coarse.at<cv::Vec3f>(y, x) = albedo((x + 0.5) * sx, (y + 0.5) * sy);
  if (step == 1) bg.clean.albedo = coarse;
  else cv::resize(coarse, bg.clean.albedo, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);

  bg.clean.shading.create(h, w, CV_32F);
  bg.clean.depth.create(h, w, CV_32F);
  bg.floor = cv::Mat::zeros(h, w, CV_8U);
  for (int y = 0; y < h; ++y) {
    auto* sh = bg.clean.shading.ptr<float>(y);
    auto* zr = bg.clean.depth.ptr<float>(y);
    auto* fl = bg.floor.ptr<uchar>(y);
    for (int x = 0; x < w; ++x) {
      const Surface s = surface(x + 0.5, y + 0.5);
      float shade = bg.light.at(x, y, static_cast<float>(s.z));
      if (has_floor) shade *= static_cast<float>(1.0 - corner_shadow * std::exp(-std::abs(s.z_floor - s.z_wall) / (0.08 * s.z_wall)));
      sh[x] = shade;
      zr[x] = static_cast<float>(s.z);
      fl[x] = s.on_floor ? 255 : 0;
    }
  }
  return bg;
}

}  // namespace rgbdsod::core::synth_detail
