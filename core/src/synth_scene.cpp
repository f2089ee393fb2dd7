// One synthetic RGB-D scene: plan the objects and their cues, place them, composite them over
// the background in depth order, then run the camera and depth sensor models and build the GT.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/errors.h"
#include "synth_detail.h"

namespace rgbdsod::core {

using namespace synth_detail;

namespace {

using Polygons = std::vector<std::vector<cv::Point2d>>;
constexpr double kTwoPi = 6.283185307179586;

struct Plan {
  SalienceCue cue;
  double area;  // fraction of the image
  std::string shape;
  bool soft;
};

void addEllipse(Polygons& out, cv::Point2d c, double rx, double ry, double rot) {
  std::vector<cv::Point2d> p;
  for (int i = 0; i < 64; ++i) {
    const double t = kTwoPi * i / 64;
    const double x = rx * std::cos(t), y = ry * std::sin(t);
    p.emplace_back(c.x + x * std::cos(rot) - y * std::sin(rot), c.y + x * std::sin(rot) + y * std::cos(rot));
  }
  out.push_back(std::move(p));
}

// A shape of about unit area centred on the origin, as one or more polygons (drawn as a union).
Polygons makeShape(Rng& rng, const std::string& kind) {
  Polygons out;
  const double aspect = rng.logUniform(0.45, 2.2);
  const double rot = rng.uniform(0, kTwoPi);
  if (kind == "ellipse") {
    addEllipse(out, {0, 0}, std::sqrt(aspect / 3.14159), 1.0 / std::sqrt(aspect * 3.14159), rot);
  } else if (kind == "rounded-rect") {
    const double hw = std::sqrt(aspect) / 2, hh = 0.5 / std::sqrt(aspect);
    const double r = rng.uniform(0.0, 0.45) * std::min(hw, hh);
    const double tilt = rng.chance(0.5) ? rng.uniform(-0.25, 0.25) : rot;
    std::vector<cv::Point2d> p;
    const cv::Point2d corners[4] = {{hw - r, hh - r}, {-hw + r, hh - r}, {-hw + r, -hh + r}, {hw - r, -hh + r}};
    for (int k = 0; k < 4; ++k)
      for (int i = 0; i <= 8; ++i) {
        const double t = kTwoPi / 4 * (k + i / 8.0);
        const double x = corners[k].x + r * std::cos(t), y = corners[k].y + r * std::sin(t);
        p.emplace_back(x * std::cos(tilt) - y * std::sin(tilt), x * std::sin(tilt) + y * std::cos(tilt));
      }
    out.push_back(std::move(p));
  } else if (kind == "blob" || kind == "polygon") {
    const bool blob = kind == "blob";
    const int n = blob ? 96 : rng.integer(3, 8);
    double amp[6] = {}, phase[6] = {};
    for (int k = 2; k < 6; ++k) { amp[k] = rng.uniform(0, 0.5 / k); phase[k] = rng.uniform(0, kTwoPi); }
    std::vector<cv::Point2d> p;
    for (int i = 0; i < n; ++i) {
      double t = kTwoPi * i / n, r = 1;
      if (blob) {
        for (int k = 2; k < 6; ++k) r += amp[k] * std::cos(k * t + phase[k]);
      } else {
        t += rng.uniform(-0.3, 0.3) * kTwoPi / n;
        r = rng.uniform(0.55, 1.0);
      }
      r = std::max(r, 0.3);
      const double x = r * std::cos(t) * std::sqrt(aspect), y = r * std::sin(t) / std::sqrt(aspect);
      p.emplace_back(x * std::cos(rot) - y * std::sin(rot), x * std::sin(rot) + y * std::cos(rot));
    }
    out.push_back(std::move(p));
  } else {  // composite: a body with one or two attached parts (head, arm, handle)
    addEllipse(out, {0, 0}, 0.45 * std::sqrt(aspect), 0.45 / std::sqrt(aspect), rot);
    const int parts = rng.integer(1, 2);
    for (int i = 0; i < parts; ++i) {
      const double dir = rng.uniform(0, kTwoPi), size = rng.uniform(0.15, 0.3);
      const double dist = 0.45 * rng.uniform(0.8, 1.2);
      addEllipse(out, {dist * std::cos(dir), dist * std::sin(dir)}, size, size * rng.uniform(0.6, 1.4), rng.uniform(0, kTwoPi));
    }
  }
  double area = 0;
  for (const auto& p : out) {
    std::vector<cv::Point2f> f(p.begin(), p.end());
    area += cv::contourArea(f);
  }
  const double s = 1.0 / std::sqrt(std::max(area, 1e-6));
  for (auto& p : out)
    for (auto& q : p) q *= s;
  return out;
}

// Coverage (0..1) of the polygons scaled by `scale` and centred at `centre`, by 4x4 supersampling.
cv::Mat rasterise(const Polygons& shape, double scale, cv::Point2d centre, cv::Size size) {
  cv::Mat coverage = cv::Mat::zeros(size, CV_32F);
  double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  for (const auto& p : shape)
    for (const auto& q : p) {
      x0 = std::min(x0, centre.x + q.x * scale); x1 = std::max(x1, centre.x + q.x * scale);
      y0 = std::min(y0, centre.y + q.y * scale); y1 = std::max(y1, centre.y + q.y * scale);
    }
  const cv::Rect roi = cv::Rect(cv::Point(static_cast<int>(std::floor(x0)) - 1, static_cast<int>(std::floor(y0)) - 1),
                                cv::Point(static_cast<int>(std::ceil(x1)) + 2, static_cast<int>(std::ceil(y1)) + 2)) &
                       cv::Rect(cv::Point(0, 0), size);
  if (roi.empty()) return coverage;
  constexpr int kSs = 4, kShift = 4;
  cv::Mat canvas = cv::Mat::zeros(roi.height * kSs, roi.width * kSs, CV_8U);
  for (const auto& p : shape) {
    std::vector<cv::Point> pts;
    for (const auto& q : p) {  // pixel centres at integers: canvas j covers (j + 0.5) / 4 - 0.5
      const double cx = ((centre.x + q.x * scale - roi.x + 0.5) * kSs - 0.5) * (1 << kShift);
      const double cy = ((centre.y + q.y * scale - roi.y + 0.5) * kSs - 0.5) * (1 << kShift);
      pts.emplace_back(static_cast<int>(std::lround(cx)), static_cast<int>(std::lround(cy)));
    }
    cv::fillPoly(canvas, std::vector<std::vector<cv::Point>>{pts}, cv::Scalar(255), cv::LINE_8, kShift);
  }
  cv::Mat small;
  cv::resize(canvas, small, roi.size(), 0, 0, cv::INTER_AREA);
  small.convertTo(coverage(roi), CV_32F, 1.0 / 255.0);
  return coverage;
}

std::vector<Plan> planObjects(Rng& rng) {
  const double u = rng.uniform();
  int n = u < 0.22 ? 1 : u < 0.58 ? 2 : u < 0.85 ? 3 : 4;
  const bool depth_only = rng.chance(0.45), colour_only = rng.chance(0.45);
  if (colour_only) n = std::max(n, 2);
  std::vector<SalienceCue> cues{depth_only ? SalienceCue::DepthOnly : SalienceCue::Both};
  if (colour_only) cues.push_back(SalienceCue::ColourOnly);
  while (static_cast<int>(cues.size()) < n)
    cues.push_back(rng.chance(0.6) ? SalienceCue::Both
                   : depth_only    ? SalienceCue::DepthOnly
                   : colour_only   ? SalienceCue::ColourOnly
                                   : SalienceCue::Both);
  std::vector<Plan> plans;
  double total = 0;
  for (std::size_t i = 0; i < cues.size(); ++i) {
    Plan p{cues[i], 0, {}, false};
    p.area = i == 0 ? rng.logUniform(0.03, 0.3) : p.cue == SalienceCue::ColourOnly ? rng.logUniform(0.03, 0.2)
                                                                               : rng.logUniform(0.02, 0.22);
    const double s = rng.uniform();
    if (p.cue == SalienceCue::ColourOnly)
      p.shape = s < 0.45 ? "rounded-rect" : s < 0.65 ? "ellipse" : s < 0.8 ? "polygon" : "blob";
    else
      p.shape = s < 0.2 ? "ellipse" : s < 0.4 ? "rounded-rect" : s < 0.65 ? "blob" : s < 0.8 ? "polygon" : "composite";
    p.soft = p.cue != SalienceCue::ColourOnly && rng.chance(0.45);
    total += p.area;
    plans.push_back(std::move(p));
  }
  if (total > 0.55)
    for (auto& p : plans) p.area *= 0.55 / total;
  // The guaranteed salient object is placed first; the rest largest first so they still fit.
  std::sort(plans.begin() + 1, plans.end(), [](const Plan& a, const Plan& b) { return a.area > b.area; });
  return plans;
}

struct Placed {
  Plan plan;
  cv::Mat coverage;  // CV_32F, 0..1
  cv::Mat hard;      // CV_8U, coverage >= 0.5
  float z0 = 0;      // metres, at the rim
};

// Salient objects may partly overlap each other; distractors and camouflaged objects stand
// apart (with a margin) so their surround is the background they are matched against.
// Distractors lie flat on one surface (a poster on the wall, a rug on the floor).
std::vector<Placed> placeObjects(Rng& rng, const std::vector<Plan>& plans, const cv::Mat& floor) {
  const cv::Size size = floor.size();
  const int margin = std::max(5, size.width / 40);  // beyond the reach of soft GT edges
  const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * margin + 1, 2 * margin + 1));
  cv::Mat occupied_all = cv::Mat::zeros(size, CV_8U), occupied_apart = occupied_all.clone();
  std::vector<Placed> placed;
  const double pixels = static_cast<double>(size.area());
  for (const auto& plan : plans) {
    const Polygons shape = makeShape(rng, plan.shape);
    const bool apart = plan.cue != SalienceCue::Both;
    const bool first = placed.empty();
    for (int attempt = 0; attempt < 49; ++attempt) {
      // The first object is the scene's guaranteed salient one: its last try is the image
      // centre with no conditions, so that even a tiny image gets it.
      const bool forced = first && attempt == 48;
      if (attempt == 48 && !forced) break;
      const double area = plan.area * std::pow(0.8, forced ? 0 : attempt / 8);
      const double scale = std::sqrt(area * pixels);
      const double cx = forced ? size.width / 2.0 : rng.uniform(0.08, 0.92) * size.width;
      const double cy = forced ? size.height / 2.0 : rng.uniform(0.08, 0.92) * size.height;
      Placed p{plan, rasterise(shape, scale, {cx, cy}, size), {}, 0};
      p.hard = p.coverage >= 0.5;
      const int own = cv::countNonZero(p.hard);
      if (own == 0 || (!forced && own < 0.6 * area * pixels)) continue;  // mostly outside the image
      if (cv::countNonZero(p.hard & (apart ? occupied_all : occupied_apart)) > 0) continue;
      // Overlapping salient objects keep most of each other visible, whatever the depth order.
      const bool hides = !apart && std::any_of(placed.begin(), placed.end(), [&](const Placed& q) {
        if (q.plan.cue != SalienceCue::Both) return false;
        return cv::countNonZero(p.hard & q.hard) > 0.4 * std::min(own, cv::countNonZero(q.hard));
      });
      if (hides) continue;
      if (plan.cue == SalienceCue::ColourOnly) {
        const int on_floor = cv::countNonZero(p.hard & floor);
        if (on_floor != 0 && on_floor != own) continue;
      }
      cv::Mat grown;
      cv::dilate(p.hard, grown, kernel);
      occupied_all |= grown;
      if (apart) occupied_apart |= grown;
      placed.push_back(std::move(p));
      break;
    }
  }
  return placed;
}

