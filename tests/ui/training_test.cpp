// The Training workspace (issue 11) offscreen: a tiny stage started, stopped and resumed from the
// workspace, its curves holding the logged points, the runs list reading a run written by the CLI,
// the run lock refusing a second job, the form refusing a bad value naming the key, Inspect
// following the newest checkpoint, the GUI thread never stalling over 50 ms while it trains and
// the samples are browsed, and the studio's --tab train screenshot.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QListView>
#include <QFileInfo>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "rgbdsod/core/report_table.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/training/run_catalog.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/run_lock.h"
#include "rgbdsod/ui/dataset_session.h"
#include "rgbdsod/ui/main_window.h"
#include "rgbdsod/ui/shell/event_loop_probe.h"
#include "rgbdsod/ui/shell/model_bridge.h"
#include "rgbdsod/ui/thumbnail_model.h"
#include "rgbdsod/ui/training/config_form.h"
#include "rgbdsod/ui/training/runs_table_model.h"
#include "rgbdsod/ui/training/training_curves_view.h"
#include "rgbdsod/ui/training/training_session.h"
#include "rgbdsod/ui/training/training_view.h"
#include "ui_test_support.h"

using namespace rgbdsod;
namespace fs = std::filesystem;

namespace {

// 1/16 width, 32 px, one thread: a step takes milliseconds on a CPU.
std::vector<std::string> tinyOverrides(int steps, int checkpoint_every) {
  return {"model.width=0.0625", "data.size=32", "data.batch_size=2", "data.workers=0",
          "run.steps=" + std::to_string(steps), "run.checkpoint_every=" + std::to_string(checkpoint_every),
          "run.log_every=1", "run.threads=1", "seed=3", "val.every=0"};
}

QString artifactPath(const QString& name) {
  const QString dir = qEnvironmentVariable("RGBDSOD_TEST_ARTIFACTS", QDir::tempPath());
  QDir().mkpath(dir);
  return QDir(dir).filePath(name);
}

std::size_t metricLines(const QString& run) {
  return training::readMetrics(training::RunPaths{fs::path(run.toStdString())}.metrics()).size();
}

}  // namespace

class TrainingTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void startStopAndResumeATinyStageFromTheWorkspace();
  void curvesHoldEveryLoggedPoint();
  void runsListReadsARunWrittenByTheCli();
  void theLockRefusesASecondJobOnTheFolderNamingIt();
  void anErrorMidRunIsShownNamingTheFileAndTheRunResumesOnceFixed();
  void theFormRefusesABadValueNamingTheKey();
  void nextStagePrefillsTheLinkToTheRun();
  void inspectFollowsTheNewestCheckpoint();
  void guiThreadNeverStallsOver50msWhileTrainingAndBrowsing();
  void studioScreenshotOfARunsCurves();

 private:
  void openWindow(ui::MainWindow& window);
  void startTiny(ui::TrainingView* view, const QString& name, int steps, int checkpoint_every);

  QTemporaryDir dir_;
  QString data_;
  QString root_;
  QString stopped_run_;
};

void TrainingTest::initTestCase() {
  QVERIFY(dir_.isValid());
  data_ = test::writeDemo(dir_, QStringLiteral("data"), 12, 40);
  root_ = dir_.filePath(QStringLiteral("runs"));
  QDir().mkpath(root_);
}

void TrainingTest::openWindow(ui::MainWindow& window) {
  window.resize(1500, 950);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  window.openFolder(data_);
  QTRY_VERIFY_WITH_TIMEOUT(window.session()->isOpen() && window.shownSample() == 0, 20000);
  window.trainingSession()->setRunsRoot(root_);
  window.tabs()->setCurrentWidget(window.trainingView());
}

void TrainingTest::startTiny(ui::TrainingView* view, const QString& name, int steps, int checkpoint_every) {
  QVERIFY(view->setTarget(QStringLiteral("teacher")));
  view->configForm()->setOverrides(tinyOverrides(steps, checkpoint_every));
  view->setRunName(name);
  QVERIFY2(view->startTraining(), qPrintable(view->lastError()));
}

