// MainWindow: reactions to the session, the demo job and the controls.
#include <QComboBox>
#include <QDockWidget>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QListView>
#include <QMessageBox>
#include <QProgressBar>
#include <QSlider>
#include <QTabWidget>

#include "rgbdsod/core/validation.h"
#include "rgbdsod/ui/dataset_session.h"
#include "rgbdsod/ui/demo_dataset.h"
#include "rgbdsod/ui/evaluation/evaluation_view.h"
#include "rgbdsod/ui/image_pane.h"
#include "rgbdsod/ui/image_view.h"
#include "rgbdsod/ui/inspect/inspect_view.h"
#include "rgbdsod/ui/training/training_view.h"
#include "rgbdsod/ui/main_window.h"

#include <algorithm>
#include "rgbdsod/ui/sample_info_panel.h"
#include "rgbdsod/ui/thumbnail_model.h"

namespace rgbdsod::ui {

namespace {

QString polarityWords(core::DepthPolarity p) {
  return p == core::DepthPolarity::NearIsBright ? QObject::tr("near = bright")
                                                : QObject::tr("near = dark");
}

QString sizeText(const QImage& image) {
  return QStringLiteral("%1 × %2").arg(image.width()).arg(image.height());
}

}  // namespace

void MainWindow::openFolder(const QString& folder) { session_->open(folder); }

void MainWindow::openDemo() {
  if (!demo_) {
    demo_ = new DemoDatasetJob(this);
    connect(demo_, &DemoDatasetJob::progress, this, [this](int done, int total) {
      progress_->setVisible(true);
      progress_->setRange(0, total);
      progress_->setValue(done);
    });
    connect(demo_, &DemoDatasetJob::finished, this, [this](const QString& folder) {
      progress_->setVisible(false);
      openFolder(folder);
    });
    connect(demo_, &DemoDatasetJob::failed, this, [this](const QString& message) {
      progress_->setVisible(false);
      showProblem(tr("The demo dataset could not be generated: %1").arg(message));
    });
  }
  if (demo_->isRunning()) return;
  const QString folder = demoDatasetFolder();
  setStatus(tr("Preparing the demo dataset in %1…").arg(QDir::toNativeSeparators(folder)));
  demo_->start(folder);
}

void MainWindow::chooseFolder() {
  const QString folder = QFileDialog::getExistingDirectory(
      this, tr("Open an RGB-D dataset folder"), session_->folder());
  if (!folder.isEmpty()) openFolder(folder);
}

QString MainWindow::statusText() const { return status_label_->text(); }

bool MainWindow::isSettled() const {
  if ((demo_ && demo_->isRunning()) || session_->isOpening() || !session_->isOpen()) return false;
  if (!validation_ended_) return false;
  if (session_->requestedSample() >= 0 && shown_.index != session_->requestedSample()) return false;
  // The thumbnails that the list painted are decoded (and it has painted, unless it is empty or
  // hidden behind the Evaluation tab).
  if (sample_list_->isVisible() && thumbnails_->rowCount() > 0 && thumbnails_->decodeCount() == 0) return false;
  if (evaluation_->isBusy()) return false;
  if (!inspect_->isSettled()) return false;
  if (tabs_->currentWidget() == training_ && !training_->isSettled()) return false;
  return thumbnails_->pendingCount() == 0;
}

bool MainWindow::showSampleNamed(const QString& name) {
  const auto dataset = session_->dataset();
  const auto index = dataset ? dataset->indexOf(name.toStdString()) : std::nullopt;
  if (!index) {
    setStatus(tr("%1 is not a sample of the open dataset").arg(name), QStringLiteral("#e0a050"));
    return false;
  }
  tabs_->setCurrentIndex(0);
  sample_list_->setCurrentIndex(thumbnails_->index(static_cast<int>(*index)));  // requests it
  sample_list_->scrollTo(sample_list_->currentIndex());
  return true;
}

bool MainWindow::selectSampleNamed(const QString& name) {
  const auto dataset = session_->dataset();
  const auto index = dataset ? dataset->indexOf(name.toStdString()) : std::nullopt;
  if (!index) return false;
  sample_list_->setCurrentIndex(thumbnails_->index(static_cast<int>(*index)));
  sample_list_->scrollTo(sample_list_->currentIndex());
  return true;
}

void MainWindow::stepSample(int step) {
  const int n = thumbnails_->rowCount();
  if (n == 0) return;
  const int current = sample_list_->currentIndex().isValid() ? sample_list_->currentIndex().row() : 0;
  const int next = std::clamp(current + step, 0, n - 1);
  sample_list_->setCurrentIndex(thumbnails_->index(next));
  sample_list_->scrollTo(sample_list_->currentIndex());
}

void MainWindow::openMethodMap(const QString& name, const QString& folder, const QString& method) {
  if (!showSampleNamed(name)) return;
  inspect_->showMethodFolder(folder, method);
  tabs_->setCurrentWidget(inspect_);
}

void MainWindow::onDatasetClosed() {
  thumbnails_->setDataset(nullptr);
  shown_ = LoadedSample();
  validation_ended_ = false;
  for (ImagePane* pane : {rgb_pane_, depth_pane_, gt_pane_}) pane->showNote(QString());
  rgb_pane_->view()->setOverlay(QImage());
  progress_->setVisible(false);
  updateTitle();
}

void MainWindow::onOpenStarted(const QString& folder) {
  setStatus(tr("Opening %1…").arg(QDir::toNativeSeparators(folder)));
}

void MainWindow::onDatasetOpened() {
  last_error_.clear();
  const auto dataset = session_->dataset();
  thumbnails_->setDataset(dataset);

  const QStringList splits = session_->splitNames();
  {
    const QSignalBlocker block(split_combo_);
    split_combo_->clear();
    split_combo_->addItems(splits);
    split_combo_->setCurrentIndex(session_->currentSplit());
  }
  split_action_->setVisible(!splits.isEmpty());
  updateTitle();

  if (dataset->size() == 0) {
    info_pane_->showMessage(tr("%1 has no samples.").arg(QString::fromStdString(dataset->root.string())));
    return;
  }
  sample_list_->setCurrentIndex(thumbnails_->index(0));  // requests sample 0
}

void MainWindow::onOpenFailed(const QString& message) {
  showProblem(tr("Cannot open the dataset: %1").arg(message));
  emit openFailed(message);
}

void MainWindow::showProblem(const QString& message) {
  last_error_ = message;
  setStatus(message, QStringLiteral("#e06060"));
  info_pane_->showMessage(message);
  // Non-modal: the user can read it and keep working.
  if (!error_box_) {
    error_box_ = new QMessageBox(QMessageBox::Warning, tr("rgbdsod studio"), QString(),
                                 QMessageBox::Ok, this);
    error_box_->setModal(false);
    error_box_->setAttribute(Qt::WA_DeleteOnClose);
  }
  error_box_->setText(message);
  error_box_->show();
}

void MainWindow::onValidationStarted() {
  validation_ended_ = false;
  progress_->setRange(0, 0);  // busy until the first progress event
  progress_->setVisible(true);
  setStatus(tr("Validating %1…").arg(QString::fromStdString(session_->dataset()->name)));
}

void MainWindow::onValidationProgress(int done, int total) {
  progress_->setRange(0, total);
  progress_->setValue(done);
  progress_->setFormat(tr("validating %v / %m"));
}

void MainWindow::onValidationFinished() {
  validation_ended_ = true;
  progress_->setVisible(false);
  const core::ValidationReport* report = session_->report();
  thumbnails_->setProblems(report);
  const QString name = QString::fromStdString(session_->dataset()->name);
  setStatus(QStringLiteral("%1: %2").arg(name, QString::fromStdString(report->summary())),
            report->ok() ? QString() : QStringLiteral("#e0a050"));
  if (shown_.index >= 0) info_pane_->showSample(shown_, thumbnails_->rowCount(), report);
}

void MainWindow::onValidationFailed(const QString& message) {
  validation_ended_ = true;
  progress_->setVisible(false);
  setStatus(tr("Validation did not finish: %1").arg(message), QStringLiteral("#e0a050"));
}

void MainWindow::onPolarityChanged() {
  const auto detected = session_->detectedPolarity();
  const QString auto_text =
      detected ? tr("Auto (detected: %1)").arg(polarityWords(*detected))
               : tr("Auto (undecided: %1 assumed)").arg(polarityWords(core::DepthPolarity::NearIsBright));
  polarity_combo_->setItemText(0, auto_text);
  polarity_combo_->setItemData(0, session_->detectedPolarityEvidence(), Qt::ToolTipRole);
  depth_pane_->setTitle(tr("Depth (%1)").arg(polarityWords(session_->effectivePolarity())));
}

void MainWindow::onPolarityChosen(int index) {
  switch (index) {
    case 1:
      session_->setPolarityOverride(core::DepthPolarity::NearIsBright);
      break;
    case 2:
      session_->setPolarityOverride(core::DepthPolarity::NearIsDark);
      break;
    default:
      session_->setPolarityOverride(std::nullopt);
  }
}

void MainWindow::onOverlayOpacity(int percent) {
  rgb_pane_->view()->setOverlayOpacity(percent / 100.0);
  overlay_value_->setText(QStringLiteral("%1 %").arg(percent));
}

void MainWindow::onSampleLoaded(const LoadedSample& sample) {
  shown_ = sample;
  const QString first_error = sample.errors.value(0);
  auto show = [&first_error](ImagePane* pane, const QImage& image, const QString& detail,
                             const QString& missing) {
    if (!image.isNull()) {
      pane->setImage(image, detail);
    } else {
      pane->showNote(first_error.isEmpty() ? missing : first_error);
    }
  };
  show(rgb_pane_, sample.rgb, sizeText(sample.rgb), tr("no RGB file"));
  rgb_pane_->view()->setOverlay(sample.gt_overlay);
  show(depth_pane_, sample.depth_colour,
       QStringLiteral("%1 · %2").arg(sample.depth_format, sizeText(sample.depth_colour)),
       tr("no depth file"));
  show(gt_pane_, sample.gt, sizeText(sample.gt),
       session_->dataset() && session_->dataset()->labeled() ? tr("no GT file")
                                                             : tr("unlabeled dataset (no GT)"));
  info_pane_->showSample(sample, thumbnails_->rowCount(), session_->report());
}

void MainWindow::setStatus(const QString& text, const QString& colour) {
  status_label_->setText(text);
  status_label_->setStyleSheet(colour.isEmpty() ? QString()
                                                : QStringLiteral("color: %1").arg(colour));
}

void MainWindow::updateTitle() {
  QString title = tr("rgbdsod studio");
  QString samples = tr("Samples");
  if (const auto dataset = session_->dataset()) {
    title += QStringLiteral(" — %1").arg(QString::fromStdString(dataset->root.string()));
    samples = tr("Samples: %1 (%2)").arg(QString::fromStdString(dataset->name)).arg(dataset->size());
  }
  setWindowTitle(title);
  sample_dock_->setWindowTitle(samples);
}

}  // namespace rgbdsod::ui
