// The real rgbdsod-studio binary in --screenshot mode: it writes a PNG of the requested size in
// which the RGB, depth and GT panes show images, and exits non-zero when there is nothing to show.
#include <QApplication>
#include <QProcess>
#include <QtTest>

#include "rgbdsod/ui/image_pane.h"
#include "rgbdsod/ui/main_window.h"
#include "rgbdsod/ui/studio_style.h"
#include "ui_test_support.h"

using rgbdsod::ui::ImagePane;
using rgbdsod::ui::MainWindow;

class ScreenshotTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void screenshotShowsTheThreePanes();
  void screenshotOfTheDemoReusesTheCachedDemo();
  void missingFolderExitsNonZeroNamingIt();
  void badSizeIsAUsageError();

 private:
  struct Run {
    int exit_code = -1;
    QString out, err;
  };
  Run runStudio(const QStringList& args, int timeout_ms = 120000);
  QHash<QString, QRect> paneRects(const QString& folder, const QSize& size);

  QTemporaryDir dir_;
  QString demo_;
};

void ScreenshotTest::initTestCase() {
  QVERIFY(dir_.isValid());
  demo_ = rgbdsod::test::writeDemo(dir_, QStringLiteral("demo"), 20, 128);
  // The same look as the studio, so the in-process window has the studio's layout.
  rgbdsod::ui::applyStudioStyle(*qApp);
}

ScreenshotTest::Run ScreenshotTest::runStudio(const QStringList& args, int timeout_ms) {
  QProcess process;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
  env.insert(QStringLiteral("XDG_CACHE_HOME"), dir_.filePath(QStringLiteral("cache")));
  process.setProcessEnvironment(env);
  process.start(QStringLiteral(RGBDSOD_STUDIO_BINARY), args);
  Run run;
  if (!process.waitForFinished(timeout_ms)) {
    process.kill();
    process.waitForFinished();
    run.err = QStringLiteral("timed out");
    return run;
  }
  run.exit_code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
  run.out = QString::fromLocal8Bit(process.readAllStandardOutput());
  run.err = QString::fromLocal8Bit(process.readAllStandardError());
  return run;
}

// Where the panes are in a window of this size: measured on an identical window in this process.
QHash<QString, QRect> ScreenshotTest::paneRects(const QString& folder, const QSize& size) {
  MainWindow window;
  window.resize(size);
  window.show();
  window.openFolder(folder);
  QHash<QString, QRect> rects;
  if (!QTest::qWaitFor([&window] { return window.isSettled(); }, 30000)) return rects;
  for (ImagePane* pane : {window.rgbPane(), window.depthPane(), window.gtPane()}) {
    rects.insert(pane->objectName(), QRect(pane->mapTo(&window, QPoint(0, 0)), pane->size()));
  }
  return rects;
}

void ScreenshotTest::screenshotShowsTheThreePanes() {
  const QString png = dir_.filePath(QStringLiteral("shot.png"));
  const Run run = runStudio({demo_, QStringLiteral("--screenshot"), png, QStringLiteral("--size"),
                             QStringLiteral("1000x700")});
  QVERIFY2(run.exit_code == 0, qPrintable(run.err));
  QVERIFY(run.out.contains(QStringLiteral("shot.png")));
  const QImage image(png);
  QVERIFY(!image.isNull());
  QCOMPARE(image.size(), QSize(1000, 700));

  const auto rects = paneRects(demo_, QSize(1000, 700));
  QCOMPARE(rects.size(), 3);
  for (auto it = rects.cbegin(); it != rects.cend(); ++it) {
    QVERIFY2(it.value().width() > 150 && it.value().height() > 150, qPrintable(it.key()));
    // An image, not an empty pane: many colours in the pane's middle.
    const QRect middle = it.value().adjusted(it.value().width() / 4, it.value().height() / 4,
                                             -it.value().width() / 4, -it.value().height() / 4);
    QVERIFY2(rgbdsod::test::distinctColours(image, middle) >= 2, qPrintable(it.key()));
  }
  // The RGB and depth panes hold colour images: plenty of distinct colours.
  QVERIFY(rgbdsod::test::distinctColours(image, rects.value(QStringLiteral("rgbPane"))) >= 32);
  QVERIFY(rgbdsod::test::distinctColours(image, rects.value(QStringLiteral("depthPane"))) >= 32);
}

void ScreenshotTest::screenshotOfTheDemoReusesTheCachedDemo() {
  // A complete demo in the cache is opened as it is (generating the real one takes seconds).
  const QString cached = dir_.filePath(QStringLiteral("cache/rgbdsod/demo-v1-seed1"));
  QVERIFY(QDir().mkpath(QFileInfo(cached).path()));
  QVERIFY(QDir().rename(rgbdsod::test::writeDemo(dir_, QStringLiteral("cached"), 10, 96), cached));
  const QString png = dir_.filePath(QStringLiteral("demo.png"));
  const Run run = runStudio({QStringLiteral("--demo"), QStringLiteral("--screenshot"), png,
                             QStringLiteral("--size"), QStringLiteral("800x600")});
  QVERIFY2(run.exit_code == 0, qPrintable(run.err));
  QCOMPARE(QImage(png).size(), QSize(800, 600));
  QCOMPARE(QDir(cached + QStringLiteral("/train/RGB")).entryList(QDir::Files).size(), 8);
}

void ScreenshotTest::missingFolderExitsNonZeroNamingIt() {
  const QString png = dir_.filePath(QStringLiteral("never.png"));
  const Run run = runStudio({dir_.filePath(QStringLiteral("missing-dataset-31337")),
                             QStringLiteral("--screenshot"), png});
  QVERIFY(run.exit_code != 0);
  QVERIFY2(run.err.contains(QStringLiteral("missing-dataset-31337")), qPrintable(run.err));
  QVERIFY(!QFileInfo::exists(png));
}

void ScreenshotTest::badSizeIsAUsageError() {
  const Run run = runStudio({demo_, QStringLiteral("--screenshot"),
                             dir_.filePath(QStringLiteral("x.png")), QStringLiteral("--size"),
                             QStringLiteral("huge")});
  QCOMPARE(run.exit_code, 2);
  QVERIFY(run.err.contains(QStringLiteral("--size")));
}

QTEST_MAIN(ScreenshotTest)
#include "screenshot_test.moc"
