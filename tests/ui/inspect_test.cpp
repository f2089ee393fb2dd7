// The Inspect workspace (issue 10) on tiny runs trained here: the grid shows as many side-output
// levels as the model has, fg/bg and branch maps appear for the models that have them, the error
// overlay paints false positives and negatives in their colours, compare shows the difference of
// two sources, exports are valid files, and the Evaluation tab's rows open Inspect with that
// method's map. Offscreen; screenshots go to $RGBDSOD_TEST_ARTIFACTS (default: the temp folder).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <QDir>
#include <QFile>
#include <QCheckBox>
#include <QImage>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QProcess>
#include <QTemporaryDir>
#include <QTableView>
#include <QtTest>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "rgbdsod/core/synth.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/training/recipe.h"
#include "rgbdsod/ui/dataset_session.h"
#include "rgbdsod/ui/evaluation/evaluation_session.h"
#include "rgbdsod/ui/evaluation/evaluation_view.h"
#include "rgbdsod/ui/image_pane.h"
#include "rgbdsod/ui/inspect/figure_builder.h"
#include "rgbdsod/ui/inspect/figure_dialog.h"
#include "rgbdsod/ui/inspect/inspect_session.h"
#include "rgbdsod/ui/inspect/inspect_view.h"
#include "rgbdsod/ui/inspect/map_render.h"
#include "rgbdsod/ui/main_window.h"
#include "rgbdsod/ui/shell/model_bridge.h"
#include "ui_test_support.h"

using namespace rgbdsod;
using rgbdsod::ui::InspectSession;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> tinyOverrides() {
  return {"model.width=0.0625", "data.size=32", "data.batch_size=2", "data.workers=0", "run.steps=2",
          "run.checkpoint_every=2", "run.log_every=1", "run.threads=1", "seed=3"};
}

QString artifactPath(const QString& name) {
  const QString dir = qEnvironmentVariable("RGBDSOD_TEST_ARTIFACTS", QDir::tempPath());
  QDir().mkpath(dir);
  return QDir(dir).filePath(name);
}

}  // namespace

class InspectTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void errorOverlayPaintsFalsePositivesAndNegativesInTheirColours();
  void differenceImageIsRedWhereTheFirstMapIsHigher();
  void gridShowsEverySideOutputLevelOfTheTeacher();
  void fusionRunShowsItsRgbAndDepthBranches();
  void recnetShowsForegroundBackgroundAndTheFusedMap();
  void readoutListsTheValueOfEveryMapUnderTheCursor();
  void browsingFastShowsTheLastSampleOnly();
  void compareShowsBothSourcesTheirMetricsAndTheDifference();
  void exportWritesPngSvgAndPdfAndRefusesOtherSuffixes();
  void evaluationRowOpensInspectWithThatMethodsMap();
  void figureBuilderWritesTheChosenSamplesTimesRunsAndFolders();
  void studioScreenshotOfInspectOnARun();
  void aFolderThatIsNotARunIsRefusedNamingIt();
  void repeatedLoadsAndReloadsOfOneRunCoalesce();

 private:
  void openWindow(ui::MainWindow& window);
  static void waitSettled(ui::MainWindow& window);

  QTemporaryDir dir_;
  QString data_;     // the collection (train/, test/)
  QString dataset_;  // its test split: what the window opens
  QString lsf_;      // recipe folder: 1-teacher, 2-distill, 3-fuse
  QString recnet_;
};

void InspectTest::initTestCase() {
  QVERIFY(dir_.isValid());
  core::SynthConfig config;
  config.seed = 11;
  config.count = 8;
  config.width = 56;  // not square, not the network's 32 px: maps must come back at this size
  config.height = 40;
  config.test_fraction = 0.5;
  data_ = dir_.filePath(QStringLiteral("data"));
  core::writeSynthDataset(data_.toStdString(), config);
  dataset_ = QDir(data_).filePath(QStringLiteral("test"));
  lsf_ = dir_.filePath(QStringLiteral("lsf"));
  recnet_ = dir_.filePath(QStringLiteral("recnet"));
  const training::RecipeResult lsf =
      training::runRecipe({"learn-select-fuse", data_.toStdString(), lsf_.toStdString(), tinyOverrides(), false}, {}, {});
  QVERIFY2(lsf.outcome == training::TrainOutcome::Finished, lsf.message.c_str());
  training::TrainRequest recnet;
  recnet.stage = "recnet";
  recnet.data = data_.toStdString();
  recnet.run = recnet_.toStdString();
  recnet.overrides = tinyOverrides();
  const training::TrainResult r = training::runTraining(recnet, {}, {});
  QVERIFY2(r.outcome == training::TrainOutcome::Finished, r.message.c_str());
}

