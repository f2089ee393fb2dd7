// The configuration form's editors, one per key kind: a check box (Bool), a line edit (Integer,
// Number, String; numbers are kept as typed so resolveConfig, not a validator, words the refusal),
// a combo of the choices (Choice), a line edit with a browse button (Path) and an editable combo of
// the compatible runs (RunLink).
#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QToolButton>

#include "rgbdsod/ui/training/config_form.h"

namespace rgbdsod::ui {

using nlohmann::json;
using training::KeyKind;

namespace {

QString numberText(double v) {
  if (std::isinf(v)) return v > 0 ? QStringLiteral("∞") : QStringLiteral("-∞");
  return QString::number(v, 'g', 10);
}

QString runItemText(const training::RunSummary& run) {
  return QString::fromStdString(run.folder.string());
}

}  // namespace

QString ConfigForm::toolTipOf(const training::KeySpec& spec) {
  QStringList lines;
  lines << QStringLiteral("<b>%1</b> (%2)").arg(QString::fromStdString(spec.key), QString::fromUtf8(training::toString(spec.kind)));
  if (!spec.help.empty()) lines << QString::fromStdString(spec.help).toHtmlEscaped();
  lines << QObject::tr("Default: %1").arg(QString::fromStdString(spec.value.dump()).toHtmlEscaped());
  if (spec.kind == KeyKind::Integer || spec.kind == KeyKind::Number) {
    if (std::isfinite(spec.min) || std::isfinite(spec.max))
      lines << QObject::tr("Range: [%1, %2]").arg(numberText(spec.min), numberText(spec.max));
    if (spec.multiple_of > 1) lines << QObject::tr("A multiple of %1").arg(spec.multiple_of);
  }
  if (spec.kind == KeyKind::Choice && !spec.choices.empty()) {
    QStringList c;
    for (const auto& s : spec.choices) c << QString::fromStdString(s);
    lines << QObject::tr("One of: %1").arg(c.join(QStringLiteral(", ")));
  }
  if (spec.kind == KeyKind::RunLink && !spec.link_stages.empty()) {
    QStringList c;
    for (const auto& s : spec.link_stages) c << QString::fromStdString(s);
    lines << QObject::tr("A run of stage %1").arg(c.join(QStringLiteral(" / ")));
  }
  return lines.join(QStringLiteral("<br>"));
}

QWidget* ConfigForm::makeEditor(std::size_t index) {
  Row& row = rows_[index];
  const QString key = QString::fromStdString(row.spec.key);
  const QString tip = toolTipOf(row.spec);
  auto edited = [this, index] { rowEdited(index); };
  QWidget* field = nullptr;
  switch (row.spec.kind) {
    case KeyKind::Bool:
      row.check = new QCheckBox;
      connect(row.check, &QCheckBox::toggled, this, edited);
      row.editor = field = row.check;
      break;
    case KeyKind::Choice:
      row.combo = new QComboBox;
      for (const auto& c : row.spec.choices) row.combo->addItem(QString::fromStdString(c));
      connect(row.combo, &QComboBox::currentTextChanged, this, edited);
      row.editor = field = row.combo;
      break;
    case KeyKind::RunLink:
      row.combo = new QComboBox;
      row.combo->setEditable(true);
      row.combo->setInsertPolicy(QComboBox::NoInsert);
      row.combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
      row.combo->setMinimumContentsLength(24);
      fillRuns(row);
      connect(row.combo, &QComboBox::currentTextChanged, this, edited);
      row.editor = field = row.combo;
      break;
    case KeyKind::Path: {
      row.line = new QLineEdit;
      row.line->setPlaceholderText(tr("none"));
      connect(row.line, &QLineEdit::textChanged, this, edited);
      row.editor = row.line;
      field = new QWidget;
      auto* h = new QHBoxLayout(field);
      h->setContentsMargins(0, 0, 0, 0);
      h->addWidget(row.line, 1);
      auto* browse = new QToolButton;
      browse->setText(QStringLiteral("…"));
      browse->setToolTip(tr("Choose a file"));
      h->addWidget(browse);
      QLineEdit* line = row.line;
      connect(browse, &QToolButton::clicked, this, [this, line, key] {
        const QString f = QFileDialog::getOpenFileName(this, key, line->text());
        if (!f.isEmpty()) line->setText(f);
      });
      break;
    }
    case KeyKind::Integer:
    case KeyKind::Number:
    case KeyKind::String:
      row.line = new QLineEdit;
      connect(row.line, &QLineEdit::textChanged, this, edited);
      row.editor = field = row.line;
      break;
  }
  row.editor->setObjectName(key);
  row.editor->setToolTip(tip);
  return field;
}

void ConfigForm::fillRuns(Row& row) {
  const QString keep = row.combo->currentText();
  row.combo->clear();
  row.combo->addItem(QString());  // none
  for (const auto& run : training::compatibleRuns(runs_, row.spec.link_stages)) {
    row.combo->addItem(runItemText(run));
    row.combo->setItemData(row.combo->count() - 1,
                           QStringLiteral("%1 (%2, %3 steps)")
                               .arg(QString::fromStdString(run.name), QString::fromStdString(run.stage))
                               .arg(run.step),
                           Qt::ToolTipRole);
  }
  row.combo->setEditText(keep);
}

json ConfigForm::valueOf(const Row& row) {
  switch (row.spec.kind) {
    case KeyKind::Bool:
      return row.check->isChecked();
    case KeyKind::Choice:
      return row.combo->currentText().toStdString();
    case KeyKind::RunLink:
      return row.combo->currentText().trimmed().toStdString();
    case KeyKind::Integer:
    case KeyKind::Number: {
      const std::string text = row.line->text().trimmed().toStdString();
      const json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
      return !v.is_discarded() && v.is_number() ? v : json(text);
    }
    case KeyKind::String:
    case KeyKind::Path:
      return row.line->text().toStdString();
  }
  return {};
}

std::string ConfigForm::overrideValueText(const Row& row) {
  if (row.spec.kind == KeyKind::Integer || row.spec.kind == KeyKind::Number) {
    const json v = valueOf(row);
    // A number goes as typed ("1e-3"); anything else as a JSON string, which the schema refuses
    // with "expected a number" naming the key.
    return v.is_number() ? row.line->text().trimmed().toStdString() : v.dump();
  }
  return valueOf(row).dump();
}

bool ConfigForm::setValue(Row& row, const json& value) {
  switch (row.spec.kind) {
    case KeyKind::Bool:
      if (!value.is_boolean()) return false;
      row.check->setChecked(value.get<bool>());
      return true;
    case KeyKind::Choice: {
      if (!value.is_string()) return false;
      const int i = row.combo->findText(QString::fromStdString(value.get<std::string>()));
      if (i < 0) return false;
      row.combo->setCurrentIndex(i);
      return true;
    }
    case KeyKind::RunLink:
      row.combo->setEditText(value.is_string() ? QString::fromStdString(value.get<std::string>())
                                               : QString::fromStdString(value.dump()));
      return true;
    case KeyKind::Integer:
    case KeyKind::Number:
    case KeyKind::String:
    case KeyKind::Path:
      row.line->setText(value.is_string() ? QString::fromStdString(value.get<std::string>())
                                          : QString::fromStdString(value.dump()));
      return true;
  }
  return false;
}

void ConfigForm::markInvalid(QWidget* editor, bool invalid) {
  if (!editor) return;
  const bool marked = editor->property("invalid").toBool();
  if (marked == invalid) return;
  editor->setProperty("invalid", invalid);
  editor->setStyleSheet(invalid ? QStringLiteral("border: 2px solid #d32f2f;") : QString());
}

}  // namespace rgbdsod::ui
