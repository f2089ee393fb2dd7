#include "rgbdsod/ui/depth_views/depth_views_ui.h"

#include <memory>

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QMenuBar>
#include <QPointer>
#include <QProgressBar>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>

#include "rgbdsod/ui/dataset_session.h"
#include "rgbdsod/ui/depth_views/depth_settings_dialog.h"
#include "rgbdsod/ui/depth_views/depth_view_controller.h"
#include "rgbdsod/ui/image_pane.h"
#include "rgbdsod/ui/main_window.h"

namespace rgbdsod::ui {

namespace {

QString paneTitle(DepthView view) {
  switch (view) {
    case DepthView::Disparity:
      return QObject::tr("Disparity (HHA, near = red)");
    case DepthView::Hha:
      return QObject::tr("HHA (R disparity · G height · B angle)");
    case DepthView::HhaDisparity:
      return QObject::tr("HHA H: disparity");
    case DepthView::HhaHeight:
      return QObject::tr("HHA H: height above ground");
    case DepthView::HhaAngle:
      return QObject::tr("HHA A: angle with gravity");
    default:
      return QObject::tr("Depth");
  }
}

QString polarityTitle(core::DepthPolarity p) {
  return p == core::DepthPolarity::NearIsBright ? QObject::tr("Depth (near = bright)")
                                                : QObject::tr("Depth (near = dark)");
}

constexpr int kStatusWidth = 560;

// The status-bar corner: one message (red for problems) and the cache build's progress.
struct StatusCorner {
  QLabel* label;
  QProgressBar* progress;
  QToolButton* cancel;
  QString root;  // the open dataset's folder with a trailing separator, left out of messages
  void say(const QString& text, bool problem) const {
    // Paths relative to the dataset, elided on the left (keeping the file name and the key):
    // a long path must not widen the window. The tooltip has the whole message.
    QString shown = text;
    if (!root.isEmpty()) shown.replace(root, QString());
    label->setText(label->fontMetrics().elidedText(shown, Qt::ElideLeft, kStatusWidth));
    label->setToolTip(text);
    label->setStyleSheet(problem ? QStringLiteral("color: #e06060") : QString());
  }
};

std::shared_ptr<StatusCorner> buildStatusCorner(MainWindow* window, DepthViewController* controller) {
  auto corner = std::make_shared<StatusCorner>(StatusCorner{new QLabel, new QProgressBar, new QToolButton, {}});
  StatusCorner& s = *corner;
  s.label->setObjectName(QStringLiteral("depthStatus"));
  s.label->setMaximumWidth(kStatusWidth + 8);
  s.label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  s.progress->setObjectName(QStringLiteral("hhaProgress"));
  s.progress->setFixedWidth(160);
  s.progress->setFormat(QObject::tr("HHA %v / %m"));
  s.progress->setVisible(false);
  s.cancel->setObjectName(QStringLiteral("hhaCancel"));
  s.cancel->setText(QObject::tr("Cancel"));
  s.cancel->setToolTip(QObject::tr("Stop building the HHA cache (what is encoded is kept)"));
  s.cancel->setVisible(false);
  QObject::connect(s.cancel, &QToolButton::clicked, controller, &DepthViewController::cancelBuild);
  window->statusBar()->addPermanentWidget(s.label);
  window->statusBar()->addPermanentWidget(s.progress);
  window->statusBar()->addPermanentWidget(s.cancel);
  QObject::connect(window->session(), &DatasetSession::datasetOpened, s.label, [window, corner] {
    const auto dataset = window->session()->dataset();
    corner->root = dataset ? QString::fromStdString((dataset->root / "").string()) : QString();
  });
  return corner;
}

void buildMenu(MainWindow* window, DepthViewController* controller, const std::shared_ptr<StatusCorner>& status) {
  auto* settings = new QAction(QObject::tr("Depth settings…"), window);
  settings->setObjectName(QStringLiteral("depthSettingsAction"));
  auto* build = new QAction(QObject::tr("Build HHA cache for dataset"), window);
  build->setObjectName(QStringLiteral("buildHhaCacheAction"));
  build->setToolTip(QObject::tr("Encode every sample's HHA into <dataset>/hha (reused by training and the views)"));
  auto* cancel = new QAction(QObject::tr("Cancel HHA cache build"), window);
  cancel->setEnabled(false);

  QPointer<DepthSettingsDialog> dialog;
  QObject::connect(settings, &QAction::triggered, window, [window, controller, dialog]() mutable {
    if (!dialog) {
      dialog = new DepthSettingsDialog(controller, window);
      dialog->setModal(false);  // the views update while it is open
      QObject::connect(controller, &DepthViewController::configLoaded, dialog, &DepthSettingsDialog::reload);
      QObject::connect(controller, &DepthViewController::configFailed, dialog, &DepthSettingsDialog::reload);
    }
    dialog->reload();
    dialog->show();
    dialog->raise();
  });
  QObject::connect(build, &QAction::triggered, controller, [controller, status, build, cancel] {
    controller->buildCache();
    if (!controller->isBuilding()) return;
    build->setEnabled(false);
    cancel->setEnabled(true);
    status->progress->setRange(0, 0);
    status->progress->setVisible(true);
    status->cancel->setVisible(true);
    status->say(QObject::tr("Building the HHA cache…"), false);
  });
  QObject::connect(cancel, &QAction::triggered, controller, &DepthViewController::cancelBuild);
  auto ended = [status, build, cancel](const QString& text, bool problem) {
    build->setEnabled(true);
    cancel->setEnabled(false);
    status->progress->setVisible(false);
    status->cancel->setVisible(false);
    status->say(text, problem);
  };
  QObject::connect(controller, &DepthViewController::buildProgress, status->progress, [status](int done, int total) {
    status->progress->setRange(0, total);
    status->progress->setValue(done);
  });
  QObject::connect(controller, &DepthViewController::buildFinished, window,
                   [ended](const QString& summary) { ended(summary, false); });
  QObject::connect(controller, &DepthViewController::buildFailed, window,
                   [ended](const QString& message) { ended(message, true); });
  // A closed dataset ends a build without a result: leave the controls ready for the next one.
  QObject::connect(window->session(), &DatasetSession::datasetClosed, window, [ended] { ended(QString(), false); });

  QMenu* menu = window->menuBar()->addMenu(QObject::tr("&Depth"));
  menu->setObjectName(QStringLiteral("depthMenu"));
  menu->addAction(settings);
  menu->addSeparator();
  menu->addAction(build);
  menu->addAction(cancel);
}

}  // namespace

DepthViewController* installDepthViews(MainWindow* window) {
  auto* controller = new DepthViewController(window->session(), window);
  controller->setObjectName(QStringLiteral("depthViewController"));
  ImagePane* pane = window->depthPane();
  const std::shared_ptr<StatusCorner> status = buildStatusCorner(window, controller);
  buildMenu(window, controller, status);

  auto* combo = new QComboBox;
  combo->setObjectName(QStringLiteral("depthViewCombo"));
  combo->addItems(depthViewLabels());
  combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  combo->setToolTip(QObject::tr("What the depth pane shows: the stored depth, or its HHA encoding "
                                "(disparity, height above ground, angle with gravity) or one HHA channel"));
  // A row of its own: the main toolbar already fills a 1000-pixel-wide window, and a non-movable
  // toolbar's contents set the window's minimum width.
  auto* bar = new QToolBar(QObject::tr("Depth"), window);
  bar->setObjectName(QStringLiteral("depthToolBar"));
  bar->setMovable(false);
  bar->addWidget(new QLabel(QObject::tr(" Depth view ")));
  bar->addWidget(combo);
  bar->addSeparator();
  for (const char* name : {"depthSettingsAction", "buildHhaCacheAction"})
    if (auto* action = window->findChild<QAction*>(QString::fromLatin1(name))) bar->addAction(action);
  window->addToolBarBreak();
  window->addToolBar(bar);
  QObject::connect(combo, &QComboBox::currentIndexChanged, controller, [window, controller, pane](int index) {
    controller->setView(static_cast<DepthView>(index));
    if (needsHha(controller->view())) return;  // the controller's signals fill the pane
    const LoadedSample& s = controller->shownSample();
    pane->setTitle(polarityTitle(window->session()->effectivePolarity()));
    if (!s.depth_colour.isNull())
      pane->setImage(s.depth_colour, QStringLiteral("%1 · %2 × %3")
                                         .arg(s.depth_format)
                                         .arg(s.depth_colour.width())
                                         .arg(s.depth_colour.height()));
  });

  QObject::connect(controller, &DepthViewController::viewPending, pane, [controller, pane](int) {
    pane->setTitle(paneTitle(controller->view()));
    pane->showNote(QObject::tr("%1: encoding HHA…").arg(controller->shownSample().name));
  });
  QObject::connect(controller, &DepthViewController::viewReady, pane,
                   [controller, pane](int, const QImage& image, const QString& detail) {
                     pane->setTitle(paneTitle(controller->view()));
                     pane->setImage(image, detail);
                   });
  QObject::connect(controller, &DepthViewController::viewFailed, pane,
                   [status, pane](int, const QString& message) {
                     pane->showNote(message);
                     status->say(QObject::tr("HHA: %1").arg(message), true);
                   });
  // After the window's own handler, which titles the pane for the colour-mapped depth.
  QObject::connect(window->session(), &DatasetSession::polarityChanged, pane, [controller, pane] {
    if (needsHha(controller->view())) pane->setTitle(paneTitle(controller->view()));
  });
  QObject::connect(controller, &DepthViewController::configFailed, window, [status](const QString& message) {
    status->say(QObject::tr("%1 (default depth settings in use)").arg(message), true);
  });
  QObject::connect(controller, &DepthViewController::configLoaded, window, [status, controller] {
    const auto& source = controller->datasetConfig().source;
    status->say(source.empty() ? QString()
                              : QObject::tr("Depth settings: %1").arg(QString::fromStdString(source.string())),
               false);
  });
  return controller;
}

}  // namespace rgbdsod::ui
