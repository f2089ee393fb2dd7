// Issue 14 in the Evaluation tab: methods scoped to the open GT (a second dataset re-evaluates the
// methods that pair with it and hides the others: no NaN rows), the LaTeX export holding the shown
// columns, partial methods marked "4/6", the figure export at the chosen size, renaming in the
// legend without Qt warnings, and `rgbdsod-studio --help/--version` without a display.
#include <filesystem>
#include <string>

#include <QAction>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QProcess>
#include <QSignalSpy>
#include <QTableView>
#include <QToolButton>
#include <QtTest>

#include "evaluation_test_support.h"
#include "rgbdsod/core/report_table.h"
#include "rgbdsod/ui/evaluation/curves_widget.h"
#include "rgbdsod/ui/evaluation/evaluation_session.h"
#include "rgbdsod/ui/evaluation/evaluation_view.h"
#include "rgbdsod/ui/evaluation/method_curves_model.h"
#include "rgbdsod/ui/evaluation/summary_table_model.h"

using rgbdsod::core::Metric;
using rgbdsod::ui::EvaluationSession;
using rgbdsod::ui::EvaluationView;
using rgbdsod::ui::SummaryTableModel;

namespace fs = std::filesystem;

namespace {

// Qt warnings seen while a test runs (the handler is process-wide; tests run one at a time).
QStringList g_warnings;
QtMessageHandler g_previous = nullptr;

void recordWarnings(QtMsgType type, const QMessageLogContext& context, const QString& message) {
  if (type == QtWarningMsg || type == QtCriticalMsg) g_warnings << message;
  if (g_previous) g_previous(type, context, message);
}

// Every cell of the summary as text, to look for NaN.
QString summaryText(const SummaryTableModel& model) {
  QStringList cells;
  for (int r = 0; r < model.rowCount(); ++r) {
    for (int c = 0; c < model.columnCount(); ++c) cells << model.index(r, c).data().toString();
  }
  return cells.join(QLatin1Char('|'));
}

void waitFinished(EvaluationSession& session, QSignalSpy& finished, int count) {
  QTRY_COMPARE_WITH_TIMEOUT(finished.size(), count, 60000);
  QVERIFY(!session.isRunning());
}

// The folders added to the view and evaluated against `gt`, waiting for the worker to finish.
void evaluateOn(EvaluationView& view, const QString& gt, const QStringList& folders) {
  QSignalSpy finished(view.session(), &EvaluationSession::finished);
  view.setGtFolder(gt);
  view.addPredictionFolders(folders);
  view.evaluate();
  waitFinished(*view.session(), finished, 1);
}

}  // namespace

class EvaluationScopeTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void secondDatasetRescopesTheMethods();
  void latexExportHoldsTheShownColumns();
  void partialMethodIsMarked();
  void figureExportUsesTheChosenSizeAndFont();
  void renamingInTheLegendWarnsNothing();
  void studioHelpAndVersionNeedNoDisplay();
  void screenshotOfTheScopedTab();

 private:
  QTemporaryDir dir_a_;
  QTemporaryDir dir_b_;
  QTemporaryDir dir_other_;
  rgbdsod::test::EvalFolders a_;  // 10 GT images img_0000..img_0009
  rgbdsod::test::EvalFolders b_;  // 6 other GT images with the same first names
  QString foreign_;               // predictions named unlike any GT here
  QString partial_;               // 4 of a_'s 10 predictions
};

void EvaluationScopeTest::initTestCase() {
  QVERIFY(dir_a_.isValid() && dir_b_.isValid() && dir_other_.isValid());
  a_ = rgbdsod::test::writeEvalFolders(dir_a_, 10, 64);
  b_ = rgbdsod::test::writeEvalFolders(dir_b_, 6, 48);
  foreign_ = dir_other_.filePath(QStringLiteral("ForeignNet"));
  partial_ = dir_other_.filePath(QStringLiteral("PartialNet"));
  fs::create_directories(foreign_.toStdString());
  fs::create_directories(partial_.toStdString());
  for (int i = 0; i < 10; ++i) {
    const std::string name = rgbdsod::test::imageName(i).toStdString() + ".png";
    const fs::path from = fs::path(a_.blurred.toStdString()) / name;
    fs::copy_file(from, fs::path(foreign_.toStdString()) / ("zz_other_" + std::to_string(i) + ".png"));
    if (i < 4) fs::copy_file(from, fs::path(partial_.toStdString()) / name);
  }
}

