#pragma once
// The Labels workspace's widget-free core: the mask of the shown sample (the corrected one when
// it exists, else the original GT), the tools applied to it as undo steps (one QUndoStack per
// image, kept while the studio runs), saving through core::LabelStore (originals never written,
// autosave a moment after the last edit and on switching images), and the model's suggestions
// (regions where a prediction disagrees with the label) with the dataset ranked by them in a
// worker. Torch-free: predictions come as a folder of maps (`rgbdsod infer` output).
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QFutureWatcher>
#include <QObject>
#include <QPoint>
#include <QRect>
#include <QString>
#include <QTimer>
#include <QUndoGroup>
#include <QUndoStack>
#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/label_store.h"
#include "rgbdsod/core/label_suggestions.h"
#include "rgbdsod/ui/labels/mask_edit_command.h"
#include "rgbdsod/ui/loaded_sample.h"

namespace rgbdsod::ui {

class ModelBridge;

struct RankedImage {
  std::string name;
  double score = 0.0;
  int regions = 0;
};

class LabelsSession : public QObject {
  Q_OBJECT

 public:
  static constexpr int kDefaultAutosaveMs = 2000;

  explicit LabelsSession(QObject* parent = nullptr);
  ~LabelsSession() override;  // saves pending edits, cancels the ranking

  // Opens the corrections of a dataset (default folder <dataset>/GT_corrected). A sidecar that
  // cannot be read or a folder that cannot be written is reported by problem() (the workspace
  // offers rebuildSidecar() or another folder); edits are kept in memory meanwhile.
  void setDataset(std::shared_ptr<const core::Dataset> dataset, const QString& corrections = {});
  bool hasStore() const { return store_ != nullptr; }
  QString correctionsFolder() const;
  QString storeProblem() const { return store_problem_; }
  bool rebuildSidecar(QString* error = nullptr);
  // Another corrections folder (e.g. when the dataset's is read-only). The edits in memory and
  // their undo history are kept; unsaved ones are written to the new folder.
  bool setCorrectionsFolder(const QString& folder, QString* error = nullptr);
  // Masks of another folder as corrections to review (LabelStore::importMasks); the images'
  // in-memory masks and undo histories are dropped (they no longer match). Returns the count or -1.
  int importMasks(const QString& folder, QString* error = nullptr);
  // A new dataset folder with the corrected GT (LabelStore::exportDataset); pending edits first.
  bool exportDataset(const QString& out, bool copy, QString* error = nullptr);
  const core::LabelStore* store() const { return store_.get(); }

  // Shows a sample (from the dataset session): saves the previous one's edits, loads its mask.
  void setSample(const LoadedSample& sample);
  QString sampleName() const { return QString::fromStdString(name_); }
  bool hasMask() const { return current_ != nullptr && !current_->mask.empty(); }
  const cv::Mat& mask() const;
  const cv::Mat& rgb() const { return rgb_; }      // BGR, the mask's size (resized when stored otherwise)
  const cv::Mat& depth() const { return depth_; }  // as stored, the mask's size; empty when missing
  const LoadedSample& sample() const { return sample_; }

  QUndoGroup* undoGroup() { return &undo_group_; }
  QUndoStack* undoStack() const;  // the shown image's; nullptr before a sample

  // The tools (mask pixels). Each is one undo step; strokes merge until endStroke().
  void beginStroke();
  void strokeTo(QPoint from, QPoint to, int radius, bool erase);
  void endStroke();
  void polygon(const std::vector<QPoint>& points, bool erase);
  void wand(QPoint seed, double tolerance, bool on_depth, bool erase);
  void flipRegion(QPoint seed);
  void fillHoles();
  void growShrink(int n);

  // Saving. dirty: edits not written yet. saveNow() returns false with `error` (read-only folder).
  bool isDirty() const { return current_ && current_->dirty; }
  bool saveNow(QString* error = nullptr);
  void setAutosaveDelay(int ms) { autosave_.setInterval(ms); }
  void markReviewed();
  core::LabelRecord record() const;

  // Assistance: a folder of saliency maps (named as the samples). Suggestions are computed for the
  // shown sample at once; rankDataset() scores every sample in a worker.
  bool setPredictionFolder(const QString& folder, QString* error = nullptr);
  QString predictionFolder() const { return pred_folder_; }
  const std::vector<core::SuggestedRegion>& suggestions() const { return suggestions_.regions; }
  double suggestionScore() const { return suggestions_.score; }
  bool acceptSuggestion(std::size_t i);  // applied as one undo step ("suggestion")
  bool rejectSuggestion(std::size_t i);  // dropped from the list for this sitting
  // Suggestions from a run loaded in the shared ModelCore (the Inspect tab's runs): its final
  // map of every sample is computed in ModelCore's worker and cached as PNG in
  // <corrections>/maps/<run>-step<N>/ (per run and checkpoint; labels of any version are compared
  // with them), which then becomes the prediction folder. Progress: rankingProgress.
  void setModelBridge(ModelBridge* models) { models_ = models; }
  ModelBridge* models() const { return models_; }
  bool suggestFromRun(int run_id, QString* error = nullptr);
  bool isPredicting() const { return predict_pending_ > 0; }
  void rankDataset();
  void cancelRanking() { cancel_ = true; }
  bool isRanking() const { return ranking_.isRunning(); }
  const std::vector<RankedImage>& ranked() const { return ranked_; }
  // The most suspicious ranked sample after the shown one that is not reviewed or corrected yet.
  QString nextSuspicious() const;

 signals:
  void maskChanged(const QRect& rect);  // mask pixels; the views repaint only that rectangle
  void sampleChanged();
  void saved(const QString& sample);
  void problem(const QString& message);
  void suggestionsChanged();
  void rankingProgress(int done, int total);
  void rankingFinished();
  void predictionFinished(const QString& folder);  // suggestFromRun's maps are all written

 private:
  struct ImageState : EditedMask {
    std::unique_ptr<QUndoStack> stack;
    bool dirty = false;
    std::map<std::string, int> kinds;  // kinds of the edits not saved yet
  };
  ImageState* stateOf(const std::string& name, bool create);
  // Applies `op` to the mask as one undo step. `bound`: the only pixels op may change (brush
  // stamps: their disc's box), so only that box is copied; without it the mask is copied.
  template <typename Op>
  void edit(const std::string& kind, Op&& op, std::optional<cv::Rect> bound, int stroke, bool count);
  void refreshSuggestions();
  void loadPrediction();  // the shown sample's map (cached: strokes recompute suggestions often)

  std::shared_ptr<const core::Dataset> dataset_;
  std::unique_ptr<core::LabelStore> store_;
  QString store_problem_;
  std::map<std::string, std::unique_ptr<ImageState>> images_;
  ImageState* current_ = nullptr;
  std::string name_;
  LoadedSample sample_;
  cv::Mat rgb_, depth_;
  QUndoGroup undo_group_;
  QTimer autosave_;
  int stroke_ = 0;
  int next_stroke_ = 1;
  int last_stroke_counted_ = 0;
  QTimer suggest_timer_;

  ModelBridge* models_ = nullptr;
  int predict_pending_ = 0;
  QString pred_folder_;
  cv::Mat pred_;
  core::LabelSuspicion suggestions_;
  std::map<std::string, std::vector<core::SuggestedRegion>> rejected_;
  std::vector<RankedImage> ranked_;
  QFutureWatcher<std::vector<RankedImage>> ranking_;
  std::atomic<bool> cancel_{false};
};

}  // namespace rgbdsod::ui
