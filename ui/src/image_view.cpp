#include "rgbdsod/ui/image_view.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QMouseEvent>
#include <QScrollBar>
#include <QWheelEvent>

namespace rgbdsod::ui {

namespace {

constexpr double kMinZoom = 0.02;
constexpr double kMaxZoom = 64.0;
// From this zoom on, pixels are drawn as crisp squares so single values can be inspected.
constexpr double kPixelatedFromZoom = 2.0;

}  // namespace

ImageView::ImageView(QWidget* parent)
    : QGraphicsView(parent),
      scene_(new QGraphicsScene(this)),
      image_item_(new QGraphicsPixmapItem),
      overlay_item_(new QGraphicsPixmapItem) {
  setScene(scene_);
  scene_->addItem(image_item_);
  scene_->addItem(overlay_item_);
  overlay_item_->setOpacity(overlay_opacity_);
  setBackgroundBrush(QColor(28, 29, 32));
  setFrameShape(QFrame::NoFrame);
  setDragMode(QGraphicsView::ScrollHandDrag);
  // Zooming about the cursor is done by hand (zoomBy), so it also works for synthetic events.
  setTransformationAnchor(QGraphicsView::NoAnchor);
  setResizeAnchor(QGraphicsView::AnchorViewCenter);
  // Scroll bars would make synced views differ in viewport size; panning is by dragging.
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
  setMouseTracking(true);  // hover readouts without a button pressed
}

void ImageView::mouseMoveEvent(QMouseEvent* event) {
  const QPointF scene = mapToScene(event->position().toPoint());
  emit hovered(QPoint(static_cast<int>(std::floor(scene.x())), static_cast<int>(std::floor(scene.y()))));
  QGraphicsView::mouseMoveEvent(event);
}

void ImageView::leaveEvent(QEvent* event) {
  emit hoverLeft();
  QGraphicsView::leaveEvent(event);
}

void ImageView::setImage(const QImage& image) {
  const bool same_size = !image_.isNull() && image.size() == image_.size();
  image_ = image;
  image_item_->setPixmap(QPixmap::fromImage(image));
  if (!same_size) {
    scene_->setSceneRect(QRectF(QPointF(0, 0), QSizeF(image.size())));
    if (fit_mode_ || image_.isNull()) {
      zoomToFit();
    } else {
      announce();
    }
  }
  updateSmoothing();
}

void ImageView::clear() {
  image_ = QImage();
  overlay_ = QImage();
  image_item_->setPixmap(QPixmap());
  overlay_item_->setPixmap(QPixmap());
}

void ImageView::setOverlay(const QImage& overlay) {
  overlay_ = overlay;
  overlay_item_->setPixmap(QPixmap::fromImage(overlay));
}

void ImageView::setOverlayOpacity(double opacity) {
  overlay_opacity_ = std::clamp(opacity, 0.0, 1.0);
  overlay_item_->setOpacity(overlay_opacity_);
}

void ImageView::zoomToFit() {
  fit_mode_ = true;
  if (image_.isNull() || viewport()->width() <= 1 || viewport()->height() <= 1) return;
  const double fit = std::min(viewport()->width() / static_cast<double>(image_.width()),
                              viewport()->height() / static_cast<double>(image_.height()));
  const bool was_following = std::exchange(following_, true);  // announce once, below
  applyZoom(fit);
  centerOn(scene_->sceneRect().center());
  following_ = was_following;
  announce();
}

void ImageView::zoomToActualSize() {
  fit_mode_ = false;
  const bool was_following = std::exchange(following_, true);
  applyZoom(1.0);
  centerOn(scene_->sceneRect().center());
  following_ = was_following;
  announce();
}

void ImageView::zoomBy(double factor, const QPointF& viewport_pos) {
  if (image_.isNull()) return;
  const double target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
  const QPointF anchor = mapToScene(viewport_pos.toPoint());
  fit_mode_ = false;
  const bool was_following = std::exchange(following_, true);  // announce once, below
  applyZoom(target);
  const QPointF drift = mapFromScene(anchor) - viewport_pos;
  horizontalScrollBar()->setValue(horizontalScrollBar()->value() + qRound(drift.x()));
  verticalScrollBar()->setValue(verticalScrollBar()->value() + qRound(drift.y()));
  following_ = was_following;
  announce();
}

void ImageView::followView(const ImageView& leader) {
  following_ = true;
  fit_mode_ = leader.fit_mode_;
  setTransform(leader.transform());
  horizontalScrollBar()->setValue(leader.horizontalScrollBar()->value());
  verticalScrollBar()->setValue(leader.verticalScrollBar()->value());
  updateSmoothing();
  following_ = false;
}

void ImageView::wheelEvent(QWheelEvent* event) {
  const double steps = event->angleDelta().y() / 120.0;
  if (steps == 0) return;
  zoomBy(std::pow(1.25, steps), event->position());
  event->accept();
}

void ImageView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  if (fit_mode_) zoomToFit();
}

void ImageView::scrollContentsBy(int dx, int dy) {
  QGraphicsView::scrollContentsBy(dx, dy);
  announce();
}

void ImageView::applyZoom(double zoom_level) {
  setTransform(QTransform::fromScale(zoom_level, zoom_level));
  updateSmoothing();
}

void ImageView::updateSmoothing() {
  const auto mode = zoom() >= kPixelatedFromZoom ? Qt::FastTransformation : Qt::SmoothTransformation;
  image_item_->setTransformationMode(mode);
  overlay_item_->setTransformationMode(mode);
}

void ImageView::announce() {
  if (!following_) emit viewChanged();
}

}  // namespace rgbdsod::ui
