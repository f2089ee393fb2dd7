#pragma once
// Publication-style curve figures (PR curves, F-measure vs threshold) drawn with QCustomPlot.
// Shared by `rgbdsod plot` (rendered offscreen to PNG/PDF/SVG) and the studio's Evaluation view
// (the same drawing on an on-screen QCustomPlot). Torch-free; needs only Qt Gui/Widgets.
#include <filesystem>
#include <string>
#include <vector>

#include "rgbdsod/core/metrics.h"

class QCustomPlot;

namespace rgbdsod::figures {

enum class CurveKind {
  PrecisionRecall,     // x = recall, y = precision, one point per threshold
  FmeasureThreshold,   // x = threshold 0..255, y = F-measure (beta^2 = 0.3)
  EmeasureThreshold,   // x = threshold 0..255, y = E-measure
};

// One method's image-averaged curves on one dataset, with its display name.
struct MethodCurves {
  std::string label;
  core::ImageCurves curves;
};

struct FigureStyle {
  double width_cm = 8.5;    // a single column of a two-column paper
  double height_cm = 6.5;
  double font_pt = 8.0;
  bool grayscale_safe = true;  // vary dash pattern and marker as well as colour
  bool legend = true;
  std::string title;           // empty: no title (papers caption figures instead)
};

// Replaces the plot's content with the curves of `methods` for `kind`, styled by `style`.
void drawCurves(QCustomPlot& plot, CurveKind kind, const std::vector<MethodCurves>& methods,
                const FigureStyle& style);

// Renders offscreen and writes by extension (.png at 300 dpi, .pdf, .svg), atomically, at the
// style's size in cm (fonts in pt, lines in pt). Needs a QApplication (QCustomPlot is a widget).
// Throws core::FileError naming the file on an unknown extension or a write failure.
void saveCurveFigure(const std::filesystem::path& file, CurveKind kind, const std::vector<MethodCurves>& methods,
                     const FigureStyle& style);

inline constexpr int kPngDpi = 300;

// The PNG's pixel size for a style: its size in cm at kPngDpi (the height within a pixel).
struct PixelSize {
  int width = 0;
  int height = 0;
};
PixelSize pngPixelSize(const FigureStyle& style);

}  // namespace rgbdsod::figures
