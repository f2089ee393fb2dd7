#pragma once
// The studio's look: Fusion with a dark palette, so images (not chrome) draw the eye.
class QApplication;

namespace rgbdsod::ui {

void applyStudioStyle(QApplication& app);

}  // namespace rgbdsod::ui
