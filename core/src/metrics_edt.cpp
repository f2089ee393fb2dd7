// Exact Euclidean feature transform in linear time, separable (Maurer et al. 2003, as in
// scipy.ndimage.distance_transform_edt): a 1-D nearest feature per column, then per row the lower
// envelope of the parabolas (x - x_i)^2 + dy_i^2. Integer arithmetic throughout, so it is exact.
//
// Ties follow scipy, which the weighted F-measure depends on (it copies the error of the nearest
// foreground pixel): in a column the upper of two equidistant features wins; along a row a site is
// dropped from the envelope only when it is strictly hidden, and the query moves to the next site
// only when that one is strictly closer. The result is the smallest column, then the smallest row,
// among the equidistant features (checked against brute force and scipy in the tests).
#include "metrics_edt.h"

#include <algorithm>
#include <stdexcept>

#include "rgbdsod/core/metrics.h"

namespace rgbdsod::core {
namespace detail {

namespace {

struct Site {
  std::int32_t x;    // column
  std::int32_t row;  // its nearest feature row
};

// Per row: `nearest` holds each column's nearest feature row (-1: none) on entry, the feature index
// on return; `sq_distance` gets the squared distances.
template <typename Int>
void lowerEnvelopes(int rows, int cols, std::vector<std::int32_t>& sq_distance, std::vector<std::int32_t>& nearest) {
  std::vector<Site> sites(static_cast<std::size_t>(cols));
  std::vector<Int> heights(static_cast<std::size_t>(cols));
  for (int y = 0; y < rows; ++y) {
    std::int32_t* best = nearest.data() + static_cast<std::size_t>(y) * cols;
    std::int32_t* dist = sq_distance.data() + static_cast<std::size_t>(y) * cols;
    int top = -1;  // the envelope is sites[0..top]
    for (int x = 0; x < cols; ++x) {
      if (best[x] < 0) continue;
      const Int dy = static_cast<Int>(best[x] - y);
      const Int h = dy * dy;
      while (top >= 1) {
        // u = site top-1, v = site top, w = the new one. v is hidden when the parabolas of u and w
        // cross below it: c*h_v - b*h_u - a*h_w - a*b*c > 0 (a = x_v - x_u, b = x_w - x_v, c = a + b).
        // Equal to 0 (the three meet in one point) keeps v, as scipy does.
        const Int a = static_cast<Int>(sites[top].x - sites[top - 1].x);
        const Int b = static_cast<Int>(x - sites[top].x);
        const Int c = a + b;
        if (c * heights[top] - b * heights[top - 1] - a * h - a * b * c <= 0) break;
        --top;
      }
      ++top;
      sites[top] = Site{x, best[x]};
      heights[top] = h;
    }
    if (top < 0) {  // no feature anywhere in the image
      std::fill(best, best + cols, -1);
      std::fill(dist, dist + cols, -1);
      continue;
    }
    // The query, as ranges: site l+1 is strictly closer than site l exactly from column
    // first = floor(num / den) + 1 on (num = x_b^2 - x_a^2 + h_b - h_a, den = 2 (x_b - x_a)). These
    // starts do not decrease along the envelope, so the columns [start_l, start_l+1) take site l: the
    // same choice as a monotone scan that moves on only to a strictly closer site, without its
    // data-dependent branches (the fills vectorise).
    int from = 0;
    for (int l = 0; l <= top && from < cols; ++l) {
      int to = cols;
      if (l < top) {
        const Int xa = sites[l].x;
        const Int xb = sites[l + 1].x;
        const Int num = xb * xb - xa * xa + heights[l + 1] - heights[l];
        const Int den = 2 * (xb - xa);
        Int q = num / den;
        if (num % den != 0 && num < 0) --q;  // floor division
        to = static_cast<int>(std::clamp<Int>(q + 1, from, cols));
      }
      const Int xs = sites[l].x;
      const Int h = heights[l];
      const std::int32_t index = sites[l].row * cols + sites[l].x;
      // best[] of this row is overwritten here, after every site was copied out of it above.
      for (int x = from; x < to; ++x) {
        const Int dx = static_cast<Int>(x) - xs;
        best[x] = index;
        dist[x] = static_cast<std::int32_t>(dx * dx + h);
      }
      from = to;
    }
  }
}

}  // namespace

void featureTransform(const cv::Mat& image, int threshold, std::vector<std::int32_t>& sq_distance,
                      std::vector<std::int32_t>& nearest) {
  if (image.type() != CV_8UC1) throw std::invalid_argument("nearestFeature: the image must be CV_8UC1");
  const int rows = image.rows;
  const int cols = image.cols;
  const std::size_t n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  sq_distance.resize(n);
  nearest.resize(n);
  // Pass 1, by row sweeps (cache friendly): the nearest feature row in each column. `nearest`
  // temporarily holds that row (-1: the column has no feature).
  std::vector<std::int32_t> last(static_cast<std::size_t>(cols), -1);
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* row = image.ptr<std::uint8_t>(y);
    std::int32_t* above = nearest.data() + static_cast<std::size_t>(y) * cols;
    for (int x = 0; x < cols; ++x) {  // branch-free, so that it vectorises
      const std::int32_t l = row[x] > threshold ? y : last[x];
      last[x] = l;
      above[x] = l;
    }
  }
  std::vector<std::int32_t>& next = last;
  std::fill(next.begin(), next.end(), -1);
  for (int y = rows - 1; y >= 0; --y) {
    const std::uint8_t* row = image.ptr<std::uint8_t>(y);
    std::int32_t* best = nearest.data() + static_cast<std::size_t>(y) * cols;
    for (int x = 0; x < cols; ++x) {
      const std::int32_t down = row[x] > threshold ? y : next[x];
      next[x] = down;
      const std::int32_t up = best[x];
      // The upper feature wins a tie (<=).
      best[x] = up < 0 || (down >= 0 && down - y < y - up) ? down : up;
    }
  }

  // Pass 2, per row: lower envelope of the columns' parabolas, then a monotone query. 32-bit
  // arithmetic when the largest term (c*h with c < 2*cols, h < rows^2, and a*b*c) fits, else 64-bit.
  const std::int64_t big = 2 * std::int64_t{cols} * std::int64_t{rows} * rows + std::int64_t{cols} * cols * cols;
  if (big < (std::int64_t{1} << 30))
    lowerEnvelopes<std::int32_t>(rows, cols, sq_distance, nearest);
  else
    lowerEnvelopes<std::int64_t>(rows, cols, sq_distance, nearest);
}

}  // namespace detail

FeatureTransform nearestFeature(const cv::Mat& features) {
  std::vector<std::int32_t> dist;
  std::vector<std::int32_t> index;
  detail::featureTransform(features, 0, dist, index);
  FeatureTransform ft;
  ft.sq_distance = cv::Mat(features.rows, features.cols, CV_32SC1);
  ft.nearest = cv::Mat(features.rows, features.cols, CV_32SC1);
  if (!dist.empty()) {
    std::copy(dist.begin(), dist.end(), ft.sq_distance.ptr<std::int32_t>(0));
    std::copy(index.begin(), index.end(), ft.nearest.ptr<std::int32_t>(0));
  }
  return ft;
}

}  // namespace rgbdsod::core
