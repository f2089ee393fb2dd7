// InspectView: construction, controls and sources. Drawing the maps is in inspect_view_maps.cpp.
#include "rgbdsod/ui/inspect/inspect_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSlider>
#include <QVBoxLayout>

#include "rgbdsod/ui/image_pane.h"
#include "rgbdsod/ui/inspect/figure_dialog.h"
#include "rgbdsod/ui/shell/model_bridge.h"
#include "rgbdsod/ui/synced_views.h"

namespace rgbdsod::ui {

namespace {

QLabel* caption(const QString& text) {
  auto* label = new QLabel(text);
  label->setForegroundRole(QPalette::PlaceholderText);
  return label;
}

}  // namespace

InspectView::InspectView(InspectSession* session, QWidget* parent)
    : QWidget(parent), session_(session), synced_(new SyncedViews(this)) {
  setObjectName(QStringLiteral("inspectView"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  // The controls scroll sideways in a narrow window instead of setting its minimum width.
  auto* controls = new QScrollArea;
  controls->setFrameShape(QFrame::NoFrame);
  controls->setWidgetResizable(true);
  controls->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  controls->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  QWidget* bar = buildControls();
  controls->setWidget(bar);
  controls->setFixedHeight(bar->sizeHint().height() + controls->horizontalScrollBar()->sizeHint().height());
  layout->addWidget(controls);

  scroll_ = new QScrollArea;
  scroll_->setObjectName(QStringLiteral("inspectScroll"));
  scroll_->setWidgetResizable(true);
  grid_host_ = new QWidget;
  grid_host_->setObjectName(QStringLiteral("inspectGrid"));
  grid_layout_ = new QVBoxLayout(grid_host_);
  grid_layout_->setContentsMargins(2, 2, 2, 2);
  grid_layout_->setSpacing(2);
  buildSections();
  grid_layout_->addStretch(1);
  scroll_->setWidget(grid_host_);
  scroll_->viewport()->installEventFilter(this);
  layout->addWidget(scroll_, 1);

  metrics_ = new QLabel;
  metrics_->setObjectName(QStringLiteral("inspectMetrics"));
  metrics_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  metrics_->setWordWrap(true);
  readout_ = new QLabel;
  readout_->setObjectName(QStringLiteral("inspectReadout"));
  readout_->setWordWrap(true);
  readout_->setMinimumHeight(2 * readout_->fontMetrics().height());
  description_ = new QLabel;
  description_->setObjectName(QStringLiteral("inspectDescription"));
  description_->setWordWrap(true);
  description_->setForegroundRole(QPalette::PlaceholderText);
  layout->addWidget(metrics_);
  layout->addWidget(readout_);
  layout->addWidget(description_);

  connectSession();
  refreshSourceCombos();
  redrawAll();
}

QWidget* InspectView::buildControls() {
  auto* bar = new QWidget;
  auto* row = new QHBoxLayout;

  primary_combo_ = new QComboBox;
  primary_combo_->setObjectName(QStringLiteral("inspectRunCombo"));
  primary_combo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  primary_combo_->setToolTip(tr("The run (or prediction folder) whose maps are shown"));
  connect(primary_combo_, &QComboBox::activated, this, [this](int i) { onSourceChosen(InspectSession::Primary, i); });
  compare_combo_ = new QComboBox;
  compare_combo_->setObjectName(QStringLiteral("inspectCompareCombo"));
  compare_combo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  compare_combo_->setToolTip(tr("A second run or prediction folder, side by side with the first"));
  connect(compare_combo_, &QComboBox::activated, this, [this](int i) { onSourceChosen(InspectSession::Compare, i); });
  auto* load_run = new QPushButton(tr("Load run…"));
  load_run->setObjectName(QStringLiteral("inspectLoadRun"));
  connect(load_run, &QPushButton::clicked, this, &InspectView::chooseRun);
  auto* add_folder = new QPushButton(tr("Add folder…"));
  add_folder->setToolTip(tr("A prediction folder (one method's maps, as `rgbdsod infer` writes them)"));
  connect(add_folder, &QPushButton::clicked, this, &InspectView::chooseFolder);

  sides_combo_ = new QComboBox;
  sides_combo_->setObjectName(QStringLiteral("inspectSidesCombo"));
  sides_combo_->addItems({tr("combined P̃"), tr("raw P")});
  sides_combo_->setToolTip(tr("Side outputs after the dense backward combination (P̃_i) or as each level predicts (P_i)"));
  connect(sides_combo_, &QComboBox::activated, this, [this](int i) { setShowRawSides(i == 1); });

  colours_combo_ = new QComboBox;
  colours_combo_->setObjectName(QStringLiteral("inspectColoursCombo"));
  colours_combo_->addItems(mapColourNames());
  connect(colours_combo_, &QComboBox::activated, this, [this](int i) { setColours(static_cast<MapColours>(i)); });
  low_ = new QDoubleSpinBox;
  high_ = new QDoubleSpinBox;
  for (QDoubleSpinBox* box : {low_, high_}) {
    box->setRange(0.0, 1.0);
    box->setSingleStep(0.05);
    box->setDecimals(2);
  }
  low_->setValue(0.0);
  high_->setValue(1.0);
  low_->setToolTip(tr("Contrast window: values at or below this draw as the colour map's first colour"));
  high_->setToolTip(tr("Contrast window: values at or above this draw as its last colour"));
  connect(low_, &QDoubleSpinBox::valueChanged, this, [this](double v) { setContrast(v, high_value_); });
  connect(high_, &QDoubleSpinBox::valueChanged, this, [this](double v) { setContrast(low_value_, v); });

  adaptive_ = new QCheckBox(tr("adaptive"));
  adaptive_->setObjectName(QStringLiteral("inspectAdaptive"));
  adaptive_->setChecked(true);
  adaptive_->setToolTip(tr("The evaluation's adaptive threshold of each map: min(2 × mean, 1)"));
  threshold_ = new QSlider(Qt::Horizontal);
  threshold_->setObjectName(QStringLiteral("inspectThreshold"));
  threshold_->setRange(0, 255);
  threshold_->setValue(128);
  threshold_->setFixedWidth(110);
  threshold_->setEnabled(false);
  threshold_value_ = new QLabel;
  threshold_value_->setMinimumWidth(36);
  const auto apply_threshold = [this] {
    threshold_->setEnabled(!adaptive_->isChecked());
    threshold_value_->setText(adaptive_->isChecked() ? QString() : QString::number(threshold_->value() / 255.0, 'f', 2));
    session_->setFixedThreshold(adaptive_->isChecked() ? std::optional<double>()
                                                       : std::optional<double>(threshold_->value() / 255.0));
  };
  connect(adaptive_, &QCheckBox::toggled, this, apply_threshold);
  connect(threshold_, &QSlider::valueChanged, this, apply_threshold);

  zero_shot_ = new QCheckBox(tr("zero-shot"));
  zero_shot_->setObjectName(QStringLiteral("inspectZeroShot"));
  zero_shot_->setToolTip(tr("An RGB-only run also predicts from the depth map (cross-modal transfer's baseline)"));
  connect(zero_shot_, &QCheckBox::toggled, session_, &InspectSession::setZeroShot);

  export_grid_ = new QPushButton(tr("Export…"));
  export_grid_->setObjectName(QStringLiteral("inspectExport"));
  export_grid_->setToolTip(tr("The whole grid as PNG, SVG or PDF (right-click a pane to export it alone)"));
  connect(export_grid_, &QPushButton::clicked, this, &InspectView::exportGridWithDialog);

  auto* figure = new QPushButton(tr("Figure…"));
  figure->setObjectName(QStringLiteral("inspectFigure"));
  figure->setToolTip(tr("A qualitative figure as papers print them: chosen samples × RGB, depth, GT and methods"));
  connect(figure, &QPushButton::clicked, this, [this] { openFigureDialog(); });
  // Two rows: what is shown (sources), then how it is drawn; one row would set the window's
  // minimum width.
  row->addWidget(caption(tr("Run")));
  row->addWidget(primary_combo_);
  row->addWidget(caption(tr("vs")));
  row->addWidget(compare_combo_);
  row->addWidget(load_run);
  row->addWidget(add_folder);
  row->addStretch(1);
  row->addWidget(figure);
  row->addWidget(export_grid_);
  auto* drawing = new QHBoxLayout;
  drawing->addWidget(caption(tr("Sides")));
  drawing->addWidget(sides_combo_);
  drawing->addWidget(caption(tr("Colours")));
  drawing->addWidget(colours_combo_);
  drawing->addWidget(low_);
  drawing->addWidget(caption(QStringLiteral("–")));
  drawing->addWidget(high_);
  drawing->addSpacing(12);
  drawing->addWidget(caption(tr("Errors at")));
  drawing->addWidget(adaptive_);
  drawing->addWidget(threshold_);
  drawing->addWidget(threshold_value_);
  drawing->addWidget(zero_shot_);
  drawing->addStretch(1);
  auto* rows = new QVBoxLayout(bar);
  rows->setContentsMargins(0, 0, 0, 0);
  rows->setSpacing(2);
  rows->addLayout(row);
  rows->addLayout(drawing);
  return bar;
}

void InspectView::buildSections() {
  const std::vector<std::pair<QString, QString>> sections = {
      {QStringLiteral("inputs"), tr("Sample")},
      {QStringLiteral("sides"), tr("Side outputs per level")},
      {QStringLiteral("fused"), tr("Learned fusion of the side outputs")},
      {QStringLiteral("fgbg"), tr("Foreground / background")},
      {QStringLiteral("branches"), tr("Per-modality branches")},
      {QStringLiteral("zero_shot"), tr("Zero-shot: the RGB network fed depth")},
      {QStringLiteral("compare"), tr("Compare")},
  };
  for (const auto& [key, title] : sections) {
    Section s;
    s.title = new QLabel(title);
    QFont bold = s.title->font();
    bold.setBold(true);
    s.title->setFont(bold);
    s.host = new QWidget;
    s.host->setObjectName(QStringLiteral("inspectSection_") + key);
    s.grid = new QGridLayout(s.host);
    s.grid->setContentsMargins(0, 0, 0, 0);
    s.grid->setSpacing(3);
    s.grid->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    grid_layout_->addWidget(s.title);
    grid_layout_->addWidget(s.host);
    sections_.emplace(key, s);
    section_order_ << key;
  }
}

void InspectView::connectSession() {
  ModelBridge* models = session_->models();
  connect(session_, &InspectSession::sampleChanged, this, &InspectView::onSampleChanged);
  connect(session_, &InspectSession::sideChanged, this, &InspectView::onSideChanged);
  connect(session_, &InspectSession::thresholdChanged, this, [this] {
    drawPrimaryMaps();
    drawCompare();
    drawMetrics();
  });
  connect(models, &ModelBridge::runsChanged, this, &InspectView::refreshSourceCombos);
  connect(models, &ModelBridge::runLoaded, this, [this, models](int id) {
    const LoadedRun* run = models->run(id);
    if (!run) return;
    const auto wanted = wanted_side_.find(run->folder);
    if (wanted == wanted_side_.end()) return;
    const InspectSession::Side side = wanted->second;
    wanted_side_.erase(wanted);
    --pending_loads_;
    session_->setSource(side, MapSource::ofRun(id, run->label));
    refreshSourceCombos();
  });
  connect(models, &ModelBridge::runLoadFailed, this, [this](const QString& folder, const QString& message) {
    if (wanted_side_.erase(folder) > 0) --pending_loads_;
    fail(tr("Cannot load the run %1: %2").arg(folder, message));
  });
}

void InspectView::addRun(const QString& folder, InspectSession::Side side) {
  const QString absolute = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
  if (wanted_side_.emplace(absolute, side).second) ++pending_loads_;
  session_->models()->loadRun(absolute);
}

void InspectView::addPredictionFolder(const QString& folder, InspectSession::Side side) {
  const MapSource source = MapSource::ofFolder(folder);
  bool known = false;
  for (const MapSource& s : sources_) known = known || s == source;
  if (!known) sources_.push_back(source);
  session_->setSource(side, source);
  refreshSourceCombos();
}

void InspectView::showMethodFolder(const QString& folder, const QString& method) {
  const bool run_shown = session_->side(InspectSession::Primary).source.kind == MapSource::Kind::Run;
  const MapSource source = MapSource::ofFolder(folder, method);
  bool known = false;
  for (const MapSource& s : sources_) known = known || s == source;
  if (!known) sources_.push_back(source);
  session_->setSource(run_shown ? InspectSession::Compare : InspectSession::Primary, source);
  refreshSourceCombos();
}

void InspectView::refreshSourceCombos() {
  // Runs first (as loaded), then the folders; the folder list keeps what was added.
  std::vector<MapSource> all;
  for (const LoadedRun& r : session_->models()->runs()) all.push_back(MapSource::ofRun(r.id, r.label));
  for (const MapSource& s : sources_) {
    if (s.kind == MapSource::Kind::Folder) all.push_back(s);
  }
  sources_ = all;
  for (const auto side : {InspectSession::Primary, InspectSession::Compare}) {
    QComboBox* combo = side == InspectSession::Primary ? primary_combo_ : compare_combo_;
    const QSignalBlocker block(combo);
    combo->clear();
    combo->addItem(side == InspectSession::Primary ? tr("(no run)") : tr("(nothing)"));
    int current = 0;
    for (std::size_t i = 0; i < sources_.size(); ++i) {
      const MapSource& s = sources_[i];
      combo->addItem(s.kind == MapSource::Kind::Run ? s.label : tr("%1 (folder)").arg(s.label));
      if (session_->side(side).source == s) current = static_cast<int>(i) + 1;
    }
    combo->setCurrentIndex(current);
  }
}

void InspectView::onSourceChosen(InspectSession::Side side, int index) {
  session_->setSource(side, index <= 0 || index > static_cast<int>(sources_.size())
                                ? MapSource()
                                : sources_[static_cast<std::size_t>(index - 1)]);
}

void InspectView::chooseRun() {
  const QString folder = QFileDialog::getExistingDirectory(this, tr("Open a run folder (config.json + checkpoints/)"));
  if (!folder.isEmpty()) {
    addRun(folder, session_->side(InspectSession::Primary).source.kind == MapSource::Kind::None
                       ? InspectSession::Primary
                       : InspectSession::Compare);
  }
}

void InspectView::chooseFolder() {
  const QString folder = QFileDialog::getExistingDirectory(this, tr("Open a prediction folder"));
  if (!folder.isEmpty()) {
    addPredictionFolder(folder, session_->side(InspectSession::Primary).source.kind == MapSource::Kind::None
                                    ? InspectSession::Primary
                                    : InspectSession::Compare);
  }
}

void InspectView::setShowRawSides(bool raw) {
  if (raw == raw_sides_) return;
  raw_sides_ = raw;
  sides_combo_->setCurrentIndex(raw ? 1 : 0);
  drawPrimaryMaps();
}

void InspectView::setColours(MapColours colours) {
  colours_ = colours;
  colours_combo_->setCurrentIndex(static_cast<int>(colours));
  drawPrimaryMaps();
  drawCompare();
}

void InspectView::setContrast(double low, double high) {
  low_value_ = low;
  high_value_ = std::max(high, low + 0.01);
  drawPrimaryMaps();
  drawCompare();
}

FigureDialog* InspectView::openFigureDialog() {
  auto* dialog = new FigureDialog(session_, sources_, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->show();
  return dialog;
}

bool InspectView::fail(const QString& message) {
  last_error_ = message;
  description_->setText(message);
  emit problem(message);
  return false;
}

}  // namespace rgbdsod::ui
