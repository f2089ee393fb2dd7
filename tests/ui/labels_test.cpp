// The Labels workspace (issue 12) on a small synthetic dataset, offscreen: a brush stroke is one
// undo step storing only its rectangle and undo / redo restore the exact bytes; the canvas repaints
// only the changed rectangle; autosave writes the correction and never the original; history
// survives switching images; a killed process keeps what was autosaved; accepting a suggestion
// fixes a flipped region; the tools' single keys; a foreign sidecar is reported with a way on;
// and the studio's `--tab labels` screenshot.
#include <csignal>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

#include <QAction>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QListView>
#include <QListWidget>
#include <QProcess>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <opencv2/core.hpp>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/image_io.h"
#include "rgbdsod/core/label_noise.h"
#include "rgbdsod/core/label_store.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/ui/dataset_session.h"
#include "rgbdsod/ui/labels/label_canvas.h"
#include "rgbdsod/ui/labels/labels_session.h"
#include "rgbdsod/ui/labels/labels_view.h"
#include "rgbdsod/ui/main_window.h"
#include "rgbdsod/ui/shell/model_bridge.h"
#include "rgbdsod/ui/thumbnail_model.h"
#include "ui_test_support.h"

using namespace rgbdsod;
namespace fs = std::filesystem;

namespace {

std::string fileBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool sameMat(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::countNonZero(a != b) == 0;
}

QString artifactPath(const QString& name) {
  const QString dir = qEnvironmentVariable("RGBDSOD_TEST_ARTIFACTS", QDir::tempPath());
  QDir().mkpath(dir);
  return QDir(dir).filePath(name);
}

}  // namespace

class LabelsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void aKilledProcessKeepsWhatWasAutosavedAndTheOriginal();  // first: fork before any worker thread
  void aStrokeIsOneUndoStepOfItsRectangleAndUndoRestoresTheBytes();
  void theCanvasRepaintsOnlyTheChangedRectangle();
  void autosaveWritesTheCorrectionNeverTheOriginal();
  void historySurvivesSwitchingImages();
  void acceptingASuggestionFixesAFlippedRegion();
  void singleKeysChooseTheTools();
  void aForeignSidecarIsReportedAndCanBeRebuilt();
  void anUnwritableFolderIsReportedAndAnotherOneTakesTheEdits();
  void importedMasksAreShownAndExportMakesADataset();
  void suggestionsFromALoadedRunAreComputedOnceAndCached();
  void studioScreenshotOfTheLabelsTab();
  void aMissingMapsFolderIsRefusedNamingIt();

 private:
  void openWindow(ui::MainWindow& window, const QString& data);
  QTemporaryDir dir_;
  QString data_;   // the demo collection (train/, test/)
};

void LabelsTest::initTestCase() {
  QVERIFY(dir_.isValid());
  data_ = test::writeDemo(dir_, QStringLiteral("data"), 10, 64);
}

void LabelsTest::openWindow(ui::MainWindow& window, const QString& data) {
  window.resize(1300, 850);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  window.openFolder(data);
  QTRY_VERIFY_WITH_TIMEOUT(window.session()->isOpen() && window.shownSample() == 0, 20000);
  window.tabs()->setCurrentWidget(window.labelsView());
  QTRY_VERIFY_WITH_TIMEOUT(window.labelsSession()->hasMask(), 10000);
}

