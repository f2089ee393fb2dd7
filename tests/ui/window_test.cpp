// MainWindow on the offscreen platform: the demo opens into three image panes, the views zoom and
// pan together, the GT overlay follows its slider, and errors are shown without a crash.
#include <QComboBox>
#include <QListView>
#include <QScrollBar>
#include <QSlider>
#include <QtTest>

#include "rgbdsod/core/validation.h"
#include "rgbdsod/ui/dataset_session.h"
#include "rgbdsod/ui/image_pane.h"
#include "rgbdsod/ui/image_view.h"
#include "rgbdsod/ui/main_window.h"
#include "rgbdsod/ui/synced_views.h"
#include "rgbdsod/ui/thumbnail_model.h"
#include "ui_test_support.h"

using rgbdsod::ui::ImagePane;
using rgbdsod::ui::ImageView;
using rgbdsod::ui::MainWindow;

class WindowTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void cleanup();
  void opensTheDemoIntoThreePanes();
  void statusBarShowsTheValidationSummary();
  void thumbnailsOfVisibleRowsAreDecoded();
  void selectingAThumbnailShowsThatSample();
  void zoomAndPanAreSynchronised();
  void overlaySliderSetsTheGtOverlayOpacity();
  void polarityChoiceRecoloursTheDepth();
  void missingFolderShowsAnErrorNamingIt();

 private:
  void openAndSettle(const QString& folder);

  QTemporaryDir dir_;
  QString demo_;
  std::unique_ptr<MainWindow> window_;
};

void WindowTest::initTestCase() {
  QVERIFY(dir_.isValid());
  demo_ = rgbdsod::test::writeDemo(dir_, QStringLiteral("demo"), 20, 128);
}

void WindowTest::init() {
  window_ = std::make_unique<MainWindow>();
  window_->resize(1200, 800);
  window_->show();
  QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
}

void WindowTest::cleanup() { window_.reset(); }

void WindowTest::openAndSettle(const QString& folder) {
  window_->openFolder(folder);
  QTRY_VERIFY_WITH_TIMEOUT(window_->isSettled(), 30000);
}

void WindowTest::opensTheDemoIntoThreePanes() {
  openAndSettle(demo_);
  for (const char* name : {"rgbPane", "depthPane", "gtPane"}) {
    auto* pane = window_->findChild<ImagePane*>(QString::fromLatin1(name));
    QVERIFY2(pane, name);
    QVERIFY2(pane->isVisible(), name);
    QCOMPARE(pane->image().size(), QSize(128, 128));
    QVERIFY2(rgbdsod::test::isNonUniform(pane->image()), name);
  }
  QVERIFY(window_->findChild<QWidget*>(QStringLiteral("infoPane")));
  QCOMPARE(window_->shownSample(), 0);
  // The demo is a collection: its first dataset (test/) is shown and the split box offers both.
  auto* split = window_->findChild<QComboBox*>(QStringLiteral("splitCombo"));
  QVERIFY(split);
  QCOMPARE(split->count(), 2);
  QCOMPARE(split->currentText(), QStringLiteral("test"));
  QVERIFY(!window_->rgbPane()->view()->overlay().isNull());
}

void WindowTest::statusBarShowsTheValidationSummary() {
  openAndSettle(demo_);
  const auto* report = window_->session()->report();
  QVERIFY(report);
  const QString summary = QString::fromStdString(report->summary());
  QVERIFY2(window_->statusText().contains(summary), qPrintable(window_->statusText()));
  QVERIFY(window_->statusText().contains(QStringLiteral("4 valid of 4 samples")));
}

void WindowTest::thumbnailsOfVisibleRowsAreDecoded() {
  openAndSettle(demo_ + QStringLiteral("/train"));
  auto* model = window_->thumbnailModel();
  QCOMPARE(model->rowCount(), 16);
  QVERIFY(model->isCached(0));
  const auto pixmap = model->data(model->index(0), Qt::DecorationRole).value<QPixmap>();
  QVERIFY(pixmap.cacheKey() != model->placeholder().cacheKey());
}

void WindowTest::selectingAThumbnailShowsThatSample() {
  openAndSettle(demo_ + QStringLiteral("/train"));
  const QImage first = window_->rgbPane()->image();
  window_->sampleList()->setCurrentIndex(window_->thumbnailModel()->index(5));
  QTRY_COMPARE_WITH_TIMEOUT(window_->shownSample(), 5, 10000);
  QVERIFY(window_->rgbPane()->image() != first);
}

