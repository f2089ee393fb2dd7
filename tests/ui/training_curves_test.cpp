// The Training workspace's curves (TrainingCurvesView) on synthetic series: the points drawn are
// the series' points, the EMA is exact, log scale and wall time change what is drawn, CSV and
// figure exports are complete and refuse bad suffixes, and a burst of updates redraws once.
// Offscreen; the screenshot goes to $RGBDSOD_TEST_ARTIFACTS (default: the temp folder).
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QListWidget>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>
#include <qcustomplot.h>

#include "rgbdsod/training/run_metrics.h"
#include "rgbdsod/ui/training/training_curves_view.h"
#include "ui_test_support.h"

using namespace rgbdsod;
using rgbdsod::ui::TrainingCurvesView;

namespace {

QString artifactPath(const QString& name) {
  const QString dir = qEnvironmentVariable("RGBDSOD_TEST_ARTIFACTS", QDir::tempPath());
  QDir().mkpath(dir);
  return QDir(dir).filePath(name);
}

// A run that looks like a real one: decaying noisy losses, warmup + cosine lr, a throughput
// around 120 samples/s, validation every 100 steps. `untimed` first points have no time (< 0).
training::RunSeries fakeRun(int steps, std::uint32_t seed, double scale = 1.0, int untimed = 0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  training::RunSeries run;
  for (int s = 1; s <= steps; ++s) {
    const double t = s <= untimed ? -1.0 : 0.35 * s;
    const double decay = std::exp(-s / 250.0);
    const double bce = scale * (0.9 * decay + 0.12) * (1 + 0.12 * noise(rng));
    const double iou = scale * (0.6 * decay + 0.08) * (1 + 0.15 * noise(rng));
    run.series["loss"].push_back({s, t, bce + iou});
    run.series["terms/bce"].push_back({s, t, bce});
    run.series["terms/iou"].push_back({s, t, iou});
    const double warm = std::min(1.0, s / 50.0);
    run.series["lr"].push_back({s, t, 1e-3 * warm * 0.5 * (1 + std::cos(M_PI * s / steps))});
    run.series["samples_per_s"].push_back({s, t, 120 + 6 * noise(rng)});
    if (s % 100 == 0) {
      run.series["val/mae"].push_back({s, t, 0.02 + 0.1 * decay * scale});
      run.series["val/max_fm"].push_back({s, t, 0.95 - 0.4 * decay * scale});
    }
  }
  run.last_step = steps;
  return run;
}

std::vector<double> valuesOf(const std::vector<training::MetricPoint>& points) {
  std::vector<double> values;
  for (const auto& p : points) values.push_back(p.value);
  return values;
}

// Splits one CSV line (fields quoted with "" escapes where they hold commas or quotes).
QStringList splitCsv(const QString& line) {
  QStringList fields;
  QString field;
  bool quoted = false;
  for (int i = 0; i < line.size(); ++i) {
    const QChar c = line[i];
    if (quoted) {
      if (c == QLatin1Char('"') && i + 1 < line.size() && line[i + 1] == QLatin1Char('"')) {
        field += c;
        ++i;
      } else if (c == QLatin1Char('"')) {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == QLatin1Char('"')) {
      quoted = true;
    } else if (c == QLatin1Char(',')) {
      fields << field;
      field.clear();
    } else {
      field += c;
    }
  }
  fields << field;
  return fields;
}

}  // namespace

class TrainingCurvesTest : public QObject {
  Q_OBJECT