void LabelsTest::aKilledProcessKeepsWhatWasAutosavedAndTheOriginal() {
  QTemporaryDir dir;
  const QString data = test::writeDemo(dir, QStringLiteral("data"), 6, 48, 3);
  const core::Dataset ds = core::openDataset(fs::path(data.toStdString()) / "train");
  const std::string name = ds.samples[0].name;
  const std::string original = fileBytes(ds.samples[0].gt);
  const pid_t child = fork();
  QVERIFY(child >= 0);
  if (child == 0) {
    // The child edits, saves (as autosave does), edits again and is killed before the next save.
    ui::LabelsSession s;
    s.setDataset(std::make_shared<core::Dataset>(ds));
    ui::LoadedSample sample;
    sample.name = QString::fromStdString(name);
    sample.gt_file = QString::fromStdString(ds.samples[0].gt.string());
    s.setSample(sample);
    s.beginStroke();
    s.strokeTo({5, 5}, {20, 5}, 3, false);
    s.endStroke();
    if (!s.saveNow()) _exit(3);
    s.beginStroke();
    s.strokeTo({5, 30}, {40, 30}, 4, false);
    s.endStroke();
    std::raise(SIGKILL);
    _exit(4);
  }
  int status = 0;
  QCOMPARE(waitpid(child, &status, 0), child);
  QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child did not die by SIGKILL");
  QCOMPARE(fileBytes(ds.samples[0].gt), original);
  core::LabelStore store(ds);
  QVERIFY(store.hasCorrection(name));
  const cv::Mat saved = store.load(name);
  QCOMPARE(saved.at<std::uint8_t>(5, 12), std::uint8_t{255});  // the first stroke is in
  QCOMPARE(saved.at<std::uint8_t>(30, 20), core::readMask(ds.samples[0].gt).at<std::uint8_t>(30, 20));  // the second is not
  QCOMPARE(store.record(name).status, core::LabelStatus::Corrected);
  QCOMPARE(store.record(name).edits, 1);
}

void LabelsTest::aStrokeIsOneUndoStepOfItsRectangleAndUndoRestoresTheBytes() {
  ui::MainWindow window;
  openWindow(window, data_);
  ui::LabelsSession* s = window.labelsSession();
  const cv::Mat before = s->mask().clone();
  QUndoStack* stack = s->undoStack();
  const int steps = stack->count();
  s->beginStroke();
  QPoint last(4, 4);
  for (int i = 1; i <= 20; ++i) {
    const QPoint next(4 + i * 2, 4 + i);
    s->strokeTo(last, next, 2, false);
    last = next;
  }
  s->endStroke();
  QCOMPARE(stack->count(), steps + 1);
  const auto* cmd = dynamic_cast<const ui::MaskEditCommand*>(stack->command(stack->count() - 1));
  QVERIFY(cmd);
  // The stamps' patches (before and after), not the image and not even the stroke's box.
  QCOMPARE(cmd->patchCount(), std::size_t{20});
  QVERIFY(cmd->storedBytes() < 2 * static_cast<std::size_t>(cmd->rect().area()));
  QVERIFY(cmd->storedBytes() < 2 * before.total());
  const cv::Mat after = s->mask().clone();
  QVERIFY(!sameMat(before, after));
  stack->undo();
  QVERIFY(sameMat(s->mask(), before));
  stack->redo();
  QVERIFY(sameMat(s->mask(), after));
  // A second stroke is a second step.
  s->beginStroke();
  s->strokeTo({20, 12}, {22, 13}, 1, true);  // erases on the first stroke
  s->endStroke();
  QCOMPARE(stack->count(), steps + 2);
}

void LabelsTest::theCanvasRepaintsOnlyTheChangedRectangle() {
  ui::MainWindow window;
  openWindow(window, data_);
  ui::LabelCanvas* canvas = window.labelsView()->canvas();
  QTRY_VERIFY(canvas->paintCount() > 0);
  QTest::qWait(50);
  const int paints = canvas->paintCount();
  window.labelsSession()->beginStroke();
  // Paint where it is background, erase where it is object: either way pixels change.
  const bool erase = window.labelsSession()->mask().at<std::uint8_t>(30, 30) >= 128;
  window.labelsSession()->strokeTo({30, 30}, {30, 30}, 1, erase);
  window.labelsSession()->endStroke();
  QTRY_VERIFY(canvas->paintCount() > paints);
  const QRect painted = canvas->lastPaintRect();
  // The stamp (3x3) and one pixel around it, whose outline may change.
  const QRect expected = canvas->toWidget(QRect(28, 28, 5, 5)).adjusted(-4, -4, 4, 4);
  QVERIFY2(expected.contains(painted), qPrintable(QStringLiteral("painted %1,%2 %3x%4 of a %5x%6 canvas")
                                                     .arg(painted.x()).arg(painted.y()).arg(painted.width())
                                                     .arg(painted.height()).arg(canvas->width()).arg(canvas->height())));
  QVERIFY(painted.width() * painted.height() * 20 < canvas->width() * canvas->height());
}

