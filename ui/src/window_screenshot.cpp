#include "rgbdsod/ui/window_screenshot.h"

#include <utility>

#include <QDir>
#include <QImage>
#include <QPixmap>

#include "rgbdsod/ui/main_window.h"

namespace rgbdsod::ui {

namespace {
constexpr int kPollMs = 50;
// Settled on this many consecutive polls: lets the last thumbnail batch and sample repaint.
constexpr int kStablePolls = 3;
}  // namespace

WindowScreenshot::WindowScreenshot(MainWindow* window, QString file, int timeout_ms, QObject* parent)
    : QObject(parent), window_(window), file_(std::move(file)), timeout_ms_(timeout_ms) {
  poll_timer_.setInterval(kPollMs);
  connect(&poll_timer_, &QTimer::timeout, this, &WindowScreenshot::poll);
  connect(window, &MainWindow::openFailed, this,
          [this](const QString& message) { finish(false, message); });
}

void WindowScreenshot::start() {
  clock_.start();
  poll_timer_.start();
}

void WindowScreenshot::poll() {
  if (done_) return;
  if (!window_) {
    finish(false, tr("the window was closed"));
    return;
  }
  if (clock_.elapsed() > timeout_ms_) {
    finish(false, tr("timed out after %1 s waiting for the dataset to load").arg(timeout_ms_ / 1000));
    return;
  }
  settled_polls_ = window_->isSettled() ? settled_polls_ + 1 : 0;
  if (settled_polls_ >= kStablePolls) capture();
}

void WindowScreenshot::capture() {
  const QImage image = window_->grab().toImage();
  if (image.isNull()) {
    finish(false, tr("the window could not be rendered"));
  } else if (!image.save(file_, "PNG")) {
    finish(false, tr("%1: cannot write the PNG").arg(QDir::toNativeSeparators(file_)));
  } else {
    finish(true, QDir::toNativeSeparators(file_));
  }
}

void WindowScreenshot::finish(bool ok, const QString& message) {
  if (done_) return;
  done_ = true;
  poll_timer_.stop();
  emit finished(ok, message);
}

}  // namespace rgbdsod::ui