 private slots:
  void pointsHeldEqualTheSeriesInTheirPanels();
  void emaIsExactOnAHandCase();
  void widgetSmoothsLossesButNotLrOrValidation();
  void logScaleSwitchesTheLossAxis();
  void wallTimeSkipsPointsWithoutATime();
  void hiddenSeriesAreNotDrawn();
  void segmentsDrawALineInEveryPanelAndOneLabel();
  void csvRoundTripHoldsEveryPoint();
  void exportWritesPngSvgAndPdfAndRefusesOtherSuffixes();
  void aBurstOfUpdatesRedrawsOnce();
  void screenshotOfTwoRunsWithSegments();
};

void TrainingCurvesTest::pointsHeldEqualTheSeriesInTheirPanels() {
  TrainingCurvesView view;
  const training::RunSeries run = fakeRun(300, 1);
  view.setRun(QStringLiteral("teacher"), run);
  view.flush();
  QCOMPARE(view.runLabels(), QStringList{QStringLiteral("teacher")});
  for (const auto& [name, points] : run.series) {
    QCOMPARE(view.graphPointCount(QStringLiteral("teacher"), QString::fromStdString(name)),
             static_cast<int>(points.size()));
  }
  QCOMPARE(view.graphPointCount(QStringLiteral("teacher"), QStringLiteral("no_such")), -1);
  QVERIFY(view.panelShown(0) && view.panelShown(1) && view.panelShown(2));
  // Losses first, then validation, then lr / throughput: the list reads like the panels.
  QCOMPARE(view.seriesNames().front(), QStringLiteral("loss"));
  QCOMPARE(view.seriesNames().back(), QStringLiteral("samples_per_s"));
  auto* list = view.findChild<QListWidget*>(QStringLiteral("seriesList"));
  QVERIFY(list);
  QCOMPARE(list->count(), static_cast<int>(run.series.size()));
  // Replacing keeps one run; removing the last leaves the empty state (one panel).
  view.setRun(QStringLiteral("teacher"), fakeRun(120, 2));
  view.flush();
  QCOMPARE(view.runLabels().size(), 1);
  QCOMPARE(view.graphPointCount(QStringLiteral("teacher"), QStringLiteral("loss")), 120);
  view.removeRun(QStringLiteral("teacher"));
  view.flush();
  QVERIFY(view.runLabels().isEmpty());
  QCOMPARE(view.plot()->graphCount(), 0);
  QVERIFY(view.panelShown(0) && !view.panelShown(1) && !view.panelShown(2));
}

void TrainingCurvesTest::emaIsExactOnAHandCase() {
  const std::vector<double> values = {1, 2, 3};
  QCOMPARE(ui::emaSmooth(values, 0.0), values);
  // w = 0.5: means 0.5, 1.25, 2.125 over debias 0.5, 0.75, 0.875.
  const std::vector<double> half = ui::emaSmooth(values, 0.5);
  QCOMPARE(half.size(), std::size_t{3});
  QCOMPARE(half[0], 1.0);  // debiased: the first value, not pulled towards 0
  QCOMPARE(half[1], 5.0 / 3.0);
  QCOMPARE(half[2], 17.0 / 7.0);
  QCOMPARE(ui::emaSmooth({4.0}, 0.99)[0], 4.0);
  // A non-finite value passes through and does not poison what follows.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> gap = ui::emaSmooth({1, nan, 2, 3}, 0.5);
  QVERIFY(std::isnan(gap[1]));
  QCOMPARE(gap[2], half[1]);
  QCOMPARE(gap[3], half[2]);
  QVERIFY(ui::emaSmooth({}, 0.6).empty());
}

void TrainingCurvesTest::widgetSmoothsLossesButNotLrOrValidation() {
  TrainingCurvesView view;
  const training::RunSeries run = fakeRun(200, 3);
  view.setRun(QStringLiteral("r"), run);
  view.setSmoothing(0.9);
  view.flush();
  QCOMPARE(view.smoothing(), 0.9);
  const std::vector<double> expected = ui::emaSmooth(valuesOf(run.series.at("loss")), 0.9);
  for (int i : {0, 1, 17, 199}) QCOMPARE(view.smoothedValue(QStringLiteral("r"), QStringLiteral("loss"), i), expected[i]);
  QCOMPARE(view.smoothedValue(QStringLiteral("r"), QStringLiteral("lr"), 10), run.series.at("lr")[10].value);
  QCOMPARE(view.smoothedValue(QStringLiteral("r"), QStringLiteral("val/mae"), 1), run.series.at("val/mae")[1].value);
  // The slider drives it; 0 draws the raw curve only (no second graph).
  const int graphs = view.plot()->graphCount();
  auto* slider = view.findChild<QSlider*>(QStringLiteral("smoothingSlider"));
  QVERIFY(slider);
  slider->setValue(0);
  view.flush();
  QCOMPARE(view.smoothedValue(QStringLiteral("r"), QStringLiteral("loss"), 17), run.series.at("loss")[17].value);
  QVERIFY(view.plot()->graphCount() < graphs);
}

void TrainingCurvesTest::logScaleSwitchesTheLossAxis() {
  TrainingCurvesView view;
  training::RunSeries run = fakeRun(100, 4);
  run.series["terms/neg"] = {{1, 0.1, -0.5}, {2, 0.2, 0.0}, {3, 0.3, 0.25}};  // two off a log axis
  view.setRun(QStringLiteral("r"), run);
  view.flush();
  QCOMPARE(view.lossAxis()->scaleType(), QCPAxis::stLinear);
  QCOMPARE(view.graphPointCount(QStringLiteral("r"), QStringLiteral("terms/neg")), 3);
  auto* check = view.findChild<QCheckBox*>(QStringLiteral("logScaleCheck"));
  QVERIFY(check);
  check->setChecked(true);
  view.flush();
  QVERIFY(view.logScale());
  QCOMPARE(view.lossAxis()->scaleType(), QCPAxis::stLogarithmic);
  QVERIFY(qSharedPointerDynamicCast<QCPAxisTickerLog>(view.lossAxis()->ticker()));
  QCOMPARE(view.graphPointCount(QStringLiteral("r"), QStringLiteral("terms/neg")), 1);
  QCOMPARE(view.graphPointCount(QStringLiteral("r"), QStringLiteral("loss")), 100);
  view.setLogScale(false);
  view.flush();
  QCOMPARE(view.lossAxis()->scaleType(), QCPAxis::stLinear);
}

void TrainingCurvesTest::wallTimeSkipsPointsWithoutATime() {
  TrainingCurvesView view;
  view.setRun(QStringLiteral("old"), fakeRun(50, 5, 1.0, /*untimed=*/20));
  view.flush();
  QCOMPARE(view.graphPointCount(QStringLiteral("old"), QStringLiteral("loss")), 50);
  auto* combo = view.findChild<QComboBox*>(QStringLiteral("xAxisCombo"));
  QVERIFY(combo);
  combo->setCurrentIndex(combo->findData(static_cast<int>(TrainingCurvesView::XAxis::WallTime)));
  view.flush();
  QCOMPARE(view.xAxis(), TrainingCurvesView::XAxis::WallTime);
  QCOMPARE(view.graphPointCount(QStringLiteral("old"), QStringLiteral("loss")), 30);
  QCPAxis* x = view.plot()->axisRect(0)->axis(QCPAxis::atBottom);
  QVERIFY(qSharedPointerDynamicCast<QCPAxisTickerTime>(x->ticker()));
  QVERIFY(x->range().lower >= 0.35 * 21 - 5);  // starts near the first timed point, not at -1
}

void TrainingCurvesTest::hiddenSeriesAreNotDrawn() {
  TrainingCurvesView view;
  view.setRun(QStringLiteral("r"), fakeRun(100, 6));
  view.flush();
  auto* list = view.findChild<QListWidget*>(QStringLiteral("seriesList"));
  QListWidgetItem* bce = list->findItems(QStringLiteral("terms/bce"), Qt::MatchExactly).value(0);
  QVERIFY(bce);
  QCOMPARE(bce->checkState(), Qt::Checked);
  bce->setCheckState(Qt::Unchecked);
  view.flush();
  QVERIFY(!view.isSeriesShown(QStringLiteral("terms/bce")));
  QCOMPARE(view.graphPointCount(QStringLiteral("r"), QStringLiteral("terms/bce")), -1);
  QCOMPARE(view.graphPointCount(QStringLiteral("r"), QStringLiteral("loss")), 100);
  // Hiding every validation metric drops that panel; the losses stay.
  view.setSeriesShown(QStringLiteral("val/mae"), false);
  view.setSeriesShown(QStringLiteral("val/max_fm"), false);
  view.flush();
  QVERIFY(view.panelShown(0) && !view.panelShown(1) && view.panelShown(2));
  QCOMPARE(view.plot()->axisRectCount(), 2);
}

void TrainingCurvesTest::segmentsDrawALineInEveryPanelAndOneLabel() {
  TrainingCurvesView view;
  view.setRun(QStringLiteral("r"), fakeRun(300, 7));
  view.setSegments({{0, QStringLiteral("warmup")}, {150, QStringLiteral("distill")}});
  view.flush();
  int lines = 0, labels = 0;
  for (int i = 0; i < view.plot()->itemCount(); ++i) {
    if (auto* line = qobject_cast<QCPItemStraightLine*>(view.plot()->item(i))) {
      ++lines;
      QVERIFY(line->point1->coords().x() == 0 || line->point1->coords().x() == 150);
    }
    if (auto* text = qobject_cast<QCPItemText*>(view.plot()->item(i))) {
      ++labels;
      QVERIFY(text->text() == QStringLiteral("warmup") || text->text() == QStringLiteral("distill"));
    }
  }
  QCOMPARE(lines, 2 * 3);
  QCOMPARE(labels, 2);
}

void TrainingCurvesTest::csvRoundTripHoldsEveryPoint() {
  TrainingCurvesView view;
  std::map<QString, training::RunSeries> runs = {{QStringLiteral("a"), fakeRun(120, 8, 1.0, 10)},
                                                 {QStringLiteral("b, \"resumed\""), fakeRun(80, 9, 0.7)}};
  std::size_t total = 0;
  for (const auto& [label, run] : runs) {
    view.setRun(label, run);
    for (const auto& entry : run.series) total += entry.second.size();
  }
  view.setSeriesShown(QStringLiteral("lr"), false);  // hidden series are still exported
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("curves.csv"));
  QString error;
  QVERIFY2(view.saveCsv(path, &error), qPrintable(error));
  QFile file(path);
  QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
  const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  QCOMPARE(lines.front(), QStringLiteral("run,series,step,time,value"));
  QCOMPARE(static_cast<std::size_t>(lines.size() - 1), total);
  std::map<QString, training::RunSeries> read;
  for (int i = 1; i < lines.size(); ++i) {
    const QStringList f = splitCsv(lines[i]);
    QCOMPARE(f.size(), 5);
    read[f[0]].series[f[1].toStdString()].push_back({f[2].toLongLong(), f[3].toDouble(), f[4].toDouble()});
  }
  QCOMPARE(read.size(), runs.size());
  for (const auto& [label, run] : runs) {
    QVERIFY2(read.contains(label), qPrintable(label));
    QCOMPARE(read[label].series.size(), run.series.size());
    for (const auto& [name, points] : run.series) {
      const auto& back = read[label].series[name];
      QCOMPARE(back.size(), points.size());
      for (std::size_t k = 0; k < points.size(); ++k) {
        QCOMPARE(back[k].step, points[k].step);
        QCOMPARE(back[k].time, points[k].time);  // exact: 17 digits, raw (also -1)
        QCOMPARE(back[k].value, points[k].value);
      }
    }
  }
  QString bad_error;
  const QString unwritable = dir.filePath(QStringLiteral("no_such_dir/curves.csv"));
  QVERIFY(!view.saveCsv(unwritable, &bad_error));
  QVERIFY2(bad_error.contains(unwritable), qPrintable(bad_error));
}

