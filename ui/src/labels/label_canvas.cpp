#include "rgbdsod/ui/labels/label_canvas.h"

#include <algorithm>
#include <cmath>

#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QWheelEvent>

namespace rgbdsod::ui {

namespace {

constexpr QRgb kClear = 0;

}  // namespace

LabelCanvas::LabelCanvas(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("labelCanvas"));
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent);  // the whole rect is painted: no background erase first
  setMinimumSize(240, 180);
  setFocusPolicy(Qt::StrongFocus);
}

void LabelCanvas::setImages(const QImage& background, const cv::Mat* mask) {
  background_ = background;
  mask_ = mask;
  polygon_.clear();
  highlight_ = {};
  if (mask_ && !mask_->empty()) {
    overlay_ = QImage(mask_->cols, mask_->rows, QImage::Format_ARGB32_Premultiplied);
    rebuildOverlay(QRect(0, 0, mask_->cols, mask_->rows));
  } else {
    overlay_ = QImage();
  }
  update();
}

void LabelCanvas::setBackground(const QImage& background) {
  background_ = background;
  update();
}

void LabelCanvas::setOpacity(double opacity) {
  opacity_ = std::clamp(opacity, 0.0, 1.0);
  if (mask_) rebuildOverlay(overlay_.rect());
  update();
}

void LabelCanvas::setOutline(bool outline) {
  outline_ = outline;
  if (mask_) rebuildOverlay(overlay_.rect());
  update();
}

void LabelCanvas::setBrushRadius(int radius) {
  const QRect old = cursorRect(cursor_);
  brush_radius_ = std::max(0, radius);
  update(old | cursorRect(cursor_));
}

void LabelCanvas::setPolygon(const QVector<QPoint>& points) {
  polygon_ = points;
  update();
}

void LabelCanvas::setHighlight(const QRect& rect) {
  const QRect old = toWidget(highlight_).adjusted(-3, -3, 3, 3);
  highlight_ = rect;
  update(old | toWidget(highlight_).adjusted(-3, -3, 3, 3));
}

void LabelCanvas::maskChanged(const QRect& rect) {
  if (!mask_ || overlay_.isNull()) return;
  // The outline of a pixel depends on its neighbours: one pixel more on each side.
  const QRect r = rect.adjusted(-1, -1, 1, 1) & overlay_.rect();
  rebuildOverlay(r);
  update(toWidget(r).adjusted(-1, -1, 1, 1));
}

void LabelCanvas::rebuildOverlay(const QRect& rect) {
  const cv::Mat& m = *mask_;
  const int alpha = static_cast<int>(std::lround(opacity_ * 255));
  const QRect r = rect & overlay_.rect();
  for (int y = r.top(); y <= r.bottom(); ++y) {
    const std::uint8_t* row = m.ptr<std::uint8_t>(y);
    const std::uint8_t* up = m.ptr<std::uint8_t>(std::max(0, y - 1));
    const std::uint8_t* down = m.ptr<std::uint8_t>(std::min(m.rows - 1, y + 1));
    auto* out = reinterpret_cast<QRgb*>(overlay_.scanLine(y));
    for (int x = r.left(); x <= r.right(); ++x) {
      const bool fg = row[x] >= 128;
      const bool edge = fg && (x == 0 || x == m.cols - 1 || row[x - 1] < 128 || row[x + 1] < 128 || up[x] < 128 || down[x] < 128);
      if (edge) {
        out[x] = qRgba(255, 230, 0, 255);  // the border, opaque in both modes
      } else if (!outline_ && row[x] > 0) {
        const int a = alpha * row[x] / 255;  // soft edges stay soft
        out[x] = qPremultiply(qRgba(255, 40, 40, a));
      } else {
        out[x] = kClear;
      }
    }
  }
}

QRectF LabelCanvas::imageRect() const {
  const QSize s = !overlay_.isNull() ? overlay_.size() : background_.size();
  if (s.isEmpty()) return {};
  const double scale = std::min(width() / static_cast<double>(s.width()), height() / static_cast<double>(s.height()));
  const double w = s.width() * scale, h = s.height() * scale;
  return {(width() - w) / 2.0, (height() - h) / 2.0, w, h};
}

QPoint LabelCanvas::toMask(const QPointF& p) const {
  const QRectF ir = imageRect();
  const QSize s = !overlay_.isNull() ? overlay_.size() : background_.size();
  if (ir.isEmpty()) return {-1, -1};
  return {static_cast<int>(std::floor((p.x() - ir.left()) * s.width() / ir.width())),
          static_cast<int>(std::floor((p.y() - ir.top()) * s.height() / ir.height()))};
}

