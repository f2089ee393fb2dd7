// The configuration form's layout and state: one group per top-level section of a stage's schema,
// the overrides it stands for, validation through resolveConfig and the JSON page. The editors of
// the key kinds are in config_form_editors.cpp.
#include "rgbdsod/ui/training/config_form.h"

#include <QFont>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/training/config.h"

namespace rgbdsod::ui {

using nlohmann::json;

namespace {

std::string sectionOf(const std::string& key) {
  const auto dot = key.find('.');
  return dot == std::string::npos ? std::string() : key.substr(0, dot);
}

bool isDebugKey(const std::string& key) { return key.rfind("debug.", 0) == 0; }

// Sets `value` at a dotted key of an object, creating the objects on the way.
void putAt(json& root, const std::string& dotted, const json& value) {
  json* node = &root;
  std::size_t start = 0;
  for (;;) {
    const auto dot = dotted.find('.', start);
    const std::string part = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) {
      (*node)[part] = value;
      return;
    }
    node = &(*node)[part];
    start = dot + 1;
  }
}

// Every leaf of a JSON object as (dotted key, value).
void flatten(const json& node, const std::string& prefix, std::vector<std::pair<std::string, json>>& out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object() && !it->empty())
      flatten(*it, key, out);
    else
      out.emplace_back(key, *it);
  }
}

// A --set value: JSON, or a string when it does not parse (as config.cpp reads it).
json parseOverrideValue(const std::string& text) {
  json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return v.is_discarded() ? json(text) : v;
}

}  // namespace

ConfigForm::ConfigForm(QWidget* parent)
    : QWidget(parent),
      tabs_(new QTabWidget),
      form_page_(new QWidget),
      form_layout_(new QVBoxLayout(form_page_)),
      empty_label_(new QLabel(tr("Choose a stage or a recipe."))),
      json_edit_(new QPlainTextEdit),
      json_message_(new QLabel) {
  setObjectName(QStringLiteral("configForm"));
  form_layout_->addWidget(empty_label_);
  form_layout_->addStretch(1);
  tabs_->addTab(form_page_, tr("Form"));

  auto* json_page = new QWidget;
  auto* json_layout = new QVBoxLayout(json_page);
  json_edit_->setObjectName(QStringLiteral("configJsonEdit"));
  QFont mono(QStringLiteral("monospace"));
  mono.setStyleHint(QFont::TypeWriter);
  json_edit_->setFont(mono);
  json_layout->addWidget(json_edit_, 1);
  auto* apply_row = new QHBoxLayout;
  auto* apply = new QPushButton(tr("Apply JSON"));
  apply->setObjectName(QStringLiteral("configJsonApply"));
  json_message_->setObjectName(QStringLiteral("configJsonMessage"));
  json_message_->setWordWrap(true);
  apply_row->addWidget(apply);
  apply_row->addWidget(json_message_, 1);
  json_layout->addLayout(apply_row);
  tabs_->addTab(json_page, tr("JSON"));
  connect(apply, &QPushButton::clicked, this, [this] { applyJsonPage(); });
  // The JSON page shows the form's state whenever it is opened.
  connect(tabs_, &QTabWidget::currentChanged, this, [this](int i) {
    if (i == 1) refreshJson();
  });

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(tabs_);
}

void ConfigForm::clearForm() {
  rows_.clear();
  hidden_.clear();
  defaults_ = json();
  stage_.clear();
  while (QLayoutItem* item = form_layout_->takeAt(0)) {
    // Unparented at once so that findChild() never meets the old editors; deleted later because
    // a signal of one of them may be on the stack.
    if (QWidget* w = item->widget(); w && w != empty_label_) {
      w->hide();
      w->setParent(nullptr);
      w->deleteLater();
    }
    delete item;
  }
}

bool ConfigForm::setStage(const std::string& stage) {
  std::vector<training::KeySpec> schema;
  json defaults;
  try {
    schema = training::configSchema(stage);
    defaults = training::stageDefaults(stage);
  } catch (const core::Error&) {
    clearForm();
    form_layout_->addWidget(empty_label_);
    empty_label_->show();
    form_layout_->addStretch(1);
    emit changed();
    return false;
  }
  clearForm();
  empty_label_->hide();
  stage_ = stage;
  defaults_ = std::move(defaults);
  rows_.reserve(schema.size());
  for (auto& spec : schema)
    if (spec.key != "stage") rows_.push_back(Row{std::move(spec)});

  loading_ = true;
  std::map<std::string, QFormLayout*> groups;
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    Row& row = rows_[i];
    if (isDebugKey(row.spec.key)) continue;  // fault injection: no editor, round-trips only
    const std::string section = sectionOf(row.spec.key);
    QFormLayout*& group = groups[section];
    if (!group) {
      auto* box = new QGroupBox(QString::fromStdString(section.empty() ? std::string("general") : section));
      group = new QFormLayout(box);
      group->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
      form_layout_->addWidget(box);
    }
    const std::string shown = section.empty() ? row.spec.key : row.spec.key.substr(section.size() + 1);
    row.label = new QLabel(QString::fromStdString(shown));
    row.label->setToolTip(toolTipOf(row.spec));
    QWidget* field = makeEditor(i);
    group->addRow(row.label, field);
  }
  form_layout_->addStretch(1);
  resetToDefaults();
  loading_ = false;
  refreshJson();
  emit changed();
  return true;
}

void ConfigForm::setRuns(const std::vector<training::RunSummary>& runs) {
  runs_ = runs;
  const bool was_loading = loading_;
  loading_ = true;  // refilling the lists keeps the values: no edit
  for (auto& row : rows_)
    if (row.spec.kind == training::KeyKind::RunLink && row.combo) fillRuns(row);
  loading_ = was_loading;
}