void InspectTest::openWindow(ui::MainWindow& window) {
  window.resize(1500, 1000);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  window.openFolder(dataset_);
  QTRY_VERIFY_WITH_TIMEOUT(window.session()->isOpen() && window.shownSample() == 0, 20000);
  window.tabs()->setCurrentWidget(window.inspectView());
}

void InspectTest::waitSettled(ui::MainWindow& window) {
  QTRY_VERIFY_WITH_TIMEOUT(window.inspectView()->isSettled() && window.inspectSession()->side(InspectSession::Primary).hasMaps(),
                           30000);
  QTest::qWait(50);  // let the panes repaint
}

void InspectTest::errorOverlayPaintsFalsePositivesAndNegativesInTheirColours() {
  // Four pixels: true positive, false positive, false negative, true negative.
  const cv::Mat rgb(1, 4, CV_8UC3, cv::Scalar(10, 20, 30));  // BGR
  const cv::Mat map = (cv::Mat_<std::uint8_t>(1, 4) << 255, 255, 0, 0);
  const cv::Mat gt = (cv::Mat_<std::uint8_t>(1, 4) << 255, 0, 255, 0);
  const QImage out = ui::errorOverlay(rgb, map, gt, 0.5);
  QCOMPARE(out.size(), QSize(4, 1));
  QCOMPARE(QColor(out.pixel(0, 0)), QColor(30, 20, 10));
  QCOMPARE(QColor(out.pixel(1, 0)), ui::falsePositiveColour());
  QCOMPARE(QColor(out.pixel(2, 0)), ui::falseNegativeColour());
  QCOMPARE(QColor(out.pixel(3, 0)), QColor(30, 20, 10));
  const ui::ErrorCounts c = ui::countErrors(map, gt, 0.5);
  QCOMPARE(c.false_positives, 1LL);
  QCOMPARE(c.false_negatives, 1LL);
  // Adaptive threshold as the metrics compute it: min-max normalised, min(2 * mean, 1).
  const cv::Mat ramp = (cv::Mat_<std::uint8_t>(1, 4) << 0, 0, 0, 200);
  QCOMPARE(ui::adaptiveThreshold(ramp), 0.5);
  QCOMPARE(ui::adaptiveThreshold(map), 1.0);
  // Sizes that differ give no overlay instead of reading out of bounds.
  QVERIFY(ui::errorOverlay(rgb, map, cv::Mat(2, 4, CV_8UC1, cv::Scalar(0)), 0.5).isNull());
}

void InspectTest::differenceImageIsRedWhereTheFirstMapIsHigher() {
  const cv::Mat a = (cv::Mat_<std::uint8_t>(1, 3) << 255, 0, 100);
  const cv::Mat b = (cv::Mat_<std::uint8_t>(1, 3) << 0, 255, 100);
  const QImage d = ui::differenceImage(a, b);
  QCOMPARE(QColor(d.pixel(0, 0)), QColor(255, 0, 0));
  QCOMPARE(QColor(d.pixel(1, 0)), QColor(0, 0, 255));
  QCOMPARE(QColor(d.pixel(2, 0)), QColor(255, 255, 255));
  QCOMPARE(ui::meanAbsoluteDifference(a, b), 2.0 / 3.0);
}