void TrainingTest::startStopAndResumeATinyStageFromTheWorkspace() {
  ui::MainWindow window;
  openWindow(window);
  auto* view = window.trainingView();
  auto* session = window.trainingSession();
  QSignalSpy finished(session, &ui::TrainingSession::jobFinished);
  startTiny(view, QStringLiteral("stopped"), 400, 1000);
  QVERIFY(session->isRunning());
  QVERIFY(!view->startButton()->isEnabled());
  QTRY_VERIFY_WITH_TIMEOUT(session->lastProgress().step >= 3, 30000);
  QVERIFY(view->progressText().contains(QStringLiteral("ETA")));
  view->stopTraining();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
  QCOMPARE(static_cast<training::TrainOutcome>(finished[0][1].toInt()), training::TrainOutcome::Stopped);
  stopped_run_ = QDir(root_).filePath(QStringLiteral("stopped"));
  const auto summary = training::readRunSummary(stopped_run_.toStdString());
  QCOMPARE(summary.state, training::RunState::Stopped);
  QVERIFY(summary.has_checkpoint);  // the stop wrote one
  const std::int64_t stopped_at = summary.step;
  QVERIFY(stopped_at >= 3 && stopped_at < 400);

  // The list shows it stopped; Resume continues it to the end.
  QTRY_VERIFY_WITH_TIMEOUT(view->runsModel()->rowOf(stopped_run_) >= 0, 10000);
  QVERIFY(view->resumeRun(stopped_run_));
  QTRY_VERIFY_WITH_TIMEOUT(session->lastProgress().step > stopped_at, 30000);
  view->stopTraining();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 30000);
  QCOMPARE(static_cast<training::TrainOutcome>(finished[1][1].toInt()), training::TrainOutcome::Stopped);
  QVERIFY(training::readRunSummary(stopped_run_.toStdString()).step > stopped_at);
}

void TrainingTest::curvesHoldEveryLoggedPoint() {
  ui::MainWindow window;
  openWindow(window);
  auto* view = window.trainingView();
  QSignalSpy finished(window.trainingSession(), &ui::TrainingSession::jobFinished);
  startTiny(view, QStringLiteral("curves"), 6, 3);
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
  const QString run = QDir(root_).filePath(QStringLiteral("curves"));
  window.trainingSession()->pollNow();
  QTRY_VERIFY_WITH_TIMEOUT(view->curves()->graphPointCount(QStringLiteral("curves"), QStringLiteral("loss")) == 6, 10000);
  QCOMPARE(metricLines(run), std::size_t{6});
  QVERIFY(view->curves()->graphPointCount(QStringLiteral("curves"), QStringLiteral("lr")) == 6);
  // Plot and data exports.
  QVERIFY2(view->exportPlot(artifactPath(QStringLiteral("training-curves.png"))), qPrintable(view->lastError()));
  const QString csv = dir_.filePath(QStringLiteral("curves.csv"));
  QVERIFY2(view->exportCsv(csv), qPrintable(view->lastError()));
  QFile f(csv);
  QVERIFY(f.open(QIODevice::ReadOnly));
  QVERIFY(f.readAll().count('\n') > 12);
}

void TrainingTest::runsListReadsARunWrittenByTheCli() {
  const QString run = QDir(root_).filePath(QStringLiteral("from-cli"));
  QStringList args{QStringLiteral("train"), QStringLiteral("--stage"), QStringLiteral("teacher"), QStringLiteral("--data"),
                   data_, QStringLiteral("--out"), run};
  for (const auto& o : tinyOverrides(4, 2)) args << QStringLiteral("--set") << QString::fromStdString(o);
  args << QStringLiteral("--set") << QStringLiteral("val.every=2");
  QProcess cli;
  cli.start(QStringLiteral(RGBDSOD_CLI_PATH), args);
  QVERIFY(cli.waitForFinished(120000));
  QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());

  ui::TrainingSession session;
  session.setRunsRoot(root_);
  QTRY_VERIFY_WITH_TIMEOUT(session.runSummary(run) != nullptr, 10000);
  const training::RunSummary* s = session.runSummary(run);
  QCOMPARE(QString::fromStdString(s->stage), QStringLiteral("teacher"));
  QCOMPARE(s->state, training::RunState::Finished);
  QCOMPARE(s->step, std::int64_t{4});
  QVERIFY(s->last_val.count("mae") == 1);
  QCOMPARE(QString::fromStdString(s->data), data_);

  ui::RunsTableModel model;
  model.setRuns(session.runs());
  const int row = model.rowOf(run);
  QVERIFY(row >= 0);
  QCOMPARE(model.data(model.index(row, ui::RunsTableModel::State), Qt::DisplayRole).toString(), QStringLiteral("finished"));
  QCOMPARE(model.data(model.index(row, ui::RunsTableModel::Steps), Qt::DisplayRole).toString(), QStringLiteral("4 / 4"));
  const std::string latex = core::renderLatex(ui::validationResultsTable({*s}));
  QVERIFY(latex.find("from-cli") != std::string::npos);
  QVERIFY(latex.find("\\toprule") != std::string::npos);
}

void TrainingTest::theLockRefusesASecondJobOnTheFolderNamingIt() {
  QVERIFY(!stopped_run_.isEmpty());
  ui::TrainingSession session;
  ui::TrainingView view(&session);
  const training::RunLock held(stopped_run_.toStdString());  // another job holds the run
  QVERIFY(!view.resumeRun(stopped_run_));
  QVERIFY2(view.lastError().contains(stopped_run_) && view.lastError().contains(QStringLiteral("in use")),
           qPrintable(view.lastError()));
  QVERIFY(!session.isRunning());
}

