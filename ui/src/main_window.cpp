// MainWindow: construction and layout. The handlers are in main_window_actions.cpp.
#include "rgbdsod/ui/main_window.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QGridLayout>
#include <QLabel>
#include <QListView>
#include <QMenuBar>
#include <QProgressBar>
#include <QSlider>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QToolBar>

#include "rgbdsod/ui/dataset_session.h"
#include "rgbdsod/ui/depth_views/depth_views_ui.h"
#include "rgbdsod/ui/evaluation/evaluation_view.h"
#include "rgbdsod/ui/image_pane.h"
#include "rgbdsod/ui/image_view.h"
#include "rgbdsod/ui/inspect/inspect_session.h"
#include "rgbdsod/ui/inspect/inspect_view.h"
#include "rgbdsod/ui/sample_info_panel.h"
#include "rgbdsod/ui/shell/model_bridge.h"
#include "rgbdsod/ui/synced_views.h"
#include "rgbdsod/ui/thumbnail_model.h"
#include "rgbdsod/ui/labels/labels_session.h"
#include "rgbdsod/ui/labels/labels_view.h"
#include "rgbdsod/ui/training/training_session.h"
#include "rgbdsod/ui/training/training_view.h"

namespace rgbdsod::ui {

namespace {
constexpr int kDefaultOverlayPercent = 50;
}

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      session_(new DatasetSession(this)),
      thumbnails_(new ThumbnailModel(this)),
      synced_(new SyncedViews(this)),
      models_(new ModelBridge(this)) {
  setObjectName(QStringLiteral("studioMainWindow"));
  buildPanes();
  buildSampleDock();
  buildActions();
  buildStatusBar();
  connectSession();
  installDepthViews(this);  // after connectSession: its sample handler runs after the window's
  updateTitle();
  info_pane_->showMessage(tr("Open a dataset folder (File ▸ Open folder…) or the demo dataset."));
  setStatus(tr("No dataset open"));
}

MainWindow::~MainWindow() = default;

void MainWindow::buildPanes() {
  rgb_pane_ = new ImagePane(tr("RGB + GT overlay"));
  rgb_pane_->setObjectName(QStringLiteral("rgbPane"));
  depth_pane_ = new ImagePane(tr("Depth"));
  depth_pane_->setObjectName(QStringLiteral("depthPane"));
  gt_pane_ = new ImagePane(tr("GT"));
  gt_pane_->setObjectName(QStringLiteral("gtPane"));
  info_pane_ = new SampleInfoPanel;
  info_pane_->setObjectName(QStringLiteral("infoPane"));

  for (ImagePane* pane : {rgb_pane_, depth_pane_, gt_pane_}) synced_->add(pane->view());
  rgb_pane_->view()->setOverlayOpacity(kDefaultOverlayPercent / 100.0);

  auto* central = new QWidget;
  auto* grid = new QGridLayout(central);
  grid->setContentsMargins(4, 4, 4, 4);
  grid->setSpacing(4);
  grid->addWidget(rgb_pane_, 0, 0);
  grid->addWidget(depth_pane_, 0, 1);
  grid->addWidget(gt_pane_, 1, 0);
  grid->addWidget(info_pane_, 1, 1);
  for (int i = 0; i < 2; ++i) {  // equal cells: synced views need equal viewports
    grid->setRowStretch(i, 1);
    grid->setColumnStretch(i, 1);
  }
  buildTabs(central);
}

void MainWindow::buildTabs(QWidget* viewer) {
  inspect_session_ = new InspectSession(models_, this);
  inspect_ = new InspectView(inspect_session_);
  evaluation_ = new EvaluationView;
  tabs_ = new QTabWidget;
  tabs_->setObjectName(QStringLiteral("mainTabs"));
  tabs_->setDocumentMode(true);
  tabs_->addTab(viewer, tr("Viewer"));
  tabs_->addTab(inspect_, tr("Inspect"));
  tabs_->addTab(evaluation_, tr("Evaluation"));
  training_session_ = new TrainingSession(this);
  training_session_->setRunsRoot(
      QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)).filePath(QStringLiteral("runs")));
  training_ = new TrainingView(training_session_);
  tabs_->addTab(training_, tr("Training"));
  labels_session_ = new LabelsSession(this);
  labels_session_->setModelBridge(models_);
  labels_ = new LabelsView(labels_session_);
  tabs_->addTab(labels_, tr("Labels"));
  connect(labels_, &LabelsView::problem, this, [this](const QString& m) { setStatus(m, QStringLiteral("#e06060")); });
  connect(labels_, &LabelsView::status, this, [this](const QString& m) { setStatus(m, {}); });
  connect(labels_, &LabelsView::sampleStepRequested, this, &MainWindow::stepSample);
  connect(labels_, &LabelsView::sampleNamedRequested, this, &MainWindow::selectSampleNamed);
  setCentralWidget(tabs_);
  connect(training_, &TrainingView::problem, this, [this](const QString& m) { setStatus(m, QStringLiteral("#e06060")); });
  connect(training_, &TrainingView::status, this, [this](const QString& m) { setStatus(m, {}); });
  // Follow mode: the run Inspect shows is reloaded on each new checkpoint (loaded first if needed).
  connect(training_, &TrainingView::followCheckpoint, this, [this](const QString& run) {
    if (const LoadedRun* loaded = models_->runInFolder(run))
      models_->reloadRun(loaded->id);
    else
      inspect_->addRun(run);
  });
  connect(evaluation_, &EvaluationView::sampleRequested, this, &MainWindow::showSampleNamed);
  connect(evaluation_, &EvaluationView::methodMapRequested, this, &MainWindow::openMethodMap);
  connect(inspect_, &InspectView::problem, this, [this](const QString& m) { setStatus(m, QStringLiteral("#e06060")); });
  // The thumbnails (the shared sample selection) serve the viewer and Inspect; the Evaluation tab
  // uses the whole width for its tables.
  connect(tabs_, &QTabWidget::currentChanged, this,
          [this](int tab) {
            sample_dock_->setVisible(tabs_->widget(tab) != evaluation_ && tabs_->widget(tab) != training_);
          });
}