QRect LabelCanvas::toWidget(const QRect& r) const {
  if (r.isEmpty()) return {};
  const QRectF ir = imageRect();
  const QSize s = !overlay_.isNull() ? overlay_.size() : background_.size();
  if (ir.isEmpty()) return {};
  const double sx = ir.width() / s.width(), sy = ir.height() / s.height();
  return QRectF(ir.left() + r.left() * sx, ir.top() + r.top() * sy, r.width() * sx, r.height() * sy)
      .toAlignedRect()
      .adjusted(-1, -1, 1, 1);
}

QRect LabelCanvas::cursorRect(QPoint mask_pos) const {
  if (mask_pos.x() < 0 || brush_radius_ <= 0) return {};
  return toWidget(QRect(mask_pos.x() - brush_radius_, mask_pos.y() - brush_radius_, 2 * brush_radius_ + 1,
                        2 * brush_radius_ + 1))
      .adjusted(-2, -2, 2, 2);
}

void LabelCanvas::paintEvent(QPaintEvent* event) {
  last_paint_ = event->rect();
  ++paints_;
  QPainter p(this);
  p.setClipRegion(event->region());
  p.fillRect(event->rect(), QColor(40, 40, 40));
  const QRectF ir = imageRect();
  if (!ir.isEmpty()) {
    // Nearest neighbour: label pixels stay crisp when zoomed in.
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    // Only the image pixels under the exposed rectangle are drawn (a brush stamp repaints a few
    // dozen pixels of a 1024x1024 mask, not the whole image).
    const QSize s = !overlay_.isNull() ? overlay_.size() : background_.size();
    const QRect er = event->rect();
    const QRect src = QRect(toMask(er.topLeft()), toMask(er.bottomRight())).adjusted(-1, -1, 1, 1) & QRect(QPoint(0, 0), s);
    if (!src.isEmpty()) {
      const double sx = ir.width() / s.width(), sy = ir.height() / s.height();
      const QRectF target(ir.left() + src.left() * sx, ir.top() + src.top() * sy, src.width() * sx, src.height() * sy);
      if (!background_.isNull()) {
        if (background_.size() == s) {
          p.drawImage(target, background_, src);
        } else {
          p.drawImage(ir, background_);
        }
      }
      if (!overlay_.isNull()) p.drawImage(target, overlay_, src);
    }
  }
  if (!highlight_.isEmpty()) {
    p.setPen(QPen(QColor(0, 200, 255), 2, Qt::DashLine));
    p.setBrush(Qt::NoBrush);
    p.drawRect(toWidget(highlight_));
  }
  if (polygon_.size() >= 1) {
    p.setPen(QPen(QColor(0, 255, 120), 1.5));
    QPolygonF poly;
    for (const QPoint& q : polygon_) poly << QRectF(toWidget(QRect(q, QSize(1, 1)))).center();
    p.drawPolyline(poly);
  }
  if (cursor_.x() >= 0 && brush_radius_ > 0) {
    const QRect c = cursorRect(cursor_).adjusted(2, 2, -2, -2);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(Qt::white, 1));
    p.setBrush(Qt::NoBrush);
    p.drawEllipse(c);
    p.setPen(QPen(Qt::black, 1, Qt::DotLine));
    p.drawEllipse(c.adjusted(1, 1, -1, -1));
  }
}

void LabelCanvas::mousePressEvent(QMouseEvent* event) {
  const QPoint m = toMask(event->position());
  dragging_ = event->button() == Qt::LeftButton;
  last_drag_ = m;
  emit pressed(m, event->button(), event->modifiers());
}

void LabelCanvas::mouseMoveEvent(QMouseEvent* event) {
  const QPoint m = toMask(event->position());
  if (m != cursor_) {
    const QRect old = cursorRect(cursor_);
    cursor_ = m;
    update(old | cursorRect(cursor_));
    emit hovered(m);
  }
  if (dragging_ && m != last_drag_) {
    emit dragged(last_drag_, m);
    last_drag_ = m;
  }
}

void LabelCanvas::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton && dragging_) {
    dragging_ = false;
    emit released(toMask(event->position()));
  }
}

void LabelCanvas::mouseDoubleClickEvent(QMouseEvent* event) { emit doubleClicked(toMask(event->position())); }

void LabelCanvas::wheelEvent(QWheelEvent* event) {
  const int steps = event->angleDelta().y() / 120;
  if (steps != 0) emit wheelSteps(steps);
  event->accept();
}

void LabelCanvas::leaveEvent(QEvent* event) {
  const QRect old = cursorRect(cursor_);
  cursor_ = {-1, -1};
  update(old);
  QWidget::leaveEvent(event);
}

}  // namespace rgbdsod::ui