void WindowTest::zoomAndPanAreSynchronised() {
  openAndSettle(demo_);
  ImageView* rgb = window_->rgbPane()->view();
  ImageView* depth = window_->depthPane()->view();
  ImageView* gt = window_->gtPane()->view();
  QVERIFY(rgb->fitMode());
  const double fit_zoom = rgb->zoom();
  QCOMPARE(depth->transform(), rgb->transform());

  rgb->zoomBy(4.0, QPointF(rgb->viewport()->width() / 3.0, rgb->viewport()->height() / 3.0));
  QVERIFY(!rgb->fitMode());
  QVERIFY(qAbs(rgb->zoom() - 4.0 * fit_zoom) < 1e-9);
  for (ImageView* other : {depth, gt}) {
    QCOMPARE(other->transform(), rgb->transform());
    QCOMPARE(other->horizontalScrollBar()->value(), rgb->horizontalScrollBar()->value());
    QCOMPARE(other->verticalScrollBar()->value(), rgb->verticalScrollBar()->value());
    QVERIFY(!other->fitMode());
  }

  // Panning any view (here the GT) moves the others.
  gt->horizontalScrollBar()->setValue(gt->horizontalScrollBar()->value() + 25);
  QCOMPARE(rgb->horizontalScrollBar()->value(), gt->horizontalScrollBar()->value());
  QCOMPARE(depth->horizontalScrollBar()->value(), gt->horizontalScrollBar()->value());

  // A wheel event on the depth view zooms all three about the cursor.
  const double before = rgb->zoom();
  const QPoint at(depth->viewport()->width() / 2, depth->viewport()->height() / 2);
  QWheelEvent wheel(at, depth->viewport()->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton,
                    Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(depth->viewport(), &wheel);
  QVERIFY(rgb->zoom() > before);
  QCOMPARE(rgb->transform(), depth->transform());

  window_->syncedViews()->zoomToFit();
  QVERIFY(rgb->fitMode() && depth->fitMode() && gt->fitMode());
  QCOMPARE(gt->transform(), rgb->transform());
  QVERIFY(qAbs(gt->zoom() - fit_zoom) < 0.02 * fit_zoom);  // panes may differ by a pixel
}

void WindowTest::overlaySliderSetsTheGtOverlayOpacity() {
  openAndSettle(demo_);
  ImageView* rgb = window_->rgbPane()->view();
  QSlider* slider = window_->overlaySlider();
  QCOMPARE(slider->objectName(), QStringLiteral("overlaySlider"));

  slider->setValue(0);
  QCOMPARE(rgb->overlayOpacity(), 0.0);
  const QImage without = rgb->viewport()->grab().toImage();
  slider->setValue(100);
  QCOMPARE(rgb->overlayOpacity(), 1.0);
  const QImage with = rgb->viewport()->grab().toImage();
  QVERIFY2(without != with, "the GT overlay should change what the RGB pane shows");
  // The depth and GT panes have no overlay.
  QVERIFY(window_->depthPane()->view()->overlay().isNull());
}

void WindowTest::polarityChoiceRecoloursTheDepth() {
  openAndSettle(demo_);
  QComboBox* combo = window_->polarityCombo();
  QVERIFY(combo->itemText(0).contains(QStringLiteral("near = bright")));
  const QImage before = window_->depthPane()->image();
  combo->setCurrentIndex(2);
  emit combo->activated(2);  // as a user's choice
  QTRY_VERIFY_WITH_TIMEOUT(window_->depthPane()->image() != before, 10000);
  QVERIFY(window_->depthPane()->title().contains(QStringLiteral("near = dark")));
}

void WindowTest::missingFolderShowsAnErrorNamingIt() {
  QSignalSpy failed(window_.get(), &MainWindow::openFailed);
  const QString missing = dir_.filePath(QStringLiteral("not-a-dataset-0815"));
  window_->openFolder(missing);
  QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
  QVERIFY2(window_->lastError().contains(QStringLiteral("not-a-dataset-0815")),
           qPrintable(window_->lastError()));
  QVERIFY(window_->statusText().contains(QStringLiteral("not-a-dataset-0815")));
  QVERIFY(!window_->isSettled());
  // The window keeps working.
  openAndSettle(demo_);
  QVERIFY(window_->lastError().isEmpty());
}

QTEST_MAIN(WindowTest)
#include "window_test.moc"