// Normalised height of an object's surface (0 at the rim, 1 deep inside) and its shading term
// for light coming from `angle`, from the distance to the rim.
void bulge(const cv::Mat& hard, double angle, cv::Mat& height, cv::Mat& lambert) {
  cv::distanceTransform(hard, height, cv::DIST_L2, 3);
  double hi = 0;
  cv::minMaxLoc(height, nullptr, &hi);
  height = height / std::max(hi, 1.0);
  cv::sqrt(height, height);
  cv::Mat gx, gy;
  cv::Sobel(height, gx, CV_32F, 1, 0, 3, 0.125);
  cv::Sobel(height, gy, CV_32F, 0, 1, 3, 0.125);
  lambert = -(gx * std::cos(angle) + gy * std::sin(angle)) * std::max(hi, 1.0) * 0.35;
  cv::min(cv::max(lambert, -1.0), 1.0, lambert);
}

}  // namespace

void synth_detail::validateConfig(const SynthConfig& c) {
  if (c.count < 1) throw Error("synth: count must be at least 1, got " + std::to_string(c.count));
  if (c.width < 16 || c.height < 16 || c.width > 8192 || c.height > 8192)
    throw Error("synth: image sides must be 16..8192 pixels, got " + std::to_string(c.width) + "x" + std::to_string(c.height));
  if (!(c.test_fraction >= 0.0 && c.test_fraction <= 1.0))
    throw Error("synth: test_fraction must be in [0, 1], got " + std::to_string(c.test_fraction));
}

