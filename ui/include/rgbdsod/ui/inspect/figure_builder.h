#pragma once
// The qualitative figure of papers from the studio: rows = chosen samples, columns = RGB, depth,
// GT and the final maps of chosen runs or prediction folders, written as PDF, PNG or SVG by
// rgbdsod::figures (the same builder as `rgbdsod figure`). A job in the start / requestStop /
// isRunning style: samples are decoded and folders read in a worker, runs' maps come from the
// shared ModelCore on lanes of their own (they never supersede what Inspect shows), and the file
// is written in the worker. The GUI thread only collects.
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <QImage>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth.h"
#include "rgbdsod/ui/inspect/inspect_session.h"

namespace rgbdsod::ui {

struct FigureColumn {
  QString title;
  MapSource source;
};

struct FigureRequest {
  std::shared_ptr<const core::Dataset> dataset;
  core::DepthPolarity polarity = core::DepthPolarity::NearIsBright;  // how depth is coloured
  QStringList samples;               // rows, by name
  bool depth = true;                 // a Depth column after RGB
  bool gt = true;                    // a GT column
  std::vector<FigureColumn> columns; // the methods, in order
  QString out;                       // .pdf, .png or .svg
  int dpi = 300;
  double cell_width_pt = 70.0;
};

class FigureBuilder : public QObject {
  Q_OBJECT

 public:
  FigureBuilder(ModelBridge* models, QObject* parent = nullptr);
  ~FigureBuilder() override;

  // Refused (failed) while running, or for a request without samples or with an unknown sample.
  void start(FigureRequest request);
  void requestStop();
  bool isRunning() const { return running_; }

 signals:
  void progress(int done, int total);
  void finished(const QString& file);
  void failed(const QString& message);

 private:
  struct Cell;
  void onCell(quint64 generation, int row, int column, QImage image, const QString& error);
  void writeWhenComplete();
  void fail(const QString& message);

  ModelBridge* models_;
  QThreadPool pool_;
  FigureRequest request_;
  bool running_ = false;
  quint64 generation_ = 0;
  int columns_total_ = 0;
  int done_ = 0;
  std::vector<std::vector<QImage>> cells_;
  std::vector<training::Ticket> tickets_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace rgbdsod::ui