void LabelsTest::autosaveWritesTheCorrectionNeverTheOriginal() {
  ui::MainWindow window;
  openWindow(window, data_);
  ui::LabelsSession* s = window.labelsSession();
  s->setAutosaveDelay(200);
  const core::LabelStore* store = s->store();
  QVERIFY(store);
  const std::string name = s->sampleName().toStdString();
  const auto index = store->dataset().indexOf(name);
  QVERIFY(index);
  const fs::path gt = store->dataset().samples[*index].gt;
  const std::string original = fileBytes(gt);
  const cv::Mat before = s->mask().clone();  // earlier tests may have corrected this sample already
  s->flipRegion({0, 0});  // the background region at the corner becomes object
  QVERIFY(s->isDirty());
  QTRY_VERIFY_WITH_TIMEOUT(!s->isDirty(), 5000);
  QVERIFY(fs::exists(store->correctedPath(name)));
  QVERIFY(sameMat(core::readMask(store->correctedPath(name)), s->mask()));
  QCOMPARE(fileBytes(gt), original);
  QVERIFY(fs::exists(store->sidecarPath()));
  QCOMPARE(store->record(name).edit_kinds.at("flip"), 1);
  // Undo it, and the saved correction follows on the next autosave.
  s->undoStack()->undo();
  QTRY_VERIFY_WITH_TIMEOUT(!s->isDirty(), 5000);
  QVERIFY(sameMat(core::readMask(store->correctedPath(name)), before));
  QCOMPARE(fileBytes(gt), original);
}

void LabelsTest::historySurvivesSwitchingImages() {
  ui::MainWindow window;
  openWindow(window, data_);
  ui::LabelsSession* s = window.labelsSession();
  const QString first = s->sampleName();
  const cv::Mat before = s->mask().clone();
  s->fillHoles();
  s->growShrink(2);
  QUndoStack* first_stack = s->undoStack();
  const int count = first_stack->count();
  QVERIFY(count >= 1);
  window.labelsView()->action(QStringLiteral("actNext"))->trigger();
  QTRY_VERIFY_WITH_TIMEOUT(s->sampleName() != first && s->hasMask(), 10000);
  QVERIFY(s->undoStack() != first_stack);
  QVERIFY(s->record().status == core::LabelStatus::Unreviewed || s->record().edits == 0);
  window.labelsView()->action(QStringLiteral("actPrevious"))->trigger();
  QTRY_VERIFY_WITH_TIMEOUT(s->sampleName() == first, 10000);
  QCOMPARE(s->undoStack(), first_stack);
  QCOMPARE(first_stack->count(), count);
  while (first_stack->canUndo()) first_stack->undo();
  QVERIFY(sameMat(s->mask(), before));
}

