#pragma once
// The Training workspace's configuration form, generated from a stage's config schema
// (training::configSchema): a group per top-level section, a row per key with an editor of the
// key's kind (check box, number as text, choice, file, earlier run), the label bold where the value
// differs from the stage's default. The form's state is a list of "key=value" overrides, the same
// that `rgbdsod train --set` takes, and validate() runs them through training::resolveConfig, so the
// form refuses what the CLI refuses with the same message. A second page shows the resolved config
// as JSON; it can be edited and applied back. Every editor's objectName is its dotted key
// ("optim.lr"). The debug.* keys (fault injection for the tests) have no editor but round-trip
// through setOverrides() / overrides(). Torch-free (the training headers used are).
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <QString>
#include <QWidget>
#include <nlohmann/json.hpp>

#include "rgbdsod/training/config_schema.h"
#include "rgbdsod/training/run_catalog.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTabWidget;
class QVBoxLayout;

namespace rgbdsod::ui {

class ConfigForm : public QWidget {
  Q_OBJECT

 public:
  explicit ConfigForm(QWidget* parent = nullptr);

  // Rebuilds the form for a stage, every key at its default. An unknown stage leaves an empty form
  // (stage() empty) and returns false.
  bool setStage(const std::string& stage);
  const std::string& stage() const { return stage_; }

  // The runs offered by the RunLink keys (each key lists the compatibleRuns of its link stages).
  // The text typed or chosen in those fields is kept.
  void setRuns(const std::vector<training::RunSummary>& runs);

  // "key=value" for every key whose value differs from the stage's default, in schema order; the
  // value as JSON text (numbers as typed, strings JSON-quoted, true / false).
  std::vector<std::string> overrides() const;
  // Resets the form to the defaults, then applies "key=value" items (the value JSON, or a string
  // when it does not parse, as with --set). "stage=..." is ignored. Returns false when an item was
  // not applied (malformed, a key the stage does not have, a value a check box cannot show).
  bool setOverrides(const std::vector<std::string>& overrides);

  // resolveConfig(stage, {}, overrides()). On a ConfigError the key's editor gets a red frame and
  // the focus and `error` (when given) the message, which names the key; on success all red is
  // cleared.
  bool validate(QString* error = nullptr);

  // The resolved config of the form as indented JSON (the JSON page's text); when the form does not
  // validate, the defaults with the overrides put in unchecked.
  QString resolvedJson() const;
  // Parses a config JSON, turns every leaf that differs from the stage's defaults into an override
  // and sets the form from them. Bad JSON, a "stage" other than the form's, an unknown key or a bad
  // value: false, `error` names the parse position or the key, the form is left as it was.
  bool applyJson(const QString& text, QString* error = nullptr);

  // The editor of a key (objectName = key), or nullptr (debug.* keys and unknown keys have none).
  QWidget* editor(const std::string& key) const;

 signals:
  // Any edit of a value, or the form refilled (setStage, setOverrides, applyJson).
  void changed();

 private:
  struct Row {
    training::KeySpec spec;
    QLabel* label = nullptr;
    QWidget* editor = nullptr;     // what objectName names: the line edit, combo or check box
    QLineEdit* line = nullptr;     // Integer, Number, String, Path
    QComboBox* combo = nullptr;    // Choice, RunLink (editable)
    QCheckBox* check = nullptr;    // Bool
  };

  // config_form_editors.cpp: the editors of the kinds and their values. Rows are addressed by
  // index because the editors' signal connections outlive any reallocation of rows_.
  QWidget* makeEditor(std::size_t index);  // the field widget (the editor, or it with a browse button)
  static QString toolTipOf(const training::KeySpec& spec);
  static nlohmann::json valueOf(const Row& row);
  static std::string overrideValueText(const Row& row);  // the value as --set takes it
  static bool setValue(Row& row, const nlohmann::json& value);
  void fillRuns(Row& row);
  static void markInvalid(QWidget* editor, bool invalid);

  Row* findRow(const std::string& key);
  bool isHidden(const Row& row) const { return row.editor == nullptr; }
  void clearForm();
  void resetToDefaults();
  void rowEdited(std::size_t index);
  void updateLabel(Row& row);
  void clearMarks();
  void refreshJson();
  void applyJsonPage();
  // defaults_ with the form's values put in, unchecked.
  nlohmann::json uncheckedJson() const;

  std::string stage_;
  std::vector<Row> rows_;
  nlohmann::json defaults_;
  std::map<std::string, nlohmann::json> hidden_;  // debug.* values that differ from the defaults
  std::vector<training::RunSummary> runs_;
  bool loading_ = false;  // no changed() per field while the form is refilled

  QTabWidget* tabs_;
  QWidget* form_page_;
  QVBoxLayout* form_layout_;
  QLabel* empty_label_;
  QPlainTextEdit* json_edit_;
  QLabel* json_message_;
};

}  // namespace rgbdsod::ui