void TrainingCurvesTest::exportWritesPngSvgAndPdfAndRefusesOtherSuffixes() {
  TrainingCurvesView view;
  view.setRun(QStringLiteral("r"), fakeRun(200, 10));
  QTemporaryDir dir;
  QString error;
  const QString png = dir.filePath(QStringLiteral("curves.png"));
  QVERIFY2(view.saveFigure(png, &error), qPrintable(error));
  const QImage image(png);
  QVERIFY(!image.isNull());
  QCOMPARE(image.size(), QSize(1600, 1000));  // a never-shown plot exports at 800x500, 2x
  QVERIFY(test::isNonUniform(image));
  const QString svg = dir.filePath(QStringLiteral("curves.svg"));
  QVERIFY2(view.saveFigure(svg, &error), qPrintable(error));
  QFile svg_file(svg);
  QVERIFY(svg_file.open(QIODevice::ReadOnly));
  const QByteArray svg_bytes = svg_file.readAll();
  QVERIFY(svg_bytes.contains("<svg"));
  QVERIFY(svg_bytes.contains("<polyline") || svg_bytes.contains("<path"));  // curves stay vectors
  const QString pdf = dir.filePath(QStringLiteral("curves.PDF"));  // the suffix in any case
  QVERIFY2(view.saveFigure(pdf, &error), qPrintable(error));
  QFile pdf_file(pdf);
  QVERIFY(pdf_file.open(QIODevice::ReadOnly));
  QVERIFY(pdf_file.read(4) == "%PDF");
  QVERIFY(pdf_file.size() > 1000);
  const QString bad = dir.filePath(QStringLiteral("curves.bmp"));
  QVERIFY(!view.saveFigure(bad, &error));
  QVERIFY2(error.contains(bad) && error.contains(QStringLiteral(".png, .svg or .pdf")), qPrintable(error));
  QVERIFY(!QFile::exists(bad));
  const QString unwritable = dir.filePath(QStringLiteral("no_such_dir/curves.png"));
  QVERIFY(!view.saveFigure(unwritable, &error));
  QVERIFY2(error.contains(unwritable), qPrintable(error));
  // Nothing but the three figures: no temporary file left behind.
  QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 3);
}

