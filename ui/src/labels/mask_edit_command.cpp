#include "rgbdsod/ui/labels/mask_edit_command.h"

#include <utility>

namespace rgbdsod::ui {

MaskEditCommand::MaskEditCommand(EditedMask* target, const cv::Rect& rect, cv::Mat before, cv::Mat after,
                                 std::string kind, int stroke_id)
    : target_(target), bounds_(rect), kind_(std::move(kind)), stroke_id_(stroke_id) {
  if (!rect.empty()) patches_.push_back({rect, std::move(before), std::move(after)});
  setText(QString::fromStdString(kind_));
}

std::size_t MaskEditCommand::storedBytes() const {
  std::size_t n = 0;
  for (const auto& p : patches_) n += p.before.total() + p.after.total();
  return n;
}

void MaskEditCommand::notify() const {
  if (target_->changed && !bounds_.empty()) target_->changed(QRect(bounds_.x, bounds_.y, bounds_.width, bounds_.height));
}

void MaskEditCommand::redo() {
  if (applied_) {  // pushed after the edit was made: only tell the views
    applied_ = false;
    notify();
    return;
  }
  for (const auto& p : patches_) p.after.copyTo(target_->mask(p.rect));
  notify();
}

void MaskEditCommand::undo() {
  // Newest first: where stamps overlap, the oldest "before" is the one that stays.
  for (auto it = patches_.rbegin(); it != patches_.rend(); ++it) it->before.copyTo(target_->mask(it->rect));
  notify();
}

bool MaskEditCommand::mergeWith(const QUndoCommand* other) {
  const auto* next = dynamic_cast<const MaskEditCommand*>(other);
  if (!next || next->stroke_id_ != stroke_id_ || next->target_ != target_) return false;
  for (const auto& p : next->patches_) {
    patches_.push_back(p);  // cv::Mat copies share the pixels: nothing is copied here
    bounds_ = bounds_.empty() ? p.rect : (bounds_ | p.rect);
  }
  return true;
}

}  // namespace rgbdsod::ui
