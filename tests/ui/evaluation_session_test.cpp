// EvaluationSession and the per-image table without widgets: two methods evaluated in the worker
// with the expected ordering, progress while the event loop keeps running, stopping, an error
// naming a missing folder, and the worst-first sort (NaN first) matching core::worstFirst.
#include <algorithm>
#include <cmath>
#include <limits>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

#include "evaluation_test_support.h"
#include "rgbdsod/ui/evaluation/evaluation_session.h"
#include "rgbdsod/ui/evaluation/per_image_table_model.h"

using rgbdsod::core::Metric;
using rgbdsod::ui::EvaluationSession;
using rgbdsod::ui::PerImageSortModel;
using rgbdsod::ui::PerImageTableModel;

class EvaluationSessionTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void evaluatesTwoMethodsInOrder();
  void progressArrivesWhileTheEventLoopRuns();
  void requestStopCancels();
  void missingFolderReportsAnErrorNamingIt();
  void tableSortsWorstFirstWithNanFirst();
  void headerSortKeepsWorstFirstSemantics();

 private:
  QTemporaryDir dir_;
  QTemporaryDir large_dir_;
  rgbdsod::test::EvalFolders small_;
  rgbdsod::test::EvalFolders large_;  // a few hundred images
};

void EvaluationSessionTest::initTestCase() {
  QVERIFY(dir_.isValid());
  QVERIFY(large_dir_.isValid());
  small_ = rgbdsod::test::writeEvalFolders(dir_, 12, 64);
  large_ = rgbdsod::test::writeEvalFolders(large_dir_, 400, 160);
}

void EvaluationSessionTest::evaluatesTwoMethodsInOrder() {
  EvaluationSession session;
  session.setGtFolder(small_.gt);
  QCOMPARE(session.addMethod(small_.blurred), 0);
  QCOMPARE(session.addMethod(small_.perfect), 1);
  QCOMPARE(session.methods()[0].name, QStringLiteral("Blurred"));  // the folder's name by default
  QSignalSpy evaluated(&session, &EvaluationSession::methodEvaluated);
  QSignalSpy finished(&session, &EvaluationSession::finished);
  session.start();
  QVERIFY(session.isRunning());
  QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
  QCOMPARE(finished.front().front().toBool(), false);
  QVERIFY(!session.isRunning());
  QCOMPARE(evaluated.size(), 2);

  const auto& perfect = *session.methods()[1].result;
  const auto& blurred = *session.methods()[0].result;
  QCOMPARE(perfect.images.size(), std::size_t{12});
  QCOMPARE(blurred.images.size(), std::size_t{12});
  QCOMPARE(perfect.metrics.mae, 0.0);
  QCOMPARE(perfect.metrics.max_fmeasure, 1.0);
  QVERIFY(blurred.metrics.mae > 0.01);
  QVERIFY(blurred.metrics.max_fmeasure < 1.0);
  for (Metric m : rgbdsod::core::allMetrics()) {  // perfect is at least as good on every metric
    const double p = rgbdsod::core::metricValue(perfect.metrics, m);
    const double b = rgbdsod::core::metricValue(blurred.metrics, m);
    QVERIFY2(rgbdsod::core::lowerIsBetter(m) ? p <= b : p >= b, rgbdsod::core::metricKey(m));
  }
}

void EvaluationSessionTest::progressArrivesWhileTheEventLoopRuns() {
  EvaluationSession session;
  session.setGtFolder(large_.gt);
  session.addMethod(large_.perfect);
  session.addMethod(large_.blurred);
  QSignalSpy progress(&session, &EvaluationSession::progress);
  QSignalSpy finished(&session, &EvaluationSession::finished);

  // A fast timer on the GUI thread: its longest gap shows whether the loop was ever blocked.
  QTimer ticker;
  ticker.setInterval(5);
  QElapsedTimer clock;
  qint64 last = 0, longest_gap = 0;
  int ticks = 0;
  connect(&ticker, &QTimer::timeout, &ticker, [&] {
    const qint64 now = clock.elapsed();
    longest_gap = std::max(longest_gap, now - last);
    last = now;
    ++ticks;
  });
  clock.start();
  ticker.start();
  session.start();
  QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);
  ticker.stop();
  const qint64 elapsed = clock.elapsed();
  qInfo("800 pairs of 160x160 in %lld ms: %d ticks, longest gap %lld ms, %d progress signals",
        static_cast<long long>(elapsed), ticks, static_cast<long long>(longest_gap),
        static_cast<int>(progress.size()));
  QVERIFY(progress.size() >= 2);
  // The last progress of the last method reports every image done.
  const QList<QVariant> last_progress = progress.back();
  QCOMPARE(last_progress.at(0).toInt(), 1);  // method index
  QCOMPARE(last_progress.at(2).toInt(), 2);  // steps
  QVERIFY(last_progress.at(4).toInt() == 400 || last_progress.at(4).toInt() == 0);
  QVERIFY(ticks >= 3);
  QVERIFY2(longest_gap < 1000, "the GUI thread was blocked");
  QVERIFY(session.methods()[0].evaluated());
  QVERIFY(session.methods()[1].evaluated());
}

