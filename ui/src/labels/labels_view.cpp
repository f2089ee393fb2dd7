#include "rgbdsod/ui/labels/labels_view.h"

#include <QAction>
#include <QActionGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>

#include "rgbdsod/ui/image_convert.h"
#include "rgbdsod/ui/labels/label_canvas.h"
#include "rgbdsod/ui/labels/labels_session.h"
#include "rgbdsod/ui/shell/model_bridge.h"
#include "rgbdsod/ui/shell/scroll_page.h"

namespace rgbdsod::ui {

LabelsView::LabelsView(LabelsSession* session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      canvas_(new LabelCanvas),
      tools_(new QActionGroup(this)),
      radius_spin_(new QSpinBox),
      tolerance_spin_(new QDoubleSpinBox),
      wand_depth_check_(new QCheckBox(tr("on depth"))),
      grow_spin_(new QSpinBox),
      opacity_slider_(new QSlider(Qt::Horizontal)),
      outline_check_(new QCheckBox(tr("Outline"))),
      depth_check_(new QCheckBox(tr("Depth behind"))),
      readout_(new QLabel),
      status_label_(new QLabel),
      pred_edit_(new QLineEdit),
      run_combo_(new QComboBox),
      suggestions_(new QListWidget),
      rank_progress_(new QProgressBar) {
  setObjectName(QStringLiteral("labelsView"));
  auto* bar = new QToolBar;
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  const struct {
    LabelTool tool;
    const char* name;
    const char* text;
    Qt::Key key;
    const char* tip;
  } kTools[] = {
      {LabelTool::Brush, "toolBrush", "Brush", Qt::Key_B, "Paint foreground; Shift or the right button erases; wheel: size"},
      {LabelTool::Eraser, "toolEraser", "Eraser", Qt::Key_E, "Paint background; wheel: size"},
      {LabelTool::Polygon, "toolPolygon", "Polygon", Qt::Key_P, "Click the corners; double-click or Enter fills (Shift: clears), Esc cancels"},
      {LabelTool::Wand, "toolWand", "Wand", Qt::Key_W, "Fill the connected pixels of similar colour (or depth) around the click; Shift clears"},
      {LabelTool::Flip, "toolFlip", "Flip region", Qt::Key_I, "Click a region to flip its label (region-level label noise)"},
  };
  for (const auto& t : kTools) {
    QAction* a = addAction(QString::fromLatin1(t.name), tr(t.text), QKeySequence(t.key), tr(t.tip));
    a->setCheckable(true);
    tools_->addAction(a);
    bar->addAction(a);
    const LabelTool tool = t.tool;
    connect(a, &QAction::triggered, this, [this, tool] { setTool(tool); });
  }
  tools_->actions().front()->setChecked(true);
  bar->addSeparator();
  QAction* holes = addAction(QStringLiteral("actFillHoles"), tr("Fill holes"), QKeySequence(Qt::Key_H), tr("Background enclosed by the object becomes object"));
  connect(holes, &QAction::triggered, session_, &LabelsSession::fillHoles);
  QAction* grow = addAction(QStringLiteral("actGrow"), tr("Grow"), QKeySequence(Qt::Key_G), tr("Grow the object by N px"));
  connect(grow, &QAction::triggered, this, [this] { session_->growShrink(grow_spin_->value()); });
  QAction* shrink = addAction(QStringLiteral("actShrink"), tr("Shrink"), QKeySequence(Qt::Key_K), tr("Shrink the object by N px"));
  connect(shrink, &QAction::triggered, this, [this] { session_->growShrink(-grow_spin_->value()); });
  bar->addAction(holes);
  bar->addAction(grow);
  bar->addAction(shrink);
  grow_spin_->setRange(1, 50);
  grow_spin_->setValue(2);
  grow_spin_->setSuffix(tr(" px"));
  bar->addWidget(grow_spin_);
  bar->addSeparator();
  QAction* undo = session_->undoGroup()->createUndoAction(this, tr("Undo"));
  undo->setObjectName(QStringLiteral("actUndo"));
  undo->setShortcut(QKeySequence::Undo);
  undo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  QAction* redo = session_->undoGroup()->createRedoAction(this, tr("Redo"));
  redo->setObjectName(QStringLiteral("actRedo"));
  redo->setShortcuts({QKeySequence::Redo, QKeySequence(Qt::CTRL | Qt::Key_Y)});
  redo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  QWidget::addAction(undo);
  QWidget::addAction(redo);
  bar->addAction(undo);
  bar->addAction(redo);
  QAction* save = addAction(QStringLiteral("actSave"), tr("Save"), QKeySequence::Save, tr("Write the correction now (it is also saved a moment after each edit)"));
  connect(save, &QAction::triggered, this, [this] {
    QString error;
    if (!session_->saveNow(&error)) emit problem(error);
  });
  QAction* reviewed = addAction(QStringLiteral("actReviewed"), tr("Reviewed"), QKeySequence(Qt::Key_R), tr("Mark the label as checked (no correction needed)"));
  connect(reviewed, &QAction::triggered, this, [this] {
    session_->markReviewed();
    refreshStatus();
  });
  bar->addAction(save);
  bar->addAction(reviewed);
  QAction* next = addAction(QStringLiteral("actNext"), tr("Next"), QKeySequence(Qt::Key_N), tr("Next image"));
  connect(next, &QAction::triggered, this, [this] { emit sampleStepRequested(1); });
  QAction* prev = addAction(QStringLiteral("actPrevious"), tr("Previous"), QKeySequence(Qt::SHIFT | Qt::Key_N), tr("Previous image"));
  connect(prev, &QAction::triggered, this, [this] { emit sampleStepRequested(-1); });
  bar->addAction(prev);
  bar->addAction(next);
  QAction* bigger = addAction(QStringLiteral("actBrushBigger"), tr("Brush +"), QKeySequence(Qt::Key_BracketRight), tr("Larger brush"));
  connect(bigger, &QAction::triggered, this, [this] { setBrushRadius(brushRadius() + 1); });
  QAction* smaller = addAction(QStringLiteral("actBrushSmaller"), tr("Brush -"), QKeySequence(Qt::Key_BracketLeft), tr("Smaller brush"));
  connect(smaller, &QAction::triggered, this, [this] { setBrushRadius(brushRadius() - 1); });
  QAction* outline = addAction(QStringLiteral("actOutline"), tr("Outline"), QKeySequence(Qt::Key_O), tr("Outline only / filled overlay"));
  connect(outline, &QAction::triggered, outline_check_, &QCheckBox::toggle);
  QAction* depth = addAction(QStringLiteral("actDepth"), tr("Depth"), QKeySequence(Qt::Key_D), tr("Depth / RGB behind the mask"));
  connect(depth, &QAction::triggered, depth_check_, &QCheckBox::toggle);

  // Settings row.
  auto* settings = new QHBoxLayout;
  radius_spin_->setRange(0, 200);
  radius_spin_->setValue(8);
  radius_spin_->setPrefix(tr("brush r "));
  radius_spin_->setObjectName(QStringLiteral("brushRadiusSpin"));
  tolerance_spin_->setRange(0, 65535);
  tolerance_spin_->setValue(24);
  tolerance_spin_->setPrefix(tr("wand tol "));
  tolerance_spin_->setToolTip(tr("Largest difference from the clicked pixel (per RGB channel, or in depth units)"));
  opacity_slider_->setRange(0, 100);
  opacity_slider_->setValue(45);
  opacity_slider_->setMaximumWidth(120);
  opacity_slider_->setToolTip(tr("Overlay opacity"));
  settings->addWidget(radius_spin_);
  settings->addWidget(tolerance_spin_);
  settings->addWidget(wand_depth_check_);
  settings->addWidget(new QLabel(tr("Opacity")));
  settings->addWidget(opacity_slider_);
  settings->addWidget(outline_check_);
  settings->addWidget(depth_check_);
  settings->addStretch(1);
  readout_->setObjectName(QStringLiteral("labelReadout"));
  settings->addWidget(readout_);

  // Side panel: status and assistance.
  auto* side = new QWidget;
  auto* sv = new QVBoxLayout(side);
  sv->setContentsMargins(0, 0, 0, 0);
  status_label_->setObjectName(QStringLiteral("labelStatus"));
  status_label_->setWordWrap(true);
  sv->addWidget(status_label_);
  auto* files_row = new QHBoxLayout;
  auto* folder_button = new QPushButton(tr("Folder…"));
  folder_button->setObjectName(QStringLiteral("correctionsFolderButton"));
  folder_button->setToolTip(tr("Write the corrections to another folder (e.g. when the dataset is read-only)"));
  auto* import_button = new QPushButton(tr("Import…"));
  import_button->setToolTip(tr("Masks of another folder, paired by name, as corrections to review"));
  auto* export_button = new QPushButton(tr("Export…"));
  export_button->setToolTip(tr("A new dataset folder: RGB and depth linked, GT = the corrections, else the originals"));
  auto* rebuild_button = new QPushButton(tr("Rebuild"));
  rebuild_button->setObjectName(QStringLiteral("rebuildSidecarButton"));
  rebuild_button->setToolTip(tr("Rebuild labels.json from the corrected masks (the unreadable one is kept as labels.json.bad)"));
  files_row->addWidget(folder_button);
  files_row->addWidget(import_button);
  files_row->addWidget(export_button);
  files_row->addWidget(rebuild_button);
  sv->addLayout(files_row);
  connect(folder_button, &QPushButton::clicked, this, [this] {
    const QString d = QFileDialog::getExistingDirectory(this, tr("Corrections folder"), session_->correctionsFolder());
    if (d.isEmpty()) return;
    QString error;
    if (!session_->setCorrectionsFolder(d, &error)) emit problem(error);
    refreshStatus();
  });
  connect(import_button, &QPushButton::clicked, this, [this] {
    const QString d = QFileDialog::getExistingDirectory(this, tr("Folder of masks to import"));
    if (d.isEmpty()) return;
    QString error;
    const int n = session_->importMasks(d, &error);
    if (n < 0) emit problem(error);
    else emit status(tr("%1 masks imported into %2").arg(n).arg(session_->correctionsFolder()));
    refreshStatus();
  });
  connect(export_button, &QPushButton::clicked, this, [this] {
    const QString d = QFileDialog::getSaveFileName(this, tr("New dataset folder"));
    if (d.isEmpty()) return;
    QString error;
    if (!session_->exportDataset(d, false, &error)) emit problem(error);
    else emit status(tr("Corrected dataset written to %1").arg(d));
  });
  connect(rebuild_button, &QPushButton::clicked, this, [this] {
    QString error;
    if (!session_->rebuildSidecar(&error)) emit problem(error);
    refreshStatus();
  });
  sv->addWidget(new QLabel(tr("<b>Suggestions</b> from a folder of saliency maps")));
  auto* pred_row = new QHBoxLayout;
  pred_edit_->setObjectName(QStringLiteral("predictionFolderEdit"));
  pred_edit_->setPlaceholderText(tr("maps folder (rgbdsod infer --out)"));
  auto* browse = new QPushButton(QStringLiteral("…"));
  browse->setMaximumWidth(30);
  pred_row->addWidget(pred_edit_, 1);
  pred_row->addWidget(browse);
  sv->addLayout(pred_row);
  connect(browse, &QPushButton::clicked, this, &LabelsView::choosePredictions);
  connect(pred_edit_, &QLineEdit::editingFinished, this, [this] {
    QString error;
    if (pred_edit_->text() != session_->predictionFolder() && !session_->setPredictionFolder(pred_edit_->text(), &error))
      emit problem(error);
  });
  auto* run_row = new QHBoxLayout;
  run_combo_->setObjectName(QStringLiteral("suggestRunCombo"));
  run_combo_->setToolTip(tr("A run loaded in the Inspect tab: its maps of every sample are computed and cached"));
  auto* run_button = new QPushButton(tr("From run"));
  run_button->setObjectName(QStringLiteral("suggestFromRunButton"));
  run_row->addWidget(run_combo_, 1);
  run_row->addWidget(run_button);
  sv->addLayout(run_row);
  connect(run_button, &QPushButton::clicked, this, [this] {
    if (run_combo_->currentIndex() < 0) {
      emit problem(tr("Load a run in the Inspect tab first"));
      return;
    }
    QString error;
    if (!session_->suggestFromRun(run_combo_->currentData().toInt(), &error)) emit problem(error);
  });
  if (ModelBridge* models = session_->models()) {
    connect(models, &ModelBridge::runsChanged, this, &LabelsView::refreshRuns);
    refreshRuns();
  }
  suggestions_->setObjectName(QStringLiteral("suggestionList"));
  suggestions_->setToolTip(tr("A: accept the selected (or first) region, X: reject it"));
  sv->addWidget(suggestions_, 1);
  auto* rank_row = new QHBoxLayout;
  auto* rank = new QPushButton(tr("Rank dataset"));
  rank->setObjectName(QStringLiteral("rankButton"));
  auto* cancel = new QPushButton(tr("Cancel"));
  rank_row->addWidget(rank);
  rank_row->addWidget(cancel);
  sv->addLayout(rank_row);
  rank_progress_->setRange(0, 1);
  rank_progress_->setValue(0);
  sv->addWidget(rank_progress_);
  connect(rank, &QPushButton::clicked, session_, &LabelsSession::rankDataset);
  connect(cancel, &QPushButton::clicked, session_, &LabelsSession::cancelRanking);
  QAction* accept = addAction(QStringLiteral("actAccept"), tr("Accept"), QKeySequence(Qt::Key_A), tr("Accept the selected suggestion"));
  QAction* reject = addAction(QStringLiteral("actReject"), tr("Reject"), QKeySequence(Qt::Key_X), tr("Reject the selected suggestion"));
  QAction* suspicious = addAction(QStringLiteral("actNextSuspicious"), tr("Next suspicious"), QKeySequence(Qt::Key_U),
                                  tr("The most suspicious unreviewed image after this one (rank the dataset first)"));
  auto selected = [this] { return static_cast<std::size_t>(std::max(0, suggestions_->currentRow())); };
  connect(accept, &QAction::triggered, this, [this, selected] { session_->acceptSuggestion(selected()); });
  connect(reject, &QAction::triggered, this, [this, selected] { session_->rejectSuggestion(selected()); });
  connect(suspicious, &QAction::triggered, this, [this] {
    const QString name = session_->nextSuspicious();
    if (name.isEmpty()) emit status(tr("No unreviewed suspicious image left (rank the dataset first)"));
    else emit sampleNamedRequested(name);
  });
  bar->addAction(accept);
  bar->addAction(reject);
  bar->addAction(suspicious);

  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(canvas_);
  split->addWidget(side);
  split->setStretchFactor(0, 1);
  split->setSizes({800, 260});
  auto* content = new QWidget;
  auto* content_layout = new QVBoxLayout(content);
  content_layout->setContentsMargins(4, 4, 4, 4);
  content_layout->addWidget(bar);
  content_layout->addLayout(settings);
  content_layout->addWidget(split, 1);
  setScrollingContent(this, content);

  connect(canvas_, &LabelCanvas::pressed, this, &LabelsView::pressed);
  connect(canvas_, &LabelCanvas::dragged, this, &LabelsView::dragged);
  connect(canvas_, &LabelCanvas::released, this, &LabelsView::released);
  connect(canvas_, &LabelCanvas::hovered, this, &LabelsView::hovered);
  connect(canvas_, &LabelCanvas::doubleClicked, this, [this](QPoint) {
    if (tool_ != LabelTool::Polygon || polygon_.size() < 3) return;
    session_->polygon(std::vector<QPoint>(polygon_.begin(), polygon_.end()), erase_stroke_);
    polygon_.clear();
    canvas_->setPolygon(polygon_);
  });
  connect(canvas_, &LabelCanvas::wheelSteps, this, [this](int steps) { setBrushRadius(brushRadius() + steps); });
  connect(radius_spin_, &QSpinBox::valueChanged, canvas_, &LabelCanvas::setBrushRadius);
  connect(opacity_slider_, &QSlider::valueChanged, this, [this](int v) { canvas_->setOpacity(v / 100.0); });
  connect(outline_check_, &QCheckBox::toggled, canvas_, &LabelCanvas::setOutline);
  connect(depth_check_, &QCheckBox::toggled, this, [this] { canvas_->setBackground(backgroundImage()); });
  connect(session_, &LabelsSession::maskChanged, canvas_, &LabelCanvas::maskChanged);
  connect(session_, &LabelsSession::sampleChanged, this, &LabelsView::sampleChanged);
  connect(session_, &LabelsSession::suggestionsChanged, this, &LabelsView::refreshSuggestions);
  connect(session_, &LabelsSession::saved, this, &LabelsView::refreshStatus);
  connect(session_, &LabelsSession::problem, this, &LabelsView::problem);
  connect(session_, &LabelsSession::rankingProgress, this, [this](int done, int total) {
    rank_progress_->setRange(0, std::max(1, total));
    rank_progress_->setValue(done);
  });
  connect(session_, &LabelsSession::rankingFinished, this, [this] {
    emit status(tr("%1 images ranked; U opens the most suspicious").arg(session_->ranked().size()));
  });
  if (session_->hasMask()) sampleChanged();  // a session that already shows a sample
  connect(suggestions_, &QListWidget::currentRowChanged, this, [this](int row) {
    const auto& s = session_->suggestions();
    if (row >= 0 && static_cast<std::size_t>(row) < s.size()) {
      const auto& b = s[static_cast<std::size_t>(row)].bbox;
      canvas_->setHighlight(QRect(b.x, b.y, b.width, b.height));
    } else {
      canvas_->setHighlight({});
    }
  });
}

QAction* LabelsView::addAction(const QString& name, const QString& text, const QKeySequence& key, const QString& tip) {
  auto* a = new QAction(text, this);
  a->setObjectName(name);
  a->setShortcut(key);
  a->setShortcutContext(Qt::WidgetWithChildrenShortcut);  // single keys act only in this workspace
  a->setToolTip(QStringLiteral("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
  QWidget::addAction(a);
  return a;
}

QAction* LabelsView::action(const QString& object_name) const {
  for (QAction* a : actions())
    if (a->objectName() == object_name) return a;
  return nullptr;
}

void LabelsView::setTool(LabelTool tool) {
  tool_ = tool;
  polygon_.clear();
  canvas_->setPolygon(polygon_);
  const bool brush = tool == LabelTool::Brush || tool == LabelTool::Eraser;
  canvas_->setBrushRadius(brush ? radius_spin_->value() : 0);
  const int i = static_cast<int>(tool);
  if (i < tools_->actions().size()) tools_->actions().at(i)->setChecked(true);
}

int LabelsView::brushRadius() const { return radius_spin_->value(); }
void LabelsView::setBrushRadius(int radius) { radius_spin_->setValue(radius); }
void LabelsView::setDepthBackground(bool depth) { depth_check_->setChecked(depth); }

QImage LabelsView::backgroundImage() const {
  const LoadedSample& s = session_->sample();
  if (depth_check_->isChecked() && !s.depth_colour.isNull()) return s.depth_colour;
  return toQImage(session_->rgb());
}

void LabelsView::sampleChanged() {
  polygon_.clear();
  canvas_->setImages(backgroundImage(), session_->hasMask() ? &session_->mask() : nullptr);
  refreshSuggestions();
  refreshStatus();
}

void LabelsView::pressed(QPoint pos, Qt::MouseButton button, Qt::KeyboardModifiers modifiers) {
  if (!session_->hasMask()) return;
  canvas_->setFocus();
  const bool shift = modifiers.testFlag(Qt::ShiftModifier);
  switch (tool_) {
    case LabelTool::Brush:
    case LabelTool::Eraser:
      erase_stroke_ = tool_ == LabelTool::Eraser || shift || button == Qt::RightButton;
      stroking_ = true;
      session_->beginStroke();
      session_->strokeTo(pos, pos, brushRadius(), erase_stroke_);
      if (button != Qt::LeftButton) {  // a right click stamps once; drags are left-button strokes
        session_->endStroke();
        stroking_ = false;
      }
      break;
    case LabelTool::Polygon:
      erase_stroke_ = shift;
      polygon_.push_back(pos);
      canvas_->setPolygon(polygon_);
      break;
    case LabelTool::Wand:
      session_->wand(pos, tolerance_spin_->value(), wand_depth_check_->isChecked(), shift);
      break;
    case LabelTool::Flip:
      session_->flipRegion(pos);
      break;
  }
}

void LabelsView::dragged(QPoint from, QPoint to) {
  if (stroking_) session_->strokeTo(from, to, brushRadius(), erase_stroke_);
}

void LabelsView::released(QPoint) {
  if (!stroking_) return;
  stroking_ = false;
  session_->endStroke();
}

void LabelsView::hovered(QPoint pos) {
  hover_ = pos;
  readout_->setText(readoutText());
}

QString LabelsView::readoutText() const {
  if (!session_->hasMask()) return {};
  const cv::Mat& m = session_->mask();
  const QPoint p = hover_;
  if (p.x() < 0 || p.y() < 0 || p.x() >= m.cols || p.y() >= m.rows) return {};
  QString text = QStringLiteral("%1, %2  label %3").arg(p.x()).arg(p.y()).arg(m.at<std::uint8_t>(p.y(), p.x()));
  const cv::Mat& rgb = session_->rgb();
  if (!rgb.empty()) {
    const cv::Vec3b c = rgb.at<cv::Vec3b>(p.y(), p.x());
    text += QStringLiteral("  RGB %1 %2 %3").arg(c[2]).arg(c[1]).arg(c[0]);
  }
  const cv::Mat& d = session_->depth();
  if (!d.empty())
    text += QStringLiteral("  depth %1").arg(d.depth() == CV_16U ? d.at<std::uint16_t>(p.y(), p.x()) : d.at<std::uint8_t>(p.y(), p.x()));
  return text;
}

void LabelsView::refreshSuggestions() {
  if (!pred_edit_->hasFocus() && pred_edit_->text() != session_->predictionFolder()) pred_edit_->setText(session_->predictionFolder());
  const int keep = suggestions_->currentRow();
  suggestions_->clear();
  for (const auto& r : session_->suggestions())
    suggestions_->addItem(QStringLiteral("%1 %2 px  conf %3  score %4")
                              .arg(r.add ? tr("add") : tr("remove"))
                              .arg(r.area)
                              .arg(r.confidence, 0, 'f', 2)
                              .arg(r.score, 0, 'f', 4));
  if (suggestions_->count() > 0) suggestions_->setCurrentRow(std::clamp(keep, 0, suggestions_->count() - 1));
  else canvas_->setHighlight({});
}

void LabelsView::refreshStatus() {
  if (!session_->hasStore()) {
    status_label_->setText(session_->storeProblem());
    return;
  }
  const core::LabelRecord r = session_->record();
  QString text = tr("<b>%1</b>: %2, %3 edits saved").arg(session_->sampleName(), QString::fromLatin1(core::toString(r.status))).arg(r.edits);
  if (!r.saved.empty()) text += tr(", last at %1").arg(QString::fromStdString(r.saved));
  text += tr("<br>Corrections in %1").arg(session_->correctionsFolder());
  if (!session_->storeProblem().isEmpty()) text += QStringLiteral("<br><span style='color:#d04040'>%1</span>").arg(session_->storeProblem().toHtmlEscaped());
  status_label_->setText(text);
}

void LabelsView::refreshRuns() {
  const int keep = run_combo_->currentData().isValid() ? run_combo_->currentData().toInt() : -1;
  run_combo_->clear();
  if (!session_->models()) return;
  for (const auto& r : session_->models()->runs())
    if (r.description.predicts_saliency) run_combo_->addItem(r.label, r.id);
  if (const int i = run_combo_->findData(keep); i >= 0) run_combo_->setCurrentIndex(i);
}

void LabelsView::choosePredictions() {
  const QString d = QFileDialog::getExistingDirectory(this, tr("Folder of saliency maps"), pred_edit_->text());
  if (d.isEmpty()) return;
  pred_edit_->setText(d);
  QString error;
  if (!session_->setPredictionFolder(d, &error)) emit problem(error);
}

}  // namespace rgbdsod::ui
