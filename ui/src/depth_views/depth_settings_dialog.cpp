#include "rgbdsod/ui/depth_views/depth_settings_dialog.h"

#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "rgbdsod/ui/depth_views/depth_view_controller.h"

namespace rgbdsod::ui {

namespace {
constexpr const char* kErrorStyle = "color: #e06060";
}

DepthSettingsDialog::DepthSettingsDialog(DepthViewController* controller, QWidget* parent)
    : QDialog(parent),
      controller_(controller),
      source_(new QLabel),
      encoding_(new QComboBox),
      polarity_(new QComboBox),
      custom_camera_(new QCheckBox(tr("Camera intrinsics (pixels, 1-based grid)"))),
      message_(new QLabel) {
  setObjectName(QStringLiteral("depthSettingsDialog"));
  setWindowTitle(tr("Depth settings"));
  source_->setWordWrap(true);
  source_->setObjectName(QStringLiteral("depthSettingsSource"));
  message_->setWordWrap(true);
  message_->setObjectName(QStringLiteral("depthSettingsMessage"));

  auto* form = new QFormLayout;
  encoding_->setObjectName(QStringLiteral("encodingCombo"));
  encoding_->addItem(tr("By bit depth (16-bit metric, 8-bit relative)"), QStringLiteral("auto"));
  encoding_->addItem(tr("Metric (value × scale = metres)"), QStringLiteral("metric"));
  encoding_->addItem(tr("Relative (unit-less, mapped to near..far)"), QStringLiteral("relative"));
  form->addRow(tr("Encoding"), encoding_);
  addNumber(form, depth_field::kScale, tr("Scale (m per unit)"), tr("Metric depth: metres per stored unit (0.001 = mm)"));
  addNumber(form, depth_field::kNear, tr("Near (m)"), tr("Relative depth: distance of the nearest stored value"));
  addNumber(form, depth_field::kFar, tr("Far (m)"), tr("Relative depth: distance of the farthest stored value"));
  polarity_->setObjectName(QStringLiteral("settingsPolarityCombo"));
  polarity_->addItem(tr("Auto (detected per dataset)"), QStringLiteral("auto"));
  polarity_->addItem(tr("near = bright"), QStringLiteral("near-bright"));
  polarity_->addItem(tr("near = dark"), QStringLiteral("near-dark"));
  form->addRow(tr("Polarity"), polarity_);
  auto* polarity_error = new QLabel;
  polarity_error->setObjectName(QStringLiteral("polarityError"));
  polarity_error->setStyleSheet(QString::fromLatin1(kErrorStyle));
  polarity_error->setVisible(false);
  form->addRow(QString(), polarity_error);
  errors_.insert(QString::fromLatin1(depth_field::kPolarity), polarity_error);
  custom_camera_->setObjectName(QStringLiteral("customCameraCheck"));
  custom_camera_->setToolTip(tr("Unchecked: the NYU Depth v2 colour camera scaled to each image (the SOD default)"));
  form->addRow(custom_camera_);
  addNumber(form, depth_field::kFx, QStringLiteral("fx"), tr("Focal length in pixels, > 0"));
  addNumber(form, depth_field::kFy, QStringLiteral("fy"), tr("Focal length in pixels, > 0"));
  addNumber(form, depth_field::kCx, QStringLiteral("cx"), tr("Principal point, 1-based pixel grid"));
  addNumber(form, depth_field::kCy, QStringLiteral("cy"), tr("Principal point, 1-based pixel grid"));
  connect(custom_camera_, &QCheckBox::toggled, this, &DepthSettingsDialog::updateCameraFields);

  auto* buttons = new QDialogButtonBox;
  QPushButton* apply_button = buttons->addButton(tr("Apply for this session"), QDialogButtonBox::ApplyRole);
  QPushButton* save_button = buttons->addButton(tr("Save to depth.json"), QDialogButtonBox::ActionRole);
  QPushButton* reset_button = buttons->addButton(tr("Use dataset's"), QDialogButtonBox::ResetRole);
  QPushButton* close_button = buttons->addButton(QDialogButtonBox::Close);
  apply_button->setObjectName(QStringLiteral("applyDepthSettings"));
  save_button->setObjectName(QStringLiteral("saveDepthSettings"));
  connect(apply_button, &QPushButton::clicked, this, [this] { apply(); });
  connect(save_button, &QPushButton::clicked, this, [this] { save(); });
  connect(reset_button, &QPushButton::clicked, this, &DepthSettingsDialog::resetToDataset);
  connect(close_button, &QPushButton::clicked, this, &QDialog::close);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(source_);
  layout->addLayout(form);
  layout->addWidget(message_);
  layout->addWidget(buttons);
  reload();
}

QLineEdit* DepthSettingsDialog::addNumber(QFormLayout* form, const char* field, const QString& label,
                                          const QString& tip) {
  auto* edit = new QLineEdit;
  edit->setObjectName(QStringLiteral("%1Edit").arg(QString::fromLatin1(field)));
  edit->setToolTip(tip);
  auto* error = new QLabel;
  error->setObjectName(QStringLiteral("%1Error").arg(QString::fromLatin1(field)));
  error->setStyleSheet(QString::fromLatin1(kErrorStyle));
  error->setVisible(false);
  auto* row = new QHBoxLayout;
  row->addWidget(edit, 1);
  row->addWidget(error, 2);  // the error stays next to its field
  form->addRow(label, row);
  edits_.insert(QString::fromLatin1(field), edit);
  errors_.insert(QString::fromLatin1(field), error);
  return edit;
}

void DepthSettingsDialog::reload() {
  const core::DepthConfig& dataset = controller_->datasetConfig();
  QString text = dataset.source.empty() ? tr("Dataset settings: the SOD defaults (no depth.json)")
                                        : tr("Dataset settings: %1").arg(QString::fromStdString(dataset.source.string()));
  if (!controller_->configError().isEmpty())
    text += QStringLiteral("\n") + tr("depth.json is not usable, defaults in use: %1").arg(controller_->configError());
  if (controller_->hasOverride()) text += QStringLiteral("\n") + tr("A session override is applied (not saved).");
  source_->setText(text);
  setForm(formFromConfig(controller_->hasOverride() ? controller_->effectiveConfig() : dataset));
  showCheck(DepthSettingsCheck());
  setMessage(QString(), false);
}

DepthSettingsForm DepthSettingsDialog::form() const {
  DepthSettingsForm f;
  f.encoding = encoding_->currentData().toString();
  f.polarity = polarity_->currentData().toString();
  f.scale = edits_.value(QString::fromLatin1(depth_field::kScale))->text();
  f.near_m = edits_.value(QString::fromLatin1(depth_field::kNear))->text();
  f.far_m = edits_.value(QString::fromLatin1(depth_field::kFar))->text();
  f.custom_camera = custom_camera_->isChecked();
  f.fx = edits_.value(QString::fromLatin1(depth_field::kFx))->text();
  f.fy = edits_.value(QString::fromLatin1(depth_field::kFy))->text();
  f.cx = edits_.value(QString::fromLatin1(depth_field::kCx))->text();
  f.cy = edits_.value(QString::fromLatin1(depth_field::kCy))->text();
  return f;
}

void DepthSettingsDialog::setForm(const DepthSettingsForm& f) {
  encoding_->setCurrentIndex(std::max(0, encoding_->findData(f.encoding)));
  polarity_->setCurrentIndex(std::max(0, polarity_->findData(f.polarity)));
  const std::pair<const char*, const QString*> texts[] = {
      {depth_field::kScale, &f.scale}, {depth_field::kNear, &f.near_m}, {depth_field::kFar, &f.far_m},
      {depth_field::kFx, &f.fx},       {depth_field::kFy, &f.fy},       {depth_field::kCx, &f.cx},
      {depth_field::kCy, &f.cy}};
  for (const auto& [field, text] : texts) edits_.value(QString::fromLatin1(field))->setText(*text);
  custom_camera_->setChecked(f.custom_camera);
  updateCameraFields();
}

void DepthSettingsDialog::updateCameraFields() {
  for (const char* field : {depth_field::kFx, depth_field::kFy, depth_field::kCx, depth_field::kCy})
    edits_.value(QString::fromLatin1(field))->setEnabled(custom_camera_->isChecked());
}

bool DepthSettingsDialog::check(DepthSettingsCheck& out) {
  out = checkDepthSettings(form(), controller_->hasOverride() ? controller_->effectiveConfig()
                                                              : controller_->datasetConfig());
  showCheck(out);
  if (!out.config) {
    setMessage(tr("Not applied: %1").arg(out.message), true);
    return false;
  }
  return true;
}

bool DepthSettingsDialog::apply() {
  DepthSettingsCheck c;
  if (!check(c)) return false;
  if (const QString refused = controller_->setOverride(c.config); !refused.isEmpty()) {
    setMessage(tr("Not applied: %1").arg(refused), true);
    return false;
  }
  setMessage(tr("Applied for this session (depth.json unchanged)."), false);
  return true;
}

bool DepthSettingsDialog::save() {
  DepthSettingsCheck c;
  if (!check(c)) return false;
  if (const QString error = controller_->saveToDataset(*c.config); !error.isEmpty()) {
    setMessage(tr("Not saved: %1").arg(error), true);
    return false;
  }
  reload();
  setMessage(tr("Saved to %1.").arg(QString::fromStdString(controller_->datasetConfig().source.string())), false);
  return true;
}

void DepthSettingsDialog::resetToDataset() {
  controller_->setOverride(std::nullopt);
  reload();
  setMessage(tr("Using the dataset's settings."), false);
}

QString DepthSettingsDialog::fieldError(const QString& field) const {
  const QLabel* label = errors_.value(field);
  return label && label->isVisibleTo(this) ? label->text() : QString();
}

QString DepthSettingsDialog::message() const { return message_->text(); }

void DepthSettingsDialog::showCheck(const DepthSettingsCheck& c) {
  for (auto it = errors_.begin(); it != errors_.end(); ++it) {
    const QString text = c.field_errors.value(it.key());
    it.value()->setText(text);
    it.value()->setVisible(!text.isEmpty());
  }
}

void DepthSettingsDialog::setMessage(const QString& text, bool error) {
  message_->setText(text);
  message_->setStyleSheet(error ? QString::fromLatin1(kErrorStyle) : QString());
}

}  // namespace rgbdsod::ui
