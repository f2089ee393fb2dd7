#pragma once
// The Inspect workspace: for the selected sample and run, RGB / depth / GT / final map / error
// overlay, then a grid of every map the model has (side outputs per level, raw or combined; the
// learned fusion; foreground / background; RGB- and depth-branch maps; zero-shot), and a compare
// strip of a second run or prediction folder with the difference map. All panes zoom and pan
// together; colour map, contrast window and threshold apply to every map; the readout shows the
// value of every map under the cursor. The view only draws InspectSession's state: it never
// waits on the model (panes say "computing…" until their maps arrive).
#include <map>
#include <vector>

#include <QString>
#include <QStringList>
#include <QWidget>

#include "rgbdsod/ui/inspect/inspect_session.h"
#include "rgbdsod/ui/inspect/map_render.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QLabel;
class QPushButton;
class QScrollArea;
class QSlider;
class QVBoxLayout;

namespace rgbdsod::ui {

class FigureDialog;
class ImagePane;
class ModelBridge;
class SyncedViews;

class InspectView : public QWidget {
  Q_OBJECT

 public:
  explicit InspectView(InspectSession* session, QWidget* parent = nullptr);

  InspectSession* session() const { return session_; }

  // Loads a run folder into the shared ModelCore and shows it on `side` once loaded.
  void addRun(const QString& folder, InspectSession::Side side = InspectSession::Primary);
  // A prediction folder (one method) as a source.
  void addPredictionFolder(const QString& folder, InspectSession::Side side = InspectSession::Primary);
  // From the Evaluation tab: that method's folder on the compare side when a run is shown, else
  // as the primary source.
  void showMethodFolder(const QString& folder, const QString& method);

  void setShowRawSides(bool raw);
  bool showsRawSides() const { return raw_sides_; }
  void setColours(MapColours colours);
  void setContrast(double low, double high);

  // Panes by section: "inputs", "sides", "fused", "fgbg", "branches", "zero_shot", "compare".
  QList<ImagePane*> panes(const QString& section) const;
  ImagePane* pane(const QString& section, const QString& name) const;
  QString metricsText() const;
  QString readoutText() const;
  QString descriptionText() const;
  QString lastError() const { return last_error_; }
  // Everything asked for is shown: no run loading, no map pending, panes drawn.
  bool isSettled() const;

  // The whole grid, or one pane, as PNG (dpi), SVG or PDF; false with lastError() on failure.
  bool exportGrid(const QString& path, int dpi = 150);
  bool exportPane(const QString& section, const QString& name, const QString& path, int dpi = 150);

  void showReadout(const QPoint& pixel);  // as hovering over `pixel` does
  // The qualitative-figure builder over the current sources (shown, not modal); owned by the view.
  FigureDialog* openFigureDialog();
  const std::vector<MapSource>& sources() const { return sources_; }

 signals:
  void problem(const QString& message);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct Section {
    QLabel* title = nullptr;
    QWidget* host = nullptr;
    QGridLayout* grid = nullptr;
    std::vector<std::pair<QString, ImagePane*>> panes;  // name -> pane, in display order
  };

  QWidget* buildControls();
  void buildSections();
  void connectSession();
  void refreshSourceCombos();
  void onSourceChosen(InspectSession::Side side, int index);
  void onSampleChanged();
  void onSideChanged(int side);
  void redrawAll();
  void drawInputs();
  void drawPrimaryMaps();
  void drawCompare();
  void drawMetrics();
  void setSectionPanes(const QString& section, const std::vector<std::pair<QString, QString>>& names_titles);
  ImagePane* ensurePane(const QString& section, const QString& name, const QString& title);
  void showMap(ImagePane* pane, const training::InspectMap& map);
  void showPendingNotes(InspectSession::Side side);
  void chooseRun();
  void chooseFolder();
  void exportGridWithDialog();
  void exportPaneWithDialog(const QString& section, const QString& name);
  bool fail(const QString& message);
  int gridColumns() const;
  void relayoutSections();

  InspectSession* session_;
  SyncedViews* synced_;
  std::vector<MapSource> sources_;  // the entries of both source combos (after "none")
  std::map<QString, Section> sections_;
  QStringList section_order_;

  QComboBox* primary_combo_ = nullptr;
  QComboBox* compare_combo_ = nullptr;
  QComboBox* sides_combo_ = nullptr;
  QComboBox* colours_combo_ = nullptr;
  QDoubleSpinBox* low_ = nullptr;
  QDoubleSpinBox* high_ = nullptr;
  QCheckBox* adaptive_ = nullptr;
  QSlider* threshold_ = nullptr;
  QLabel* threshold_value_ = nullptr;
  QCheckBox* zero_shot_ = nullptr;
  QPushButton* export_grid_ = nullptr;
  QScrollArea* scroll_ = nullptr;
  QWidget* grid_host_ = nullptr;
  QVBoxLayout* grid_layout_ = nullptr;
  QLabel* metrics_ = nullptr;
  QLabel* readout_ = nullptr;
  QLabel* description_ = nullptr;

  bool raw_sides_ = false;
  MapColours colours_ = MapColours::Grey;
  double low_value_ = 0.0, high_value_ = 1.0;
  QString last_error_;
  int pending_loads_ = 0;
  int laid_out_columns_ = 0;
  std::map<QString, InspectSession::Side> wanted_side_;  // run folders being loaded -> where to show them
};

}  // namespace rgbdsod::ui