void MainWindow::buildSampleDock() {
  sample_list_ = new QListView;
  sample_list_->setObjectName(QStringLiteral("sampleList"));
  sample_list_->setViewMode(QListView::IconMode);
  sample_list_->setMovement(QListView::Static);
  sample_list_->setResizeMode(QListView::Adjust);
  // Uniform sizes: the view measures one item instead of asking every row for its decoration,
  // which keeps decoding lazy (only rows that get painted are requested).
  sample_list_->setUniformItemSizes(true);
  sample_list_->setIconSize(QSize(ThumbnailModel::kSide, ThumbnailModel::kSide));
  sample_list_->setGridSize(QSize(ThumbnailModel::kSide + 16, ThumbnailModel::kSide + 24));
  sample_list_->setSpacing(2);
  sample_list_->setSelectionMode(QAbstractItemView::SingleSelection);
  sample_list_->setModel(thumbnails_);
  connect(sample_list_->selectionModel(), &QItemSelectionModel::currentChanged, this,
          [this](const QModelIndex& current) {
            if (current.isValid()) session_->requestSample(current.row());
          });

  sample_dock_ = new QDockWidget(tr("Samples"), this);
  sample_dock_->setObjectName(QStringLiteral("samplesDock"));
  sample_dock_->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
  sample_dock_->setWidget(sample_list_);
  // Two columns of thumbnails plus the scroll bar.
  sample_list_->setMinimumWidth(2 * (ThumbnailModel::kSide + 16) + 28);
  addDockWidget(Qt::LeftDockWidgetArea, sample_dock_);
}

