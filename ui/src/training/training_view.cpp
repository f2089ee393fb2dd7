#include "rgbdsod/ui/training/training_view.h"

#include <filesystem>

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "rgbdsod/training/config.h"
#include "rgbdsod/training/recipe.h"
#include "rgbdsod/ui/shell/scroll_page.h"
#include "rgbdsod/ui/training/config_form.h"
#include "rgbdsod/ui/training/runs_table_model.h"
#include "rgbdsod/ui/training/training_curves_view.h"
#include "rgbdsod/ui/training/training_session.h"

namespace rgbdsod::ui {
namespace fs = std::filesystem;

namespace {

constexpr int kRecipeRole = Qt::UserRole + 1;  // target combo: true for a recipe
constexpr int kNameRole = Qt::UserRole + 2;    // target combo: the recipe's or stage's name

QToolButton* browseButton(QWidget* parent) {
  auto* b = new QToolButton(parent);
  b->setText(QStringLiteral("…"));
  return b;
}

}  // namespace

TrainingView::TrainingView(TrainingSession* session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      target_combo_(new QComboBox),
      step_combo_(new QComboBox),
      data_edit_(new QLineEdit),
      root_edit_(new QLineEdit),
      name_edit_(new QLineEdit),
      form_(new ConfigForm),
      start_button_(new QPushButton(tr("Start"))),
      stop_button_(new QPushButton(tr("Stop"))),
      resume_button_(new QPushButton(tr("Resume"))),
      next_button_(new QPushButton(tr("Next stage"))),
      follow_check_(new QCheckBox(tr("Inspect follows the newest checkpoint"))),
      progress_bar_(new QProgressBar),
      progress_label_(new QLabel),
      curves_(new TrainingCurvesView),
      runs_model_(new RunsTableModel(this)),
      runs_table_(new QTableView),
      results_text_(new QPlainTextEdit) {
  target_combo_->setObjectName(QStringLiteral("trainTargetCombo"));
  step_combo_->setObjectName(QStringLiteral("recipeStepCombo"));
  data_edit_->setObjectName(QStringLiteral("trainDataEdit"));
  root_edit_->setObjectName(QStringLiteral("runsRootEdit"));
  name_edit_->setObjectName(QStringLiteral("runNameEdit"));
  start_button_->setObjectName(QStringLiteral("trainStartButton"));
  stop_button_->setObjectName(QStringLiteral("trainStopButton"));
  resume_button_->setObjectName(QStringLiteral("trainResumeButton"));
  next_button_->setObjectName(QStringLiteral("trainNextStageButton"));
  follow_check_->setObjectName(QStringLiteral("followInspectCheck"));
  progress_bar_->setObjectName(QStringLiteral("trainProgressBar"));
  progress_label_->setObjectName(QStringLiteral("trainProgressLabel"));
  runs_table_->setObjectName(QStringLiteral("runsTable"));

  auto* centre = new QWidget;
  auto* centre_layout = new QVBoxLayout(centre);
  centre_layout->setContentsMargins(0, 0, 0, 0);
  auto* progress_row = new QHBoxLayout;
  progress_bar_->setRange(0, 1000);
  progress_bar_->setValue(0);
  progress_bar_->setTextVisible(false);
  progress_bar_->setMaximumHeight(10);
  progress_label_->setText(tr("No job running. Choose a recipe or a stage and press Start."));
  progress_row->addWidget(progress_label_, 1);
  centre_layout->addLayout(progress_row);
  centre_layout->addWidget(progress_bar_);
  centre_layout->addWidget(curves_, 1);

  auto* right = new QSplitter(Qt::Vertical);
  right->addWidget(centre);
  right->addWidget(buildRunsPanel());
  right->setStretchFactor(0, 3);
  right->setStretchFactor(1, 2);

  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(buildLaunchPanel());
  split->addWidget(right);
  split->setStretchFactor(0, 0);
  split->setStretchFactor(1, 1);
  split->setSizes({360, 900});
  auto* content = new QWidget;
  auto* content_layout = new QVBoxLayout(content);
  content_layout->setContentsMargins(4, 4, 4, 4);
  content_layout->addWidget(split);
  setScrollingContent(this, content);

  fillTargets();
  connect(target_combo_, &QComboBox::currentIndexChanged, this, &TrainingView::targetChanged);
  connect(step_combo_, &QComboBox::currentIndexChanged, this, &TrainingView::recipeStepChanged);
  connect(start_button_, &QPushButton::clicked, this, [this] { startTraining(); });
  connect(stop_button_, &QPushButton::clicked, this, &TrainingView::stopTraining);
  connect(resume_button_, &QPushButton::clicked, this, [this] { resumeRun(selectedRun()); });
  connect(next_button_, &QPushButton::clicked, this, [this] { prepareNextStage(selectedRun()); });
  root_edit_->setText(session_->runsRoot());
  connect(root_edit_, &QLineEdit::editingFinished, this, [this] {
    if (root_edit_->text() != session_->runsRoot()) session_->setRunsRoot(root_edit_->text());
  });

  connect(session_, &TrainingSession::runsChanged, this, &TrainingView::runsChanged);
  connect(session_, &TrainingSession::seriesChanged, this, [this] { refreshCurves(); });
  connect(session_, &TrainingSession::progressChanged, this, &TrainingView::updateProgress);
  connect(session_, &TrainingSession::jobStarted, this, [this](const QString& folder) {
    showRun(folder);
    updateButtons();
  });
  connect(session_, &TrainingSession::jobFinished, this, [this](const QString& folder, int outcome, const QString& message) {
    const auto o = static_cast<training::TrainOutcome>(outcome);
    const QString text = QStringLiteral("%1: %2 — %3").arg(QFileInfo(folder).fileName(),
                                                           QString::fromLatin1(training::toString(o)), message);
    progress_label_->setText(text);
    if (o == training::TrainOutcome::Failed || o == training::TrainOutcome::NonFiniteLoss)
      fail(text);
    else
      emit status(text);
    updateButtons();
  });
  connect(session_, &TrainingSession::checkpointWritten, this, [this](const QString& folder, const QString& checkpoint) {
    if (!follow_check_->isChecked() || folder != shown_run_) return;
    // <run>/checkpoints/step-N.pt: the run folder (a recipe's step folder) is two levels up.
    emit followCheckpoint(QFileInfo(QFileInfo(checkpoint).absolutePath()).absolutePath());
  });
  connect(runs_model_, &RunsTableModel::checkedChanged, this, [this] {
    updateResults();
    refreshCurves();
  });
  connect(runs_table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& i) {
    if (i.isValid()) showRun(runs_model_->data(i, RunsTableModel::FolderRole).toString());
    updateButtons();
  });
  connect(form_, &ConfigForm::changed, this, [this] { last_error_.clear(); });
  targetChanged();
  updateButtons();
}

QWidget* TrainingView::buildLaunchPanel() {
  auto* panel = new QWidget;
  auto* v = new QVBoxLayout(panel);
  v->setContentsMargins(0, 0, 0, 0);
  auto* top = new QFormLayout;
  top->addRow(tr("Train"), target_combo_);
  top->addRow(tr("Recipe step"), step_combo_);
  auto* data_row = new QHBoxLayout;
  data_row->addWidget(data_edit_, 1);
  auto* data_browse = browseButton(panel);
  data_row->addWidget(data_browse);
  top->addRow(tr("Dataset"), data_row);
  auto* root_row = new QHBoxLayout;
  root_row->addWidget(root_edit_, 1);
  auto* root_browse = browseButton(panel);
  root_row->addWidget(root_browse);
  top->addRow(tr("Runs root"), root_row);
  top->addRow(tr("Run name"), name_edit_);
  v->addLayout(top);
  data_edit_->setToolTip(tr("The dataset trained on (the open one by default): a dataset folder, or one with train/"));
  root_edit_->setToolTip(tr("The folder whose run folders are listed; new runs are created in it"));
  connect(data_browse, &QToolButton::clicked, this, [this] {
    const QString d = QFileDialog::getExistingDirectory(this, tr("Dataset folder"), data_edit_->text());
    if (!d.isEmpty()) data_edit_->setText(d);
  });
  connect(root_browse, &QToolButton::clicked, this, [this] {
    const QString d = QFileDialog::getExistingDirectory(this, tr("Runs root"), root_edit_->text());
    if (d.isEmpty()) return;
    root_edit_->setText(d);
    session_->setRunsRoot(d);
  });

  auto* scroll = new QScrollArea;
  scroll->setWidget(form_);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  v->addWidget(scroll, 1);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(start_button_);
  buttons->addWidget(stop_button_);
  buttons->addWidget(resume_button_);
  buttons->addWidget(next_button_);
  v->addLayout(buttons);
  v->addWidget(follow_check_);
  start_button_->setToolTip(tr("Validate the configuration and train in the background"));
  stop_button_->setToolTip(tr("The current step finishes and a checkpoint is written; Resume continues it"));
  resume_button_->setToolTip(tr("Continue the selected run (stopped, failed or crashed) from its newest checkpoint"));
  next_button_->setToolTip(tr("Prepare the stage that follows the selected run in its paper's recipe"));
  follow_check_->setToolTip(tr("The Inspect tab reloads the shown run on each new checkpoint"));
  panel->setMinimumWidth(300);
  return panel;
}

QWidget* TrainingView::buildRunsPanel() {
  auto* panel = new QWidget;
  auto* v = new QVBoxLayout(panel);
  v->setContentsMargins(0, 0, 0, 0);
  runs_table_->setModel(runs_model_);
  runs_table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  runs_table_->setSelectionMode(QAbstractItemView::SingleSelection);
  runs_table_->verticalHeader()->hide();
  runs_table_->horizontalHeader()->setStretchLastSection(true);
  runs_table_->setToolTip(tr("Tick runs to overlay their curves; select one to show it"));
  auto* header = new QLabel(tr("Runs (tick to overlay)"));
  header->setStyleSheet(QStringLiteral("font-weight: bold"));
  auto* bar = new QHBoxLayout;
  bar->addWidget(header);
  bar->addStretch(1);
  auto* plot_button = new QPushButton(tr("Export plot…"));
  auto* csv_button = new QPushButton(tr("Export CSV…"));
  auto* latex_button = new QPushButton(tr("Copy LaTeX"));
  plot_button->setObjectName(QStringLiteral("exportPlotButton"));
  csv_button->setObjectName(QStringLiteral("exportCsvButton"));
  latex_button->setObjectName(QStringLiteral("copyLatexButton"));
  bar->addWidget(plot_button);
  bar->addWidget(csv_button);
  bar->addWidget(latex_button);
  v->addLayout(bar);
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(runs_table_);
  results_text_->setObjectName(QStringLiteral("resultsText"));
  results_text_->setReadOnly(true);
  results_text_->setPlaceholderText(tr("Final validation metrics of the ticked runs"));
  QFont mono(QStringLiteral("monospace"));
  mono.setStyleHint(QFont::TypeWriter);
  results_text_->setFont(mono);
  split->addWidget(results_text_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  v->addWidget(split, 1);
  connect(plot_button, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Export plot"), QStringLiteral("curves.pdf"),
                                                   tr("Figures (*.pdf *.png *.svg)"));
    if (!f.isEmpty()) exportPlot(f);
  });
  connect(csv_button, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Export curves as CSV"), QStringLiteral("curves.csv"),
                                                   tr("CSV (*.csv)"));
    if (!f.isEmpty()) exportCsv(f);
  });
  connect(latex_button, &QPushButton::clicked, this, [this] { copyLatex(); });
  return panel;
}

