// rgbdsod-studio: argument parsing and start-up only; the window and its workers live in ui/.
#include <cstdio>
#include <cstring>
#include <memory>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSize>
#include <QStringList>
#include <QTabWidget>

#include "rgbdsod/core/logging.h"
#include "rgbdsod/figures/qt_environment.h"
#include "rgbdsod/ui/dataset_session.h"
#include "rgbdsod/ui/evaluation/evaluation_view.h"
#include "rgbdsod/ui/inspect/inspect_session.h"
#include "rgbdsod/ui/inspect/inspect_view.h"
#include "rgbdsod/ui/labels/labels_session.h"
#include "rgbdsod/ui/labels/labels_view.h"
#include "rgbdsod/ui/main_window.h"
#include "rgbdsod/ui/studio_style.h"
#include "rgbdsod/ui/training/runs_table_model.h"
#include "rgbdsod/ui/training/training_session.h"
#include "rgbdsod/ui/training/training_view.h"
#include "rgbdsod/ui/window_screenshot.h"

namespace {

constexpr int kExitUsage = 2;

int usageError(const QString& message) {
  std::fprintf(stderr, "rgbdsod-studio: %s\n", qPrintable(message));
  return kExitUsage;
}

// --help and --version print and exit; they must work without a display (over ssh, in CI), where a
// QApplication would fail to load its platform plugin and abort. They get a QCoreApplication.
bool onlyPrints(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    for (const char* flag : {"-h", "--help", "-?", "--help-all", "-v", "--version"}) {
      if (std::strcmp(argv[i], flag) == 0) return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  rgbdsod::figures::prepareQtRuntimeDir();
  const std::unique_ptr<QCoreApplication> app_owner(onlyPrints(argc, argv) ? new QCoreApplication(argc, argv)
                                                                           : new QApplication(argc, argv));
  QCoreApplication& app = *app_owner;
  QCoreApplication::setApplicationName(QStringLiteral("rgbdsod-studio"));
  QCoreApplication::setApplicationVersion(QStringLiteral(RGBDSOD_VERSION));
  QCoreApplication::setOrganizationName(QStringLiteral("rgbdsod"));

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("Workbench for RGB-D salient object detection: browse and check datasets, look inside trained models, evaluate."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(
      QStringLiteral("dataset"),
      QStringLiteral("A dataset folder ({RGB,depth,GT}/) or a folder of datasets (e.g. train/, test/)."),
      QStringLiteral("[dataset]"));
  const QCommandLineOption demo(
      QStringLiteral("demo"),
      QStringLiteral("Open the built-in synthetic demo dataset (generated into the cache on first use)."));
  const QCommandLineOption screenshot(
      QStringLiteral("screenshot"),
      QStringLiteral("Render the window to <file> (PNG) once the dataset is loaded and validated, then "
                     "exit (with no dataset folder: the demo)."),
      QStringLiteral("file"));
  const QCommandLineOption size(QStringLiteral("size"),
                                QStringLiteral("Window size, e.g. 1400x900 (the default)."),
                                QStringLiteral("WxH"), QStringLiteral("1400x900"));
  const QCommandLineOption timeout(
      QStringLiteral("timeout"),
      QStringLiteral("With --screenshot: give up after <seconds> (default 120)."),
      QStringLiteral("seconds"), QStringLiteral("120"));
  const QCommandLineOption evaluate(
      QStringLiteral("evaluate"),
      QStringLiteral("A prediction folder (one method) to evaluate against the dataset's GT once it is open; "
                     "repeatable."),
      QStringLiteral("dir"));
  const QCommandLineOption tab(QStringLiteral("tab"),
                               QStringLiteral("The tab to show first: viewer (the default), inspect, evaluation, train or labels."),
                               QStringLiteral("name"), QStringLiteral("viewer"));
  const QCommandLineOption run(
      QStringLiteral("run"),
      QStringLiteral("A run folder (written by rgbdsod train) to inspect; a second --run is shown beside it "
                     "for comparison. With --tab train: the run (or recipe folder) whose curves are shown, "
                     "finished or running; its parent folder becomes the runs root, a second --run is overlaid."),
      QStringLiteral("dir"));
  const QCommandLineOption suggest(
      QStringLiteral("suggest"),
      QStringLiteral("With --tab labels: a folder of saliency maps (rgbdsod infer --out) whose disagreements "
                     "with the labels are suggested as corrections."),
      QStringLiteral("dir"));
  const QCommandLineOption sample(QStringLiteral("sample"),
                                  QStringLiteral("The sample to select once the dataset is open (its name)."),
                                  QStringLiteral("name"));
  parser.addOptions({demo, screenshot, size, timeout, evaluate, tab, run, sample, suggest});
  parser.process(app);  // prints and exits for --help and --version
  // A help flag given as an option's value ("--screenshot -h") did not print: there is no GUI here.
  if (!qobject_cast<QApplication*>(&app)) parser.showHelp(kExitUsage);

  const QStringList positional = parser.positionalArguments();
  if (positional.size() > 1) return usageError(QStringLiteral("give at most one dataset folder"));
  if (!positional.isEmpty() && parser.isSet(demo)) {
    return usageError(QStringLiteral("give a dataset folder or --demo, not both"));
  }
  const QRegularExpressionMatch size_match =
      QRegularExpression(QStringLiteral("^(\\d{2,5})x(\\d{2,5})$")).match(parser.value(size));
  if (!size_match.hasMatch()) {
    return usageError(QStringLiteral("--size expects WxH, e.g. 1400x900, not '%1'").arg(parser.value(size)));
  }
  bool timeout_ok = false;
  const int timeout_s = parser.value(timeout).toInt(&timeout_ok);
  if (!timeout_ok || timeout_s <= 0) return usageError(QStringLiteral("--timeout expects seconds > 0"));
  const QString tab_name = parser.value(tab).toLower();
  if (tab_name != QStringLiteral("viewer") && tab_name != QStringLiteral("evaluation") &&
      tab_name != QStringLiteral("inspect") && tab_name != QStringLiteral("train") &&
      tab_name != QStringLiteral("labels")) {
    return usageError(
        QStringLiteral("--tab expects viewer, inspect, evaluation, train or labels, not '%1'").arg(parser.value(tab)));
  }
  if (tab_name == QStringLiteral("train")) {
    for (const QString& r : parser.values(run)) {
      if (!QFileInfo::exists(QDir(r).filePath(QStringLiteral("config.json"))) &&
          !QFileInfo::exists(QDir(r).filePath(QStringLiteral("recipe.json"))))
        return usageError(QStringLiteral("%1 is not a training run (no config.json) nor a recipe folder").arg(r));
    }
  }
  if (parser.values(run).size() > 2) return usageError(QStringLiteral("give at most two --run folders"));
  // A screenshot without a folder shows the demo (as scripts/studio.sh --screenshot FILE does).
  const bool open_demo = parser.isSet(demo) || (parser.isSet(screenshot) && positional.isEmpty());

  rgbdsod::core::setupLogging(0);
  rgbdsod::ui::applyStudioStyle(static_cast<QApplication&>(app));
  rgbdsod::ui::MainWindow window;
  window.resize(size_match.captured(1).toInt(), size_match.captured(2).toInt());
  const auto show_tab = [&window, tab_name] {
    if (tab_name == QStringLiteral("evaluation")) window.tabs()->setCurrentWidget(window.evaluationView());
    if (tab_name == QStringLiteral("inspect")) window.tabs()->setCurrentWidget(window.inspectView());
    if (tab_name == QStringLiteral("train")) window.tabs()->setCurrentWidget(window.trainingView());
    if (tab_name == QStringLiteral("labels")) window.tabs()->setCurrentWidget(window.labelsView());
  };
  show_tab();
  const QStringList runs = parser.values(run);
  if (tab_name == QStringLiteral("train") && !runs.isEmpty()) {
    const QString first = QDir(runs[0]).absolutePath();
    window.trainingSession()->setRunsRoot(QFileInfo(first).absolutePath());
    window.trainingView()->showRun(first);
    for (int i = 1; i < runs.size(); ++i) window.trainingView()->runsModel()->setChecked(QDir(runs[i]).absolutePath(), true);
  }
  for (int i = 0; i < runs.size() && tab_name != QStringLiteral("train"); ++i) {
    window.inspectView()->addRun(QDir(runs[i]).absolutePath(),
                                 i == 0 ? rgbdsod::ui::InspectSession::Primary : rgbdsod::ui::InspectSession::Compare);
  }
  if (parser.isSet(suggest)) {
    const QString maps = QDir(parser.value(suggest)).absolutePath();
    if (!QFileInfo(maps).isDir()) return usageError(QStringLiteral("--suggest: %1 is not a folder").arg(maps));
    QObject::connect(window.session(), &rgbdsod::ui::DatasetSession::datasetOpened, &window,
                     [&window, maps] { window.labelsSession()->setPredictionFolder(maps); });
  }
  if (parser.isSet(sample)) {
    const QString name = parser.value(sample);
    QObject::connect(window.session(), &rgbdsod::ui::DatasetSession::datasetOpened, &window,
                     [&window, name, show_tab] {
                       if (!window.showSampleNamed(name)) {
                         std::fprintf(stderr, "rgbdsod-studio: %s is not a sample of the dataset\n", qPrintable(name));
                         QApplication::exit(kExitUsage);
                         return;
                       }
                       show_tab();  // showSampleNamed went to the viewer
                     },
                     Qt::SingleShotConnection);
  }
  if (parser.isSet(evaluate)) {
    QStringList folders;
    for (const QString& dir : parser.values(evaluate)) folders << QDir(dir).absolutePath();
    window.evaluationView()->addPredictionFolders(folders);
    // Evaluated once the first dataset is open (its GT folder is the reference); the screenshot
    // mode waits for the evaluation too.
    QObject::connect(window.session(), &rgbdsod::ui::DatasetSession::datasetOpened, window.evaluationView(),
                     &rgbdsod::ui::EvaluationView::evaluate, Qt::SingleShotConnection);
  }
  window.show();

  if (parser.isSet(screenshot)) {
    auto* shot = new rgbdsod::ui::WindowScreenshot(&window, parser.value(screenshot),
                                                   timeout_s * 1000, &app);
    QObject::connect(shot, &rgbdsod::ui::WindowScreenshot::finished, &app,
                     [](bool ok, const QString& message) {
                       if (ok) {
                         std::printf("screenshot written to %s\n", qPrintable(message));
                       } else {
                         std::fprintf(stderr, "rgbdsod-studio: no screenshot: %s\n", qPrintable(message));
                       }
                       QApplication::exit(ok ? 0 : 1);
                     });
    shot->start();
  }
  if (open_demo) {
    window.openDemo();
  } else if (!positional.isEmpty()) {
    window.openFolder(QDir(positional.front()).absolutePath());
  }
  return QApplication::exec();
}
