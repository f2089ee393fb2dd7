// The label-correction tools on a GT mask. Each writes only the pixels whose value changes and
// returns the bounding box of those pixels, so an undo step copies no more than it must.
#include "rgbdsod/core/mask_edit.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/errors.h"

namespace rgbdsod::core {

namespace {

void checkMask(const cv::Mat& mask, const char* tool) {
  if (mask.empty()) throw Error(std::string(tool) + ": empty mask");
  if (mask.type() != CV_8UC1) throw Error(std::string(tool) + ": mask must be CV_8UC1 (8-bit, one channel)");
}

// The bounding box of the pixels written so far.
struct Bounds {
  int x0 = INT_MAX, y0 = INT_MAX, x1 = -1, y1 = -1;
  void add(int x, int y) {
    x0 = std::min(x0, x);
    x1 = std::max(x1, x);
    y0 = std::min(y0, y);
    y1 = std::max(y1, y);
  }
  cv::Rect rect() const { return x1 < 0 ? cv::Rect() : cv::Rect(x0, y0, x1 - x0 + 1, y1 - y0 + 1); }
};

// Writes `value` where the pixel differs; the written pixels go into `changed`.
inline void put(cv::Mat& mask, int x, int y, std::uint8_t value, Bounds& changed) {
  std::uint8_t& p = mask.ptr<std::uint8_t>(y)[x];
  if (p == value) return;
  p = value;
  changed.add(x, y);
}

std::int64_t isqrt(std::int64_t v) {
  auto s = static_cast<std::int64_t>(std::sqrt(static_cast<double>(v)));
  while (s * s > v) --s;
  while ((s + 1) * (s + 1) <= v) ++s;
  return s;
}

// half[d]: the disc's half-width on the row d px from its centre, so the disc is exactly the
// pixels with dx^2 + dy^2 <= r^2 (cv::circle's rasterisation is not documented that precisely).
std::vector<int> discHalfWidths(int radius) {
  std::vector<int> half(static_cast<std::size_t>(radius) + 1);
  const std::int64_t r2 = static_cast<std::int64_t>(radius) * radius;
  for (int d = 0; d <= radius; ++d)
    half[static_cast<std::size_t>(d)] = static_cast<int>(isqrt(r2 - static_cast<std::int64_t>(d) * d));
  return half;
}

// One disc, one row span at a time, clipped to the mask: touches only the disc's bounding box.
void stampSpans(cv::Mat& mask, cv::Point c, const std::vector<int>& half, std::uint8_t value, Bounds& changed) {
  const std::int64_t r = static_cast<std::int64_t>(half.size()) - 1;
  const std::int64_t ya = std::max<std::int64_t>(0, std::int64_t{c.y} - r);
  const std::int64_t yb = std::min<std::int64_t>(mask.rows - 1, std::int64_t{c.y} + r);
  for (std::int64_t y = ya; y <= yb; ++y) {
    const std::int64_t w = half[static_cast<std::size_t>(std::llabs(y - c.y))];
    const std::int64_t xa = std::max<std::int64_t>(0, c.x - w);
    const std::int64_t xb = std::min<std::int64_t>(mask.cols - 1, c.x + w);
    for (std::int64_t x = xa; x <= xb; ++x) put(mask, static_cast<int>(x), static_cast<int>(y), value, changed);
  }
}

// a / n rounded to the nearest integer, halves away from zero (n > 0).
std::int64_t roundDiv(std::int64_t a, std::int64_t n) {
  return a >= 0 ? (2 * a + n) / (2 * n) : -((-2 * a + n) / (2 * n));
}

// Visits the 4-connected pixels reachable from `seeds` through pixels where inside(x, y) holds.
// `seen` (size.area() zeros) ends 1 on every pixel tested; a pixel is tested once, so visit()
// may change what inside() would say about it.
template <typename Inside, typename Visit>
void flood4(cv::Size size, const std::vector<cv::Point>& seeds, Inside inside, Visit visit,
            std::vector<std::uint8_t>& seen) {
  std::vector<cv::Point> stack;
  const auto push = [&](int x, int y) {
    std::uint8_t& s = seen[static_cast<std::size_t>(y) * static_cast<std::size_t>(size.width) + static_cast<std::size_t>(x)];
    if (s) return;
    s = 1;
    if (inside(x, y)) stack.emplace_back(x, y);
  };
  for (const cv::Point& p : seeds) push(p.x, p.y);
  while (!stack.empty()) {
    const cv::Point p = stack.back();
    stack.pop_back();
    visit(p.x, p.y);
    if (p.x > 0) push(p.x - 1, p.y);
    if (p.x + 1 < size.width) push(p.x + 1, p.y);
    if (p.y > 0) push(p.x, p.y - 1);
    if (p.y + 1 < size.height) push(p.x, p.y + 1);
  }
}

// The 4-connected pixels whose every channel is within `tol` of the seed's.
template <typename T, int C>
void wand(cv::Mat& mask, const cv::Mat& guide, cv::Point seed, double tol, std::uint8_t value, Bounds& changed) {
  const T* s = guide.ptr<T>(seed.y) + seed.x * C;
  const auto inside = [&](int x, int y) {
    const T* g = guide.ptr<T>(y) + x * C;
    for (int c = 0; c < C; ++c)
      if (std::abs(static_cast<double>(g[c]) - static_cast<double>(s[c])) > tol) return false;
    return true;
  };
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(mask.total()), 0);
  flood4(mask.size(), {seed}, inside, [&](int x, int y) { put(mask, x, y, value, changed); }, seen);
}

bool contains(const cv::Mat& m, cv::Point p) { return p.x >= 0 && p.y >= 0 && p.x < m.cols && p.y < m.rows; }

// The bounding box of the binarised foreground (empty when there is none).
cv::Rect foregroundBox(const cv::Mat& mask) {
  Bounds b;
  for (int y = 0; y < mask.rows; ++y) {
    const std::uint8_t* p = mask.ptr<std::uint8_t>(y);
    int first = -1, last = -1;
    for (int x = 0; x < mask.cols; ++x)
      if (p[x] >= kMaskThreshold) {
        if (first < 0) first = x;
        last = x;
      }
    if (first < 0) continue;
    b.add(first, y);
    b.add(last, y);
  }
  return b.rect();
}

constexpr std::int64_t kFar = std::numeric_limits<std::int64_t>::max() / 4;

// Exact squared Euclidean distance from every pixel to the nearest pixel with target(x, y) true
// (kFar when there is none): a column pass, then the lower envelope of parabolas per row
// (Felzenszwalb & Huttenlocher). Integers, so `d2 <= r*r` decides exactly like the disc does.
template <typename Target>
std::vector<std::int64_t> squaredDistance(cv::Size size, Target target) {
  const int w = size.width, h = size.height;
  const auto at = [w](int x, int y) { return static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x); };
  std::vector<std::int64_t> g(static_cast<std::size_t>(size.area()));
  for (int x = 0; x < w; ++x) {
    std::int64_t d = kFar;
    for (int y = 0; y < h; ++y) g[at(x, y)] = d = target(x, y) ? 0 : (d == kFar ? kFar : d + 1);
    d = kFar;
    for (int y = h - 1; y >= 0; --y) {
      d = g[at(x, y)] == 0 ? 0 : (d == kFar ? kFar : d + 1);
      g[at(x, y)] = std::min(g[at(x, y)], d);
    }
  }
  std::vector<std::int64_t> f(static_cast<std::size_t>(w));
  std::vector<int> v(static_cast<std::size_t>(w));
  std::vector<double> z(static_cast<std::size_t>(w) + 1);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const std::int64_t gx = g[at(x, y)];
      f[static_cast<std::size_t>(x)] = gx == kFar ? kFar : gx * gx;
    }
    const auto cross = [&](int a, int b) {  // where the parabolas of columns a < b meet
      const double fa = static_cast<double>(f[static_cast<std::size_t>(a)]) + double(a) * a;
      const double fb = static_cast<double>(f[static_cast<std::size_t>(b)]) + double(b) * b;
      return (fb - fa) / (2.0 * (b - a));
    };
    int k = -1;
    for (int q = 0; q < w; ++q) {
      if (f[static_cast<std::size_t>(q)] == kFar) continue;
      double s = -std::numeric_limits<double>::infinity();
      while (k >= 0) {
        s = cross(v[static_cast<std::size_t>(k)], q);
        if (s > z[static_cast<std::size_t>(k)]) break;
        --k;
        s = -std::numeric_limits<double>::infinity();
      }
      ++k;
      v[static_cast<std::size_t>(k)] = q;
      z[static_cast<std::size_t>(k)] = s;
    }
    for (int x = 0, j = 0; x < w; ++x) {
      if (k < 0) {
        g[at(x, y)] = kFar;
        continue;
      }
      while (j < k && z[static_cast<std::size_t>(j) + 1] < x) ++j;
      const std::int64_t dx = x - v[static_cast<std::size_t>(j)];
      g[at(x, y)] = dx * dx + f[static_cast<std::size_t>(v[static_cast<std::size_t>(j)])];
    }
  }
  return g;
}

}  // namespace