void InspectTest::gridShowsEverySideOutputLevelOfTheTeacher() {
  ui::MainWindow window;
  openWindow(window);
  ui::InspectView* view = window.inspectView();
  view->addRun(QDir(lsf_).filePath(QStringLiteral("1-teacher")));
  waitSettled(window);
  const auto& result = window.inspectSession()->side(InspectSession::Primary).result;
  int combined = 0;
  for (const auto& m : result.maps) {
    combined += m.group == "side_combined";
    QCOMPARE(m.probability.cols, 56);  // the sample's size, not the network's
    QCOMPARE(m.probability.rows, 40);
  }
  QVERIFY(combined >= 2);
  const QList<ui::ImagePane*> sides = view->panes(QStringLiteral("sides"));
  QCOMPARE(sides.size(), combined);  // as many panes as the model has levels
  QVERIFY2(sides.front()->title().contains(QStringLiteral("level 2")), qPrintable(sides.front()->title()));
  QVERIFY(sides.front()->title().contains(QStringLiteral("P̃")));
  for (ui::ImagePane* p : sides) QVERIFY(test::isNonUniform(p->image()) || !p->image().isNull());
  view->setShowRawSides(true);
  QCOMPARE(view->panes(QStringLiteral("sides")).size(), combined);
  QVERIFY(!view->panes(QStringLiteral("sides")).front()->title().contains(QStringLiteral("P̃")));
  QCOMPARE(view->panes(QStringLiteral("fused")).size(), 1);  // sides_fused of the teacher
  QVERIFY(view->metricsText().contains(QStringLiteral("MAE")));
  QVERIFY(view->descriptionText().contains(QStringLiteral("teacher")));
  QVERIFY(!view->pane(QStringLiteral("inputs"), QStringLiteral("errors"))->image().isNull());
  QVERIFY(window.grab().save(artifactPath(QStringLiteral("inspect_teacher.png"))));
  // The RGB teacher fed depth (the zero-shot baseline of cross-modal transfer).
  auto* zero_shot = view->findChild<QCheckBox*>(QStringLiteral("inspectZeroShot"));
  QVERIFY(zero_shot && zero_shot->isEnabled());
  zero_shot->setChecked(true);
  waitSettled(window);
  QTRY_VERIFY_WITH_TIMEOUT(!view->panes(QStringLiteral("zero_shot")).isEmpty(), 10000);
  QVERIFY(view->pane(QStringLiteral("zero_shot"), QStringLiteral("zero_shot/final")));
}

void InspectTest::fusionRunShowsItsRgbAndDepthBranches() {
  ui::MainWindow window;
  openWindow(window);
  window.inspectView()->addRun(QDir(lsf_).filePath(QStringLiteral("3-fuse")));
  waitSettled(window);
  const QList<ui::ImagePane*> branches = window.inspectView()->panes(QStringLiteral("branches"));
  QVERIFY(branches.size() >= 2);
  bool rgb = false, depth = false;
  for (ui::ImagePane* p : branches) {
    rgb = rgb || p->title().startsWith(QStringLiteral("RGB branch"));
    depth = depth || p->title().startsWith(QStringLiteral("Depth branch"));
  }
  QVERIFY(rgb && depth);
  // An RGB-D network has no zero-shot reading.
  QVERIFY(!window.inspectView()->findChild<QCheckBox*>(QStringLiteral("inspectZeroShot"))->isEnabled());
  QVERIFY(window.grab().save(artifactPath(QStringLiteral("inspect_fuse.png"))));
}

void InspectTest::recnetShowsForegroundBackgroundAndTheFusedMap() {
  ui::MainWindow window;
  openWindow(window);
  window.inspectView()->addRun(recnet_);
  waitSettled(window);
  ui::InspectView* view = window.inspectView();
  QCOMPARE(view->panes(QStringLiteral("fgbg")).size(), 3);
  QVERIFY(view->pane(QStringLiteral("fgbg"), QStringLiteral("foreground")));
  QVERIFY(view->pane(QStringLiteral("fgbg"), QStringLiteral("background")));
  QVERIFY(view->pane(QStringLiteral("fgbg"), QStringLiteral("final")));
  QVERIFY(window.grab().save(artifactPath(QStringLiteral("inspect_recnet.png"))));
}

void InspectTest::readoutListsTheValueOfEveryMapUnderTheCursor() {
  ui::MainWindow window;
  openWindow(window);
  window.inspectView()->addRun(QDir(lsf_).filePath(QStringLiteral("1-teacher")));
  waitSettled(window);
  window.inspectView()->showReadout(QPoint(10, 7));
  const QString text = window.inspectView()->readoutText();
  QVERIFY2(text.contains(QStringLiteral("(10, 7)")) && text.contains(QStringLiteral("final ")) &&
               text.contains(QStringLiteral("side_combined/level2")),
           qPrintable(text));
  window.inspectView()->showReadout(QPoint(500, 7));  // outside: nothing
  QVERIFY(window.inspectView()->readoutText().isEmpty());
}

