#pragma once
// One undo step of the Labels workspace: the pixels of the mask rectangles an edit changed, before
// and after. Only changed rectangles are stored (a brush stamp on a 1024x1024 mask keeps two small
// patches, never the image). The commands of one stroke share a stroke id and merge while the
// mouse is down: a stroke is one undo step holding its stamps' patches (not their bounding box,
// which for a diagonal stroke is most of the image).
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <QRect>
#include <QUndoCommand>
#include <opencv2/core/mat.hpp>

namespace rgbdsod::ui {

// The mask an image's commands edit (lives as long as the image's undo stack).
struct EditedMask {
  cv::Mat mask;  // CV_8UC1
  std::function<void(const QRect&)> changed;  // told after every redo / undo
};

class MaskEditCommand : public QUndoCommand {
 public:
  static constexpr int kStrokeId = 0x4d45;  // QUndoCommand::id() of mergeable strokes

  // `rect` in mask pixels; `before` / `after` its contents (rect-sized CV_8UC1). The edit has
  // already been made: the first redo() (QUndoStack::push calls it) only reports the change.
  // stroke_id > 0 merges with the previous command of the same stroke; 0 never merges.
  MaskEditCommand(EditedMask* target, const cv::Rect& rect, cv::Mat before, cv::Mat after,
                  std::string kind, int stroke_id);

  void undo() override;
  void redo() override;
  int id() const override { return stroke_id_ > 0 ? kStrokeId : -1; }
  bool mergeWith(const QUndoCommand* other) override;

  const std::string& kind() const { return kind_; }
  const cv::Rect& rect() const { return bounds_; }  // the union of the patches
  std::size_t patchCount() const { return patches_.size(); }
  std::size_t storedBytes() const;

 private:
  struct Patch {
    cv::Rect rect;
    cv::Mat before, after;
  };
  void notify() const;

  EditedMask* target_;
  std::vector<Patch> patches_;  // in the order they were made
  cv::Rect bounds_;
  std::string kind_;
  int stroke_id_;
  bool applied_ = true;
};

}  // namespace rgbdsod::ui
