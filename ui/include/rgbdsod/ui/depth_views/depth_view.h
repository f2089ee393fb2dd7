#pragma once
// The ways the studio's depth pane can show a sample's depth: the colour-mapped stored depth, or
// views of its HHA encoding (Gupta et al.): disparity colour-mapped, the three channels as false
// colour, or one channel as grey. Plain functions without Qt objects: the HHA is produced in
// workers (from the dataset's hha/ cache when present, else encoded), rendering is cheap.
#include <QImage>
#include <QString>
#include <QStringList>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth.h"
#include "rgbdsod/core/depth_config.h"

namespace rgbdsod::ui {

// In the order of the studio's "Depth view" box.
enum class DepthView {
  Depth,         // stored depth, turbo colour map (the sample loader's image)
  Disparity,     // HHA disparity channel, turbo colour map (near = red)
  Hha,           // HHA as false colour: R = disparity, G = height, B = angle (as the field shows it)
  HhaDisparity,  // HHA's first channel as grey
  HhaHeight,     // HHA's second channel as grey
  HhaAngle,      // HHA's third channel as grey
};
inline constexpr int kDepthViewCount = 6;

QString depthViewLabel(DepthView view);  // "Depth", "Disparity", "HHA", "H: disparity", ...
QStringList depthViewLabels();           // every label, in enum order
inline bool needsHha(DepthView view) { return view != DepthView::Depth; }

// The image of an HHA view. hha: CV_8UC3 in the cache's BGR order (channel 2 disparity, 1 height,
// 0 angle). Null for DepthView::Depth or an unusable matrix. The grey views are the channel's
// bytes unchanged, so that they can be compared with the encoder's output.
QImage renderHhaView(const cv::Mat& hha, DepthView view);

// The HHA of one sample for display.
struct DisplayHha {
  cv::Mat hha;            // CV_8UC3, BGR order; empty on failure
  bool from_cache = false;  // read from (or brought up to date in) <dataset>/hha
  QString error;          // why there is no HHA (names the file where there is one)
};

// True when the dataset has an HHA cache (<root>/hha with its manifest).
bool hasHhaCache(const core::Dataset& dataset);

// HHA of sample `index` under `config`. With use_cache and a cache present it comes from
// core::loadHha (which re-encodes a stale entry into the cache); otherwise it is encoded here, in
// memory, without writing into the dataset. `polarity` is used for relative depth when the
// config sets none. Never throws. Runs in a worker: encoding a 640x480 frame takes tens of ms.
DisplayHha hhaForDisplay(const core::Dataset& dataset, int index, const core::DepthConfig& config,
                         core::DepthPolarity polarity, bool use_cache);

}  // namespace rgbdsod::ui
