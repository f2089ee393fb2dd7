// The Training workspace's configuration form (ConfigForm): one editor per schema key with the
// kind's widget, overrides only for what differs from the defaults, the same refusal as
// `rgbdsod train --set` naming the key, debug.* round-tripping without an editor, the JSON page
// applying back, and the run links listing only compatible runs. Offscreen.
#include <algorithm>
#include <string>
#include <vector>

#include <QCheckBox>
#include <QComboBox>
#include <QFont>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "rgbdsod/training/config.h"
#include "rgbdsod/training/config_schema.h"
#include "rgbdsod/ui/training/config_form.h"

using namespace rgbdsod;
using rgbdsod::ui::ConfigForm;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

training::RunSummary fakeRun(const std::string& folder, const std::string& stage) {
  training::RunSummary r;
  r.folder = folder;
  r.name = folder.substr(folder.find_last_of('/') + 1);
  r.stage = stage;
  r.state = training::RunState::Finished;
  r.step = 10;
  r.steps = 10;
  r.has_checkpoint = true;
  return r;
}

}  // namespace

class ConfigFormTest : public QObject {
  Q_OBJECT

 private slots:
  void everyKeyButDebugHasAnEditorOfItsKind();
  void theDefaultsGiveNoOverrides();
  void anEditedValueBecomesAnOverrideTheCliAccepts();
  void aBadValueIsRefusedNamingTheKeyAndMarked();
  void debugKeysRoundTripWithoutAnEditor();
  void setOverridesReportsWhatItCouldNotApply();
  void theJsonPageAppliesBackAndRefusesUnknownKeys();
  void runLinksListOnlyCompatibleRuns();
  void anUnknownStageLeavesAnEmptyForm();
};

void ConfigFormTest::everyKeyButDebugHasAnEditorOfItsKind() {
  ConfigForm form;
  QVERIFY(form.setStage("distill"));
  int checked = 0;
  for (const auto& spec : training::configSchema("distill")) {
    if (spec.key == "stage") continue;
    QWidget* w = form.editor(spec.key);
    if (spec.key.rfind("debug.", 0) == 0) {
      QVERIFY2(!w, spec.key.c_str());
      continue;
    }
    QVERIFY2(w, spec.key.c_str());
    QCOMPARE(w->objectName().toStdString(), spec.key);
    QVERIFY2(w->toolTip().contains(QString::fromStdString(spec.key)), spec.key.c_str());
    switch (spec.kind) {
      case training::KeyKind::Bool: QVERIFY(qobject_cast<QCheckBox*>(w)); break;
      case training::KeyKind::Choice: QVERIFY(qobject_cast<QComboBox*>(w)); break;
      case training::KeyKind::RunLink: QVERIFY(qobject_cast<QComboBox*>(w)->isEditable()); break;
      default: QVERIFY(qobject_cast<QLineEdit*>(w)); break;
    }
    ++checked;
  }
  QVERIFY(checked > 10);
  QVERIFY(form.editor("model.teacher"));  // distill links its teacher
}

void ConfigFormTest::theDefaultsGiveNoOverrides() {
  ConfigForm form;
  for (const auto& stage : training::stageNames()) {
    QVERIFY2(form.setStage(stage), stage.c_str());
    QVERIFY2(form.overrides().empty(), stage.c_str());
    QString error;
    QVERIFY2(form.validate(&error), qPrintable(QString::fromStdString(stage) + ": " + error));
    const auto resolved = nlohmann::json::parse(form.resolvedJson().toStdString());
    QCOMPARE(resolved, training::resolveConfig(stage, {}, {}).resolved);
  }
}

void ConfigFormTest::anEditedValueBecomesAnOverrideTheCliAccepts() {
  ConfigForm form;
  QVERIFY(form.setStage("teacher"));
  QSignalSpy changed(&form, &ConfigForm::changed);
  auto* lr = qobject_cast<QLineEdit*>(form.editor("optim.lr"));
  QVERIFY(lr);
  lr->setText(QStringLiteral("2e-4"));
  QVERIFY(changed.count() >= 1);
  auto* hflip = qobject_cast<QCheckBox*>(form.editor("data.augment.hflip"));
  QVERIFY(hflip);
  hflip->setChecked(!hflip->isChecked());
  const auto ovs = form.overrides();
  QCOMPARE(ovs.size(), std::size_t{2});
  QVERIFY(contains(ovs, "optim.lr=2e-4"));
  QVERIFY(form.validate());
  const auto c = training::resolveConfig("teacher", {}, ovs);
  QCOMPARE(c.resolved["optim"]["lr"].get<double>(), 2e-4);
  // Back at its default, a key is no override.
  lr->setText(QString::fromStdString(training::findKeySpec(training::configSchema("teacher"), "optim.lr")->value.dump()));
  QCOMPARE(form.overrides().size(), std::size_t{1});
}

