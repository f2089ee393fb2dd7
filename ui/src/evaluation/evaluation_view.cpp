// EvaluationView: construction and layout. Reactions and exports are in evaluation_view_actions.cpp.
#include "rgbdsod/ui/evaluation/evaluation_view.h"

#include <algorithm>

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QToolButton>
#include <QMenu>
#include <QVBoxLayout>

#include "rgbdsod/ui/evaluation/curves_widget.h"
#include "rgbdsod/ui/evaluation/evaluation_session.h"
#include "rgbdsod/ui/evaluation/method_curves_model.h"
#include "rgbdsod/ui/evaluation/per_image_table_model.h"
#include "rgbdsod/ui/evaluation/summary_table_model.h"

namespace rgbdsod::ui {

namespace {

constexpr int kSidePanelWidth = 240;
constexpr int kSummaryMinRows = 2;  // the summary's height follows its rows within these bounds
constexpr int kSummaryMaxRows = 8;

QTableView* makeTable(const QString& name) {
  auto* view = new QTableView;
  view->setObjectName(name);
  view->setSelectionBehavior(QAbstractItemView::SelectRows);
  view->setSelectionMode(QAbstractItemView::SingleSelection);
  view->setEditTriggers(QAbstractItemView::NoEditTriggers);
  view->setAlternatingRowColors(true);
  view->setWordWrap(false);
  view->verticalHeader()->setVisible(false);
  view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
  view->horizontalHeader()->setHighlightSections(false);
  return view;
}

QLabel* heading(const QString& text) {
  auto* label = new QLabel(text);
  label->setStyleSheet(QStringLiteral("font-weight: bold"));
  return label;
}

// The tab's panels: a bar of heading and controls above one body widget.
QWidget* barAbove(QHBoxLayout* bar, QWidget* body, int body_stretch) {
  bar->setContentsMargins(0, 0, 0, 0);
  auto* panel = new QWidget;
  auto* layout = new QVBoxLayout(panel);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(4);
  layout->addLayout(bar);
  layout->addWidget(body, body_stretch);
  return panel;
}

}  // namespace

EvaluationView::EvaluationView(QWidget* parent)
    : QWidget(parent),
      session_(new EvaluationSession(this)),
      methods_model_(new MethodCurvesModel(session_, this)),
      summary_model_(new SummaryTableModel(session_, this)),
      image_model_(new PerImageTableModel(this)),
      image_proxy_(new PerImageSortModel(this)) {
  setObjectName(QStringLiteral("evaluationView"));
  image_proxy_->setSourceModel(image_model_);

  curves_ = new CurvesWidget;
  summary_view_ = makeTable(QStringLiteral("summaryTable"));
  summary_view_->setModel(summary_model_);
  summary_view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  summary_view_->horizontalHeader()->setSectionResizeMode(SummaryTableModel::MethodColumn, QHeaderView::Stretch);

  QWidget* summary_box = buildSummaryPanel();

  // Curves beside the per-image table, the table a little wider; the summary above them is as tall as
  // its rows (fitSummaryHeight).
  auto* lower = new QSplitter(Qt::Horizontal);
  lower->setChildrenCollapsible(false);
  lower->addWidget(curves_);
  lower->addWidget(buildImagePanel());
  lower->setSizes({900, 1100});

  auto* right = new QVBoxLayout;
  right->setSpacing(8);
  right->addWidget(summary_box);
  right->addWidget(lower, 1);

  auto* content = new QWidget;
  auto* layout = new QHBoxLayout(content);
  layout->setContentsMargins(6, 6, 6, 6);
  layout->setSpacing(8);
  layout->addWidget(buildSidePanel());
  layout->addLayout(right, 1);
  // The panels need about 1000 pixels; a smaller window scrolls instead of forcing its own
  // minimum size on the whole studio.
  auto* scroll = new QScrollArea;
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setWidgetResizable(true);
  scroll->setWidget(content);
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  outer->addWidget(scroll);

  connectSession();
  onMethodsChanged();
  setStatus(tr("Add prediction folders (one per method), then Evaluate."));
}

EvaluationView::~EvaluationView() = default;

QWidget* EvaluationView::buildSidePanel() {
  auto* gt_box = new QGroupBox(tr("Ground truth"));
  gt_label_ = new QLabel;
  gt_label_->setObjectName(QStringLiteral("gtFolderLabel"));
  gt_label_->setWordWrap(true);
  gt_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* gt_button = new QPushButton(style()->standardIcon(QStyle::SP_DirOpenIcon), tr("Choose…"));
  gt_button->setToolTip(tr("Compare with another GT folder than the open dataset's"));
  connect(gt_button, &QPushButton::clicked, this, &EvaluationView::chooseGtFolder);
  auto* gt_layout = new QVBoxLayout(gt_box);
  gt_layout->addWidget(gt_label_);
  gt_layout->addWidget(gt_button, 0, Qt::AlignLeft);

  auto* methods_box = new QGroupBox(tr("Methods (prediction folders)"));
  method_list_ = new QListView;
  method_list_->setObjectName(QStringLiteral("methodList"));
  method_list_->setModel(methods_model_);
  method_list_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
  method_list_->setToolTip(tr("Check to show the curves; double-click to rename"));
  auto* add_button = new QPushButton(style()->standardIcon(QStyle::SP_FileDialogNewFolder), tr("Add…"));
  add_button->setObjectName(QStringLiteral("addMethodButton"));
  connect(add_button, &QPushButton::clicked, this, &EvaluationView::choosePredictionFolders);
  remove_button_ = new QPushButton(style()->standardIcon(QStyle::SP_TrashIcon), tr("Remove"));
  connect(remove_button_, &QPushButton::clicked, this, &EvaluationView::removeSelectedMethod);
  auto* method_buttons = new QHBoxLayout;
  method_buttons->addWidget(add_button);
  method_buttons->addWidget(remove_button_);
  method_buttons->addStretch(1);
  auto* methods_layout = new QVBoxLayout(methods_box);
  methods_layout->addWidget(method_list_, 1);
  methods_layout->addLayout(method_buttons);

  auto* run_box = new QGroupBox(tr("Run"));
  evaluate_button_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Evaluate"));
  evaluate_button_->setObjectName(QStringLiteral("evaluateButton"));
  evaluate_button_->setToolTip(tr("Evaluate every method against the GT folder (PySODMetrics protocol)"));
  connect(evaluate_button_, &QPushButton::clicked, this, &EvaluationView::evaluate);
  stop_button_ = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"));
  stop_button_->setObjectName(QStringLiteral("stopButton"));
  connect(stop_button_, &QPushButton::clicked, this, &EvaluationView::stop);
  progress_ = new QProgressBar;
  progress_->setObjectName(QStringLiteral("evaluationProgress"));
  progress_->setVisible(false);
  status_ = new QLabel;
  status_->setObjectName(QStringLiteral("evaluationStatus"));
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* run_buttons = new QHBoxLayout;
  run_buttons->addWidget(evaluate_button_);
  run_buttons->addWidget(stop_button_);
  run_buttons->addStretch(1);
  auto* run_layout = new QVBoxLayout(run_box);
  run_layout->addLayout(run_buttons);
  run_layout->addWidget(progress_);
  run_layout->addWidget(status_);

  auto* export_box = new QGroupBox(tr("Export"));
  export_summary_ = new QPushButton(tr("Summary table…"));
  export_summary_->setToolTip(tr("Methods x metrics as LaTeX (booktabs), CSV, Markdown or text"));
  connect(export_summary_, &QPushButton::clicked, this, &EvaluationView::exportSummaryWithDialog);
  export_images_ = new QPushButton(tr("Per-image table…"));
  export_images_->setToolTip(tr("The shown method's images, worst first, as CSV"));
  connect(export_images_, &QPushButton::clicked, this, &EvaluationView::exportImagesWithDialog);
  export_figure_ = new QPushButton(tr("Figure…"));
  export_figure_->setToolTip(tr("The shown curves in paper style as PNG, PDF or SVG"));
  connect(export_figure_, &QPushButton::clicked, this, &EvaluationView::exportFigureWithDialog);
  auto* export_layout = new QVBoxLayout(export_box);
  for (QPushButton* b : {export_summary_, export_images_, export_figure_}) export_layout->addWidget(b);
  export_layout->addWidget(buildFigureOptions());

  auto* panel = new QWidget;
  panel->setObjectName(QStringLiteral("evaluationSidePanel"));
  panel->setFixedWidth(kSidePanelWidth);
  auto* layout = new QVBoxLayout(panel);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(gt_box);
  layout->addWidget(methods_box, 1);
  layout->addWidget(run_box);
  layout->addWidget(export_box);
  return panel;
}

// The summary's heading row: the title, a note naming the methods hidden because they belong to
// another dataset, and the column chooser (whose choice the exports follow).
QWidget* EvaluationView::buildSummaryPanel() {
  columns_button_ = new QToolButton;
  columns_button_->setObjectName(QStringLiteral("summaryColumnsButton"));
  columns_button_->setText(tr("Columns…"));
  columns_button_->setToolTip(tr("The metrics shown; the LaTeX, Markdown and text exports hold the same columns"));
  columns_button_->setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(columns_button_);
  for (core::Metric m : core::allMetrics()) {
    QAction* action = menu->addAction(QString::fromLatin1(core::metricLabel(m)));
    action->setCheckable(true);
    action->setData(static_cast<int>(m));
    connect(action, &QAction::toggled, this, [this, m](bool on) { summary_model_->setShown(m, on); });
  }
  columns_button_->setMenu(menu);
  // The menu follows the model (the last column cannot be unchecked: the model keeps one).
  auto sync = [this, menu] {
    for (QAction* action : menu->actions()) {
      const QSignalBlocker block(action);
      action->setChecked(summary_model_->isShown(static_cast<core::Metric>(action->data().toInt())));
    }
  };
  connect(summary_model_, &SummaryTableModel::metricsChanged, this, sync);
  sync();

  scope_note_ = new QLabel;
  scope_note_->setObjectName(QStringLiteral("summaryScopeNote"));
  scope_note_->setStyleSheet(QStringLiteral("color: palette(mid)"));
  scope_note_->setVisible(false);

  auto* bar = new QHBoxLayout;
  bar->addWidget(heading(tr("Summary (dataset scores; best in bold)")));
  bar->addWidget(scope_note_, 1);
  bar->addWidget(columns_button_);
  return barAbove(bar, summary_view_, 0);
}

// Figure size and font for the Figure… export, with `rgbdsod plot`'s defaults and ranges.
QWidget* EvaluationView::buildFigureOptions() {
  const figures::FigureStyle defaults;
  auto spin = [](const QString& name, double low, double high, double value, const QString& suffix) {
    auto* box = new QDoubleSpinBox;
    box->setObjectName(name);
    box->setRange(low, high);
    box->setDecimals(1);
    box->setSingleStep(0.5);
    box->setValue(value);
    box->setSuffix(suffix);
    return box;
  };
  figure_width_ = spin(QStringLiteral("figureWidthCm"), 2.0, 60.0, defaults.width_cm, tr(" cm"));
  figure_height_ = spin(QStringLiteral("figureHeightCm"), 2.0, 60.0, defaults.height_cm, tr(" cm"));
  figure_font_ = spin(QStringLiteral("figureFontPt"), 4.0, 24.0, defaults.font_pt, tr(" pt"));
  figure_width_->setToolTip(tr("Figure width (8.5 cm: one column of a two-column paper)"));
  figure_height_->setToolTip(tr("Figure height"));
  figure_font_->setToolTip(tr("Font size of labels and legend"));
  auto* size = new QHBoxLayout;
  size->setContentsMargins(0, 0, 0, 0);
  size->addWidget(figure_width_);
  size->addWidget(new QLabel(QStringLiteral("×")));
  size->addWidget(figure_height_);
  auto* form = new QFormLayout;
  form->setContentsMargins(0, 0, 0, 0);
  form->addRow(tr("Size"), size);
  form->addRow(tr("Font"), figure_font_);
  auto* options = new QWidget;
  options->setObjectName(QStringLiteral("figureOptions"));
  options->setLayout(form);
  return options;
}

QWidget* EvaluationView::buildImagePanel() {
  image_method_combo_ = new QComboBox;
  image_method_combo_->setObjectName(QStringLiteral("imageMethodCombo"));
  image_method_combo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  image_method_combo_->setToolTip(tr("The method whose images are listed"));
  connect(image_method_combo_, &QComboBox::activated, this,
          [this](int i) { showImagesOf(image_method_combo_->itemData(i).toInt()); });
  image_metric_combo_ = new QComboBox;
  image_metric_combo_->setObjectName(QStringLiteral("imageMetricCombo"));
  for (core::Metric m : PerImageTableModel::metricColumns()) {
    image_metric_combo_->addItem(QString::fromLatin1(core::metricLabel(m)), static_cast<int>(m));
  }
  image_metric_combo_->setToolTip(tr("Sort the images worst first by this metric"));
  connect(image_metric_combo_, &QComboBox::activated, this, [this](int i) {
    sortImagesBy(static_cast<core::Metric>(image_metric_combo_->itemData(i).toInt()));
  });

  image_view_ = makeTable(QStringLiteral("imageTable"));
  image_view_->setModel(image_proxy_);
  image_view_->setSortingEnabled(true);
  image_view_->setToolTip(tr("Double-click (or Enter) opens the sample in the viewer"));
  image_view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  image_view_->horizontalHeader()->setSectionResizeMode(PerImageTableModel::NameColumn, QHeaderView::Stretch);
  connect(image_view_, &QTableView::activated, this,
          [this](const QModelIndex& index) { activateImageRow(index.row()); });
  // Sorting the view by a metric's header keeps the metric box in step.
  connect(image_view_->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this, [this](int column, Qt::SortOrder) {
    if (const auto m = PerImageTableModel::metricOf(column)) {
      image_metric_combo_->setCurrentIndex(image_metric_combo_->findData(static_cast<int>(*m)));
    }
  });

  auto* bar = new QHBoxLayout;
  bar->addWidget(heading(tr("Images of")));
  bar->addWidget(image_method_combo_);
  bar->addStretch(1);
  bar->addWidget(new QLabel(tr("worst first by")));
  bar->addWidget(image_metric_combo_);
  QWidget* panel = barAbove(bar, image_view_, 1);
  sortImagesBy(core::Metric::Mae);
  return panel;
}

void EvaluationView::fitSummaryHeight() {
  const int rows = std::clamp(summary_model_->rowCount(), kSummaryMinRows, kSummaryMaxRows);
  const int height = summary_view_->horizontalHeader()->sizeHint().height() +
                     rows * summary_view_->verticalHeader()->defaultSectionSize() + 2 * summary_view_->frameWidth();
  summary_view_->setFixedHeight(height);
}

void EvaluationView::connectSession() {
  connect(session_, &EvaluationSession::methodsChanged, this, &EvaluationView::onMethodsChanged);
  connect(session_, &EvaluationSession::methodRenamed, this, [this](int) { refreshMethodCombo(); });
  connect(summary_model_, &QAbstractItemModel::modelReset, this, [this] {
    fitSummaryHeight();
    refreshScopeNote();
  });
  connect(session_, &EvaluationSession::gtFolderChanged, this, &EvaluationView::showGtFolder);
  showGtFolder(session_->gtFolder());
  connect(session_, &EvaluationSession::started, this, [this](int) {
    run_errors_.clear();
    progress_->setRange(0, 0);
    progress_->setVisible(true);
    updateButtons();
  });
  connect(session_, &EvaluationSession::progress, this, &EvaluationView::onProgress);
  connect(session_, &EvaluationSession::methodFailed, this,
          [this](int, const QString& message) { run_errors_ << message; });
  connect(session_, &EvaluationSession::finished, this, &EvaluationView::onFinished);
  connect(methods_model_, &MethodCurvesModel::shownChanged, this,
          [this] { curves_->setCurves(methods_model_->shownCurves()); });
}

}  // namespace rgbdsod::ui
