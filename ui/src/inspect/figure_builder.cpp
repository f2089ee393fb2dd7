#include "rgbdsod/ui/inspect/figure_builder.h"

#include <exception>

#include <QMetaObject>

#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/figures/qualitative_figure.h"
#include "rgbdsod/ui/image_convert.h"
#include "rgbdsod/ui/inspect/prediction_lookup.h"
#include "rgbdsod/ui/sample_loader.h"
#include "rgbdsod/ui/shell/model_bridge.h"

namespace rgbdsod::ui {

namespace fs = std::filesystem;

FigureBuilder::FigureBuilder(ModelBridge* models, QObject* parent) : QObject(parent), models_(models) {
  pool_.setMaxThreadCount(2);
}

FigureBuilder::~FigureBuilder() {
  *alive_ = false;
  for (training::Ticket t : tickets_) models_->cancel(t);
  pool_.waitForDone();
}

void FigureBuilder::fail(const QString& message) {
  running_ = false;
  ++generation_;  // late cells are dropped
  for (training::Ticket t : tickets_) models_->cancel(t);
  tickets_.clear();
  emit failed(message);
}

void FigureBuilder::requestStop() {
  if (running_) fail(tr("stopped"));
}

void FigureBuilder::start(FigureRequest request) {
  if (running_) {
    emit failed(tr("a figure is being built already"));
    return;
  }
  if (!request.dataset || request.samples.isEmpty()) {
    emit failed(tr("choose at least one sample"));
    return;
  }
  try {
    figures::checkQualitativeFigurePath(request.out.toStdString());  // before any work
  } catch (const std::exception& e) {
    emit failed(QString::fromStdString(e.what()));
    return;
  }
  std::vector<int> indices;
  for (const QString& name : request.samples) {
    const auto index = request.dataset->indexOf(name.toStdString());
    if (!index) {
      emit failed(tr("%1 is not a sample of %2").arg(name, QString::fromStdString(request.dataset->root.string())));
      return;
    }
    indices.push_back(static_cast<int>(*index));
  }
  request_ = std::move(request);
  running_ = true;
  const quint64 generation = ++generation_;
  const int inputs = 1 + (request_.depth ? 1 : 0) + (request_.gt ? 1 : 0);
  columns_total_ = inputs + static_cast<int>(request_.columns.size());
  const int rows = static_cast<int>(indices.size());
  cells_.assign(static_cast<std::size_t>(rows), std::vector<QImage>(static_cast<std::size_t>(columns_total_)));
  done_ = 0;
  tickets_.clear();
  emit progress(0, rows * columns_total_);

  for (int row = 0; row < rows; ++row) {
    // The inputs of the sample (and its folder maps) in the worker.
    const auto dataset = request_.dataset;
    const int index = indices[static_cast<std::size_t>(row)];
    const core::DepthPolarity polarity = request_.polarity;
    const bool depth = request_.depth, gt = request_.gt;
    pool_.start([this, alive = alive_, generation, row, dataset, index, polarity, depth, gt] {
      const LoadedSample s = loadSampleForDisplay(*dataset, index, polarity);
      QMetaObject::invokeMethod(
          this,
          [this, alive, generation, row, s, depth, gt] {
            if (!*alive) return;
            int column = 0;
            onCell(generation, row, column++, s.rgb, QString());
            if (depth) onCell(generation, row, column++, s.depth_colour, QString());
            if (gt) onCell(generation, row, column++, s.gt, QString());
          },
          Qt::QueuedConnection);
    });
    const QString name = request_.samples[row];
    for (int c = 0; c < static_cast<int>(request_.columns.size()); ++c) {
      const MapSource& source = request_.columns[static_cast<std::size_t>(c)].source;
      const int column = inputs + c;
      if (source.kind == MapSource::Kind::Run) {
        training::InspectRequest r;
        r.run = source.run;
        r.dataset = request_.dataset->root;
        r.sample = name.toStdString();
        r.lane = QStringLiteral("figure/%1/%2").arg(column).arg(row).toStdString();
        tickets_.push_back(models_->request(std::move(r), [this, alive = alive_, generation, row, column](const training::InspectResult& res) {
          if (!*alive) return;
          const training::InspectMap* m = res.find("final");
          if (res.status != training::InspectStatus::Done || !m) {
            onCell(generation, row, column, QImage(),
                   res.error.empty() ? QString::fromLatin1(training::toString(res.status)) : QString::fromStdString(res.error));
          } else {
            onCell(generation, row, column, toQImage(m->image), QString());
          }
        }));
      } else {
        const fs::path folder = source.folder.toStdString();
        pool_.start([this, alive = alive_, generation, row, column, folder, name] {
          QImage image;
          QString error;
          try {
            const fs::path file = predictionFileFor(folder, name.toStdString());
            if (file.empty()) throw core::FileError(folder, "no prediction for sample " + name.toStdString());
            image = toQImage(core::readEvaluationImage(file));
          } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
          }
          QMetaObject::invokeMethod(
              this, [this, alive, generation, row, column, image, error] {
                if (*alive) onCell(generation, row, column, image, error);
              },
              Qt::QueuedConnection);
        });
      }
    }
  }
}

void FigureBuilder::onCell(quint64 generation, int row, int column, QImage image, const QString& error) {
  if (generation != generation_ || !running_) return;
  if (!error.isEmpty()) {
    fail(error);
    return;
  }
  cells_[static_cast<std::size_t>(row)][static_cast<std::size_t>(column)] = std::move(image);
  ++done_;
  emit progress(done_, static_cast<int>(cells_.size()) * columns_total_);
  if (done_ == static_cast<int>(cells_.size()) * columns_total_) writeWhenComplete();
}

void FigureBuilder::writeWhenComplete() {
  figures::QualitativeFigure figure;
  figure.column_titles.push_back("RGB");
  if (request_.depth) figure.column_titles.push_back("Depth");
  if (request_.gt) figure.column_titles.push_back("GT");
  for (const FigureColumn& c : request_.columns) figure.column_titles.push_back(c.title.toStdString());
  figure.cells = cells_;
  figure.cell_width_pt = request_.cell_width_pt;
  const std::string out = request_.out.toStdString();
  const int dpi = request_.dpi;
  const quint64 generation = generation_;
  tickets_.clear();
  pool_.start([this, alive = alive_, generation, figure = std::move(figure), out, dpi] {
    QString error;
    try {
      figures::writeQualitativeFigure(figure, out, dpi);
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this,
        [this, alive, generation, error, out] {
          if (!*alive || generation != generation_) return;
          if (!error.isEmpty()) {
            fail(error);
            return;
          }
          running_ = false;
          emit finished(QString::fromStdString(out));
        },
        Qt::QueuedConnection);
  });
}

}  // namespace rgbdsod::ui
