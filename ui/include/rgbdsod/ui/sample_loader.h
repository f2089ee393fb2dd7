#pragma once
// Decoding a sample for display. Plain functions without Qt objects: they run in worker threads.
#include <QColor>
#include <QImage>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth.h"
#include "rgbdsod/ui/loaded_sample.h"

namespace rgbdsod::ui {

// The colours the GT is drawn in over the RGB image: fill and outline.
QColor gtOverlayFill();
QColor gtOverlayEdge();

// Reads every file of sample `index` that exists; a file that fails to read leaves its image empty
// and adds the error message (which names the file) to LoadedSample::errors. Never throws.
LoadedSample loadSampleForDisplay(const core::Dataset& dataset, int index,
                                  core::DepthPolarity polarity);

// The sample's RGB image as a square thumbnail; a grey "missing" tile when it cannot be read.
QImage loadThumbnail(const core::SampleFiles& files, int side);

}  // namespace rgbdsod::ui
