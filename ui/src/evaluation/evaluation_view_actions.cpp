// EvaluationView: reactions to the session and the controls, and the exports.
#include <exception>
#include <filesystem>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QListView>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/ui/evaluation/curves_widget.h"
#include "rgbdsod/ui/evaluation/evaluation_export.h"
#include "rgbdsod/ui/evaluation/evaluation_session.h"
#include "rgbdsod/ui/evaluation/evaluation_view.h"
#include "rgbdsod/ui/evaluation/method_curves_model.h"
#include "rgbdsod/ui/evaluation/per_image_table_model.h"
#include "rgbdsod/ui/evaluation/summary_table_model.h"

namespace rgbdsod::ui {

namespace {

std::filesystem::path toPath(const QString& s) { return std::filesystem::path(s.toStdString()); }

}  // namespace

void EvaluationView::setDataset(const std::shared_ptr<const core::Dataset>& dataset) {
  if (dataset && dataset->labeled()) setGtFolder(QString::fromStdString(dataset->layout.gt_dir.string()));
}

void EvaluationView::setGtFolder(const QString& folder) { session_->setGtFolder(folder); }

void EvaluationView::addPredictionFolders(const QStringList& folders) {
  for (const QString& folder : folders) session_->addMethod(folder);
}

void EvaluationView::evaluate() {
  if (session_->isRunning()) return;
  if (session_->methodCount() == 0) {
    fail(tr("Nothing to evaluate: add a prediction folder first."));
    return;
  }
  if (session_->gtFolder().isEmpty()) {
    fail(tr("No GT folder: open a labeled dataset or choose its GT folder."));
    return;
  }
  last_error_.clear();
  setStatus(tr("Evaluating…"));
  session_->start();
}

void EvaluationView::stop() { session_->requestStop(); }

void EvaluationView::showGtFolder(const QString& folder) {
  gt_label_->setText(folder.isEmpty() ? tr("<i>none: open a labeled dataset or choose a folder</i>")
                                      : QDir::toNativeSeparators(folder));
  gt_label_->setToolTip(folder);
  updateButtons();
}

void EvaluationView::chooseGtFolder() {
  const QString folder = QFileDialog::getExistingDirectory(this, tr("Choose the GT folder"), session_->gtFolder());
  if (!folder.isEmpty()) setGtFolder(folder);
}

void EvaluationView::choosePredictionFolders() {
  // One folder per dialog (the native dialog cannot pick several); the start is next to the last.
  const QString last = session_->methodCount() > 0 ? session_->methods().back().folder : session_->gtFolder();
  const QString folder = QFileDialog::getExistingDirectory(this, tr("Add a prediction folder (one method)"),
                                                           QFileInfo(last).absolutePath());
  if (!folder.isEmpty()) addPredictionFolders({folder});
}

void EvaluationView::removeSelectedMethod() {
  const QModelIndex current = method_list_->currentIndex();
  if (current.isValid() && !session_->isRunning()) session_->removeMethod(current.row());
}

void EvaluationView::onMethodsChanged() {
  refreshMethodCombo();
  updateButtons();
}

// Keeps the shown method when it is still evaluated, else shows the first evaluated one.
void EvaluationView::refreshMethodCombo() {
  const QString shown_folder = image_method_combo_->currentData(Qt::ToolTipRole).toString();
  image_method_combo_->clear();
  int pick = -1;
  for (int i = 0; i < session_->methodCount(); ++i) {
    const EvaluationMethod& m = session_->methods()[static_cast<std::size_t>(i)];
    if (!m.evaluated()) continue;
    image_method_combo_->addItem(m.name, i);
    image_method_combo_->setItemData(image_method_combo_->count() - 1, m.folder, Qt::ToolTipRole);
    if (m.folder == shown_folder) pick = image_method_combo_->count() - 1;
  }
  if (pick < 0 && image_method_combo_->count() > 0) pick = 0;
  image_method_combo_->setCurrentIndex(pick);
  showImagesOf(pick >= 0 ? image_method_combo_->itemData(pick).toInt() : -1);
}

void EvaluationView::showImagesOf(int method) {
  std::shared_ptr<const core::FolderEvaluation> result;
  if (method >= 0 && method < session_->methodCount()) {
    result = session_->methods()[static_cast<std::size_t>(method)].result;
    const int i = image_method_combo_->findData(method);
    if (i >= 0) image_method_combo_->setCurrentIndex(i);
  }
  if (result.get() == image_model_->evaluation()) return;
  image_model_->setEvaluation(std::move(result));
  updateButtons();
}

int EvaluationView::shownImagesMethod() const {
  return image_method_combo_->currentIndex() >= 0 ? image_method_combo_->currentData().toInt() : -1;
}

void EvaluationView::sortImagesBy(core::Metric metric) {
  const int i = image_metric_combo_->findData(static_cast<int>(metric));
  if (i >= 0) image_metric_combo_->setCurrentIndex(i);
  // Through the view, so that the header shows the sort indicator; the direction is the proxy's
  // worst-first one (descending for MAE).
  image_view_->sortByColumn(PerImageTableModel::columnOf(metric),
                            core::lowerIsBetter(metric) ? Qt::DescendingOrder : Qt::AscendingOrder);
}

core::Metric EvaluationView::imageSortMetric() const {
  return static_cast<core::Metric>(image_metric_combo_->currentData().toInt());
}

void EvaluationView::activateImageRow(int row) {
  const QModelIndex source = image_proxy_->mapToSource(image_proxy_->index(row, 0));
  const QString name = image_model_->nameAt(source.row());
  if (name.isEmpty()) return;
  emit sampleRequested(name);
  const int method = shownImagesMethod();
  if (method >= 0 && method < session_->methodCount()) {
    const EvaluationMethod& m = session_->methods()[static_cast<std::size_t>(method)];
    emit methodMapRequested(name, m.folder, m.name);
  }
}

void EvaluationView::onProgress(int method, int step, int steps, int done, int total) {
  const QString name = session_->methods()[static_cast<std::size_t>(method)].name;
  progress_->setRange(0, total);  // 0..0 (busy) until the folder is listed
  progress_->setValue(done);
  progress_->setFormat(QStringLiteral("%v / %m"));
  setStatus(tr("Evaluating %1 (%2 of %3)…").arg(name).arg(step + 1).arg(steps));
}

void EvaluationView::onFinished(bool stopped) {
  progress_->setVisible(false);
  updateButtons();
  if (!run_errors_.isEmpty()) {
    fail(run_errors_.join(QLatin1Char('\n')));
  } else if (stopped) {
    setStatus(tr("Stopped; methods not finished keep no result."));
  } else {
    int images = 0, evaluated = 0;
    for (const EvaluationMethod& m : session_->methods()) {
      if (!m.evaluated()) continue;
      ++evaluated;
      images += static_cast<int>(m.result->images.size());
    }
    QString text = tr("Evaluated %n method(s), %1 image pairs.", nullptr, evaluated).arg(images);
    if (summary_model_->hiddenCount() > 0) {
      text += QLatin1Char(' ') + tr("%n method(s) pair with no GT image here and are hidden.", nullptr,
                                    summary_model_->hiddenCount());
    }
    setStatus(text);
  }
}

// Names the methods that have no summary row because nothing of theirs pairs with this GT.
void EvaluationView::refreshScopeNote() {
  QStringList names;
  for (const EvaluationMethod& m : session_->methods()) {
    if (m.unpaired) names << m.name;
  }
  scope_note_->setVisible(!names.isEmpty());
  scope_note_->setText(tr("%n hidden: no prediction pairs with this GT", nullptr, static_cast<int>(names.size())));
  scope_note_->setToolTip(tr("Not paired with %1 (methods of another dataset): %2")
                              .arg(QString::fromStdString(datasetNameOf(toPath(session_->gtFolder()))),
                                   names.join(QStringLiteral(", "))));
}

void EvaluationView::setSummaryMetrics(const std::vector<core::Metric>& metrics) {
  summary_model_->setMetrics(metrics);
}

std::vector<core::Metric> EvaluationView::summaryMetrics() const { return summary_model_->metrics(); }

void EvaluationView::setFigureStyle(const figures::FigureStyle& style) {
  figure_width_->setValue(style.width_cm);
  figure_height_->setValue(style.height_cm);
  figure_font_->setValue(style.font_pt);
}

figures::FigureStyle EvaluationView::figureStyle() const {
  figures::FigureStyle style;
  style.width_cm = figure_width_->value();
  style.height_cm = figure_height_->value();
  style.font_pt = figure_font_->value();
  return style;
}

void EvaluationView::updateButtons() {
  const bool running = session_->isRunning();
  evaluate_button_->setEnabled(!running);
  stop_button_->setEnabled(running);
  remove_button_->setEnabled(!running && session_->methodCount() > 0);
  bool any = false;
  for (const EvaluationMethod& m : session_->methods()) any = any || m.evaluated();
  export_summary_->setEnabled(any);
  export_figure_->setEnabled(any);
  export_images_->setEnabled(image_model_->evaluation() != nullptr);
}

QString EvaluationView::statusText() const { return status_->text(); }

bool EvaluationView::isBusy() const { return session_->isRunning() || curves_->redrawPending(); }

void EvaluationView::setStatus(const QString& text, bool problem) {
  status_->setText(text);
  status_->setStyleSheet(problem ? QStringLiteral("color: #e06060") : QString());
}

bool EvaluationView::fail(const QString& message) {
  last_error_ = message;
  setStatus(message, true);
  return false;
}

bool EvaluationView::exportSummaryTable(const QString& path) {
  try {
    writeSummaryTable(toPath(path), session_->methods(), datasetNameOf(toPath(session_->gtFolder())),
                      summary_model_->metrics());
  } catch (const std::exception& e) {
    return fail(QString::fromStdString(e.what()));
  }
  setStatus(tr("Summary written to %1").arg(QDir::toNativeSeparators(path)));
  return true;
}

bool EvaluationView::exportImageTable(const QString& path) {
  const core::FolderEvaluation* evaluation = image_model_->evaluation();
  if (!evaluation) return fail(tr("No evaluated method to export."));
  try {
    writePerImageCsv(toPath(path), *evaluation, imageSortMetric());
  } catch (const std::exception& e) {
    return fail(QString::fromStdString(e.what()));
  }
  setStatus(tr("Per-image table written to %1").arg(QDir::toNativeSeparators(path)));
  return true;
}

bool EvaluationView::exportFigure(const QString& path) {
  if (curves_->curves().empty()) return fail(tr("No curves to export: evaluate and check a method."));
  try {
    curves_->saveFigure(toPath(path), figureStyle());
  } catch (const std::exception& e) {
    return fail(QString::fromStdString(e.what()));
  }
  setStatus(tr("Figure written to %1").arg(QDir::toNativeSeparators(path)));
  return true;
}

void EvaluationView::exportSummaryWithDialog() {
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export the summary table"), QStringLiteral("summary.tex"),
      tr("LaTeX, booktabs, the shown columns (*.tex);;CSV, every metric (*.csv);;Markdown (*.md);;Text (*.txt)"));
  if (!path.isEmpty()) exportSummaryTable(path);
}

void EvaluationView::exportImagesWithDialog() {
  const QString name = image_method_combo_->currentText();
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the per-image table"),
                                                    QStringLiteral("%1_images.csv").arg(name), tr("CSV (*.csv)"));
  if (!path.isEmpty()) exportImageTable(path);
}

void EvaluationView::exportFigureWithDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the figure"), QStringLiteral("curves.pdf"),
                                                    tr("PDF (*.pdf);;PNG, 300 dpi (*.png);;SVG (*.svg)"));
  if (!path.isEmpty()) exportFigure(path);
}

}  // namespace rgbdsod::ui
