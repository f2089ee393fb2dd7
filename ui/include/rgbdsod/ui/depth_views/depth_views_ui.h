#pragma once
// Puts the depth views into a MainWindow: the "Depth view" box in its toolbar, a Depth menu
// (settings dialog, build/cancel the HHA cache), a status-bar corner for depth messages and the
// cache build's progress, and the wiring that shows the selected view in the depth pane. Kept out
// of MainWindow so that the window's own files only gain one call.
namespace rgbdsod::ui {

class DepthViewController;
class MainWindow;

// Call once, at the end of the window's construction (after its session connections, so that
// a loaded sample's depth view replaces the window's colour-mapped depth in the same event).
// The controller is a child of the window named "depthViewController".
DepthViewController* installDepthViews(MainWindow* window);

}  // namespace rgbdsod::ui
