#pragma once
// Exports a widget as it is drawn (one pane, or the whole grid of Inspect) as PNG at a chosen DPI,
// SVG or PDF (vector where Qt draws vectors: text and frames; images stay images), by suffix.
// Written to a temporary file and renamed: nothing half-written under the final name.
#include <QString>

class QWidget;

namespace rgbdsod::ui {

// False with `error` set (naming the file) on failure or an unknown suffix.
bool exportWidget(QWidget* widget, const QString& path, int dpi, QString* error);

}  // namespace rgbdsod::ui
