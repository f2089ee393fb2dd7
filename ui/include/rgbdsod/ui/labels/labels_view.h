#pragma once
// The Labels workspace: the canvas with the tools on a toolbar (single-key shortcuts), undo /
// redo of the shown image, overlay opacity and outline, RGB or depth behind the mask, a pixel
// readout, the review status, and the model's suggestions (accept / reject with one key, the next
// most suspicious image). All edits go through LabelsSession; nothing here changes pixels.
#include <QWidget>

class QAction;
class QActionGroup;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QSlider;
class QSpinBox;

namespace rgbdsod::ui {

class LabelCanvas;
class LabelsSession;

enum class LabelTool { Brush, Eraser, Polygon, Wand, Flip };

class LabelsView : public QWidget {
  Q_OBJECT

 public:
  explicit LabelsView(LabelsSession* session, QWidget* parent = nullptr);

  LabelCanvas* canvas() const { return canvas_; }
  LabelTool tool() const { return tool_; }
  void setTool(LabelTool tool);
  int brushRadius() const;
  void setBrushRadius(int radius);
  void setDepthBackground(bool depth);
  QString readoutText() const;
  QListWidget* suggestionList() const { return suggestions_; }
  QAction* action(const QString& object_name) const;  // the tools' and commands' actions, for tests

 signals:
  void sampleStepRequested(int step);          // +1 next image, -1 previous
  void sampleNamedRequested(const QString& name);
  void problem(const QString& message);
  void status(const QString& message);

 private:
  QAction* addAction(const QString& name, const QString& text, const QKeySequence& key, const QString& tip);
  void pressed(QPoint pos, Qt::MouseButton button, Qt::KeyboardModifiers modifiers);
  void dragged(QPoint from, QPoint to);
  void released(QPoint pos);
  void hovered(QPoint pos);
  void sampleChanged();
  void refreshSuggestions();
  void refreshStatus();
  void choosePredictions();
  void refreshRuns();
  QImage backgroundImage() const;

  LabelsSession* session_;
  LabelCanvas* canvas_;
  LabelTool tool_ = LabelTool::Brush;
  QActionGroup* tools_;
  QSpinBox* radius_spin_;
  QDoubleSpinBox* tolerance_spin_;
  QCheckBox* wand_depth_check_;
  QSpinBox* grow_spin_;
  QSlider* opacity_slider_;
  QCheckBox* outline_check_;
  QCheckBox* depth_check_;
  QLabel* readout_;
  QLabel* status_label_;
  QLineEdit* pred_edit_;
  QComboBox* run_combo_;
  QListWidget* suggestions_;
  QProgressBar* rank_progress_;
  QVector<QPoint> polygon_;
  QPoint hover_{-1, -1};
  bool stroking_ = false;
  bool erase_stroke_ = false;
};

}  // namespace rgbdsod::ui