void ConfigFormTest::aBadValueIsRefusedNamingTheKeyAndMarked() {
  ConfigForm form;
  QVERIFY(form.setStage("teacher"));
  auto* size = qobject_cast<QLineEdit*>(form.editor("data.size"));
  QVERIFY(size);
  size->setText(QStringLiteral("100"));  // not a multiple of 32
  QString error;
  QVERIFY(!form.validate(&error));
  QVERIFY2(error.contains(QStringLiteral("data.size")), qPrintable(error));
  QVERIFY(size->property("invalid").toBool());
  // The CLI refuses the same override with the same message.
  try {
    training::resolveConfig("teacher", {}, form.overrides());
    QFAIL("resolveConfig accepted data.size=100");
  } catch (const training::ConfigError& e) {
    QCOMPARE(QString::fromStdString(e.what()), error);
  }
  // Text that is not a number is refused too, and editing clears the mark.
  size->setText(QStringLiteral("big"));
  QVERIFY(!size->property("invalid").toBool());
  QVERIFY(!form.validate(&error));
  QVERIFY2(error.contains(QStringLiteral("data.size")), qPrintable(error));
  size->setText(QStringLiteral("64"));
  QVERIFY(form.validate(&error));
  QVERIFY(!size->property("invalid").toBool());
}

void ConfigFormTest::debugKeysRoundTripWithoutAnEditor() {
  ConfigForm form;
  QVERIFY(form.setStage("teacher"));
  std::string debug_key;
  nlohmann::json other;
  for (const auto& spec : training::configSchema("teacher"))
    if (spec.key.rfind("debug.", 0) == 0 && spec.value.is_number_integer()) {
      debug_key = spec.key;
      other = spec.value.get<long long>() + 3;
      break;
    }
  if (debug_key.empty()) QSKIP("the teacher stage has no integer debug.* key");
  const std::string item = debug_key + "=" + other.dump();
  QVERIFY(form.setOverrides({item, "optim.lr=0.0123"}));
  QVERIFY(!form.editor(debug_key));
  QVERIFY(contains(form.overrides(), item));
  QVERIFY(contains(form.overrides(), "optim.lr=0.0123"));
  QVERIFY(form.resolvedJson().contains(QString::fromStdString(debug_key.substr(6))));
}

void ConfigFormTest::setOverridesReportsWhatItCouldNotApply() {
  ConfigForm form;
  QVERIFY(form.setStage("teacher"));
  QVERIFY(!form.setOverrides({"model.no_such_key=1", "optim.lr=0.5"}));
  QVERIFY(contains(form.overrides(), "optim.lr=0.5"));  // the rest is applied
  QVERIFY(!form.setOverrides({"malformed"}));
  QVERIFY(form.overrides().empty());  // reset to the defaults first
  QVERIFY(form.setOverrides({"stage=fuse"}));  // ignored, as --set refuses it
  QCOMPARE(form.stage(), std::string("teacher"));
}

void ConfigFormTest::theJsonPageAppliesBackAndRefusesUnknownKeys() {
  ConfigForm form;
  QVERIFY(form.setStage("teacher"));
  auto j = nlohmann::json::parse(form.resolvedJson().toStdString());
  j["optim"]["lr"] = 0.0125;
  QString error;
  QVERIFY2(form.applyJson(QString::fromStdString(j.dump()), &error), qPrintable(error));
  QCOMPARE(qobject_cast<QLineEdit*>(form.editor("optim.lr"))->text(), QStringLiteral("0.0125"));
  QCOMPARE(form.overrides(), std::vector<std::string>{"optim.lr=0.0125"});

  auto bad = j;
  bad["optim"]["no_such"] = 1;
  QVERIFY(!form.applyJson(QString::fromStdString(bad.dump()), &error));
  QVERIFY2(error.contains(QStringLiteral("optim.no_such")), qPrintable(error));
  QCOMPARE(form.overrides(), std::vector<std::string>{"optim.lr=0.0125"});  // left as it was
  QVERIFY(!form.applyJson(QStringLiteral("{\"optim\": "), &error));
  QVERIFY(error.contains(QStringLiteral("parse")));
  auto other = j;
  other["stage"] = "fuse";
  QVERIFY(!form.applyJson(QString::fromStdString(other.dump()), &error));
  QVERIFY2(error.contains(QStringLiteral("fuse")), qPrintable(error));
}

void ConfigFormTest::runLinksListOnlyCompatibleRuns() {
  ConfigForm form;
  QVERIFY(form.setStage("distill"));
  auto* teacher = qobject_cast<QComboBox*>(form.editor("model.teacher"));
  QVERIFY(teacher);
  teacher->setEditText(QStringLiteral("/typed/by/hand"));
  form.setRuns({fakeRun("/runs/t1", "teacher"), fakeRun("/runs/f1", "fuse"), fakeRun("/runs/t2", "teacher")});
  QStringList items;
  for (int i = 0; i < teacher->count(); ++i) items << teacher->itemText(i);
  QCOMPARE(items, (QStringList{QString(), QStringLiteral("/runs/t1"), QStringLiteral("/runs/t2")}));
  QCOMPARE(teacher->currentText(), QStringLiteral("/typed/by/hand"));  // kept
  teacher->setCurrentIndex(2);
  QVERIFY(contains(form.overrides(), "model.teacher=\"/runs/t2\""));
}

void ConfigFormTest::anUnknownStageLeavesAnEmptyForm() {
  ConfigForm form;
  QVERIFY(form.setStage("teacher"));
  QVERIFY(!form.setStage("no-such-stage"));
  QVERIFY(form.stage().empty());
  QVERIFY(!form.editor("optim.lr"));
  QString error;
  QVERIFY(!form.validate(&error));
  QVERIFY(!error.isEmpty());
}

QTEST_MAIN(ConfigFormTest)
#include "config_form_test.moc"
