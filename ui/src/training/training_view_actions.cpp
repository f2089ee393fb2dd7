// TrainingView's actions: the form per recipe step, start / stop / resume / next stage, the curves
// of the shown and ticked runs, progress, exports.
#include <algorithm>
#include <filesystem>

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QCheckBox>
#include <QTableView>

#include <nlohmann/json.hpp>

#include "rgbdsod/core/report_table.h"
#include "rgbdsod/training/config.h"
#include "rgbdsod/training/recipe.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/ui/training/config_form.h"
#include "rgbdsod/ui/training/runs_table_model.h"
#include "rgbdsod/ui/training/training_curves_view.h"
#include "rgbdsod/ui/training/training_session.h"
#include "rgbdsod/ui/training/training_view.h"

namespace rgbdsod::ui {
namespace fs = std::filesystem;

namespace {

fs::path toPath(const QString& s) { return fs::path(s.toStdString()); }

bool isRecipeFolder(const QString& folder) {
  std::error_code ec;
  return fs::exists(toPath(folder) / "recipe.json", ec);
}

// A recipe folder's step folders (those with a config), in order ("1-teacher", "2-distill", ...).
QStringList recipeSteps(const QString& folder) {
  QStringList out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(toPath(folder), ec))
    if (e.is_directory(ec) && fs::exists(training::RunPaths{e.path()}.config(), ec))
      out.push_back(QString::fromStdString(e.path().string()));
  out.sort();
  return out;
}

QString formatEta(double seconds) {
  if (seconds < 0) return QStringLiteral("?");
  const auto s = static_cast<qint64>(seconds + 0.5);
  if (s >= 3600)
    return QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

// Stages that score saliency maps, where validation is meaningful (the contrastive pre-training and
// supervision transfer stages learn features, not maps).
bool validates(const std::string& stage) {
  return stage == "teacher" || stage == "distill" || stage == "fuse" || stage == "recnet" || stage == "downstream" ||
         stage == "cas";
}

}  // namespace

std::vector<std::string> TrainingView::guiDefaults(const std::string& stage) const {
  // The CLI validates only when asked (val.every = 0); the studio shows validation curves by default,
  // every 100 steps on the default 10% held out (at most val.max_images images).
  const nlohmann::json d = training::stageDefaults(stage);
  if (validates(stage) && d["val"]["every"].get<std::int64_t>() == 0) return {"val.every=100"};
  return {};
}

void TrainingView::recipeStepChanged() {
  saveStepOverrides();
  std::string stage = target().toStdString();
  current_step_.clear();
  if (targetIsRecipe()) {
    current_step_ = step_combo_->currentData().toString();
    for (const auto& step : training::findRecipe(target().toStdString()).steps)
      if (QString::fromStdString(step.name) == current_step_) stage = step.stage;
  }
  form_->setStage(stage);
  form_->setRuns(session_->runs());
  const auto it = step_overrides_.find(current_step_);
  form_->setOverrides(it != step_overrides_.end() ? it->second : guiDefaults(stage));
}

void TrainingView::saveStepOverrides() {
  if (form_->stage().empty()) return;
  step_overrides_[current_step_] = form_->overrides();
}

std::vector<std::string> TrainingView::allOverrides() const {
  if (!targetIsRecipe()) return form_->overrides();
  std::vector<std::string> out;
  for (const auto& step : training::findRecipe(target().toStdString()).steps) {
    const QString name = QString::fromStdString(step.name);
    std::vector<std::string> ovs;
    if (name == current_step_)
      ovs = form_->overrides();
    else if (const auto it = step_overrides_.find(name); it != step_overrides_.end())
      ovs = it->second;
    else
      ovs = guiDefaults(step.stage);
    for (const auto& o : ovs) out.push_back(step.name + "." + o);
  }
  return out;
}

void TrainingView::fail(const QString& message) {
  last_error_ = message;
  emit problem(message);
}

bool TrainingView::startTraining() {
  last_error_.clear();
  QString error;
  if (!form_->validate(&error)) {
    fail(error);
    return false;
  }
  training::TrainRequest req;
  if (targetIsRecipe()) {
    req.recipe = target().toStdString();
    saveStepOverrides();
    try {  // every step's form, not only the one shown
      const auto& recipe = training::findRecipe(req.recipe);
      const auto per_step = training::distributeOverrides(recipe, allOverrides());
      for (std::size_t i = 0; i < recipe.steps.size(); ++i) training::resolveConfig(recipe.steps[i].stage, {}, per_step[i]);
    } catch (const std::exception& e) {
      fail(QString::fromStdString(e.what()));
      return false;
    }
  } else {
    req.stage = target().toStdString();
  }
  req.overrides = allOverrides();
  if (data_edit_->text().trimmed().isEmpty()) {
    fail(tr("choose a dataset to train on"));
    return false;
  }
  req.data = toPath(data_edit_->text().trimmed());
  if (name_edit_->text().trimmed().isEmpty()) name_edit_->setText(defaultRunName());
  const QString folder = runFolder();
  req.run = toPath(folder);
  std::error_code ec;
  if (fs::exists(training::RunPaths{req.run}.config(), ec) || isRecipeFolder(folder)) {
    fail(tr("%1 already holds a run: choose another run name, or select it and press Resume").arg(folder));
    return false;
  }
  if (!session_->start(std::move(req), &error)) {
    fail(error);
    return false;
  }
  emit status(tr("training %1 in %2").arg(target(), folder));
  return true;
}

void TrainingView::stopTraining() {
  session_->requestStop();
  progress_label_->setText(tr("stopping: the step finishes and a checkpoint is written…"));
}

bool TrainingView::resumeRun(const QString& folder) {
  last_error_.clear();
  if (folder.isEmpty()) {
    fail(tr("select a run to resume"));
    return false;
  }
  training::RunSummary summary;
  try {
    summary = training::readRunSummary(toPath(folder));
  } catch (const std::exception& e) {
    fail(QString::fromStdString(e.what()));
    return false;
  }
  if (summary.state == training::RunState::Finished) {
    fail(tr("%1 has finished all its steps: nothing to resume").arg(folder));
    return false;
  }
  training::TrainRequest req;
  req.resume = true;
  req.run = toPath(folder);
  if (isRecipeFolder(folder)) req.recipe = summary.recipe;
  // The dataset it trained on (status.json), else the one chosen here.
  req.data = summary.data.empty() ? toPath(data_edit_->text().trimmed()) : fs::path(summary.data);
  QString error;
  if (!session_->start(std::move(req), &error)) {
    fail(error);
    return false;
  }
  emit status(tr("resuming %1").arg(folder));
  return true;
}

bool TrainingView::prepareNextStage(const QString& folder) {
  last_error_.clear();
  training::TrainConfig config;
  try {
    config = training::readRunConfig(toPath(folder));
  } catch (const std::exception& e) {
    fail(QString::fromStdString(e.what()));
    return false;
  }
  for (const auto& recipe : training::recipes()) {
    for (std::size_t i = 0; i < recipe.steps.size(); ++i) {
      if (recipe.steps[i].stage != config.stage) continue;
      for (std::size_t j = i + 1; j < recipe.steps.size(); ++j) {
        const auto& next = recipe.steps[j];
        std::vector<std::string> ovs = guiDefaults(next.stage);
        bool linked = false;
        for (const auto& [key, from] : next.links) {
          if (from == recipe.steps[i].name) {
            ovs.push_back(key + "=" + nlohmann::json(folder.toStdString()).dump());
            linked = true;
          } else if (const auto* v = training::findKey(config.resolved, key); v && v->is_string() && !v->get<std::string>().empty()) {
            ovs.push_back(key + "=" + v->dump());  // fuse after distill: the teacher the student learnt from
          }
        }
        if (!linked) continue;
        setTarget(QString::fromStdString(next.stage));
        form_->setOverrides(ovs);
        name_edit_->setText(QStringLiteral("%1-%2").arg(QFileInfo(folder).fileName(), QString::fromStdString(next.stage)));
        emit status(tr("next stage of %1 (%2): %3; check the form and press Start")
                        .arg(QFileInfo(folder).fileName(), QString::fromStdString(recipe.name),
                             QString::fromStdString(next.stage)));
        return true;
      }
    }
  }
  fail(tr("no recipe has a stage after %1 (%2)").arg(folder, QString::fromStdString(config.stage)));
  return false;
}

QString TrainingView::selectedRun() const {
  const QModelIndex i = runs_table_->currentIndex();
  if (i.isValid()) return runs_model_->data(i, RunsTableModel::FolderRole).toString();
  return shown_run_;
}

void TrainingView::showRun(const QString& folder) {
  shown_run_ = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
  if (const int row = runs_model_->rowOf(shown_run_); row >= 0 && runs_table_->currentIndex().row() != row) {
    const QSignalBlocker block(runs_table_->selectionModel());
    runs_table_->selectRow(row);
  }
  refreshCurves();
  updateResults();
  updateButtons();
}

void TrainingView::runsChanged() {
  // The root may be set on the session (the studio's --run, a test): the field shows it.
  if (!root_edit_->hasFocus() && root_edit_->text() != session_->runsRoot()) root_edit_->setText(session_->runsRoot());
  runs_model_->setRuns(session_->runs());
  if (const int row = runs_model_->rowOf(shown_run_); row >= 0) {
    const QSignalBlocker block(runs_table_->selectionModel());
    runs_table_->selectRow(row);
  }
  form_->setRuns(session_->runs());
  updateResults();
  refreshCurves();
  updateButtons();
}

void TrainingView::refreshCurves() {
  QStringList wanted = runs_model_->checkedFolders();
  if (!shown_run_.isEmpty() && !wanted.contains(shown_run_)) wanted.push_front(shown_run_);
  if (session_->isRunning() && !wanted.contains(session_->jobFolder())) wanted.push_front(session_->jobFolder());
  QStringList labels;
  QStringList watch;
  std::vector<std::pair<std::int64_t, QString>> segments;
  for (const QString& folder : wanted) {
    const training::RunSummary* s = session_->runSummary(folder);
    const QString label = s ? QString::fromStdString(s->name) : QFileInfo(folder).fileName();
    labels.push_back(label);
    if (!isRecipeFolder(folder)) {
      watch.push_back(folder);
      if (const auto* series = session_->series(folder)) curves_->setRun(label, *series);
      continue;
    }
    // A recipe: its steps' curves end to end, each step a segment.
    training::RunSeries joined;
    std::int64_t offset = 0;
    for (const QString& step : recipeSteps(folder)) {
      watch.push_back(step);
      if (wanted.size() == 1) segments.emplace_back(offset, QFileInfo(step).fileName());
      const auto* series = session_->series(step);
      if (!series) continue;
      for (const auto& [name, points] : series->series)
        for (auto p : points) {
          p.step += offset;
          joined.series[name].push_back(p);
        }
      offset += series->last_step;
      joined.last_step = offset;
    }
    curves_->setRun(label, joined);
  }
  for (const QString& f : watch)
    if (!session_->watched().contains(f)) session_->watch(f);
  for (const QString& f : session_->watched())
    if (!watch.contains(f) && f != session_->jobFolder()) session_->unwatch(f);
  for (const QString& l : curves_->runLabels())
    if (!labels.contains(l)) curves_->removeRun(l);
  curves_->setSegments(segments);
}

void TrainingView::updateProgress() {
  const training::TrainProgress p = session_->lastProgress();
  if (p.total_steps > 0) progress_bar_->setValue(static_cast<int>(1000 * p.step / p.total_steps));
  progress_label_->setText(progressText());
}

QString TrainingView::progressText() const {
  const training::TrainProgress p = session_->lastProgress();
  if (!session_->isRunning() && p.total_steps == 0) return progress_label_->text();
  QString text = QStringLiteral("%1 · step %2 / %3 · loss %4 · lr %5")
                     .arg(QString::fromStdString(p.stage))
                     .arg(p.step)
                     .arg(p.total_steps)
                     .arg(p.loss, 0, 'g', 4)
                     .arg(p.lr, 0, 'g', 3);
  if (p.samples_per_second > 0) text += QStringLiteral(" · %1 samples/s").arg(p.samples_per_second, 0, 'f', 1);
  text += QStringLiteral(" · ETA %1").arg(formatEta(p.eta_seconds));
  if (const auto it = p.validation.find("mae"); it != p.validation.end())
    text += QStringLiteral(" · val MAE %1").arg(it->second, 0, 'f', 3);
  if (!p.message.empty() && p.message != "validation") text += QStringLiteral(" · ") + QString::fromStdString(p.message);
  return text;
}

void TrainingView::updateButtons() {
  const bool running = session_->isRunning();
  start_button_->setEnabled(!running);
  stop_button_->setEnabled(running);
  const QString run = selectedRun();
  const training::RunSummary* s = run.isEmpty() ? nullptr : session_->runSummary(run);
  const bool resumable = s && s->state != training::RunState::Finished && s->state != training::RunState::Running;
  resume_button_->setEnabled(!running && resumable);
  next_button_->setEnabled(s && !s->stage.empty() && s->has_checkpoint);
}

bool TrainingView::exportPlot(const QString& path) {
  curves_->flush();
  QString error;
  if (!curves_->saveFigure(path, &error)) {
    fail(error);
    return false;
  }
  emit status(tr("plot written to %1").arg(path));
  return true;
}

bool TrainingView::exportCsv(const QString& path) {
  QString error;
  if (!curves_->saveCsv(path, &error)) {
    fail(error);
    return false;
  }
  emit status(tr("curves written to %1").arg(path));
  return true;
}

std::vector<training::RunSummary> TrainingView::chosenRuns() const {
  std::vector<training::RunSummary> chosen;
  // The runs whose curves are drawn (the shown one and the ticked ones); all runs when none is.
  QStringList drawn = runs_model_->checkedFolders();
  if (!shown_run_.isEmpty()) drawn.push_back(shown_run_);
  for (const auto& r : session_->runs())
    if (drawn.isEmpty() || drawn.contains(QString::fromStdString(r.folder.string()))) chosen.push_back(r);
  return chosen;
}

void TrainingView::updateResults() {
  results_text_->setPlainText(QString::fromStdString(core::renderText(validationResultsTable(chosenRuns()))));
}

QString TrainingView::resultsLatex() const {
  return QString::fromStdString(core::renderLatex(validationResultsTable(chosenRuns())));
}

void TrainingView::copyLatex() {
  QApplication::clipboard()->setText(resultsLatex());
  emit status(tr("LaTeX table copied"));
}

bool TrainingView::followsInInspect() const { return follow_check_->isChecked(); }

void TrainingView::setFollowInInspect(bool on) { follow_check_->setChecked(on); }

bool TrainingView::isSettled() const {
  if (session_->pollsDone() == 0 || session_->pollInFlight()) return false;
  return true;
}

}  // namespace rgbdsod::ui