void EvaluationScopeTest::secondDatasetRescopesTheMethods() {
  EvaluationView view;
  EvaluationSession& session = *view.session();
  QSignalSpy finished(&session, &EvaluationSession::finished);
  session.setGtFolder(a_.gt);
  session.addMethod(a_.perfect);
  session.addMethod(foreign_);
  session.addMethod(b_.perfect);  // 6 images: a partial method on a_
  session.start();
  waitFinished(session, finished, 1);
  QVERIFY(session.methods()[0].evaluated());
  QVERIFY(session.methods()[1].unpaired);  // pairs nothing: no row, no NaN
  QVERIFY(!session.methods()[1].evaluated());
  QCOMPARE(view.summaryModel()->rowCount(), 2);
  QCOMPARE(view.summaryModel()->hiddenCount(), 1);
  QVERIFY2(!summaryText(*view.summaryModel()).contains(QStringLiteral("NaN")), qPrintable(summaryText(*view.summaryModel())));
  QVERIFY(!view.scopeNote()->isHidden());
  QVERIFY(view.scopeNote()->toolTip().contains(QStringLiteral("ForeignNet")));
  QCOMPARE(session.methods()[0].result->metrics.mae, 0.0);

  // Opening another dataset re-evaluates, without a click, every method against its GT.
  session.setGtFolder(b_.gt);
  QVERIFY(session.isRunning());
  waitFinished(session, finished, 2);
  const auto& perfect_a = session.methods()[0];  // a_'s copy: its first 6 names pair with b_
  QVERIFY(perfect_a.evaluated());
  QCOMPARE(perfect_a.result->images.size(), std::size_t{6});
  QCOMPARE(perfect_a.result->gt_dir, fs::path(b_.gt.toStdString()));
  QVERIFY(perfect_a.result->metrics.mae > 0.0);  // other masks under the same names
  QVERIFY(session.methods()[1].unpaired);
  QCOMPARE(session.methods()[2].result->metrics.mae, 0.0);  // b_'s copy is perfect on b_
  QCOMPARE(view.summaryModel()->rowCount(), 2);
  QVERIFY(!summaryText(*view.summaryModel()).contains(QStringLiteral("NaN")));

  // A GT that none pairs with: every method hidden, nothing listed as NaN.
  QTemporaryDir empty_gt;
  fs::copy_file(fs::path(a_.gt.toStdString()) / "img_0000.png", fs::path(empty_gt.path().toStdString()) / "qq.png");
  session.setGtFolder(empty_gt.path());
  waitFinished(session, finished, 3);
  QCOMPARE(view.summaryModel()->rowCount(), 0);
  QCOMPARE(view.summaryModel()->hiddenCount(), 3);
  QVERIFY(view.curves()->curves().empty());
}