SynthScene generateScene(const SynthConfig& config, int index) {
  validateConfig(config);
  if (index < 0) throw Error("synth: scene index must not be negative, got " + std::to_string(index));
  const cv::Size size(config.width, config.height);
  const std::uint64_t key = splitmix64(splitmix64(config.seed) ^ (0xD1B54A32D192ED03ull * static_cast<std::uint64_t>(index + 1)));
  // Separate streams, so a change in one stage does not reshuffle the others.
  Rng layout(splitmix64(key ^ 1)), camera(splitmix64(key ^ 2)), ranger(splitmix64(key ^ 3));

  Background bg = renderBackground(layout, size.width, size.height);
  std::vector<Placed> objects = placeObjects(layout, planObjects(layout), bg.floor);
  CleanScene& clean = bg.clean;
  const cv::Mat bg_albedo = clean.albedo.clone(), bg_depth = clean.depth.clone();

  // Distractors are painted on the background (same depth, own colours).
  for (auto& o : objects) {
    if (o.plan.cue != SalienceCue::ColourOnly) continue;
    const cv::Rect box = cv::boundingRect(o.hard);
    std::vector<cv::Vec3f> avoid = bg.colours;
    const cv::Scalar under = cv::mean(bg_albedo(box), o.hard(box));
    avoid.emplace_back(static_cast<float>(under[0]), static_cast<float>(under[1]), static_cast<float>(under[2]));
    const Texture tex = randomTexture(layout, distinctPalette(layout, avoid), true);
    for (int y = box.y; y < box.br().y; ++y)
      for (int x = box.x; x < box.br().x; ++x) {
        const float a = o.coverage.at<float>(y, x);
        if (a <= 0) continue;
        const float z = bg_depth.at<float>(y, x);
        auto& alb = clean.albedo.at<cv::Vec3f>(y, x);
        alb = alb * (1 - a) + tex.sample(x * z / bg.focal, y * z / bg.focal) * a;
      }
  }
  // Salient objects stand clearly in front of the nearest background point behind them: by a
  // share of that distance and by a share of the scene's depth range (so that the step remains
  // visible after the depth map is normalised).
  double bg_near = 0, bg_far = 0;
  cv::minMaxLoc(bg_depth, &bg_near, &bg_far);
  for (auto& o : objects) {
    if (o.plan.cue == SalienceCue::ColourOnly) continue;
    double nearest = 0;
    cv::minMaxLoc(bg_depth, &nearest, nullptr, nullptr, nullptr, o.hard);
    const double factor = o.plan.cue == SalienceCue::DepthOnly ? layout.uniform(0.5, 0.75) : layout.uniform(0.45, 0.8);
    const double step = layout.uniform(0.18, 0.3) * (bg_far - bg_near);
    o.z0 = static_cast<float>(std::max(0.4, std::min(nearest * factor, nearest - step)));
  }
  std::stable_sort(objects.begin(), objects.end(), [](const Placed& a, const Placed& b) {
    const bool ap = a.plan.cue == SalienceCue::ColourOnly, bp = b.plan.cue == SalienceCue::ColourOnly;
    return ap != bp ? ap : a.z0 > b.z0;  // distractors first (they lie on the background), then far to near
  });
  // Salient coloured objects cast soft shadows on the background; camouflaged ones do not,
  // since a shadow would give them away in the colour image.
  for (const auto& o : objects) {
    if (o.plan.cue != SalienceCue::Both || !layout.chance(0.7)) continue;
    const double d = layout.uniform(0.015, 0.05) * size.width;
    const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, -d * std::cos(bg.light.angle), 0, 1, -d * std::sin(bg.light.angle));
    cv::Mat shadow;
    cv::warpAffine(o.coverage, shadow, shift, size);
    const double sigma = layout.uniform(0.01, 0.03) * size.width;
    cv::GaussianBlur(shadow, shadow, cv::Size(0, 0), sigma, sigma);
    clean.shading = clean.shading.mul(1.0 - layout.uniform(0.2, 0.45) * shadow);
  }

  std::vector<cv::Mat> visible;
  for (auto& o : objects) {
    cv::Mat vis = o.coverage.clone();
    if (o.plan.cue != SalienceCue::ColourOnly) {
      cv::Mat height, lambert;
      bulge(o.hard, bg.light.angle, height, lambert);
      const bool camo = o.plan.cue == SalienceCue::DepthOnly;
      const double round = layout.uniform(0.0, 0.15);
      const double shade = camo ? layout.uniform(0.0, 0.05) : layout.uniform(0.15, 0.35);
      const int reach = std::max(2, static_cast<int>(0.04 * size.width));
      const int dx = layout.integer(-reach, reach), dy = layout.integer(-reach, reach);
      Texture tex;
      if (!camo) tex = randomTexture(layout, distinctPalette(layout, bg.colours), true);
      const cv::Rect box = cv::boundingRect(o.hard | (o.coverage > 0));
      for (int y = box.y; y < box.br().y; ++y)
        for (int x = box.x; x < box.br().x; ++x) {
          const float a = o.coverage.at<float>(y, x);
          if (a <= 0) continue;
          const float z = o.z0 * static_cast<float>(1.0 - round * height.at<float>(y, x));
          // Camouflage: the background's own pattern, slightly displaced, under the
          // background's light; a coloured object gets its own palette and 3-D shading.
          const cv::Vec3f alb = camo ? bg_albedo.at<cv::Vec3f>(std::clamp(y + dy, 0, size.height - 1),
                                                               std::clamp(x + dx, 0, size.width - 1))
                                     : tex.sample(x * o.z0 / bg.focal, y * o.z0 / bg.focal);
          const float base = camo ? clean.shading.at<float>(y, x) : bg.light.at(x, y, z);
          const float s = base * static_cast<float>(1.0 + shade * lambert.at<float>(y, x));
          clean.albedo.at<cv::Vec3f>(y, x) = clean.albedo.at<cv::Vec3f>(y, x) * (1 - a) + alb * a;
          clean.shading.at<float>(y, x) = clean.shading.at<float>(y, x) * (1 - a) + s * a;
          if (a >= 0.5f) clean.depth.at<float>(y, x) = z;
        }
    }
    for (auto& v : visible) v = v.mul(1.0 - o.coverage);  // occluded by this nearer object
    visible.push_back(vis);
  }

  SynthScene scene;
  char name[32];
  std::snprintf(name, sizeof name, "synth_%05d", index);
  scene.name = name;
  scene.rgb = renderRgbSensor(clean, camera);
  const DepthRange range = depthRangeOf(clean.depth, ranger);
  scene.depth = renderDepthSensor(clean, range, ranger);
  cv::Mat depth01(size, CV_32F), background01(size, CV_32F);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x) {
      depth01.at<float>(y, x) = range.normalise(clean.depth.at<float>(y, x));
      background01.at<float>(y, x) = range.normalise(bg_depth.at<float>(y, x));
    }

  cv::Mat gt = cv::Mat::zeros(size, CV_32F);
  for (std::size_t i = 0; i < objects.size(); ++i) {
    const Plan& plan = objects[i].plan;
    SynthObject so;
    so.cue = plan.cue;
    so.salient = plan.cue != SalienceCue::ColourOnly;
    so.shape = plan.shape;
    so.soft_edge = plan.soft;
    visible[i].convertTo(so.mask, CV_8U, 255.0);
    if (so.salient) {
      cv::Mat g;
      if (plan.soft) {  // a matte-like edge: coverage spread over a few pixels
        const double sigma = layout.uniform(0.6, 1.5);
        cv::GaussianBlur(visible[i], g, cv::Size(0, 0), sigma, sigma);
      } else {
        cv::Mat hard = visible[i] >= 0.5f;
        hard.convertTo(g, CV_32F, 1.0 / 255.0);
      }
      cv::max(gt, g, gt);
    }
    scene.objects.push_back(std::move(so));
  }
  gt.convertTo(scene.gt, CV_8U, 255.0);
  measureObjects(scene.objects, scene.rgb, depth01, background01);
  return scene;
}

}  // namespace rgbdsod::core