void LabelsTest::acceptingASuggestionFixesAFlippedRegion() {
  // A noisy copy of the labels and the clean GT as a perfect "prediction": the suggestions are
  // exactly the flipped regions, and accepting each one restores the clean mask.
  QTemporaryDir dir;
  const QString data = test::writeDemo(dir, QStringLiteral("data"), 6, 48, 5);
  const fs::path split = fs::path(data.toStdString()) / "train";
  const core::Dataset clean = core::openDataset(split);
  const fs::path pred = fs::path(dir.path().toStdString()) / "pred";
  fs::create_directories(pred);
  for (const auto& sf : clean.samples) {
    const cv::Mat gt = core::readMask(sf.gt);
    core::writeImageAtomic(pred / (sf.name + ".png"), gt);
    core::LabelNoiseOptions o;
    o.p = 0.5;
    o.seed = 9;
    cv::Mat noisy = core::flipRegions(gt, o, core::labelNoiseSampleSeed(9, sf.name)).mask;
    core::writeImageAtomic(sf.gt, noisy);  // the dataset's labels are the noisy ones here
  }
  ui::MainWindow window;
  openWindow(window, QString::fromStdString(split.string()));
  ui::LabelsSession* s = window.labelsSession();
  QVERIFY(s->setPredictionFolder(QString::fromStdString(pred.string())));
  // Find a sample with a suggestion.
  for (int i = 0; i < 6 && s->suggestions().empty(); ++i) {
    window.labelsView()->action(QStringLiteral("actNext"))->trigger();
    QTest::qWait(100);
  }
  QVERIFY2(!s->suggestions().empty(), "no sample got a flipped region");
  const std::string name = s->sampleName().toStdString();
  const cv::Mat clean_mask = core::readMask(pred / (name + ".png"));
  int guard = 0;
  while (!s->suggestions().empty() && guard++ < 50) window.labelsView()->action(QStringLiteral("actAccept"))->trigger();
  QVERIFY(sameMat(s->mask(), clean_mask));
  QVERIFY(s->undoStack()->count() >= 1);
  // Ranking the dataset puts an image with flipped regions first.
  QSignalSpy ranked(s, &ui::LabelsSession::rankingFinished);
  s->rankDataset();
  QTRY_COMPARE_WITH_TIMEOUT(ranked.count(), 1, 20000);
  QVERIFY(!s->ranked().empty());
  QVERIFY(s->ranked().front().score >= s->ranked().back().score);
}

void LabelsTest::singleKeysChooseTheTools() {
  ui::MainWindow window;
  openWindow(window, data_);
  ui::LabelsView* view = window.labelsView();
  view->canvas()->setFocus();
  QTest::keyClick(view->canvas(), Qt::Key_E);
  QCOMPARE(view->tool(), ui::LabelTool::Eraser);
  QTest::keyClick(view->canvas(), Qt::Key_W);
  QCOMPARE(view->tool(), ui::LabelTool::Wand);
  QTest::keyClick(view->canvas(), Qt::Key_I);
  QCOMPARE(view->tool(), ui::LabelTool::Flip);
  QTest::keyClick(view->canvas(), Qt::Key_B);
  QCOMPARE(view->tool(), ui::LabelTool::Brush);
  const int r = view->brushRadius();
  QTest::keyClick(view->canvas(), Qt::Key_BracketRight);
  QCOMPARE(view->brushRadius(), r + 1);
  // A click of the flip tool through the canvas flips the region under it, as one undo step.
  QTest::keyClick(view->canvas(), Qt::Key_I);
  const cv::Mat before = window.labelsSession()->mask().clone();
  const QPoint corner = view->canvas()->toWidget(QRect(1, 1, 1, 1)).center();
  QTest::mouseClick(view->canvas(), Qt::LeftButton, Qt::NoModifier, corner);
  QVERIFY(!sameMat(before, window.labelsSession()->mask()));
  QTest::keyClick(view->canvas(), Qt::Key_Z, Qt::ControlModifier);
  QVERIFY(sameMat(before, window.labelsSession()->mask()));
}