ConfigForm::Row* ConfigForm::findRow(const std::string& key) {
  for (auto& row : rows_)
    if (row.spec.key == key) return &row;
  return nullptr;
}

void ConfigForm::resetToDefaults() {
  hidden_.clear();
  for (auto& row : rows_) {
    if (!isHidden(row)) setValue(row, row.spec.value);
    updateLabel(row);
  }
  clearMarks();
}

std::vector<std::string> ConfigForm::overrides() const {
  std::vector<std::string> out;
  for (const auto& row : rows_) {
    if (isHidden(row)) {
      const auto it = hidden_.find(row.spec.key);
      if (it != hidden_.end()) out.push_back(row.spec.key + "=" + it->second.dump());
      continue;
    }
    if (valueOf(row) != row.spec.value) out.push_back(row.spec.key + "=" + overrideValueText(row));
  }
  return out;
}

bool ConfigForm::setOverrides(const std::vector<std::string>& overrides) {
  if (stage_.empty()) return overrides.empty();
  loading_ = true;
  resetToDefaults();
  bool all = true;
  for (const auto& item : overrides) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      all = false;
      continue;
    }
    const std::string key = item.substr(0, eq);
    if (key == "stage") continue;
    Row* row = findRow(key);
    if (!row) {
      all = false;
      continue;
    }
    const json value = parseOverrideValue(item.substr(eq + 1));
    if (isHidden(*row)) {
      if (value != row->spec.value) hidden_[key] = value;
      else hidden_.erase(key);
    } else if (!setValue(*row, value)) {
      all = false;
    }
    updateLabel(*row);
  }
  loading_ = false;
  refreshJson();
  emit changed();
  return all;
}

bool ConfigForm::validate(QString* error) {
  if (stage_.empty()) {
    if (error) *error = tr("No stage chosen.");
    return false;
  }
  clearMarks();
  try {
    training::resolveConfig(stage_, {}, overrides());
    return true;
  } catch (const training::ConfigError& e) {
    if (Row* row = findRow(e.key()); row && row->editor) {
      markInvalid(row->editor, true);
      row->editor->setFocus();
    }
    if (error) *error = QString::fromStdString(e.what());
  } catch (const core::Error& e) {
    if (error) *error = QString::fromStdString(e.what());
  }
  return false;
}

json ConfigForm::uncheckedJson() const {
  json out = defaults_;
  for (const auto& row : rows_) {
    if (isHidden(row)) {
      const auto it = hidden_.find(row.spec.key);
      if (it != hidden_.end()) putAt(out, row.spec.key, it->second);
    } else {
      putAt(out, row.spec.key, valueOf(row));
    }
  }
  return out;
}

QString ConfigForm::resolvedJson() const {
  if (stage_.empty()) return {};
  try {
    return QString::fromStdString(training::resolveConfig(stage_, {}, overrides()).resolved.dump(2));
  } catch (const core::Error&) {
    return QString::fromStdString(uncheckedJson().dump(2));
  }
}

bool ConfigForm::applyJson(const QString& text, QString* error) {
  auto fail = [&](const std::string& message) {
    if (error) *error = QString::fromStdString(message);
    return false;
  };
  if (stage_.empty()) return fail("no stage chosen");
  json parsed;
  try {
    parsed = json::parse(text.toStdString());
  } catch (const json::exception& e) {
    return fail(std::string("the JSON does not parse: ") + e.what());
  }
  if (!parsed.is_object()) return fail("the JSON is not an object");
  if (parsed.contains("stage")) {
    if (parsed["stage"] != json(stage_))
      return fail("stage: the JSON is for stage " + parsed["stage"].dump() + ", not '" + stage_ + "'");
    parsed.erase("stage");
  }
  std::vector<std::pair<std::string, json>> leaves;
  flatten(parsed, "", leaves);
  std::vector<std::string> ovs;
  for (const auto& [key, value] : leaves) {
    const Row* row = findRow(key);
    if (!row) return fail(key + ": unknown key for stage '" + stage_ + "'");
    if (value != row->spec.value) ovs.push_back(key + "=" + value.dump());
  }
  try {
    training::resolveConfig(stage_, {}, ovs);
  } catch (const core::Error& e) {
    return fail(e.what());
  }
  return setOverrides(ovs) || fail("a value cannot be shown by its editor");
}

void ConfigForm::applyJsonPage() {
  QString error;
  if (applyJson(json_edit_->toPlainText(), &error)) {
    json_message_->setText(tr("Applied."));
    json_message_->setStyleSheet({});
  } else {
    json_message_->setText(error);
    json_message_->setStyleSheet(QStringLiteral("color: #b00020;"));
  }
}

QWidget* ConfigForm::editor(const std::string& key) const {
  for (const auto& row : rows_)
    if (row.spec.key == key) return row.editor;
  return nullptr;
}

void ConfigForm::rowEdited(std::size_t index) {
  if (loading_ || index >= rows_.size()) return;
  Row& row = rows_[index];
  updateLabel(row);
  markInvalid(row.editor, false);
  emit changed();
}

void ConfigForm::updateLabel(Row& row) {
  if (!row.label) return;
  QFont f = row.label->font();
  f.setBold(valueOf(row) != row.spec.value);
  row.label->setFont(f);
}

void ConfigForm::clearMarks() {
  for (auto& row : rows_)
    if (row.editor) markInvalid(row.editor, false);
}

void ConfigForm::refreshJson() {
  json_edit_->setPlainText(resolvedJson());
  json_message_->clear();
}

}  // namespace rgbdsod::ui
