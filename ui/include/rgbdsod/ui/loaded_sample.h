#pragma once
// One sample decoded for display: Qt images ready to draw plus the facts the info panel shows.
// Built in a worker (sample_loader.h) and handed to the GUI thread by value.
#include <QImage>
#include <QString>
#include <QStringList>

#include "rgbdsod/core/depth.h"

namespace rgbdsod::ui {

struct LoadedSample {
  int index = -1;
  QString name;
  QString rgb_file, depth_file, gt_file;  // empty when the partner is missing

  QImage rgb;           // RGB as stored
  QImage depth_colour;  // depth, turbo colour map, near = red
  QImage gt;            // mask, grey
  QImage gt_overlay;    // mask as a coloured translucent layer for the RGB pane

  core::DepthPolarity polarity = core::DepthPolarity::NearIsBright;  // used for depth_colour
  QString depth_format;       // "8-bit" / "16-bit"
  double depth_min = 0, depth_max = 0;  // stored values (holes excluded)
  double depth_hole_fraction = 0;       // zero pixels / all pixels
  double gt_foreground_fraction = 0;    // pixels > 128 / all pixels
  double gt_soft_fraction = 0;          // pixels strictly between 0 and 255 / all pixels

  QStringList errors;  // per-file read errors (the other modalities are still shown)
};

}  // namespace rgbdsod::ui

#include <QMetaType>
Q_DECLARE_METATYPE(rgbdsod::ui::LoadedSample)
