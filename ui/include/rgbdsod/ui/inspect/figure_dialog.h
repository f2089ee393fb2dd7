#pragma once
// The qualitative-figure builder's dialog: samples (rows), the runs and prediction folders to show
// (columns, titles editable), depth and GT columns, size and resolution, the output file. The
// work is FigureBuilder's; the dialog only gathers the request and shows progress.
#include <vector>

#include <QDialog>
#include <QStringList>

#include "rgbdsod/ui/inspect/figure_builder.h"

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace rgbdsod::ui {

class FigureDialog : public QDialog {
  Q_OBJECT

 public:
  FigureDialog(InspectSession* session, const std::vector<MapSource>& sources, QWidget* parent = nullptr);

  FigureBuilder* builder() const { return builder_; }
  QLineEdit* samplesEdit() const { return samples_; }
  QLineEdit* outputEdit() const { return output_; }
  QListWidget* columnList() const { return columns_; }
  QString statusText() const;
  FigureRequest currentRequest() const;
  void build();  // starts the builder with currentRequest()

 private:
  void browse();

  InspectSession* session_;
  std::vector<MapSource> sources_;
  FigureBuilder* builder_;
  QLineEdit* samples_ = nullptr;
  QListWidget* columns_ = nullptr;
  QCheckBox* depth_ = nullptr;
  QCheckBox* gt_ = nullptr;
  QSpinBox* dpi_ = nullptr;
  QDoubleSpinBox* width_ = nullptr;
  QLineEdit* output_ = nullptr;
  QPushButton* build_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* status_ = nullptr;
};

}  // namespace rgbdsod::ui