void TrainingCurvesTest::aBurstOfUpdatesRedrawsOnce() {
  TrainingCurvesView view;
  view.flush();
  const int before = view.redrawCount();
  for (int i = 1; i <= 20; ++i) view.setRun(QStringLiteral("live"), fakeRun(10 * i, 11));
  QCOMPARE(view.redrawCount(), before);  // nothing drawn yet: the timer coalesces
  QVERIFY(view.redrawPending());
  view.flush();
  QCOMPARE(view.redrawCount(), before + 1);
  QVERIFY(!view.redrawPending());
  QCOMPARE(view.graphPointCount(QStringLiteral("live"), QStringLiteral("loss")), 200);
  view.flush();  // nothing pending: no redraw
  QCOMPARE(view.redrawCount(), before + 1);
  // Left to the timer, a burst also draws once.
  for (int i = 0; i < 20; ++i) view.setRun(QStringLiteral("live"), fakeRun(200 + i, 11));
  QTRY_COMPARE_WITH_TIMEOUT(view.redrawCount(), before + 2, 5000);
  QTest::qWait(3 * TrainingCurvesView::kRedrawDelayMs);
  QCOMPARE(view.redrawCount(), before + 2);
}

void TrainingCurvesTest::screenshotOfTwoRunsWithSegments() {
  TrainingCurvesView view;
  view.resize(1100, 700);
  view.setRun(QStringLiteral("teacher"), fakeRun(600, 12));
  view.setRun(QStringLiteral("student"), fakeRun(450, 13, 1.3));
  view.setSegments({{0, QStringLiteral("1: warmup")}, {300, QStringLiteral("2: distill")}});
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  view.flush();
  const QImage shot = view.grab().toImage();
  QVERIFY(test::isNonUniform(shot));
  QVERIFY(shot.save(artifactPath(QStringLiteral("training_curves.png"))));
  // Shown, the figure is exported at the plot's on-screen size.
  QTemporaryDir dir;
  QString error;
  const QString png = dir.filePath(QStringLiteral("shown.png"));
  QVERIFY2(view.saveFigure(png, &error), qPrintable(error));
  QCOMPARE(QImage(png).size(), view.plot()->size() * 2);
}

QTEST_MAIN(TrainingCurvesTest)
#include "training_curves_test.moc"
