#include "rgbdsod/ui/image_pane.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStackedLayout>
#include <QVBoxLayout>

#include "rgbdsod/ui/image_view.h"

namespace rgbdsod::ui {

ImagePane::ImagePane(const QString& title, QWidget* parent)
    : QFrame(parent),
      title_(new QLabel(title)),
      detail_(new QLabel),
      note_(new QLabel),
      view_(new ImageView),
      stack_(new QStackedLayout) {
  setFrameShape(QFrame::StyledPanel);
  QFont bold = title_->font();
  bold.setBold(true);
  title_->setFont(bold);
  detail_->setForegroundRole(QPalette::PlaceholderText);
  detail_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
  note_->setAlignment(Qt::AlignCenter);
  note_->setWordWrap(true);
  note_->setForegroundRole(QPalette::PlaceholderText);

  auto* header = new QHBoxLayout;
  header->setContentsMargins(6, 3, 6, 3);
  header->addWidget(title_);
  header->addStretch(1);
  header->addWidget(detail_);

  stack_->addWidget(view_);
  stack_->addWidget(note_);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(1, 1, 1, 1);
  layout->setSpacing(0);
  layout->addLayout(header);
  layout->addLayout(stack_, 1);
}

void ImagePane::setImage(const QImage& image, const QString& detail) {
  view_->setImage(image);
  detail_->setText(detail);
  stack_->setCurrentWidget(view_);
}

void ImagePane::showNote(const QString& note) {
  // The view stays in the stack (and in sync), only hidden: the next image keeps the zoom.
  view_->clear();
  detail_->clear();
  note_->setText(note);
  stack_->setCurrentWidget(note_);
}

void ImagePane::setTitle(const QString& title) { title_->setText(title); }
QString ImagePane::title() const { return title_->text(); }
const QImage& ImagePane::image() const { return view_->image(); }

}  // namespace rgbdsod::ui
