#pragma once
// The label-correction tools on a GT mask (CV_8UC1, 0..255), widget-free and torch-free: the
// studio's Labels workspace and `rgbdsod labels apply` run exactly these. Every tool writes only
// the pixels it touches (soft edges elsewhere keep their grey values) and returns the rectangle it
// may have changed (empty when nothing changed), which is what an undo step stores and what the
// view repaints. Binary decisions use kMaskThreshold (a pixel is foreground when >= 128), as the
// evaluation and the label noise do.
#include <cstdint>
#include <vector>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

namespace rgbdsod::core {

inline constexpr int kMaskThreshold = 128;

// A filled disc of `radius` px (radius 0: one pixel) at `centre`, set to `value`: exactly the pixels
// with dx^2 + dy^2 <= radius^2, clipped to the mask (the centre may lie outside). Every tool throws
// Error for an empty or non-CV_8UC1 mask; the stamps also for a negative radius.
cv::Rect stampDisc(cv::Mat& mask, cv::Point centre, int radius, std::uint8_t value);
// The discs along the segment from -> to, spaced so the stroke has no gaps (one stamp per pixel
// of the segment's longer axis); `from` itself is stamped too. Stamp i of n sits at
// from + i * (to - from) / n, each coordinate rounded to the nearest pixel (halves away from `from`).
// Throws Error for an end point 2^30 px or more from the origin.
cv::Rect stampSegment(cv::Mat& mask, cv::Point from, cv::Point to, int radius, std::uint8_t value);

// The closed polygon (its inside and its outline, 8-connected rasterisation) set to `value`.
// Fewer than 3 points: nothing changes.
cv::Rect fillPolygon(cv::Mat& mask, const std::vector<cv::Point>& polygon, std::uint8_t value);

// The magic wand: the 4-connected pixels around `seed` whose guide value is within `tolerance` of
// the seed's (every channel, absolute difference) are set to `value`. guide: the RGB image
// (CV_8UC3), or depth (CV_8UC1 or CV_16UC1; tolerance in the guide's units), the mask's size.
// Throws Error for a guide of another size or type or a negative tolerance; a seed outside the
// image changes nothing. The region follows the guide only: the mask's values do not stop it.
cv::Rect magicWand(cv::Mat& mask, const cv::Mat& guide, cv::Point seed, double tolerance, std::uint8_t value);

// Flips the region under `seed`: its 4-connected component of the binarised mask (foreground or
// background) becomes the other label (0 or 255), as region-level label noise flips it. A seed
// outside the image changes nothing.
cv::Rect flipRegion(cv::Mat& mask, cv::Point seed);

// Background components (4-connected, as flipRegion's regions) that do not touch the border become
// foreground (255); a gap in an outline that is only diagonal does not let a hole out.
cv::Rect fillHoles(cv::Mat& mask);

// Grows (n > 0) or shrinks (n < 0) the binarised foreground by |n| px (a disc of radius |n|); only
// the pixels whose binary label changes are written (255 or 0). Pixels outside the image count as
// neither: growing never wraps, and an object cut by the frame does not shrink away from it.
cv::Rect growShrink(cv::Mat& mask, int n);

}  // namespace rgbdsod::core
