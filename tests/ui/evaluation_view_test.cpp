// The Evaluation view on the offscreen platform: curves toggled per method, coalesced redraws,
// exports callable with a path, rows that open their sample in the MainWindow's viewer, an error
// naming a missing folder, and a screenshot of the tab (/tmp/eval_view.png) to look at.
#include <filesystem>

#include <QFile>
#include <QImage>
#include <QListView>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QtTest>
#include <qcustomplot.h>

#include "evaluation_test_support.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/ui/dataset_session.h"
#include "rgbdsod/ui/evaluation/curves_widget.h"
#include "rgbdsod/ui/evaluation/evaluation_session.h"
#include "rgbdsod/ui/evaluation/evaluation_view.h"
#include "rgbdsod/ui/evaluation/method_curves_model.h"
#include "rgbdsod/ui/evaluation/per_image_table_model.h"
#include "rgbdsod/ui/evaluation/summary_table_model.h"
#include "rgbdsod/ui/inspect/inspect_view.h"
#include "rgbdsod/ui/main_window.h"
#include "ui_test_support.h"

using rgbdsod::core::Metric;
using rgbdsod::ui::EvaluationSession;
using rgbdsod::ui::EvaluationView;
using rgbdsod::ui::MainWindow;

namespace fs = std::filesystem;

class EvaluationViewTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void togglingAMethodRemovesItsCurves();
  void redrawsAreCoalesced();
  void exportsWriteCsvAndFigures();
  void missingFolderShowsAnErrorNamingIt();
  void activatingARowShowsTheSampleInInspect();
  void screenshotOfTheEvaluationTab();

 private:
  static void evaluateAndWait(EvaluationView& view);
  void openWindowWithPredictions(MainWindow& window);

  QTemporaryDir dir_;
  rgbdsod::test::EvalFolders folders_;
  QString demo_;
};

void EvaluationViewTest::initTestCase() {
  QVERIFY(dir_.isValid());
  folders_ = rgbdsod::test::writeEvalFolders(dir_, 10, 64);
  demo_ = rgbdsod::test::writeDemo(dir_, QStringLiteral("demo"), 60, 160);
}

void EvaluationViewTest::evaluateAndWait(EvaluationView& view) {
  QSignalSpy finished(view.session(), &EvaluationSession::finished);
  view.evaluate();
  QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
  QTRY_VERIFY_WITH_TIMEOUT(!view.isBusy(), 5000);
}

void EvaluationViewTest::togglingAMethodRemovesItsCurves() {
  EvaluationView view;
  view.resize(1200, 700);
  view.show();
  view.setGtFolder(folders_.gt);
  view.addPredictionFolders({folders_.perfect, folders_.blurred});
  evaluateAndWait(view);
  QCustomPlot* plot = view.curves()->plot();
  for (auto kind : {rgbdsod::figures::CurveKind::PrecisionRecall, rgbdsod::figures::CurveKind::FmeasureThreshold,
                    rgbdsod::figures::CurveKind::EmeasureThreshold}) {
    view.curves()->setKind(kind);
    view.curves()->flush();
    const int both = plot->plottableCount();
    QVERIFY(both >= 2);
    view.methodsModel()->setShown(1, false);  // as the check box in the legend does
    view.curves()->flush();
    const int one = plot->plottableCount();
    QVERIFY2(one < both && one >= 1, qPrintable(QStringLiteral("%1 -> %2").arg(both).arg(one)));
    QCOMPARE(view.curves()->curves().size(), std::size_t{1});
    QCOMPARE(view.curves()->curves().front().label, std::string("Perfect"));
    view.methodsModel()->setData(view.methodsModel()->index(1), Qt::Checked, Qt::CheckStateRole);
    view.curves()->flush();
    QCOMPARE(plot->plottableCount(), both);
  }
  // Renaming in the legend renames the method (and its curve).
  QVERIFY(view.methodsModel()->setData(view.methodsModel()->index(1), QStringLiteral("Blur σ5"), Qt::EditRole));
  QCOMPARE(view.session()->methods()[1].name, QStringLiteral("Blur σ5"));
  QCOMPARE(view.curves()->curves().back().label, std::string("Blur σ5"));
}

