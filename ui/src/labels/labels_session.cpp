#include "rgbdsod/ui/labels/labels_session.h"

#include <algorithm>
#include <filesystem>

#include <QPointer>
#include <QtConcurrent/QtConcurrent>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/image_io.h"
#include "rgbdsod/core/mask_edit.h"
#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/ui/inspect/map_render.h"
#include "rgbdsod/ui/shell/model_bridge.h"

namespace rgbdsod::ui {

namespace fs = std::filesystem;

namespace {

QString qstr(const std::string& s) { return QString::fromStdString(s); }
fs::path pathOf(const QString& s) { return fs::path(s.toStdString()); }

cv::Rect discBox(QPoint c, int radius, const cv::Size& size) {
  return cv::Rect(c.x() - radius, c.y() - radius, 2 * radius + 1, 2 * radius + 1) & cv::Rect(0, 0, size.width, size.height);
}

// A prediction map of a sample in a folder of maps: <name>.png, else another image suffix.
fs::path findMap(const fs::path& folder, const std::string& name) {
  for (const char* ext : {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}) {
    fs::path p = folder / (name + ext);
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p;
  }
  return {};
}

// The map at the label's size (maps from `rgbdsod infer` already are; others are resized).
cv::Mat mapAtSize(const fs::path& file, const cv::Size& size) {
  cv::Mat m = core::readMask(file);
  if (m.size() != size) cv::resize(m, m, size, 0, 0, cv::INTER_LINEAR);
  return m;
}

}  // namespace

LabelsSession::LabelsSession(QObject* parent) : QObject(parent) {
  autosave_.setSingleShot(true);
  autosave_.setInterval(kDefaultAutosaveMs);
  connect(&autosave_, &QTimer::timeout, this, [this] { saveNow(); });
  suggest_timer_.setSingleShot(true);
  suggest_timer_.setInterval(150);
  connect(&suggest_timer_, &QTimer::timeout, this, &LabelsSession::refreshSuggestions);
  connect(&ranking_, &QFutureWatcher<std::vector<RankedImage>>::finished, this, [this] {
    if (!ranking_.future().isValid() || ranking_.future().resultCount() == 0) return;
    ranked_ = ranking_.result();
    emit rankingFinished();
  });
}

LabelsSession::~LabelsSession() {
  cancel_ = true;
  ranking_.waitForFinished();
  if (isDirty()) saveNow();
}

void LabelsSession::setDataset(std::shared_ptr<const core::Dataset> dataset, const QString& corrections) {
  if (isDirty()) saveNow();
  cancel_ = true;
  ranking_.waitForFinished();
  cancel_ = false;
  images_.clear();
  current_ = nullptr;
  name_.clear();
  ranked_.clear();
  suggestions_ = {};
  store_.reset();
  store_problem_.clear();
  dataset_ = std::move(dataset);
  if (!dataset_) return;
  try {
    store_ = std::make_unique<core::LabelStore>(*dataset_, pathOf(corrections));
    store_problem_ = qstr(store_->sidecarProblem());
    if (store_problem_.isEmpty() && !store_->writable())
      store_problem_ = tr("%1 cannot be written: choose another corrections folder").arg(qstr(store_->folder().string()));
  } catch (const core::Error& e) {
    store_problem_ = qstr(e.what());
  }
  if (!store_problem_.isEmpty()) emit problem(store_problem_);
}

QString LabelsSession::correctionsFolder() const { return store_ ? qstr(store_->folder().string()) : QString(); }

bool LabelsSession::rebuildSidecar(QString* error) {
  if (!store_) return false;
  try {
    store_->rebuildSidecar();
    store_problem_.clear();
    return true;
  } catch (const core::Error& e) {
    if (error) *error = qstr(e.what());
    return false;
  }
}

bool LabelsSession::setCorrectionsFolder(const QString& folder, QString* error) {
  if (!dataset_) return false;
  std::unique_ptr<core::LabelStore> store;
  try {
    store = std::make_unique<core::LabelStore>(*dataset_, pathOf(folder));
  } catch (const core::Error& e) {
    if (error) *error = qstr(e.what());
    return false;
  }
  if (!store->writable()) {
    if (error) *error = tr("%1 cannot be written either").arg(qstr(store->folder().string()));
    return false;
  }
  store_ = std::move(store);
  store_problem_ = qstr(store_->sidecarProblem());
  // Every edited image is written to the new folder (the old one could not take them).
  for (auto& [name, state] : images_) {
    if (!state->dirty) continue;
    try {
      store_->save(name, state->mask, state->kinds);
      state->dirty = false;
      state->kinds.clear();
    } catch (const core::Error& e) {
      if (error) *error = qstr(e.what());
      return false;
    }
  }
  return true;
}

int LabelsSession::importMasks(const QString& folder, QString* error) {
  if (!store_) return -1;
  if (isDirty() && !saveNow(error)) return -1;
  std::size_t n = 0;
  try {
    n = store_->importMasks(pathOf(folder));
  } catch (const core::Error& e) {
    if (error) *error = qstr(e.what());
    return -1;
  }
  // The imported masks replace what the visited images hold: reload the shown one.
  current_ = nullptr;
  images_.clear();
  if (!name_.empty()) setSample(sample_);
  return static_cast<int>(n);
}

bool LabelsSession::exportDataset(const QString& out, bool copy, QString* error) {
  if (!store_) return false;
  if (isDirty() && !saveNow(error)) return false;
  try {
    store_->exportDataset(pathOf(out), copy);
  } catch (const core::Error& e) {
    if (error) *error = qstr(e.what());
    return false;
  }
  return true;
}

LabelsSession::ImageState* LabelsSession::stateOf(const std::string& name, bool create) {
  auto it = images_.find(name);
  if (it != images_.end()) return it->second.get();
  if (!create) return nullptr;
  auto state = std::make_unique<ImageState>();
  state->stack = std::make_unique<QUndoStack>();
  state->changed = [this, name](const QRect& r) {
    if (name != name_) return;  // another image's stack (its history is kept while hidden)
    ImageState* s = images_.at(name).get();
    s->dirty = true;
    autosave_.start();
    suggest_timer_.start();  // once a stroke pauses, not per stamp
    emit maskChanged(r);
  };
  undo_group_.addStack(state->stack.get());
  return images_.emplace(name, std::move(state)).first->second.get();
}

void LabelsSession::setSample(const LoadedSample& sample) {
  if (isDirty()) saveNow();
  autosave_.stop();
  sample_ = sample;
  name_ = sample.name.toStdString();
  current_ = stateOf(name_, true);
  if (current_->mask.empty()) {
    try {
      current_->mask = store_ ? store_->load(name_) : greyMatFromImage(sample.gt);
    } catch (const core::Error& e) {
      current_->mask = greyMatFromImage(sample.gt);
      emit problem(qstr(e.what()));
    }
  }
  rgb_ = bgrMatFromImage(sample.rgb);
  depth_ = cv::Mat();
  if (!sample.depth_file.isEmpty()) {
    try {
      depth_ = core::readDepth(pathOf(sample.depth_file));
    } catch (const core::Error&) {
      depth_ = cv::Mat();  // the viewer already reports the file; the wand then works on RGB only
    }
  }
  const cv::Size size = current_->mask.size();
  if (!rgb_.empty() && rgb_.size() != size) cv::resize(rgb_, rgb_, size, 0, 0, cv::INTER_LINEAR);
  if (!depth_.empty() && depth_.size() != size) cv::resize(depth_, depth_, size, 0, 0, cv::INTER_NEAREST);
  undo_group_.setActiveStack(current_->stack.get());
  loadPrediction();
  refreshSuggestions();
  emit sampleChanged();
}

const cv::Mat& LabelsSession::mask() const {
  static const cv::Mat kEmpty;
  return current_ ? current_->mask : kEmpty;
}

QUndoStack* LabelsSession::undoStack() const { return current_ ? current_->stack.get() : nullptr; }

template <typename Op>
void LabelsSession::edit(const std::string& kind, Op&& op, std::optional<cv::Rect> bound, int stroke, bool count) {
  if (!hasMask()) return;
  cv::Mat& mask = current_->mask;
  const cv::Rect box = bound ? (*bound & cv::Rect(0, 0, mask.cols, mask.rows)) : cv::Rect(0, 0, mask.cols, mask.rows);
  if (box.empty()) return;
  const cv::Mat before_box = mask(box).clone();
  const cv::Rect changed = op(mask);
  if (changed.empty()) return;
  const cv::Rect r = changed & box;
  cv::Mat before = before_box(r - box.tl()).clone();
  current_->stack->push(new MaskEditCommand(current_, r, std::move(before), mask(r).clone(), kind, stroke));
  if (count) ++current_->kinds[kind];
}

void LabelsSession::beginStroke() { stroke_ = next_stroke_++; }
void LabelsSession::endStroke() { stroke_ = 0; }

void LabelsSession::strokeTo(QPoint from, QPoint to, int radius, bool erase) {
  if (!hasMask()) return;
  const cv::Rect box = discBox(from, radius, current_->mask.size()) | discBox(to, radius, current_->mask.size());
  const int stroke = stroke_ > 0 ? stroke_ : next_stroke_++;
  const bool count = stroke != last_stroke_counted_;  // a stroke is one edit, however many stamps
  last_stroke_counted_ = stroke;
  edit(erase ? "eraser" : "brush", [&](cv::Mat& m) {
    return core::stampSegment(m, {from.x(), from.y()}, {to.x(), to.y()}, radius, erase ? 0 : 255);
  }, box, stroke, count);
}

void LabelsSession::polygon(const std::vector<QPoint>& points, bool erase) {
  std::vector<cv::Point> pts;
  pts.reserve(points.size());
  for (const QPoint& p : points) pts.emplace_back(p.x(), p.y());
  cv::Rect bound = pts.empty() ? cv::Rect() : cv::boundingRect(pts);
  bound.width += 1;
  bound.height += 1;
  edit("polygon", [&](cv::Mat& m) { return core::fillPolygon(m, pts, erase ? 0 : 255); }, bound, 0, true);
}

void LabelsSession::wand(QPoint seed, double tolerance, bool on_depth, bool erase) {
  const cv::Mat& guide = on_depth && !depth_.empty() ? depth_ : rgb_;
  if (guide.empty()) return;
  try {
    edit("wand", [&](cv::Mat& m) { return core::magicWand(m, guide, {seed.x(), seed.y()}, tolerance, erase ? 0 : 255); },
         std::nullopt, 0, true);
  } catch (const core::Error& e) {
    emit problem(qstr(e.what()));
  }
}

void LabelsSession::flipRegion(QPoint seed) {
  edit("flip", [&](cv::Mat& m) { return core::flipRegion(m, {seed.x(), seed.y()}); }, std::nullopt, 0, true);
}

void LabelsSession::fillHoles() {
  edit("fill-holes", [](cv::Mat& m) { return core::fillHoles(m); }, std::nullopt, 0, true);
}

void LabelsSession::growShrink(int n) {
  if (n == 0) return;
  edit(n > 0 ? "grow" : "shrink", [n](cv::Mat& m) { return core::growShrink(m, n); }, std::nullopt, 0, true);
}

bool LabelsSession::saveNow(QString* error) {
  autosave_.stop();
  if (!current_ || !current_->dirty) return true;
  if (!store_) {
    if (error) *error = store_problem_;
    return false;
  }
  try {
    store_->save(name_, current_->mask, current_->kinds);
  } catch (const core::Error& e) {
    const QString message = qstr(e.what());
    if (error) *error = message;
    emit problem(message);
    return false;
  }
  current_->dirty = false;
  current_->kinds.clear();
  for (auto& r : ranked_)
    if (r.name == name_) r.score = suggestions_.score;  // the ranking follows the saved label
  emit saved(sampleName());
  return true;
}

void LabelsSession::markReviewed() {
  if (!store_ || name_.empty()) return;
  if (isDirty() && !saveNow()) return;
  try {
    if (store_->record(name_).status != core::LabelStatus::Corrected) store_->setStatus(name_, core::LabelStatus::Reviewed);
  } catch (const core::Error& e) {
    emit problem(qstr(e.what()));
  }
}

core::LabelRecord LabelsSession::record() const { return store_ && !name_.empty() ? store_->record(name_) : core::LabelRecord{}; }

bool LabelsSession::setPredictionFolder(const QString& folder, QString* error) {
  std::error_code ec;
  if (!folder.isEmpty() && !fs::is_directory(pathOf(folder), ec)) {
    if (error) *error = tr("%1: not a folder of saliency maps").arg(folder);
    return false;
  }
  cancel_ = true;
  ranking_.waitForFinished();
  cancel_ = false;
  pred_folder_ = folder;
  ranked_.clear();
  loadPrediction();
  refreshSuggestions();
  return true;
}

void LabelsSession::loadPrediction() {
  pred_ = cv::Mat();
  if (pred_folder_.isEmpty() || !hasMask()) return;
  const fs::path file = findMap(pathOf(pred_folder_), name_);
  if (file.empty()) return;
  try {
    pred_ = mapAtSize(file, current_->mask.size());
  } catch (const core::Error& e) {
    emit problem(qstr(e.what()));
  }
}

void LabelsSession::refreshSuggestions() {
  suggestions_ = {};
  if (hasMask()) {
    if (!pred_.empty()) suggestions_ = core::suggestRegions(current_->mask, pred_);
    // Rejected regions stay rejected while their pixels are unchanged.
    auto& regions = suggestions_.regions;
    regions.erase(std::remove_if(regions.begin(), regions.end(),
                                 [this](const core::SuggestedRegion& r) {
                                   for (const auto& rej : rejected_[name_])
                                     if (rej.bbox == r.bbox && rej.area == r.area) return true;
                                   return false;
                                 }),
                  regions.end());
  }
  emit suggestionsChanged();
}

bool LabelsSession::acceptSuggestion(std::size_t i) {
  if (i >= suggestions_.regions.size()) return false;
  const core::SuggestedRegion region = suggestions_.regions[i];
  edit("suggestion", [&](cv::Mat& m) { return core::applySuggestion(m, region); }, region.bbox, 0, true);
  refreshSuggestions();  // at once: the next key press accepts the next region
  return true;
}

bool LabelsSession::rejectSuggestion(std::size_t i) {
  if (i >= suggestions_.regions.size()) return false;
  rejected_[name_].push_back(suggestions_.regions[i]);
  suggestions_.regions.erase(suggestions_.regions.begin() + static_cast<std::ptrdiff_t>(i));
  emit suggestionsChanged();
  return true;
}

bool LabelsSession::suggestFromRun(int run_id, QString* error) {
  const LoadedRun* run = models_ ? models_->run(run_id) : nullptr;
  if (!run || !dataset_ || !store_) {
    if (error) *error = tr("No run loaded (load one in the Inspect tab) or no dataset open");
    return false;
  }
  if (!run->description.predicts_saliency) {
    if (error) *error = tr("%1 is a pre-training stage: it predicts no saliency map").arg(run->label);
    return false;
  }
  const fs::path cache = store_->folder() / "maps" / (fs::path(run->folder.toStdString()).filename().string() + "-step" +
                                                     std::to_string(run->description.step));
  std::error_code ec;
  fs::create_directories(cache, ec);
  if (ec) {
    if (error) *error = tr("%1: cannot be created (%2)").arg(qstr(cache.string()), qstr(ec.message()));
    return false;
  }
  const QString folder = qstr(cache.string());
  std::vector<std::string> todo;
  for (const auto& s : dataset_->samples)
    if (findMap(cache, s.name).empty()) todo.push_back(s.name);  // cached maps are kept
  if (todo.empty()) {
    setPredictionFolder(folder);
    emit predictionFinished(folder);
    return true;
  }
  predict_pending_ = static_cast<int>(todo.size());
  const int total = predict_pending_;
  for (const auto& name : todo) {
    training::InspectRequest req;
    req.run = run_id;
    req.dataset = dataset_->root;
    req.sample = name;
    req.lane = "labels:" + name;  // one lane per sample: the requests must not supersede each other
    QPointer<LabelsSession> self(this);  // the window may close before the maps come
    models_->request(std::move(req), [this, self, cache, folder, total, name](const training::InspectResult& r) {
      if (!self) return;
      if (r.status == training::InspectStatus::Done) {
        if (const auto* m = r.find("final")) {
          try {
            core::writeImageAtomic(cache / (name + ".png"), m->image);
          } catch (const core::Error& e) {
            emit problem(qstr(e.what()));
          }
        }
      } else if (r.status == training::InspectStatus::Failed) {
        emit problem(qstr(r.error));
      }
      emit rankingProgress(total - predict_pending_ + 1, total);
      if (--predict_pending_ == 0) {
        setPredictionFolder(folder);
        emit predictionFinished(folder);
      }
    });
  }
  return true;
}

void LabelsSession::rankDataset() {
  if (!dataset_ || pred_folder_.isEmpty() || ranking_.isRunning()) return;
  // What the worker reads is decided here: each sample's label (the unsaved mask in memory, else
  // the corrected file, else the original) and its map. The worker touches no session state.
  struct Job {
    std::string name;
    fs::path label_file;
    cv::Mat label;  // an edited mask not saved yet
    fs::path map;
  };
  std::vector<Job> jobs;
  const fs::path pred = pathOf(pred_folder_);
  for (const auto& s : dataset_->samples) {
    Job j{s.name, s.gt, {}, findMap(pred, s.name)};
    if (store_ && store_->hasCorrection(s.name)) j.label_file = store_->correctedPath(s.name);
    if (auto it = images_.find(s.name); it != images_.end() && it->second->dirty) j.label = it->second->mask.clone();
    if (!j.map.empty() && (!j.label_file.empty() || !j.label.empty())) jobs.push_back(std::move(j));
  }
  cancel_ = false;
  ranking_.setFuture(QtConcurrent::run([this, jobs = std::move(jobs)] {
    std::vector<RankedImage> out;
    const int total = static_cast<int>(jobs.size());
    for (int k = 0; k < total && !cancel_; ++k) {
      const Job& j = jobs[static_cast<std::size_t>(k)];
      try {
        const cv::Mat label = j.label.empty() ? core::readMask(j.label_file) : j.label;
        const core::LabelSuspicion s = core::suggestRegions(label, mapAtSize(j.map, label.size()));
        out.push_back({j.name, s.score, static_cast<int>(s.regions.size())});
      } catch (const core::Error&) {
        // An unreadable label or map is left out of the ranking (the viewer names the file).
      }
      QMetaObject::invokeMethod(this, [this, k, total] { emit rankingProgress(k + 1, total); }, Qt::QueuedConnection);
    }
    std::stable_sort(out.begin(), out.end(), [](const RankedImage& a, const RankedImage& b) { return a.score > b.score; });
    return out;
  }));
}

QString LabelsSession::nextSuspicious() const {
  bool past_current = std::none_of(ranked_.begin(), ranked_.end(), [this](const RankedImage& r) { return r.name == name_; });
  for (const auto& r : ranked_) {
    if (r.name == name_) {
      past_current = true;
      continue;
    }
    if (!past_current || r.score <= 0.0) continue;
    const auto status = store_ ? store_->record(r.name).status : core::LabelStatus::Unreviewed;
    if (status == core::LabelStatus::Unreviewed) return qstr(r.name);
  }
  return {};
}

}  // namespace rgbdsod::ui