void TrainingTest::anErrorMidRunIsShownNamingTheFileAndTheRunResumesOnceFixed() {
  QTemporaryDir dir;
  const QString data = test::writeDemo(dir, QStringLiteral("data"), 12, 40, 11);
  ui::TrainingSession session;
  session.setRunsRoot(dir.filePath(QStringLiteral("runs")));
  ui::TrainingView view(&session);
  view.setDataset(data);
  QSignalSpy finished(&session, &ui::TrainingSession::jobFinished);
  startTiny(&view, QStringLiteral("breaks"), 400, 1);
  const QString run = session.jobFolder();
  QTRY_VERIFY_WITH_TIMEOUT(session.lastProgress().step >= 2, 30000);
  // The images go bad under the running job: the next batch that reads one fails the run.
  const QDir rgb(QDir(data).filePath(QStringLiteral("train/RGB")));
  std::map<QString, QByteArray> kept;
  for (const QString& name : rgb.entryList(QDir::Files)) {
    QFile f(rgb.filePath(name));
    QVERIFY(f.open(QIODevice::ReadOnly));
    kept[name] = f.readAll();
    f.close();
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write("not an image");
  }
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
  QCOMPARE(finished.at(0).at(1).toInt(), static_cast<int>(training::TrainOutcome::Failed));
  QVERIFY2(view.lastError().contains(rgb.path()), qPrintable(view.lastError()));
  session.pollNow();
  QTRY_VERIFY_WITH_TIMEOUT(session.runSummary(run) && session.runSummary(run)->state == training::RunState::Failed, 10000);
  QVERIFY(QString::fromStdString(session.runSummary(run)->message).contains(rgb.path()));

  // Fixed, the run resumes from its last checkpoint and finishes.
  for (const auto& [name, bytes] : kept) {
    QFile f(rgb.filePath(name));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
  }
  const std::int64_t failed_at = session.runSummary(run)->step;
  QVERIFY2(view.resumeRun(run), qPrintable(view.lastError()));
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 120000);
  QCOMPARE(finished.at(1).at(1).toInt(), static_cast<int>(training::TrainOutcome::Finished));
  session.pollNow();
  QTRY_VERIFY_WITH_TIMEOUT(session.runSummary(run) && session.runSummary(run)->state == training::RunState::Finished, 10000);
  QCOMPARE(session.runSummary(run)->step, std::int64_t{400});
  QVERIFY(failed_at < 400);
}

void TrainingTest::theFormRefusesABadValueNamingTheKey() {
  ui::TrainingSession session;
  session.setRunsRoot(root_);
  ui::TrainingView view(&session);
  view.setDataset(data_);
  QVERIFY(view.setTarget(QStringLiteral("teacher")));
  view.setRunName(QStringLiteral("bad-value"));
  auto* lr = view.configForm()->findChild<QLineEdit*>(QStringLiteral("optim.lr"));
  QVERIFY(lr);
  lr->setText(QStringLiteral("-3"));
  QVERIFY(!view.startTraining());
  QVERIFY2(view.lastError().contains(QStringLiteral("optim.lr")), qPrintable(view.lastError()));
  QVERIFY(!session.isRunning());
  QVERIFY(!QFileInfo::exists(QDir(root_).filePath(QStringLiteral("bad-value"))));  // nothing written
}

void TrainingTest::nextStagePrefillsTheLinkToTheRun() {
  const QString teacher = QDir(root_).filePath(QStringLiteral("from-cli"));
  ui::TrainingSession session;
  ui::TrainingView view(&session);
  QVERIFY2(view.prepareNextStage(teacher), qPrintable(view.lastError()));
  QCOMPARE(view.target(), QStringLiteral("distill"));
  const auto overrides = view.configForm()->overrides();
  const std::string want = "model.teacher=" + nlohmann::json(teacher.toStdString()).dump();
  QVERIFY2(std::find(overrides.begin(), overrides.end(), want) != overrides.end(), want.c_str());
}

void TrainingTest::inspectFollowsTheNewestCheckpoint() {
  ui::MainWindow window;
  openWindow(window);
  auto* view = window.trainingView();
  view->setFollowInInspect(true);
  QSignalSpy reloaded(window.models(), &ui::ModelBridge::runReloaded);
  QSignalSpy loaded(window.models(), &ui::ModelBridge::runLoaded);
  QSignalSpy finished(window.trainingSession(), &ui::TrainingSession::jobFinished);
  // Long enough that several polls see new checkpoints while it runs; stopped once they have.
  startTiny(view, QStringLiteral("followed"), 100000, 10);
  // The first checkpoint loads the run into ModelCore; later ones reload it.
  QTRY_VERIFY_WITH_TIMEOUT(loaded.count() >= 1, 30000);
  QTRY_VERIFY_WITH_TIMEOUT(reloaded.count() >= 1, 30000);
  QVERIFY(window.trainingSession()->isRunning());  // the job did not wait for the viewer
  window.trainingSession()->requestStop();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
}