cv::Rect stampDisc(cv::Mat& mask, cv::Point centre, int radius, std::uint8_t value) {
  checkMask(mask, "stampDisc");
  if (radius < 0) throw Error("stampDisc: radius must be >= 0, got " + std::to_string(radius));
  Bounds changed;
  stampSpans(mask, centre, discHalfWidths(radius), value, changed);
  return changed.rect();
}

cv::Rect stampSegment(cv::Mat& mask, cv::Point from, cv::Point to, int radius, std::uint8_t value) {
  checkMask(mask, "stampSegment");
  if (radius < 0) throw Error("stampSegment: radius must be >= 0, got " + std::to_string(radius));
  constexpr int kFarthest = 1 << 30;  // keeps i * dx in roundDiv within 64 bits
  for (const cv::Point& p : {from, to})
    if (std::llabs(p.x) >= kFarthest || std::llabs(p.y) >= kFarthest)
      throw Error("stampSegment: point (" + std::to_string(p.x) + ", " + std::to_string(p.y) + ") is too far out");
  const std::vector<int> half = discHalfWidths(radius);
  const std::int64_t dx = std::int64_t{to.x} - from.x, dy = std::int64_t{to.y} - from.y;
  const std::int64_t n = std::max(std::llabs(dx), std::llabs(dy));
  const auto cx = [&](std::int64_t i) { return from.x + (n ? roundDiv(i * dx, n) : 0); };
  const auto cy = [&](std::int64_t i) { return from.y + (n ? roundDiv(i * dy, n) : 0); };
  // Only the stamps whose centre lies within r of the mask can touch it; the centres move
  // monotonically, so those form one run of i, found by bisection (a drag far outside stays cheap).
  const std::int64_t r = radius;
  const auto bisect = [n](auto pred) {  // the first i in [0, n + 1] with pred(i), pred monotone
    std::int64_t lo = 0, hi = n + 1;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (pred(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  std::int64_t i0 = 0, i1 = n;
  const auto clip = [&](auto f, std::int64_t d, std::int64_t hi_edge) {  // keep lo_edge <= f(i) <= hi_edge
    const std::int64_t lo_edge = -r;
    if (d >= 0) {
      i0 = std::max(i0, bisect([&](std::int64_t i) { return f(i) >= lo_edge; }));
      i1 = std::min(i1, bisect([&](std::int64_t i) { return f(i) > hi_edge; }) - 1);
    } else {
      i0 = std::max(i0, bisect([&](std::int64_t i) { return f(i) <= hi_edge; }));
      i1 = std::min(i1, bisect([&](std::int64_t i) { return f(i) < lo_edge; }) - 1);
    }
  };
  clip(cx, dx, std::int64_t{mask.cols} - 1 + r);
  clip(cy, dy, std::int64_t{mask.rows} - 1 + r);
  if (i0 > i1) return {};
  std::vector<cv::Point2l> c;
  c.reserve(static_cast<std::size_t>(i1 - i0 + 1));
  for (std::int64_t i = i0; i <= i1; ++i) c.emplace_back(cx(i), cy(i));
  if (dy < 0) std::reverse(c.begin(), c.end());  // the union does not care; rows go top-down
  // Row by row rather than disc by disc: consecutive centres are at most 1 px apart and every
  // disc's span holds its centre, so on each row the discs' spans join into one interval, and
  // each stroke pixel is written once. The result is exactly the union of the stamped discs.
  const std::int64_t ya = std::max<std::int64_t>(0, c.front().y - r);
  const std::int64_t yb = std::min<std::int64_t>(mask.rows - 1, c.back().y + r);
  Bounds changed;
  std::size_t first = 0, last = 0;  // the centres within r rows of y: [first, last)
  for (std::int64_t y = ya; y <= yb; ++y) {
    while (first < c.size() && c[first].y < y - r) ++first;
    while (last < c.size() && c[last].y <= y + r) ++last;
    std::int64_t xa = std::numeric_limits<std::int64_t>::max(), xb = std::numeric_limits<std::int64_t>::min();
    for (std::size_t i = first; i < last; ++i) {
      const std::int64_t w = half[static_cast<std::size_t>(std::llabs(y - c[i].y))];
      xa = std::min(xa, c[i].x - w);
      xb = std::max(xb, c[i].x + w);
    }
    xa = std::max<std::int64_t>(xa, 0);
    xb = std::min<std::int64_t>(xb, mask.cols - 1);
    for (std::int64_t x = xa; x <= xb; ++x) put(mask, static_cast<int>(x), static_cast<int>(y), value, changed);
  }
  return changed.rect();
}

cv::Rect fillPolygon(cv::Mat& mask, const std::vector<cv::Point>& polygon, std::uint8_t value) {
  checkMask(mask, "fillPolygon");
  if (polygon.size() < 3) return {};
  // Rasterise only the part of the polygon's box inside the mask.
  const cv::Rect roi = cv::boundingRect(polygon) & cv::Rect(0, 0, mask.cols, mask.rows);
  if (roi.empty()) return {};
  std::vector<std::vector<cv::Point>> local(1);
  local[0].reserve(polygon.size());
  for (const cv::Point& p : polygon) local[0].push_back(p - roi.tl());
  cv::Mat inside(roi.size(), CV_8UC1, cv::Scalar(0));
  cv::fillPoly(inside, local, cv::Scalar(255), cv::LINE_8);
  cv::polylines(inside, local, true, cv::Scalar(255), 1, cv::LINE_8);  // the outline for sure
  Bounds changed;
  for (int y = 0; y < roi.height; ++y) {
    const std::uint8_t* in = inside.ptr<std::uint8_t>(y);
    for (int x = 0; x < roi.width; ++x)
      if (in[x]) put(mask, roi.x + x, roi.y + y, value, changed);
  }
  return changed.rect();
}

cv::Rect magicWand(cv::Mat& mask, const cv::Mat& guide, cv::Point seed, double tolerance, std::uint8_t value) {
  checkMask(mask, "magicWand");
  if (guide.size() != mask.size())
    throw Error("magicWand: guide is " + std::to_string(guide.cols) + "x" + std::to_string(guide.rows) +
                " but the mask is " + std::to_string(mask.cols) + "x" + std::to_string(mask.rows));
  if (!(tolerance >= 0.0)) throw Error("magicWand: tolerance must be >= 0, got " + std::to_string(tolerance));
  Bounds changed;
  const int type = guide.type();
  if (type != CV_8UC3 && type != CV_8UC1 && type != CV_16UC1)
    throw Error("magicWand: guide must be CV_8UC3 (RGB), CV_8UC1 or CV_16UC1 (depth)");
  if (!contains(mask, seed)) return {};
  if (type == CV_8UC3) wand<std::uint8_t, 3>(mask, guide, seed, tolerance, value, changed);
  else if (type == CV_8UC1) wand<std::uint8_t, 1>(mask, guide, seed, tolerance, value, changed);
  else wand<std::uint16_t, 1>(mask, guide, seed, tolerance, value, changed);
  return changed.rect();
}

cv::Rect flipRegion(cv::Mat& mask, cv::Point seed) {
  checkMask(mask, "flipRegion");
  if (!contains(mask, seed)) return {};
  const bool fg = mask.at<std::uint8_t>(seed) >= kMaskThreshold;
  const std::uint8_t target = fg ? 0 : 255;
  const auto inside = [&](int x, int y) { return (mask.ptr<std::uint8_t>(y)[x] >= kMaskThreshold) == fg; };
  Bounds changed;
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(mask.total()), 0);
  flood4(mask.size(), {seed}, inside, [&](int x, int y) { put(mask, x, y, target, changed); }, seen);
  return changed.rect();
}

cv::Rect fillHoles(cv::Mat& mask) {
  checkMask(mask, "fillHoles");
  // Every background pixel outside the foreground's box reaches the border in a straight line, so
  // the holes are the background components inside the box that do not touch the box's edge.
  const cv::Rect box = foregroundBox(mask);
  if (box.empty()) return {};
  cv::Mat roi = mask(box);
  const auto bg = [&](int x, int y) { return roi.ptr<std::uint8_t>(y)[x] < kMaskThreshold; };
  std::vector<cv::Point> edge;
  for (int x = 0; x < box.width; ++x) edge.insert(edge.end(), {{x, 0}, {x, box.height - 1}});
  for (int y = 0; y < box.height; ++y) edge.insert(edge.end(), {{0, y}, {box.width - 1, y}});
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(box.area()), 0);
  flood4(box.size(), edge, bg, [](int, int) {}, seen);
  Bounds changed;
  for (int y = 0; y < box.height; ++y)
    for (int x = 0; x < box.width; ++x)  // seen background = reached from the edge
      if (bg(x, y) && !seen[static_cast<std::size_t>(y) * static_cast<std::size_t>(box.width) + static_cast<std::size_t>(x)])
        put(roi, x, y, 255, changed);
  const cv::Rect r = changed.rect();
  return r.empty() ? r : r + box.tl();
}

cv::Rect growShrink(cv::Mat& mask, int n) {
  checkMask(mask, "growShrink");
  if (n == 0) return {};
  const cv::Rect box = foregroundBox(mask);
  if (box.empty()) return {};
  // Growing changes pixels within |n| of the box; shrinking changes the box's pixels, which decide
  // by the background within |n| of them: either way the box plus |n| (clipped) holds all we read.
  const std::int64_t r = std::llabs(static_cast<std::int64_t>(n));
  const auto clampTo = [](std::int64_t v, int hi) { return static_cast<int>(std::clamp<std::int64_t>(v, 0, hi)); };
  const int x0 = clampTo(box.x - r, mask.cols), y0 = clampTo(box.y - r, mask.rows);
  const int x1 = clampTo(std::int64_t{box.br().x} + r, mask.cols), y1 = clampTo(std::int64_t{box.br().y} + r, mask.rows);
  const cv::Rect area(x0, y0, x1 - x0, y1 - y0);
  cv::Mat roi = mask(area);
  const bool grow = n > 0;
  // Grow: background pixels within r of the foreground; shrink: foreground pixels within r of the
  // background. Pixels outside the image count as neither (an object cut by the frame keeps it).
  const auto target = [&](int x, int y) { return (roi.ptr<std::uint8_t>(y)[x] >= kMaskThreshold) == grow; };
  const std::vector<std::int64_t> d2 = squaredDistance(area.size(), target);
  const std::uint8_t value = grow ? 255 : 0;
  Bounds changed;
  for (int y = 0; y < area.height; ++y)
    for (int x = 0; x < area.width; ++x) {
      const std::int64_t d = d2[static_cast<std::size_t>(y) * static_cast<std::size_t>(area.width) + static_cast<std::size_t>(x)];
      if (d > 0 && d < kFar && d <= r * r) put(roi, x, y, value, changed);
    }
  const cv::Rect out = changed.rect();
  return out.empty() ? out : out + area.tl();
}

}  // namespace rgbdsod::core
