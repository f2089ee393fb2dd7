#include "rgbdsod/ui/inspect/inspect_session.h"

#include <chrono>
#include <exception>
#include <filesystem>
#include <utility>

#include <QDir>
#include <QFileInfo>
#include <QMetaObject>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/core/image_io.h"
#include "rgbdsod/ui/inspect/map_render.h"
#include "rgbdsod/ui/inspect/prediction_lookup.h"
#include "rgbdsod/ui/shell/model_bridge.h"

namespace rgbdsod::ui {

namespace fs = std::filesystem;

namespace {

const char* laneOf(InspectSession::Side side) {
  return side == InspectSession::Primary ? "inspect/primary" : "inspect/compare";
}

// The GT as the evaluation reads it (cv2.imread grey), so the per-image numbers equal `rgbdsod eval`'s.
cv::Mat evaluationGt(const QString& gt_file) {
  if (gt_file.isEmpty()) return {};
  return core::readEvaluationImage(gt_file.toStdString());
}

}  // namespace

MapSource MapSource::ofRun(training::RunId id, const QString& label) {
  MapSource s;
  s.kind = Kind::Run;
  s.run = id;
  s.label = label;
  return s;
}

MapSource MapSource::ofFolder(const QString& folder, const QString& label) {
  MapSource s;
  s.kind = Kind::Folder;
  s.folder = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
  s.label = label.isEmpty() ? QFileInfo(s.folder).fileName() : label;
  return s;
}

InspectSession::InspectSession(ModelBridge* models, QObject* parent) : QObject(parent), models_(models) {
  pool_.setMaxThreadCount(2);
  // A run reloaded on a newer checkpoint (Training's "follow" mode) shows its new maps at once.
  connect(models_, &ModelBridge::runReloaded, this, [this](int id) {
    for (Side s : {Primary, Compare})
      if (sides_[s].source.kind == MapSource::Kind::Run && sides_[s].source.run == id) refresh(s);
  });
}

InspectSession::~InspectSession() {
  *alive_ = false;
  for (Side s : {Primary, Compare}) {
    if (ticket_[s] != 0) models_->cancel(ticket_[s]);
  }
  pool_.waitForDone();
}

void InspectSession::setDataset(std::shared_ptr<const core::Dataset> dataset) {
  const QString folder = dataset ? QString::fromStdString(dataset->root.string()) : QString();
  dataset_ = std::move(dataset);
  if (folder == dataset_folder_) return;
  dataset_folder_ = folder;
  sample_ = LoadedSample();
  rgb_.release();
  gt_.release();
  for (Side s : {Primary, Compare}) refresh(s);
  emit sampleChanged();
}

void InspectSession::setSample(const LoadedSample& sample) {
  sample_ = sample;
  gt_ = greyMatFromImage(sample.gt);
  rgb_ = bgrMatFromImage(sample.rgb);
  if (!rgb_.empty() && !gt_.empty() && rgb_.size() != gt_.size()) {
    cv::resize(rgb_, rgb_, gt_.size(), 0, 0, cv::INTER_LINEAR);  // the maps come at the GT's size
  }
  for (Side s : {Primary, Compare}) refresh(s);
  emit sampleChanged();
}

void InspectSession::setSource(Side side, const MapSource& source) {
  if (sides_[side].source == source) return;
  sides_[side].source = source;
  refresh(side);
}

void InspectSession::setZeroShot(bool on) {
  if (on == zero_shot_) return;
  zero_shot_ = on;
  for (Side s : {Primary, Compare}) {
    if (sides_[s].source.kind == MapSource::Kind::Run) refresh(s);
  }
}

void InspectSession::setFixedThreshold(std::optional<double> threshold) {
  fixed_threshold_ = threshold;
  emit thresholdChanged();
}

double InspectSession::thresholdFor(Side side) const {
  return fixed_threshold_ ? *fixed_threshold_ : sides_[side].adaptive_threshold;
}

bool InspectSession::isPending() const { return sides_[Primary].pending || sides_[Compare].pending; }

void InspectSession::refresh(Side side) {
  InspectSide& s = sides_[side];
  const quint64 serial = ++serial_[side];
  if (ticket_[side] != 0) {
    models_->cancel(ticket_[side]);  // a newer request on the lane would supersede it anyway
    ticket_[side] = 0;
  }
  s.result = training::InspectResult();
  s.final8.release();
  s.scores.reset();
  s.error.clear();
  s.pending = false;
  if (s.source.kind == MapSource::Kind::None || sample_.name.isEmpty()) {
    emit sideChanged(side);
    return;
  }
  s.pending = true;
  emit sideChanged(side);

  if (s.source.kind == MapSource::Kind::Run) {
    training::InspectRequest request;
    request.run = s.source.run;
    request.dataset = dataset_folder_.toStdString();
    request.sample = sample_.name.toStdString();
    request.zero_shot = zero_shot_;
    request.lane = laneOf(side);
    ticket_[side] = models_->request(std::move(request), [this, side, serial, alive = alive_](const training::InspectResult& r) {
      if (*alive) deliver(side, serial, r);
    });
    return;
  }
  // A prediction folder: read its map for this sample in the worker.
  const fs::path folder = s.source.folder.toStdString();
  const std::string name = sample_.name.toStdString();
  pool_.start([this, side, serial, folder, name, alive = alive_] {
    training::InspectResult r;
    r.sample = name;
    const auto start = std::chrono::steady_clock::now();
    try {
      const fs::path file = predictionFileFor(folder, name);
      if (file.empty()) throw core::FileError(folder, "no prediction for sample " + name);
      training::InspectMap map;
      map.name = "final";
      map.group = "final";
      map.image = core::readEvaluationImage(file);
      map.image.convertTo(map.probability, CV_32F, 1.0 / 255.0);
      r.original = map.image.size();
      r.maps.push_back(std::move(map));
    } catch (const std::exception& e) {
      r.status = training::InspectStatus::Failed;
      r.error = e.what();
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    QMetaObject::invokeMethod(
        this, [this, side, serial, alive, r = std::move(r)] { if (*alive) deliver(side, serial, r); },
        Qt::QueuedConnection);
  });
}

void InspectSession::deliver(Side side, quint64 serial, training::InspectResult result) {
  if (serial != serial_[side]) return;  // an older sample or source
  if (result.status == training::InspectStatus::Superseded || result.status == training::InspectStatus::Cancelled) {
    return;  // a newer request of this side is on its way
  }
  ticket_[side] = 0;
  // Metrics and the 8-bit map at the GT's size in the worker (the weighted F-measure alone takes
  // milliseconds on a large image).
  auto done = std::make_shared<InspectSide>();
  done->source = sides_[side].source;
  done->result = std::move(result);
  const QString gt_file = sample_.gt_file;
  pool_.start([this, side, serial, done, gt_file, alive = alive_] {
    try {
      if (done->result.status == training::InspectStatus::Failed) throw core::Error(done->result.error);
      const training::InspectMap* final_map = done->result.find("final");
      if (!final_map) throw core::Error("the result holds no final map");
      const cv::Mat gt = evaluationGt(gt_file);
      done->final8 = final_map->image;
      if (!gt.empty() && done->final8.size() != gt.size()) {
        cv::resize(done->final8, done->final8, gt.size(), 0, 0, cv::INTER_LINEAR);  // as the evaluation does
      }
      done->adaptive_threshold = adaptiveThreshold(done->final8);
      if (!gt.empty()) done->scores = core::computeImageMetrics(done->final8, gt).scores;
    } catch (const std::exception& e) {
      done->error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this, [this, side, serial, done, alive] { if (*alive) finish(side, serial, done); }, Qt::QueuedConnection);
  });
}

void InspectSession::finish(Side side, quint64 serial, std::shared_ptr<InspectSide> done) {
  if (serial != serial_[side]) return;
  done->pending = false;
  sides_[side] = std::move(*done);
  emit sideChanged(side);
}

}  // namespace rgbdsod::ui
