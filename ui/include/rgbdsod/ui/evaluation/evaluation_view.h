#pragma once
// The studio's Evaluation tab: prediction folders (one per method) against the open dataset's GT
// folder, evaluated in EvaluationSession's worker with progress and Stop; the methods' curves with
// a check box per method; a summary table (methods x metrics); a per-image table of one method,
// worst first, whose rows open the sample in the viewer (sampleRequested); and export buttons.
// The export functions take a path so that scripts and tests need no dialog.
#include <memory>

#include <QString>
#include <QStringList>
#include <QWidget>

#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/figures/curve_figure.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QListView;
class QProgressBar;
class QPushButton;
class QTableView;
class QToolButton;

namespace rgbdsod::core {
struct Dataset;
}

namespace rgbdsod::ui {

class CurvesWidget;
class EvaluationSession;
class MethodCurvesModel;
class PerImageSortModel;
class PerImageTableModel;
class SummaryTableModel;

class EvaluationView : public QWidget {
  Q_OBJECT

 public:
  explicit EvaluationView(QWidget* parent = nullptr);
  ~EvaluationView() override;

  // The open dataset: its GT folder becomes the evaluation's GT (nothing for an unlabeled one).
  void setDataset(const std::shared_ptr<const core::Dataset>& dataset);
  void setGtFolder(const QString& folder);
  void addPredictionFolders(const QStringList& folders);
  void evaluate();  // all methods
  void stop();

  // Opens the sample of the per-image table's row (a row of the sorted view).
  void activateImageRow(int row);
  // The method whose images the per-image table shows (index into the session's methods), and
  // the metric it is sorted by (worst first).
  void showImagesOf(int method);
  int shownImagesMethod() const;
  void sortImagesBy(core::Metric metric);
  core::Metric imageSortMetric() const;

  // The summary's metric columns (core::allMetrics() order); the LaTeX, Markdown and text exports
  // hold exactly these.
  void setSummaryMetrics(const std::vector<core::Metric>& metrics);
  std::vector<core::Metric> summaryMetrics() const;
  // The exported figure's size (cm) and font (pt), as `rgbdsod plot --width-cm --height-cm --font-pt`.
  void setFigureStyle(const figures::FigureStyle& style);
  figures::FigureStyle figureStyle() const;

  // Exports; false with lastError() set on failure. The summary by extension (.csv, .tex, .md,
  // .txt: see writeSummaryTable), the per-image table as CSV.
  bool exportSummaryTable(const QString& path);
  bool exportImageTable(const QString& path);
  bool exportFigure(const QString& path);  // .png, .pdf or .svg, at figureStyle()
  QString lastError() const { return last_error_; }
  QString statusText() const;
  // An evaluation runs or the plot has a redraw pending (the screenshot mode waits for neither).
  bool isBusy() const;

  EvaluationSession* session() const { return session_; }
  MethodCurvesModel* methodsModel() const { return methods_model_; }
  QListView* methodList() const { return method_list_; }
  CurvesWidget* curves() const { return curves_; }
  SummaryTableModel* summaryModel() const { return summary_model_; }
  QTableView* summaryView() const { return summary_view_; }
  PerImageTableModel* imageModel() const { return image_model_; }
  PerImageSortModel* imageProxy() const { return image_proxy_; }
  QTableView* imageView() const { return image_view_; }
  QProgressBar* progressBar() const { return progress_; }
  QToolButton* columnsButton() const { return columns_button_; }
  QLabel* scopeNote() const { return scope_note_; }

 signals:
  void sampleRequested(const QString& name);
  // With sampleRequested: the row's method (its prediction folder), for Inspect to show its map.
  void methodMapRequested(const QString& name, const QString& folder, const QString& method);

 private:
  QWidget* buildSidePanel();
  QWidget* buildImagePanel();
  QWidget* buildSummaryPanel();
  QWidget* buildFigureOptions();
  void refreshScopeNote();
  void connectSession();
  void chooseGtFolder();
  void choosePredictionFolders();
  void removeSelectedMethod();
  void exportSummaryWithDialog();
  void exportImagesWithDialog();
  void exportFigureWithDialog();
  void showGtFolder(const QString& folder);
  void onMethodsChanged();
  void onProgress(int method, int step, int steps, int done, int total);
  void onFinished(bool stopped);
  void refreshMethodCombo();
  void fitSummaryHeight();
  void updateButtons();
  void setStatus(const QString& text, bool problem = false);
  bool fail(const QString& message);

  EvaluationSession* session_;
  MethodCurvesModel* methods_model_;
  SummaryTableModel* summary_model_;
  PerImageTableModel* image_model_;
  PerImageSortModel* image_proxy_;

  QLabel* gt_label_ = nullptr;
  QListView* method_list_ = nullptr;
  QPushButton* remove_button_ = nullptr;
  QPushButton* evaluate_button_ = nullptr;
  QPushButton* stop_button_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* status_ = nullptr;
  QPushButton* export_summary_ = nullptr;
  QPushButton* export_images_ = nullptr;
  QPushButton* export_figure_ = nullptr;
  CurvesWidget* curves_ = nullptr;
  QTableView* summary_view_ = nullptr;
  QTableView* image_view_ = nullptr;
  QComboBox* image_method_combo_ = nullptr;
  QComboBox* image_metric_combo_ = nullptr;
  QToolButton* columns_button_ = nullptr;
  QLabel* scope_note_ = nullptr;
  QDoubleSpinBox* figure_width_ = nullptr;
  QDoubleSpinBox* figure_height_ = nullptr;
  QDoubleSpinBox* figure_font_ = nullptr;
  QString last_error_;
  QStringList run_errors_;  // failures of the current run, shown together when it ends
};

}  // namespace rgbdsod::ui