void TrainingTest::guiThreadNeverStallsOver50msWhileTrainingAndBrowsing() {
  ui::MainWindow window;
  openWindow(window);
  auto* view = window.trainingView();
  auto* session = window.trainingSession();
  QSignalSpy finished(session, &ui::TrainingSession::jobFinished);
  ui::EventLoopProbe probe(5);
  probe.start();
  // Long enough (a few seconds here) for hundreds of probe ticks, with checkpoints, validation
  // points and curve redraws on the way.
  constexpr int kSteps = 300;
  QVERIFY(view->setTarget(QStringLiteral("teacher")));
  auto overrides = tinyOverrides(kSteps, 25);
  overrides.push_back("val.every=50");
  QVERIFY(view->configForm()->setOverrides(overrides));
  view->setRunName(QStringLiteral("responsive"));
  QVERIFY2(view->startTraining(), qPrintable(view->lastError()));
  // Browse the samples while it trains: every 40 ms the next sample (Viewer and Training tabs).
  int browsed = 0;
  QTimer browse;
  browse.setInterval(40);
  QObject::connect(&browse, &QTimer::timeout, &window, [&] {
    const int n = window.thumbnailModel()->rowCount();
    window.sampleList()->setCurrentIndex(window.thumbnailModel()->index(++browsed % n));
    if (browsed % 10 == 0)
      window.tabs()->setCurrentIndex(window.tabs()->currentWidget() == view ? 0 : window.tabs()->indexOf(view));
  });
  browse.start();
  // A real event loop, not QTRY (QTest::qWait sleeps 10 ms between event passes, which the probe
  // would count as lateness).
  QEventLoop loop;
  QObject::connect(session, &ui::TrainingSession::jobFinished, &loop, &QEventLoop::quit);
  QTimer::singleShot(120000, &loop, &QEventLoop::quit);
  if (finished.isEmpty()) loop.exec();
  QCOMPARE(finished.count(), 1);
  browse.stop();
  probe.stop();
  QVERIFY(browsed > 10);
  qInfo("event-loop lateness over %zu ticks while training %d steps and browsing %d samples: p50 %.2f ms, "
        "p90 %.2f ms, p99 %.2f ms, max %.2f ms",
        probe.ticks(), kSteps, browsed, probe.percentileMs(50), probe.percentileMs(90), probe.percentileMs(99), probe.maxMs());
#ifdef RGBDSOD_SANITIZED_BUILD
  // ASan + UBSan make the GUI thread's own code several times slower (82 and 183 ms measured, the
  // latter beside other sanitizer tests): the bound there still catches a blocking load or wait.
  constexpr double kMaxStallMs = 500.0;
#else
  constexpr double kMaxStallMs = 50.0;
#endif
  QVERIFY2(probe.maxMs() <= kMaxStallMs, qPrintable(QStringLiteral("the GUI thread stalled %1 ms").arg(probe.maxMs())));
}

void TrainingTest::studioScreenshotOfARunsCurves() {
  const QString run = QDir(root_).filePath(QStringLiteral("from-cli"));
  const QString shot = artifactPath(QStringLiteral("training-tab.png"));
  QFile::remove(shot);
  QProcess studio;
  studio.start(QStringLiteral(RGBDSOD_STUDIO_BINARY),
               {data_, QStringLiteral("--tab"), QStringLiteral("train"), QStringLiteral("--run"), run,
                QStringLiteral("--screenshot"), shot, QStringLiteral("--size"), QStringLiteral("1400x900")});
  QVERIFY(studio.waitForFinished(120000));
  QVERIFY2(studio.exitCode() == 0, studio.readAllStandardError().constData());
  const QImage image(shot);
  QVERIFY(test::isNonUniform(image));

  QProcess bad;
  bad.start(QStringLiteral(RGBDSOD_STUDIO_BINARY),
            {data_, QStringLiteral("--tab"), QStringLiteral("train"), QStringLiteral("--run"), dir_.path(),
             QStringLiteral("--screenshot"), shot});
  QVERIFY(bad.waitForFinished(60000));
  QCOMPARE(bad.exitCode(), 2);
  QVERIFY(bad.readAllStandardError().contains("not a training run"));
}

QTEST_MAIN(TrainingTest)
#include "training_test.moc"