void EvaluationSessionTest::requestStopCancels() {
  EvaluationSession session;
  session.setGtFolder(large_.gt);
  session.addMethod(large_.blurred);
  session.addMethod(large_.perfect);
  QSignalSpy finished(&session, &EvaluationSession::finished);
  QSignalSpy evaluated(&session, &EvaluationSession::methodEvaluated);
  const auto stopper = connect(&session, &EvaluationSession::progress, &session,
          [&session](int, int, int, int done, int) {
            if (done > 0) session.requestStop();
          });
  session.start();
  QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
  QCOMPARE(finished.front().front().toBool(), true);  // stopped
  QVERIFY(!session.isRunning());
  QTest::qWait(500);  // whatever the worker still sends is dropped
  QCOMPARE(finished.size(), 1);
  QCOMPARE(evaluated.size(), 0);
  QVERIFY(!session.methods()[0].evaluated());
  QVERIFY(!session.methods()[1].evaluated());

  // The session can run again afterwards.
  disconnect(stopper);
  session.start({1});
  QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 60000);
  QCOMPARE(finished.back().front().toBool(), false);
  QVERIFY(session.methods()[1].evaluated());
}

void EvaluationSessionTest::missingFolderReportsAnErrorNamingIt() {
  EvaluationSession session;
  session.setGtFolder(small_.gt);
  const QString missing = dir_.filePath(QStringLiteral("NoSuchMethod"));
  session.addMethod(missing);
  session.addMethod(small_.perfect);
  QSignalSpy failed(&session, &EvaluationSession::methodFailed);
  QSignalSpy finished(&session, &EvaluationSession::finished);
  session.start();
  QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
  QCOMPARE(failed.size(), 1);
  QCOMPARE(failed.front().at(0).toInt(), 0);
  const QString message = failed.front().at(1).toString();
  QVERIFY2(message.contains(missing), qPrintable(message));
  QCOMPARE(session.methods()[0].error, message);
  QVERIFY(!session.methods()[0].evaluated());
  QVERIFY(session.methods()[1].evaluated());  // the other method still ran

  // No GT folder at all: an error for each method, no crash.
  EvaluationSession no_gt;
  no_gt.addMethod(small_.perfect);
  QSignalSpy no_gt_failed(&no_gt, &EvaluationSession::methodFailed);
  no_gt.start();
  QTRY_COMPARE_WITH_TIMEOUT(no_gt_failed.size(), 1, 10000);
  QVERIFY(no_gt_failed.front().at(1).toString().contains(QStringLiteral("GT")));
}

namespace {

rgbdsod::core::ImageRecord record(const std::string& name, double mae, double sm) {
  rgbdsod::core::ImageRecord r;
  r.name = name;
  r.scores.mae = mae;
  r.scores.smeasure = sm;
  r.scores.weighted_fmeasure = 1.0 - mae;
  r.scores.max_fmeasure = sm;
  return r;
}

QStringList namesInView(const PerImageSortModel& proxy) {
  QStringList names;
  for (int row = 0; row < proxy.rowCount(); ++row) names << proxy.index(row, 0).data().toString();
  return names;
}

QStringList namesOf(const rgbdsod::core::FolderEvaluation& e, Metric m) {
  QStringList names;
  for (std::size_t i : rgbdsod::core::worstFirst(e.images, m)) names << QString::fromStdString(e.images[i].name);
  return names;
}

}  // namespace

void EvaluationSessionTest::tableSortsWorstFirstWithNanFirst() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto evaluation = std::make_shared<rgbdsod::core::FolderEvaluation>();
  evaluation->images = {record("a", 0.10, 0.80), record("b", 0.30, nan), record("c", 0.05, 0.60),
                        record("d", 0.30, 0.95), record("e", nan, 0.60)};
  PerImageTableModel model;
  PerImageSortModel proxy;
  proxy.setSourceModel(&model);
  model.setEvaluation(evaluation);
  QCOMPARE(model.rowCount(), 5);
  QCOMPARE(model.columnCount(), int(PerImageTableModel::ColumnCount));

  proxy.sortWorstFirst(Metric::Smeasure);
  QCOMPARE(namesInView(proxy).front(), QStringLiteral("b"));  // NaN first
  QCOMPARE(namesInView(proxy), namesOf(*evaluation, Metric::Smeasure));
  QCOMPARE(proxy.index(0, PerImageTableModel::columnOf(Metric::Smeasure)).data().toString(), QStringLiteral("NaN"));

  proxy.sortWorstFirst(Metric::Mae);  // lower is better: the largest MAE first, after NaN
  QCOMPARE(namesInView(proxy), (QStringList{"e", "b", "d", "a", "c"}));
  QCOMPARE(namesInView(proxy), namesOf(*evaluation, Metric::Mae));
  for (Metric m : PerImageTableModel::metricColumns()) {
    proxy.sortWorstFirst(m);
    QCOMPARE(namesInView(proxy), namesOf(*evaluation, m));
  }
}

void EvaluationSessionTest::headerSortKeepsWorstFirstSemantics() {
  // After an evaluation the table sorted by max F puts the blurred images with the lowest max F first.
  EvaluationSession session;
  session.setGtFolder(small_.gt);
  session.addMethod(small_.blurred);
  QSignalSpy finished(&session, &EvaluationSession::finished);
  session.start();
  QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
  PerImageTableModel model;
  PerImageSortModel proxy;
  proxy.setSourceModel(&model);
  model.setEvaluation(session.methods()[0].result);
  for (Metric m : PerImageTableModel::metricColumns()) {
    proxy.sortWorstFirst(m);
    QCOMPARE(namesInView(proxy), namesOf(*session.methods()[0].result, m));
  }
  // The opposite order (a second click on the header) shows the best first.
  proxy.sort(PerImageTableModel::columnOf(Metric::MaxFmeasure), Qt::DescendingOrder);
  double best = 0;
  for (const auto& r : session.methods()[0].result->images) best = std::max(best, r.scores.max_fmeasure);
  const int col = PerImageTableModel::columnOf(Metric::MaxFmeasure);
  QCOMPARE(proxy.index(0, col).data(PerImageTableModel::kSortRole).toDouble(), best);
}

QTEST_MAIN(EvaluationSessionTest)
#include "evaluation_session_test.moc"
