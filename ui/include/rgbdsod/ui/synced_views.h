#pragma once
// Keeps a group of image views at the same zoom and pan: whichever view the user moves leads,
// the others follow. Followers adopt the state without announcing it, so there is no feedback.
#include <QList>
#include <QObject>
#include <QPointer>

namespace rgbdsod::ui {

class ImageView;

class SyncedViews : public QObject {
  Q_OBJECT

 public:
  explicit SyncedViews(QObject* parent = nullptr);

  void add(ImageView* view);
  const QList<QPointer<ImageView>>& views() const { return views_; }

  void zoomToFit();
  void zoomToActualSize();

 private:
  void follow(ImageView* leader);

  QList<QPointer<ImageView>> views_;
  bool syncing_ = false;
};

}  // namespace rgbdsod::ui
