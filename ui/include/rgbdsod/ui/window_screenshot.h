#pragma once
// Renders the main window to a PNG once it has settled (dataset open, validated, sample and
// visible thumbnails shown): the studio's --screenshot mode, used for docs and tests.
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

namespace rgbdsod::ui {

class MainWindow;

class WindowScreenshot : public QObject {
  Q_OBJECT

 public:
  WindowScreenshot(MainWindow* window, QString file, int timeout_ms, QObject* parent = nullptr);
  void start();

 signals:
  // ok: the PNG was written; otherwise message says why not (open failure, timeout, write error).
  void finished(bool ok, const QString& message);

 private:
  void poll();
  void capture();
  void finish(bool ok, const QString& message);

  QPointer<MainWindow> window_;
  QString file_;
  int timeout_ms_;
  QTimer poll_timer_;
  QElapsedTimer clock_;
  int settled_polls_ = 0;
  bool done_ = false;
};

}  // namespace rgbdsod::ui
