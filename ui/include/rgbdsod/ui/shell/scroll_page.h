#pragma once
// A workspace page whose content scrolls when the window is narrower than its panels need,
// instead of raising the whole window's minimum size (a tab widget's minimum is every tab's).
#include <QWidget>

namespace rgbdsod::ui {

// Puts `content` into a frameless, resizable scroll area that fills `page` (its only child).
void setScrollingContent(QWidget* page, QWidget* content);

}  // namespace rgbdsod::ui