void EvaluationScopeTest::latexExportHoldsTheShownColumns() {
  EvaluationView view;
  evaluateOn(view, a_.gt, {a_.perfect, a_.blurred});

  view.setSummaryMetrics({Metric::Mae, Metric::Smeasure, Metric::MeanEmeasure, Metric::WeightedFmeasure});
  // Through the Columns menu as a user would: drop MAE.
  QMenu* menu = view.columnsButton()->menu();
  QVERIFY(menu);
  for (QAction* action : menu->actions()) {
    if (static_cast<Metric>(action->data().toInt()) == Metric::Mae) {
      QVERIFY(action->isChecked());
      action->trigger();
    }
  }
  const std::vector<Metric> shown{Metric::Smeasure, Metric::WeightedFmeasure, Metric::MeanEmeasure};
  QCOMPARE(view.summaryMetrics(), shown);
  QCOMPARE(view.summaryModel()->columnCount(), SummaryTableModel::FirstMetricColumn + 3);
  QStringList headers;
  for (int c = SummaryTableModel::FirstMetricColumn; c < view.summaryModel()->columnCount(); ++c)
    headers << view.summaryModel()->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString();

  QTemporaryDir out;
  const QString file = out.filePath(QStringLiteral("table.tex"));
  QVERIFY2(view.exportSummaryTable(file), qPrintable(view.lastError()));
  QFile tex_file(file);
  QVERIFY(tex_file.open(QIODevice::ReadOnly));
  const QString tex = QString::fromUtf8(tex_file.readAll());
  QVERIFY2(tex.contains(QStringLiteral("\\begin{tabular}{lccc}")), qPrintable(tex));
  for (Metric m : rgbdsod::core::allMetrics()) {
    QString label = QString::fromLatin1(rgbdsod::core::metricLatexLabel(m));
    if (label.endsWith(QLatin1Char('$'))) label.chop(1);  // the arrow goes inside the math group
    const bool on_screen = std::find(shown.begin(), shown.end(), m) != shown.end();
    QVERIFY2(tex.contains(label) == on_screen, qPrintable(label + QStringLiteral(" in\n") + tex));
    QVERIFY(headers.join(QLatin1Char('|')).contains(QString::fromLatin1(rgbdsod::core::metricLabel(m))) == on_screen);
  }
  // The last column stays: an empty table is refused.
  view.setSummaryMetrics({});
  QCOMPARE(view.summaryMetrics(), shown);
}

void EvaluationScopeTest::partialMethodIsMarked() {
  EvaluationView view;
  evaluateOn(view, b_.gt, {partial_, b_.perfect});  // 6 GT images; predictions for 4 of them, and all 6
  const SummaryTableModel& model = *view.summaryModel();
  const QModelIndex partial = model.index(model.rowOf(0), SummaryTableModel::ImagesColumn);
  QVERIFY2(partial.data().toString().contains(QStringLiteral("4/6")), qPrintable(partial.data().toString()));
  QVERIFY(partial.data().toString().contains(QStringLiteral("⚠")));
  QVERIFY(partial.data(Qt::ForegroundRole).isValid());
  QVERIFY2(partial.data(Qt::ToolTipRole).toString().contains(QStringLiteral("4 of the 6")),
           qPrintable(partial.data(Qt::ToolTipRole).toString()));
  const QModelIndex full = model.index(model.rowOf(1), SummaryTableModel::ImagesColumn);
  QCOMPARE(full.data().toString(), QStringLiteral("6/6"));
  QVERIFY(!full.data(Qt::ForegroundRole).isValid());
  const QString legend_tip = view.methodsModel()->index(0).data(Qt::ToolTipRole).toString();
  QVERIFY2(legend_tip.contains(QStringLiteral("4/6")) && legend_tip.contains(QStringLiteral("partial")),
           qPrintable(legend_tip));
  const auto coverage = rgbdsod::ui::coverageOf(*view.session()->methods()[0].result);
  QCOMPARE(coverage.used, 4);
  QCOMPARE(coverage.gt, 6);
}

void EvaluationScopeTest::figureExportUsesTheChosenSizeAndFont() {
  EvaluationView view;
  evaluateOn(view, a_.gt, {a_.perfect, a_.blurred});
  rgbdsod::figures::FigureStyle style;
  style.width_cm = 12.0;
  style.height_cm = 7.5;
  style.font_pt = 11.0;
  view.setFigureStyle(style);
  QCOMPARE(view.figureStyle().width_cm, 12.0);
  QCOMPARE(view.figureStyle().font_pt, 11.0);
  QTemporaryDir out;
  const QString file = out.filePath(QStringLiteral("curves.png"));
  QVERIFY2(view.exportFigure(file), qPrintable(view.lastError()));
  const QImage png(file);
  const rgbdsod::figures::PixelSize expected = rgbdsod::figures::pngPixelSize(view.figureStyle());
  QCOMPARE(png.width(), expected.width);
  QVERIFY(std::abs(png.height() - expected.height) <= 1);
  QCOMPARE(expected.width, static_cast<int>(std::lround(12.0 / 2.54 * rgbdsod::figures::kPngDpi)));
}