void InspectTest::browsingFastShowsTheLastSampleOnly() {
  ui::MainWindow window;
  openWindow(window);
  window.inspectView()->addRun(recnet_);
  waitSettled(window);
  const int n = static_cast<int>(window.session()->dataset()->size());
  for (int i = 0; i < n; ++i) window.session()->requestSample(i);
  QTRY_VERIFY_WITH_TIMEOUT(window.shownSample() == n - 1, 20000);
  waitSettled(window);
  const auto& side = window.inspectSession()->side(InspectSession::Primary);
  QCOMPARE(QString::fromStdString(side.result.sample), window.inspectSession()->sample().name);
  const training::ModelCoreStats stats = window.models()->stats();
  QVERIFY(stats.run <= stats.submitted);
}

void InspectTest::compareShowsBothSourcesTheirMetricsAndTheDifference() {
  // A "method" whose maps are the GT itself: max F 1 (MAE is not 0: the protocol min-max normalises
  // the map, and these soft GTs do not reach 255).
  const QString perfect = dir_.filePath(QStringLiteral("Perfect"));
  QDir().mkpath(perfect);
  for (const auto& e : fs::directory_iterator(fs::path(dataset_.toStdString()) / "GT")) {
    fs::copy_file(e.path(), fs::path(perfect.toStdString()) / e.path().filename(), fs::copy_options::overwrite_existing);
  }
  ui::MainWindow window;
  openWindow(window);
  ui::InspectView* view = window.inspectView();
  view->addRun(recnet_);
  view->addPredictionFolder(perfect, InspectSession::Compare);
  waitSettled(window);
  QTRY_VERIFY_WITH_TIMEOUT(window.inspectSession()->side(InspectSession::Compare).scores.has_value(), 10000);
  QCOMPARE(view->panes(QStringLiteral("compare")).size(), 4);
  QVERIFY(!view->pane(QStringLiteral("compare"), QStringLiteral("diff"))->image().isNull());
  QVERIFY2(view->metricsText().contains(QStringLiteral("B Perfect: MAE")) &&
               view->metricsText().contains(QStringLiteral("max F 1.0000")),
           qPrintable(view->metricsText()));
  QVERIFY(window.grab().save(artifactPath(QStringLiteral("inspect_compare.png"))));
}

void InspectTest::exportWritesPngSvgAndPdfAndRefusesOtherSuffixes() {
  ui::MainWindow window;
  openWindow(window);
  ui::InspectView* view = window.inspectView();
  view->addRun(recnet_);
  waitSettled(window);
  QTemporaryDir out;
  const QString png = out.filePath(QStringLiteral("grid.png"));
  QVERIFY2(view->exportGrid(png, 192), qPrintable(view->lastError()));
  const QImage image(png);
  QVERIFY(!image.isNull());
  QVERIFY(image.width() > 400);  // 2x the widget's logical size at 192 DPI
  QVERIFY(test::isNonUniform(image));
  QVERIFY(image.save(artifactPath(QStringLiteral("inspect_export.png"))));
  const QString svg = out.filePath(QStringLiteral("grid.svg"));
  QVERIFY(view->exportGrid(svg));
  QFile svg_file(svg);
  QVERIFY(svg_file.open(QIODevice::ReadOnly));
  QVERIFY(svg_file.readAll().contains("<svg"));
  const QString pdf = out.filePath(QStringLiteral("pane.pdf"));
  QVERIFY(view->exportPane(QStringLiteral("fgbg"), QStringLiteral("foreground"), pdf, 300));
  QFile pdf_file(pdf);
  QVERIFY(pdf_file.open(QIODevice::ReadOnly));
  QVERIFY(pdf_file.read(4) == "%PDF");
  const QString bad = out.filePath(QStringLiteral("grid.bmp"));
  QVERIFY(!view->exportGrid(bad));
  QVERIFY(view->lastError().contains(QStringLiteral(".png, .svg or .pdf")));
  QVERIFY(!QFile::exists(bad));
}