void MainWindow::buildActions() {
  auto* open = new QAction(style()->standardIcon(QStyle::SP_DirOpenIcon), tr("Open folder…"), this);
  open->setShortcut(QKeySequence::Open);
  connect(open, &QAction::triggered, this, &MainWindow::chooseFolder);
  auto* demo = new QAction(style()->standardIcon(QStyle::SP_DriveHDIcon), tr("Demo dataset"), this);
  demo->setToolTip(tr("Open the built-in synthetic RGB-D demo (generated once into the cache)"));
  connect(demo, &QAction::triggered, this, &MainWindow::openDemo);
  auto* fit = new QAction(tr("Fit"), this);
  fit->setShortcut(Qt::Key_F);
  connect(fit, &QAction::triggered, synced_, &SyncedViews::zoomToFit);
  auto* actual = new QAction(tr("1:1"), this);
  actual->setShortcut(Qt::Key_1);
  connect(actual, &QAction::triggered, synced_, &SyncedViews::zoomToActualSize);
  auto* quit = new QAction(tr("Quit"), this);
  quit->setShortcut(QKeySequence::Quit);
  connect(quit, &QAction::triggered, this, &QWidget::close);

  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(open);
  file->addAction(demo);
  file->addSeparator();
  file->addAction(quit);
  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(fit);
  view->addAction(actual);

  split_combo_ = new QComboBox;
  split_combo_->setObjectName(QStringLiteral("splitCombo"));
  split_combo_->setToolTip(tr("Dataset of the opened collection"));
  connect(split_combo_, &QComboBox::activated, session_, &DatasetSession::selectSplit);

  overlay_slider_ = new QSlider(Qt::Horizontal);
  overlay_slider_->setObjectName(QStringLiteral("overlaySlider"));
  overlay_slider_->setRange(0, 100);
  overlay_slider_->setValue(kDefaultOverlayPercent);
  overlay_slider_->setFixedWidth(120);
  overlay_slider_->setToolTip(tr("Opacity of the GT drawn over the RGB image"));
  overlay_value_ = new QLabel;
  overlay_value_->setMinimumWidth(40);
  connect(overlay_slider_, &QSlider::valueChanged, this, &MainWindow::onOverlayOpacity);
  onOverlayOpacity(kDefaultOverlayPercent);

  polarity_combo_ = new QComboBox;
  polarity_combo_->setObjectName(QStringLiteral("polarityCombo"));
  polarity_combo_->addItems({tr("Auto"), tr("near = bright"), tr("near = dark")});
  polarity_combo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  polarity_combo_->setToolTip(tr("Which end of the stored depth values is near (colours the depth)"));
  connect(polarity_combo_, &QComboBox::activated, this, &MainWindow::onPolarityChosen);

  QToolBar* bar = addToolBar(tr("Main"));
  bar->setObjectName(QStringLiteral("mainToolBar"));
  bar->setMovable(false);
  bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  bar->addAction(open);
  bar->addAction(demo);
  bar->addSeparator();
  split_action_ = bar->addWidget(split_combo_);
  split_action_->setVisible(false);
  bar->addAction(fit);
  bar->addAction(actual);
  bar->addSeparator();
  bar->addWidget(new QLabel(tr(" GT overlay ")));
  bar->addWidget(overlay_slider_);
  bar->addWidget(overlay_value_);
  bar->addSeparator();
  bar->addWidget(new QLabel(tr(" Depth polarity ")));
  bar->addWidget(polarity_combo_);
}

void MainWindow::buildStatusBar() {
  status_label_ = new QLabel;
  status_label_->setObjectName(QStringLiteral("statusSummary"));
  status_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  progress_ = new QProgressBar;
  progress_->setObjectName(QStringLiteral("validationProgress"));
  progress_->setFixedWidth(200);
  progress_->setVisible(false);
  statusBar()->addWidget(status_label_, 1);
  statusBar()->addPermanentWidget(progress_);
}

void MainWindow::connectSession() {
  connect(session_, &DatasetSession::datasetClosed, this, &MainWindow::onDatasetClosed);
  connect(session_, &DatasetSession::openStarted, this, &MainWindow::onOpenStarted);
  connect(session_, &DatasetSession::datasetOpened, this, &MainWindow::onDatasetOpened);
  connect(session_, &DatasetSession::datasetOpened, this,
          [this] { evaluation_->setDataset(session_->dataset()); });
  connect(session_, &DatasetSession::openFailed, this, &MainWindow::onOpenFailed);
  connect(session_, &DatasetSession::validationStarted, this, &MainWindow::onValidationStarted);
  connect(session_, &DatasetSession::validationProgress, this, &MainWindow::onValidationProgress);
  connect(session_, &DatasetSession::validationFinished, this, &MainWindow::onValidationFinished);
  connect(session_, &DatasetSession::validationFailed, this, &MainWindow::onValidationFailed);
  connect(session_, &DatasetSession::polarityChanged, this, &MainWindow::onPolarityChanged);
  connect(session_, &DatasetSession::sampleLoaded, this, &MainWindow::onSampleLoaded);
  // The shared selection reaches Inspect: the dataset shown and the sample on screen.
  connect(session_, &DatasetSession::datasetOpened, this, [this] {
    inspect_session_->setDataset(session_->dataset());
    training_->setDataset(session_->folder());
    labels_session_->setDataset(session_->dataset());
  });
  connect(session_, &DatasetSession::datasetClosed, this, [this] { inspect_session_->setDataset(nullptr); });
  connect(session_, &DatasetSession::sampleLoaded, inspect_session_, &InspectSession::setSample);
  connect(session_, &DatasetSession::sampleLoaded, labels_session_, &LabelsSession::setSample);
  connect(session_, &DatasetSession::datasetClosed, this, [this] { labels_session_->setDataset(nullptr); });
}

}  // namespace rgbdsod::ui
