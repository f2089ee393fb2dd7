#pragma once
// Conversions from the core's OpenCV images to Qt images. Every function returns a deep copy, so
// the result outlives the cv::Mat and may cross threads (workers convert, the GUI only draws).
#include <QColor>
#include <QImage>
#include <QSize>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/depth.h"

namespace rgbdsod::ui {

// CV_8UC3 (BGR), CV_8UC4 (BGRA), CV_8UC1, CV_16UC1 and CV_32FC1 in [0,1]. Empty for an empty or
// unsupported matrix.
QImage toQImage(const cv::Mat& image);

// A depth map as stored (8- or 16-bit) -> turbo colour map with near = red, far = blue, using the
// given polarity to decide which end is near.
QImage depthToColourImage(const cv::Mat& depth, core::DepthPolarity polarity);

// A GT mask (CV_8UC1, 0..255) -> premultiplied ARGB overlay: a translucent `fill` whose alpha
// follows the mask (soft edges stay soft) and an opaque `edge` outline of the object (mask > 128),
// so the GT stays visible on objects of any colour.
QImage maskToOverlayImage(const cv::Mat& mask, const QColor& fill, const QColor& edge);

// The BGR image scaled to fit inside a `side` x `side` square (aspect kept), centred on a square
// canvas of `background`, so that every thumbnail has the same size in a list view.
QImage squareThumbnail(const cv::Mat& bgr, int side, const QColor& background);

}  // namespace rgbdsod::ui