void LabelsTest::aForeignSidecarIsReportedAndCanBeRebuilt() {
  QTemporaryDir dir;
  const QString data = test::writeDemo(dir, QStringLiteral("data"), 4, 32, 4);
  const fs::path split = fs::path(data.toStdString()) / "train";
  fs::create_directories(split / core::LabelStore::kDefaultFolder);
  std::ofstream(split / core::LabelStore::kDefaultFolder / core::LabelStore::kSidecar) << R"({"format": "someone-else"})";
  ui::LabelsSession s;
  s.setDataset(std::make_shared<core::Dataset>(core::openDataset(split)));
  QVERIFY2(s.storeProblem().contains(QStringLiteral("labels.json")), qPrintable(s.storeProblem()));
  QString error;
  QVERIFY2(s.rebuildSidecar(&error), qPrintable(error));
  QVERIFY(s.storeProblem().isEmpty());
  QVERIFY(fs::exists(split / core::LabelStore::kDefaultFolder / "labels.json.bad"));
}

void LabelsTest::anUnwritableFolderIsReportedAndAnotherOneTakesTheEdits() {
  // Root ignores permission bits, so the unwritable folder is one that cannot be created: its
  // parent is a file.
  QTemporaryDir dir;
  const QString data = test::writeDemo(dir, QStringLiteral("data"), 4, 32, 6);
  const fs::path split = fs::path(data.toStdString()) / "train";
  const fs::path blocker = fs::path(dir.path().toStdString()) / "not-a-folder";
  std::ofstream(blocker) << "a file";
  ui::LabelsSession s;
  const auto ds = std::make_shared<core::Dataset>(core::openDataset(split));
  s.setDataset(ds, QString::fromStdString((blocker / "corrections").string()));
  QVERIFY2(s.storeProblem().contains(QStringLiteral("cannot be written")) || s.storeProblem().contains(QStringLiteral("not writable")),
           qPrintable(s.storeProblem()));
  ui::LoadedSample sample;
  sample.name = QString::fromStdString(ds->samples[0].name);
  sample.gt_file = QString::fromStdString(ds->samples[0].gt.string());
  s.setSample(sample);
  s.flipRegion({0, 0});
  QString error;
  QVERIFY(!s.saveNow(&error));
  QVERIFY2(error.contains(QString::fromStdString(blocker.string())), qPrintable(error));
  QVERIFY(s.isDirty());  // nothing lost
  const fs::path other = fs::path(dir.path().toStdString()) / "elsewhere";
  QVERIFY2(s.setCorrectionsFolder(QString::fromStdString(other.string()), &error), qPrintable(error));
  QVERIFY(!s.isDirty());
  QVERIFY(sameMat(core::readMask(other / (ds->samples[0].name + ".png")), s.mask()));
}

void LabelsTest::importedMasksAreShownAndExportMakesADataset() {
  QTemporaryDir dir;
  const QString data = test::writeDemo(dir, QStringLiteral("data"), 4, 32, 8);
  const fs::path split = fs::path(data.toStdString()) / "train";
  const auto ds = std::make_shared<core::Dataset>(core::openDataset(split));
  const fs::path masks = fs::path(dir.path().toStdString()) / "masks";
  fs::create_directories(masks);
  cv::Mat full(core::readMask(ds->samples[0].gt).size(), CV_8UC1, cv::Scalar(255));
  core::writeImageAtomic(masks / (ds->samples[0].name + ".png"), full);
  ui::LabelsSession s;
  s.setDataset(ds);
  ui::LoadedSample sample;
  sample.name = QString::fromStdString(ds->samples[0].name);
  sample.gt_file = QString::fromStdString(ds->samples[0].gt.string());
  s.setSample(sample);
  QString error;
  QCOMPARE(s.importMasks(QString::fromStdString(masks.string()), &error), 1);
  QVERIFY(sameMat(s.mask(), full));  // the shown image shows the import
  const fs::path out = fs::path(dir.path().toStdString()) / "exported";
  QVERIFY2(s.exportDataset(QString::fromStdString(out.string()), false, &error), qPrintable(error));
  const core::Dataset exported = core::openDataset(out);
  QCOMPARE(exported.size(), ds->size());
  QVERIFY(sameMat(core::readMask(exported.samples[0].gt), full));
  QVERIFY(!s.exportDataset(QString::fromStdString(out.string()), false, &error));  // exists: refused
  QVERIFY2(error.contains(QStringLiteral("exported")), qPrintable(error));
}

