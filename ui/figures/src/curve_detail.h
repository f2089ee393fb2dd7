#pragma once
// Internals shared by curve_figure.cpp (drawing) and curve_export.cpp (files); not installed.
#include <vector>

#include <QSizeF>

#include "rgbdsod/figures/curve_figure.h"

namespace rgbdsod::figures::detail {

// drawCurves with every font size multiplied by `font_scale`, for a figure of `figure` units (it
// spaces the markers and places the legend). The export lays a figure out in pt units on devices whose fonts resolve at
// the screen's dpi, so it passes 72 / dpi to get fonts of exactly style.font_pt points.
void drawCurvesScaled(QCustomPlot& plot, CurveKind kind, const std::vector<MethodCurves>& methods,
                      const FigureStyle& style, double font_scale, QSizeF figure);

// Figure size in pt (1/72 inch), the layout unit of exported figures.
int widthPt(const FigureStyle& style);
int heightPt(const FigureStyle& style);

}  // namespace rgbdsod::figures::detail
