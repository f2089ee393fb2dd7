#pragma once
// A titled frame around an ImageView: "RGB", "Depth", "GT" with a one-line detail (size, format)
// and a centred note when there is nothing to show (e.g. an unlabeled dataset has no GT).
#include <QFrame>
#include <QImage>
#include <QString>

class QLabel;
class QStackedLayout;

namespace rgbdsod::ui {

class ImageView;

class ImagePane : public QFrame {
  Q_OBJECT

 public:
  explicit ImagePane(const QString& title, QWidget* parent = nullptr);

  ImageView* view() const { return view_; }
  void setImage(const QImage& image, const QString& detail);
  // Shown instead of the image, e.g. "no GT file" or a read error.
  void showNote(const QString& note);
  void setTitle(const QString& title);
  QString title() const;
  const QImage& image() const;

 private:
  QLabel* title_;
  QLabel* detail_;
  QLabel* note_;
  ImageView* view_;
  QStackedLayout* stack_;
};

}  // namespace rgbdsod::ui
