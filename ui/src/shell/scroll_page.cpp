#include "rgbdsod/ui/shell/scroll_page.h"

#include <QScrollArea>
#include <QVBoxLayout>

namespace rgbdsod::ui {

void setScrollingContent(QWidget* page, QWidget* content) {
  auto* scroll = new QScrollArea;
  scroll->setWidget(content);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(scroll);
}

}  // namespace rgbdsod::ui