void TrainingView::fillTargets() {
  const QSignalBlocker block(target_combo_);
  auto add = [this](const QString& text, bool recipe, const QString& name, const QString& tip) {
    target_combo_->addItem(text);
    const int i = target_combo_->count() - 1;
    target_combo_->setItemData(i, recipe, kRecipeRole);
    target_combo_->setItemData(i, name, kNameRole);
    if (!tip.isEmpty()) target_combo_->setItemData(i, tip, Qt::ToolTipRole);
  };
  for (const auto& r : training::recipes())
    add(tr("recipe: %1").arg(QString::fromStdString(r.name)), true, QString::fromStdString(r.name),
        QString::fromStdString(r.description));
  target_combo_->insertSeparator(target_combo_->count());
  for (const auto& s : training::stageNames())
    add(tr("stage: %1").arg(QString::fromStdString(s)), false, QString::fromStdString(s), {});
}

void TrainingView::setDataset(const QString& folder) {
  if (data_edit_->text().isEmpty() || !session_->isRunning()) data_edit_->setText(folder);
}

bool TrainingView::setTarget(const QString& name) {
  for (int i = 0; i < target_combo_->count(); ++i) {
    if (target_combo_->itemData(i, kNameRole).toString() == name) {
      target_combo_->setCurrentIndex(i);
      return true;
    }
  }
  return false;
}

QString TrainingView::target() const { return target_combo_->currentData(kNameRole).toString(); }

bool TrainingView::targetIsRecipe() const { return target_combo_->currentData(kRecipeRole).toBool(); }

void TrainingView::setRunName(const QString& name) { name_edit_->setText(name); }

QString TrainingView::runFolder() const {
  return QDir::cleanPath(QDir(root_edit_->text()).absoluteFilePath(name_edit_->text().trimmed()));
}

QString TrainingView::defaultRunName() const {
  return QStringLiteral("%1-%2").arg(target(), QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
}

void TrainingView::targetChanged() {
  step_overrides_.clear();
  const QSignalBlocker block(step_combo_);
  step_combo_->clear();
  if (targetIsRecipe()) {
    for (const auto& step : training::findRecipe(target().toStdString()).steps)
      step_combo_->addItem(QStringLiteral("%1 (%2)").arg(QString::fromStdString(step.name), QString::fromStdString(step.stage)),
                           QString::fromStdString(step.name));
  }
  step_combo_->setEnabled(targetIsRecipe());
  current_step_.clear();
  name_edit_->setText(defaultRunName());
  recipeStepChanged();
}

}  // namespace rgbdsod::ui
