#pragma once
// One image in a zoomable, pannable view: wheel zooms about the cursor, dragging pans, and an
// optional overlay image (the GT over the RGB) is drawn on top with adjustable opacity.
// A view starts in "fit" mode (the whole image visible, refitted on resize) until the user zooms.
#include <QGraphicsView>
#include <QImage>

class QGraphicsPixmapItem;
class QGraphicsScene;

namespace rgbdsod::ui {

class ImageView : public QGraphicsView {
  Q_OBJECT

 public:
  explicit ImageView(QWidget* parent = nullptr);

  // Keeps the current zoom and pan when the new image has the size of the old one (flipping
  // through a dataset keeps the region under inspection); otherwise fits the new image.
  void setImage(const QImage& image);
  const QImage& image() const { return image_; }
  void clear();

  void setOverlay(const QImage& overlay);  // drawn over the image, same size; empty removes it
  const QImage& overlay() const { return overlay_; }
  void setOverlayOpacity(double opacity);  // 0..1
  double overlayOpacity() const { return overlay_opacity_; }

  double zoom() const { return transform().m11(); }
  bool fitMode() const { return fit_mode_; }
  void zoomToFit();
  void zoomToActualSize();
  // Multiplies the zoom, keeping the scene point under `viewport_pos` fixed.
  void zoomBy(double factor, const QPointF& viewport_pos);
  // Adopts another view's zoom, pan and fit mode (used to keep views in step).
  void followView(const ImageView& leader);

 signals:
  // The zoom or pan changed, by the user or by fitting. Not emitted while following.
  void viewChanged();
  // The cursor is over the image at this pixel (image coordinates; may lie outside it); for
  // pixel readouts. hoverLeft when it leaves the view.
  void hovered(const QPoint& pixel);
  void hoverLeft();

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void scrollContentsBy(int dx, int dy) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  void applyZoom(double zoom);
  void updateSmoothing();
  void announce();

  QGraphicsScene* scene_;
  QGraphicsPixmapItem* image_item_;
  QGraphicsPixmapItem* overlay_item_;
  QImage image_;
  QImage overlay_;
  double overlay_opacity_ = 0.5;
  bool fit_mode_ = true;
  bool following_ = false;  // set while adopting another view's state: no feedback
};

}  // namespace rgbdsod::ui
