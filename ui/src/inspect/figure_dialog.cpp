#include "rgbdsod/ui/inspect/figure_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "rgbdsod/ui/inspect/inspect_session.h"

namespace rgbdsod::ui {

FigureDialog::FigureDialog(InspectSession* session, const std::vector<MapSource>& sources, QWidget* parent)
    : QDialog(parent), session_(session), sources_(sources), builder_(new FigureBuilder(session->models(), this)) {
  setWindowTitle(tr("Qualitative figure"));
  setObjectName(QStringLiteral("figureDialog"));
  samples_ = new QLineEdit(session->sample().name);
  samples_->setObjectName(QStringLiteral("figureSamples"));
  samples_->setToolTip(tr("Sample names, one row each, separated by commas"));
  columns_ = new QListWidget;
  columns_->setObjectName(QStringLiteral("figureColumns"));
  columns_->setToolTip(tr("Checked sources become columns, in this order; double-click a title to rename it"));
  for (const MapSource& s : sources_) {
    auto* item = new QListWidgetItem(s.label, columns_);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable | Qt::ItemIsEditable);
    item->setCheckState(Qt::Checked);
  }
  depth_ = new QCheckBox(tr("Depth column"));
  depth_->setChecked(true);
  gt_ = new QCheckBox(tr("GT column"));
  gt_->setChecked(true);
  dpi_ = new QSpinBox;
  dpi_->setRange(72, 1200);
  dpi_->setValue(300);
  width_ = new QDoubleSpinBox;
  width_->setRange(20, 400);
  width_->setValue(70);
  width_->setSuffix(tr(" pt"));
  output_ = new QLineEdit(QDir::home().filePath(QStringLiteral("qualitative.pdf")));
  output_->setObjectName(QStringLiteral("figureOutput"));
  auto* browse_button = new QPushButton(tr("Browse…"));
  connect(browse_button, &QPushButton::clicked, this, &FigureDialog::browse);
  auto* out_row = new QHBoxLayout;
  out_row->addWidget(output_, 1);
  out_row->addWidget(browse_button);

  auto* form = new QFormLayout;
  form->addRow(tr("Samples (rows)"), samples_);
  form->addRow(tr("Methods (columns)"), columns_);
  form->addRow(QString(), depth_);
  form->addRow(QString(), gt_);
  form->addRow(tr("Cell width"), width_);
  form->addRow(tr("Resolution (PNG, images in PDF/SVG)"), dpi_);
  form->addRow(tr("File (.pdf, .png, .svg)"), out_row);

  progress_ = new QProgressBar;
  progress_->setVisible(false);
  status_ = new QLabel;
  status_->setObjectName(QStringLiteral("figureStatus"));
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  build_ = buttons->addButton(tr("Build"), QDialogButtonBox::AcceptRole);
  disconnect(buttons, &QDialogButtonBox::accepted, nullptr, nullptr);
  connect(build_, &QPushButton::clicked, this, &FigureDialog::build);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(progress_);
  layout->addWidget(status_);
  layout->addWidget(buttons);

  connect(builder_, &FigureBuilder::progress, this, [this](int done, int total) {
    progress_->setVisible(true);
    progress_->setRange(0, total);
    progress_->setValue(done);
  });
  connect(builder_, &FigureBuilder::finished, this, [this](const QString& file) {
    progress_->setVisible(false);
    build_->setEnabled(true);
    status_->setText(tr("Written: %1").arg(QDir::toNativeSeparators(file)));
  });
  connect(builder_, &FigureBuilder::failed, this, [this](const QString& message) {
    progress_->setVisible(false);
    build_->setEnabled(true);
    status_->setText(tr("Not written: %1").arg(message));
  });
}

QString FigureDialog::statusText() const { return status_->text(); }

FigureRequest FigureDialog::currentRequest() const {
  FigureRequest r;
  r.dataset = session_->dataset();
  r.polarity = session_->sample().polarity;
  for (const QString& name : samples_->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) r.samples << name.trimmed();
  r.depth = depth_->isChecked();
  r.gt = gt_->isChecked();
  for (int i = 0; i < columns_->count() && i < static_cast<int>(sources_.size()); ++i) {
    const QListWidgetItem* item = columns_->item(i);
    if (item->checkState() == Qt::Checked) r.columns.push_back({item->text(), sources_[static_cast<std::size_t>(i)]});
  }
  r.out = output_->text();
  r.dpi = dpi_->value();
  r.cell_width_pt = width_->value();
  return r;
}

void FigureDialog::build() {
  status_->setText(tr("Building…"));
  build_->setEnabled(false);
  builder_->start(currentRequest());
}

void FigureDialog::browse() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save the figure"), output_->text(),
                                                    tr("PDF (*.pdf);;PNG (*.png);;SVG (*.svg)"));
  if (!path.isEmpty()) output_->setText(path);
}

}  // namespace rgbdsod::ui
