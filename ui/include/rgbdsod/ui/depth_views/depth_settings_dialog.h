#pragma once
// "Depth settings…": the dataset's effective depth settings (units/scale, polarity, camera) with
// the file they came from, editable for this session or saved as <dataset>/depth.json. Invalid
// values are shown next to their field and never applied.
#include <QDialog>
#include <QMap>
#include <QString>

#include "rgbdsod/ui/depth_views/depth_settings.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;

namespace rgbdsod::ui {

class DepthViewController;

class DepthSettingsDialog : public QDialog {
  Q_OBJECT

 public:
  DepthSettingsDialog(DepthViewController* controller, QWidget* parent = nullptr);

  // Shows the controller's current settings (the override when set, else the dataset's).
  void reload();
  DepthSettingsForm form() const;
  void setForm(const DepthSettingsForm& form);
  // Applies the form as the session's override; false (and errors shown) when it is invalid.
  bool apply();
  // Writes the form to <dataset>/depth.json; false (and errors shown) when invalid or unwritable.
  bool save();
  // Drops the session override: back to depth.json or the defaults.
  void resetToDataset();

  QString fieldError(const QString& field) const;  // the text next to the field; empty when fine
  QString message() const;                         // the dialog's summary line

 private:
  QLineEdit* addNumber(QFormLayout* form, const char* field, const QString& label, const QString& tip);
  bool check(DepthSettingsCheck& out);
  void showCheck(const DepthSettingsCheck& check);
  void setMessage(const QString& text, bool error);
  void updateCameraFields();

  DepthViewController* controller_;
  QLabel* source_;
  QComboBox* encoding_;
  QComboBox* polarity_;
  QCheckBox* custom_camera_;
  QMap<QString, QLineEdit*> edits_;
  QMap<QString, QLabel*> errors_;
  QLabel* message_;
};

}  // namespace rgbdsod::ui