void InspectTest::evaluationRowOpensInspectWithThatMethodsMap() {
  const QString perfect = dir_.filePath(QStringLiteral("Perfect"));  // written by the compare test
  QVERIFY(QDir(perfect).exists());
  ui::MainWindow window;
  openWindow(window);
  ui::EvaluationView* evaluation = window.evaluationView();
  window.tabs()->setCurrentWidget(evaluation);
  evaluation->addPredictionFolders({perfect});
  evaluation->evaluate();
  QTRY_VERIFY_WITH_TIMEOUT(!evaluation->isBusy() && evaluation->session()->methods().front().evaluated(), 20000);
  evaluation->showImagesOf(0);
  QTableView* table = evaluation->imageView();
  QTRY_VERIFY(table->model()->rowCount() > 1);
  const QString name = table->model()->index(1, 0).data().toString();
  evaluation->activateImageRow(1);
  QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget*>(window.inspectView()));
  QTRY_VERIFY_WITH_TIMEOUT(window.inspectSession()->sample().name == name, 10000);
  QTRY_VERIFY_WITH_TIMEOUT(window.inspectView()->isSettled(), 10000);
  const auto& side = window.inspectSession()->side(InspectSession::Primary);
  QCOMPARE(side.source.kind, ui::MapSource::Kind::Folder);
  QVERIFY(side.hasMaps());
  QVERIFY(side.scores.has_value());
  // Inspect's per-image numbers are the evaluation's, to the last bit.
  const auto& records = evaluation->session()->methods().front().result->images;
  const auto record = std::find_if(records.begin(), records.end(), [&](const core::ImageRecord& r) {
    return QString::fromStdString(r.name) == name;
  });
  QVERIFY(record != records.end());
  QCOMPARE(side.scores->mae, record->scores.mae);
  QCOMPARE(side.scores->max_fmeasure, record->scores.max_fmeasure);
  QCOMPARE(side.scores->weighted_fmeasure, record->scores.weighted_fmeasure);
}

void InspectTest::figureBuilderWritesTheChosenSamplesTimesRunsAndFolders() {
  ui::MainWindow window;
  openWindow(window);
  ui::InspectView* view = window.inspectView();
  view->addRun(recnet_);
  view->addRun(QDir(lsf_).filePath(QStringLiteral("3-fuse")), InspectSession::Compare);
  view->addPredictionFolder(dir_.filePath(QStringLiteral("Perfect")), InspectSession::Compare);  // from the compare test
  waitSettled(window);
  QTRY_VERIFY_WITH_TIMEOUT(view->sources().size() == 3, 10000);
  ui::FigureDialog* dialog = view->openFigureDialog();
  QCOMPARE(dialog->columnList()->count(), 3);
  const auto& samples = window.session()->dataset()->samples;
  QVERIFY(samples.size() >= 2);
  dialog->samplesEdit()->setText(QString::fromStdString(samples[0].name + ", " + samples[1].name));
  QTemporaryDir out;
  const QString png = out.filePath(QStringLiteral("figure.png"));
  dialog->outputEdit()->setText(png);
  QSignalSpy finished(dialog->builder(), &ui::FigureBuilder::finished);
  QSignalSpy failed(dialog->builder(), &ui::FigureBuilder::failed);
  dialog->build();
  QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 30000);
  QVERIFY2(failed.isEmpty(), qPrintable(dialog->statusText()));
  const QImage figure(png);
  QVERIFY(!figure.isNull());
  QVERIFY(figure.width() > figure.height());  // 2 rows x 6 columns (RGB, Depth, GT, three methods)
  QVERIFY(test::isNonUniform(figure));
  QVERIFY(figure.save(artifactPath(QStringLiteral("inspect_figure.png"))));
  // An unknown sample: refused, naming it, nothing written.
  const QString bad = out.filePath(QStringLiteral("bad.png"));
  dialog->samplesEdit()->setText(QStringLiteral("no_such_sample"));
  dialog->outputEdit()->setText(bad);
  dialog->build();
  QTRY_VERIFY(failed.size() == 1);
  QVERIFY(failed.front().front().toString().contains(QStringLiteral("no_such_sample")));
  QVERIFY(!QFile::exists(bad));
}