void EvaluationScopeTest::renamingInTheLegendWarnsNothing() {
  EvaluationView view;
  view.resize(1200, 700);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  evaluateOn(view, a_.gt, {a_.perfect, a_.blurred});

  g_warnings.clear();
  g_previous = qInstallMessageHandler(recordWarnings);
  QListView* list = view.methodList();
  const QModelIndex index = view.methodsModel()->index(1);
  list->setCurrentIndex(index);
  list->edit(index);  // as a double click does
  QLineEdit* editor = list->findChild<QLineEdit*>();
  QVERIFY(editor);
  editor->selectAll();
  QTest::keyClicks(editor, QStringLiteral("Blur 5"));
  QTest::keyClick(editor, Qt::Key_Return);  // commits and closes the editor
  QApplication::processEvents();
  qInstallMessageHandler(g_previous);
  QCOMPARE(view.session()->methods()[1].name, QStringLiteral("Blur 5"));
  QVERIFY2(g_warnings.isEmpty(), qPrintable(g_warnings.join(QLatin1Char('\n'))));
  QCOMPARE(view.summaryModel()->index(1, SummaryTableModel::MethodColumn).data().toString(), QStringLiteral("Blur 5"));
  QTRY_VERIFY(!view.curves()->curves().empty() && view.curves()->curves().back().label == "Blur 5");
}

void EvaluationScopeTest::studioHelpAndVersionNeedNoDisplay() {
  for (const char* platform : {"", "xcb"}) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) env.remove(QString::fromLatin1(name));
    if (*platform != '\0') env.insert(QStringLiteral("QT_QPA_PLATFORM"), QString::fromLatin1(platform));
    for (const char* flag : {"--version", "--help"}) {
      QProcess studio;
      studio.setProcessEnvironment(env);
      studio.start(QStringLiteral(RGBDSOD_STUDIO_BINARY), {QString::fromLatin1(flag)});
      QVERIFY(studio.waitForFinished(30000));
      const QString out = QString::fromUtf8(studio.readAllStandardOutput());
      const QString err = QString::fromUtf8(studio.readAllStandardError());
      const QString what = QStringLiteral("%1 (QT_QPA_PLATFORM=%2): %3").arg(flag, platform, err);
      QVERIFY2(studio.exitStatus() == QProcess::NormalExit && studio.exitCode() == 0, qPrintable(what));
      QVERIFY2(out.contains(QStringLiteral("rgbdsod-studio")), qPrintable(out));
      if (std::string(flag) == "--help") QVERIFY(out.contains(QStringLiteral("--screenshot")));
      QVERIFY2(err.isEmpty(), qPrintable(what));  // no Qt warnings either
    }
  }
}

// The tab after a second dataset is opened: one method hidden with its note, one partial.
void EvaluationScopeTest::screenshotOfTheScopedTab() {
  EvaluationView view;
  view.resize(1400, 800);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  evaluateOn(view, a_.gt, {a_.perfect, a_.blurred, foreign_, partial_});
  view.setSummaryMetrics({Metric::Smeasure, Metric::MaxFmeasure, Metric::MaxEmeasure, Metric::Mae});
  view.curves()->flush();
  QTest::qWait(100);
  QVERIFY(view.grab().toImage().save(QStringLiteral("/tmp/eval_scope.png")));
}

QTEST_MAIN(EvaluationScopeTest)
#include "evaluation_scope_test.moc"