void LabelsTest::suggestionsFromALoadedRunAreComputedOnceAndCached() {
  QTemporaryDir dir;
  const QString data = test::writeDemo(dir, QStringLiteral("data"), 8, 40, 12);
  training::TrainRequest req;
  req.stage = "teacher";
  req.data = data.toStdString();
  req.run = dir.filePath(QStringLiteral("teacher")).toStdString();
  req.overrides = {"model.width=0.0625", "data.size=32", "data.batch_size=2", "data.workers=0", "run.steps=2",
                   "run.checkpoint_every=2", "run.threads=1", "seed=3"};
  const training::TrainResult trained = training::runTraining(req, {}, {});
  QVERIFY2(trained.outcome == training::TrainOutcome::Finished, trained.message.c_str());
  ui::MainWindow window;
  openWindow(window, data);
  QSignalSpy loaded(window.models(), &ui::ModelBridge::runLoaded);
  window.models()->loadRun(dir.filePath(QStringLiteral("teacher")));
  QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 30000);
  const int id = loaded.at(0).at(0).toInt();
  ui::LabelsSession* s = window.labelsSession();
  QSignalSpy done(s, &ui::LabelsSession::predictionFinished);
  QString error;
  QVERIFY2(s->suggestFromRun(id, &error), qPrintable(error));
  QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
  const QString folder = done.at(0).at(0).toString();
  QCOMPARE(s->predictionFolder(), folder);
  QVERIFY(folder.startsWith(s->correctionsFolder()));
  const auto& ds = s->store()->dataset();
  QCOMPARE(QDir(folder).entryList({QStringLiteral("*.png")}, QDir::Files).size(), static_cast<int>(ds.size()));
  const auto submitted = window.models()->stats().submitted;
  QVERIFY(s->suggestFromRun(id, &error));  // cached: no inference again
  QCOMPARE(done.count(), 2);
  QCOMPARE(window.models()->stats().submitted, submitted);
}

void LabelsTest::studioScreenshotOfTheLabelsTab() {
  const QString shot = artifactPath(QStringLiteral("labels-tab.png"));
  QFile::remove(shot);
  QProcess studio;
  studio.start(QStringLiteral(RGBDSOD_STUDIO_BINARY), {data_, QStringLiteral("--tab"), QStringLiteral("labels"),
                                                      QStringLiteral("--screenshot"), shot, QStringLiteral("--size"),
                                                      QStringLiteral("1300x850")});
  QVERIFY(studio.waitForFinished(120000));
  QVERIFY2(studio.exitCode() == 0, studio.readAllStandardError().constData());
  QVERIFY(test::isNonUniform(QImage(shot)));
}

void LabelsTest::aMissingMapsFolderIsRefusedNamingIt() {
  const QString missing = dir_.filePath(QStringLiteral("no-such-maps"));
  ui::LabelsSession s;
  QString error;
  QVERIFY(!s.setPredictionFolder(missing, &error));
  QVERIFY2(error.contains(missing), qPrintable(error));
  QVERIFY(s.predictionFolder().isEmpty());
  QProcess studio;
  studio.start(QStringLiteral(RGBDSOD_STUDIO_BINARY), {data_, QStringLiteral("--tab"), QStringLiteral("labels"),
                                                      QStringLiteral("--suggest"), missing, QStringLiteral("--screenshot"),
                                                      artifactPath(QStringLiteral("never.png"))});
  QVERIFY(studio.waitForFinished(60000));
  QCOMPARE(studio.exitCode(), 2);
  QVERIFY(studio.readAllStandardError().contains("no-such-maps"));
}

QTEST_MAIN(LabelsTest)
#include "labels_test.moc"