void InspectTest::studioScreenshotOfInspectOnARun() {
  QTemporaryDir out;
  const QString shot = out.filePath(QStringLiteral("inspect.png"));
  QProcess studio;
  studio.setProcessChannelMode(QProcess::MergedChannels);
  studio.start(QStringLiteral(RGBDSOD_STUDIO_BINARY),
               {dataset_, QStringLiteral("--run"), QDir(lsf_).filePath(QStringLiteral("3-fuse")), QStringLiteral("--run"),
                recnet_, QStringLiteral("--sample"),
                QString::fromStdString(fs::directory_iterator(fs::path(dataset_.toStdString()) / "RGB")->path().stem().string()),
                QStringLiteral("--tab"), QStringLiteral("inspect"), QStringLiteral("--screenshot"), shot,
                QStringLiteral("--size"), QStringLiteral("1500x1000")});
  QVERIFY(studio.waitForFinished(120000));
  QVERIFY2(studio.exitCode() == 0, studio.readAll().constData());
  const QImage image(shot);
  QCOMPARE(image.size(), QSize(1500, 1000));
  QVERIFY(test::isNonUniform(image));
  QVERIFY(image.save(artifactPath(QStringLiteral("inspect_studio.png"))));
  // A sample that is not in the dataset is a usage error, not a blank screenshot.
  QProcess bad;
  bad.start(QStringLiteral(RGBDSOD_STUDIO_BINARY), {dataset_, QStringLiteral("--sample"), QStringLiteral("no_such"),
                                                    QStringLiteral("--screenshot"), out.filePath(QStringLiteral("x.png"))});
  QVERIFY(bad.waitForFinished(60000));
  QCOMPARE(bad.exitCode(), 2);
  QVERIFY(bad.readAllStandardError().contains("no_such"));
}

void InspectTest::aFolderThatIsNotARunIsRefusedNamingIt() {
  ui::MainWindow window;
  openWindow(window);
  QSignalSpy problems(window.inspectView(), &ui::InspectView::problem);
  window.inspectView()->addRun(dataset_);  // a dataset folder: no config.json, no checkpoints
  QTRY_VERIFY_WITH_TIMEOUT(!problems.isEmpty(), 20000);
  const QString message = problems.front().front().toString();
  QVERIFY2(message.contains(QDir(dataset_).dirName()) && message.contains(QStringLiteral("config.json")),
           qPrintable(message));
  QVERIFY(window.inspectView()->isSettled());  // nothing left waiting
  QCOMPARE(window.inspectSession()->side(InspectSession::Primary).source.kind, ui::MapSource::Kind::None);
}

// Follow mode asks for a load on every checkpoint; a slow load (a sanitizer build, a big model)
// used to start one more load of the same folder each time, which added the run again and again.
void InspectTest::repeatedLoadsAndReloadsOfOneRunCoalesce() {
  ui::ModelBridge models;
  QSignalSpy loaded(&models, &ui::ModelBridge::runLoaded);
  QSignalSpy reloaded(&models, &ui::ModelBridge::runReloaded);
  QSignalSpy failed(&models, &ui::ModelBridge::runLoadFailed);
  const QString teacher = QDir(lsf_).filePath(QStringLiteral("1-teacher"));
  for (int i = 0; i < 5; ++i) models.loadRun(teacher);
  QCOMPARE(models.loadsInFlight(), 1);
  QTRY_VERIFY_WITH_TIMEOUT(models.loadsInFlight() == 0, 60000);
  QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.front().at(1).toString()));
  QCOMPARE(models.runs().size(), std::size_t{1});
  QCOMPARE(loaded.count(), 1);
  const int id = models.runs().front().id;
  for (int i = 0; i < 5; ++i) models.reloadRun(id);
  QCOMPARE(models.loadsInFlight(), 1);
  // The first reload, then one more for the four asked for while it ran.
  QTRY_VERIFY_WITH_TIMEOUT(reloaded.count() == 2 && models.loadsInFlight() == 0, 60000);
  QTest::qWait(100);
  QCOMPARE(reloaded.count(), 2);
  QCOMPARE(models.runs().size(), std::size_t{1});
}

QTEST_MAIN(InspectTest)
#include "inspect_test.moc"
