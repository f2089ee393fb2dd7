#pragma once
// The fourth pane: facts about the shown sample (files, sizes, depth format and range, GT
// coverage) and the validation problems that concern it.
#include <QTextBrowser>

namespace rgbdsod::core {
struct ValidationReport;
}

namespace rgbdsod::ui {

struct LoadedSample;

class SampleInfoPanel : public QTextBrowser {
  Q_OBJECT

 public:
  explicit SampleInfoPanel(QWidget* parent = nullptr);

  // report may be nullptr (validation still running).
  void showSample(const LoadedSample& sample, int sample_count, const core::ValidationReport* report);
  void showMessage(const QString& text);
};

}  // namespace rgbdsod::ui
