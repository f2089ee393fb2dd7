#pragma once
// The Labels workspace's canvas: the RGB image (or depth) with the mask over it as a translucent
// fill or an outline, fitted to the widget. It repaints only what changed: maskChanged(rect)
// re-colours that rectangle of the overlay and updates its widget rectangle; the brush cursor
// updates the two small squares it leaves and enters. Mouse input comes out in mask pixels.
#include <QImage>
#include <QPoint>
#include <QRect>
#include <QWidget>
#include <opencv2/core/mat.hpp>

namespace rgbdsod::ui {

class LabelCanvas : public QWidget {
  Q_OBJECT

 public:
  explicit LabelCanvas(QWidget* parent = nullptr);

  // A new image: background (BGR or depth colour as QImage) and the whole mask.
  void setImages(const QImage& background, const cv::Mat* mask);
  void setBackground(const QImage& background);
  // The mask changed inside `rect` (mask pixels): that part of the overlay is rebuilt and repainted.
  void maskChanged(const QRect& rect);
  void setOpacity(double opacity);   // overlay fill, 0..1
  void setOutline(bool outline);     // outline only (the object's border), no fill
  void setBrushRadius(int radius);   // the cursor's circle; 0 hides it
  void setPolygon(const QVector<QPoint>& points);  // the polygon being drawn (mask pixels)
  void setHighlight(const QRect& rect);            // a suggested region's box (mask pixels); empty = none

  QPoint toMask(const QPointF& widget_pos) const;  // may lie outside the mask
  QRect toWidget(const QRect& mask_rect) const;
  QRect lastPaintRect() const { return last_paint_; }  // the rectangle of the latest paint event
  int paintCount() const { return paints_; }
  const QImage& overlay() const { return overlay_; }

 signals:
  void pressed(QPoint pos, Qt::MouseButton button, Qt::KeyboardModifiers modifiers);
  void dragged(QPoint from, QPoint to);
  void released(QPoint pos);
  void hovered(QPoint pos);  // mask pixels, for the readout
  void doubleClicked(QPoint pos);
  void wheelSteps(int steps);  // brush size

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  void rebuildOverlay(const QRect& rect);
  QRectF imageRect() const;  // where the image is drawn (fitted, centred)
  QRect cursorRect(QPoint mask_pos) const;

  QImage background_;
  const cv::Mat* mask_ = nullptr;
  QImage overlay_;  // ARGB32 premultiplied, the mask's size
  double opacity_ = 0.45;
  bool outline_ = false;
  int brush_radius_ = 8;
  QPoint cursor_{-1, -1};
  QPoint last_drag_{-1, -1};
  bool dragging_ = false;
  QVector<QPoint> polygon_;
  QRect highlight_;
  QRect last_paint_;
  int paints_ = 0;
};

}  // namespace rgbdsod::ui