void EvaluationViewTest::redrawsAreCoalesced() {
  EvaluationView view;
  view.setGtFolder(folders_.gt);
  view.addPredictionFolders({folders_.perfect, folders_.blurred});
  evaluateAndWait(view);
  const int before = view.curves()->redrawCount();
  for (int i = 0; i < 10; ++i) view.methodsModel()->setShown(i % 2, i % 3 == 0);
  view.methodsModel()->setShown(0, true);
  view.methodsModel()->setShown(1, true);
  QTRY_VERIFY_WITH_TIMEOUT(!view.curves()->redrawPending(), 2000);
  QCOMPARE(view.curves()->redrawCount(), before + 1);
}

void EvaluationViewTest::exportsWriteCsvAndFigures() {
  EvaluationView view;
  view.setGtFolder(folders_.gt);
  view.addPredictionFolders({folders_.perfect, folders_.blurred});
  evaluateAndWait(view);
  QTemporaryDir out;
  QVERIFY(view.exportSummaryTable(out.filePath(QStringLiteral("summary.csv"))));
  QFile summary(out.filePath(QStringLiteral("summary.csv")));
  QVERIFY(summary.open(QIODevice::ReadOnly));
  const QStringList lines = QString::fromUtf8(summary.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  QCOMPARE(lines.size(), 3);
  QVERIFY2(lines[0].startsWith(QStringLiteral("method,dataset,images,gt_images,mae,sm,")), qPrintable(lines[0]));
  const QString dataset = QFileInfo(dir_.path()).fileName();  // "<tmp>/GT" is named by its parent
  QVERIFY2(lines[1].startsWith(QStringLiteral("Perfect,%1,10,10,0,").arg(dataset)), qPrintable(lines[1]));
  QVERIFY(lines[2].startsWith(QStringLiteral("Blurred,")));
  // LaTeX (booktabs) from the same table, with the best value marked.
  QVERIFY(view.exportSummaryTable(out.filePath(QStringLiteral("summary.tex"))));
  QFile latex(out.filePath(QStringLiteral("summary.tex")));
  QVERIFY(latex.open(QIODevice::ReadOnly));
  const QString tex = QString::fromUtf8(latex.readAll());
  QVERIFY2(tex.contains(QStringLiteral("\\toprule")) && tex.contains(QStringLiteral("\\textbf{")), qPrintable(tex));
  QVERIFY(!view.exportSummaryTable(out.filePath(QStringLiteral("summary.xyz"))));
  QVERIFY(view.lastError().contains(QStringLiteral("summary.xyz")));

  view.showImagesOf(1);
  view.sortImagesBy(Metric::Mae);
  QVERIFY(view.exportImageTable(out.filePath(QStringLiteral("images.csv"))));
  QFile images(out.filePath(QStringLiteral("images.csv")));
  QVERIFY(images.open(QIODevice::ReadOnly));
  const QStringList rows = QString::fromUtf8(images.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  QCOMPARE(rows.size(), 11);
  // The first data row is the table's first row: the worst image by MAE.
  QVERIFY(rows[1].startsWith(view.imageProxy()->index(0, 0).data().toString() + QLatin1Char(',')));

  for (const char* ext : {"png", "pdf", "svg"}) {
    const QString file = out.filePath(QStringLiteral("curves.%1").arg(QLatin1String(ext)));
    QVERIFY2(view.exportFigure(file), qPrintable(view.lastError()));
    QVERIFY2(QFileInfo(file).size() > 1000, ext);
  }
  const QImage png(out.filePath(QStringLiteral("curves.png")));
  QVERIFY(!png.isNull());
  QVERIFY(rgbdsod::test::isNonUniform(png));

  const QString bad = out.filePath(QStringLiteral("no/such/folder/summary.csv"));
  QVERIFY(!view.exportSummaryTable(bad));
  QVERIFY2(view.lastError().contains(QStringLiteral("no/such/folder")), qPrintable(view.lastError()));
}

void EvaluationViewTest::missingFolderShowsAnErrorNamingIt() {
  EvaluationView view;
  view.setGtFolder(folders_.gt);
  const QString missing = dir_.filePath(QStringLiteral("NotThere"));
  view.addPredictionFolders({missing, folders_.perfect});
  evaluateAndWait(view);
  QVERIFY2(view.statusText().contains(missing), qPrintable(view.statusText()));
  QCOMPARE(view.lastError(), view.statusText());
  QVERIFY(view.session()->methods()[1].evaluated());
  QCOMPARE(view.summaryModel()->index(0, 1).data().toString(), QStringLiteral("failed"));
}

// Opens the demo's test split and evaluates two predictions of its GT: a copy and a blurred copy.
void EvaluationViewTest::openWindowWithPredictions(MainWindow& window) {
  window.openFolder(demo_);
  QTRY_VERIFY_WITH_TIMEOUT(window.isSettled(), 60000);
  const auto dataset = window.session()->dataset();
  QVERIFY(dataset && dataset->labeled());
  EvaluationView* view = window.evaluationView();
  QCOMPARE(view->session()->gtFolder(), QDir::cleanPath(QString::fromStdString(dataset->layout.gt_dir.string())));
  const fs::path root = fs::path(demo_.toStdString()).parent_path() / "predictions";
  for (const char* method : {"CopyNet", "BlurNet"}) fs::create_directories(root / method);
  int i = 0;
  for (const auto& entry : fs::directory_iterator(dataset->layout.gt_dir)) {
    cv::Mat gt = cv::imread(entry.path().string(), cv::IMREAD_GRAYSCALE);
    cv::Mat blurred;
    cv::GaussianBlur(gt, blurred, cv::Size(0, 0), 2.0 + (i++ % 5) * 3.0);  // some images worse than others
    cv::imwrite((root / "CopyNet" / entry.path().filename()).string(), gt);
    cv::imwrite((root / "BlurNet" / (entry.path().stem().string() + "_BlurNet.png")).string(), blurred);
  }
  view->addPredictionFolders({QString::fromStdString((root / "CopyNet").string()),
                              QString::fromStdString((root / "BlurNet").string())});
  evaluateAndWait(*view);
  QCOMPARE(view->session()->methods()[1].result->images.size(), dataset->size());
  QTRY_VERIFY_WITH_TIMEOUT(window.isSettled(), 10000);
}

void EvaluationViewTest::activatingARowShowsTheSampleInInspect() {
  MainWindow window;
  window.resize(1400, 900);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  openWindowWithPredictions(window);
  EvaluationView* view = window.evaluationView();
  window.tabs()->setCurrentWidget(view);
  view->showImagesOf(1);
  view->sortImagesBy(Metric::Smeasure);
  QTableView* table = view->imageView();
  QCOMPARE(table->model()->rowCount(), static_cast<int>(window.session()->dataset()->size()));

  // The last row (not the first: sample 0 is already shown) by a double click.
  const int row = table->model()->rowCount() - 1;
  const QString name = table->model()->index(row, 0).data().toString();
  const auto expected = window.session()->dataset()->indexOf(name.toStdString());
  QVERIFY(expected.has_value());
  QVERIFY(*expected != 0);
  QSignalSpy requested(view, &EvaluationView::sampleRequested);
  QTRY_VERIFY(table->isVisible() && table->viewport()->height() > 50);
  table->scrollTo(table->model()->index(row, 0));
  const QRect cell = table->visualRect(table->model()->index(row, 0));
  QVERIFY2(table->viewport()->rect().contains(cell.center()), "the row is on screen");
  QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());  // a double click's first press
  QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, cell.center());
  QCOMPARE(requested.size(), 1);
  QCOMPARE(requested.front().front().toString(), name);
  // Inspect shows the sample with that method's map (the viewer, behind it, shows the sample too).
  QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget*>(window.inspectView()));
  QTRY_COMPARE_WITH_TIMEOUT(window.shownSample(), static_cast<int>(*expected), 10000);

  QVERIFY(!window.showSampleNamed(QStringLiteral("not_a_sample")));
}

void EvaluationViewTest::screenshotOfTheEvaluationTab() {
  MainWindow window;
  window.resize(1400, 900);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  openWindowWithPredictions(window);
  EvaluationView* view = window.evaluationView();
  window.tabs()->setCurrentWidget(view);
  view->showImagesOf(1);
  view->sortImagesBy(Metric::Smeasure);
  view->imageView()->selectRow(0);
  view->curves()->flush();
  QTest::qWait(100);
  const QImage shot = window.grab().toImage();
  QVERIFY(shot.save(QStringLiteral("/tmp/eval_view.png")));
  QVERIFY(rgbdsod::test::isNonUniform(view->curves()->plot()->grab().toImage()));
}

QTEST_MAIN(EvaluationViewTest)
#include "evaluation_view_test.moc"
