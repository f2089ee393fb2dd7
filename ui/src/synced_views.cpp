#include "rgbdsod/ui/synced_views.h"

#include "rgbdsod/ui/image_view.h"

namespace rgbdsod::ui {

SyncedViews::SyncedViews(QObject* parent) : QObject(parent) {}

void SyncedViews::add(ImageView* view) {
  views_.append(view);
  connect(view, &ImageView::viewChanged, this, [this, view] { follow(view); });
}

void SyncedViews::zoomToFit() {
  if (views_.isEmpty() || !views_.front()) return;
  views_.front()->zoomToFit();  // the others follow through viewChanged
}

void SyncedViews::zoomToActualSize() {
  if (views_.isEmpty() || !views_.front()) return;
  views_.front()->zoomToActualSize();
}

void SyncedViews::follow(ImageView* leader) {
  if (syncing_) return;
  syncing_ = true;
  for (const QPointer<ImageView>& view : views_) {
    if (view && view != leader) view->followView(*leader);
  }
  syncing_ = false;
}

}  // namespace rgbdsod::ui
