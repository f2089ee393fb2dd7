// InspectView: drawing the maps, the metrics, the readout, and export.
#include <algorithm>
#include <cmath>

#include <QCheckBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QResizeEvent>
#include <QScrollArea>

#include "rgbdsod/ui/image_pane.h"
#include "rgbdsod/ui/image_view.h"
#include "rgbdsod/ui/inspect/inspect_view.h"
#include "rgbdsod/ui/inspect/widget_export.h"
#include "rgbdsod/ui/shell/model_bridge.h"
#include "rgbdsod/ui/synced_views.h"

namespace rgbdsod::ui {

namespace {

const QSize kCell(232, 196);  // equal cells: synced views need equal viewports

QString sizeDetail(const cv::Mat& m) { return QStringLiteral("%1 × %2").arg(m.cols).arg(m.rows); }

QString levelTitle(const training::InspectMap& m) {
  const QString name = QString::fromStdString(m.name);
  if (m.group == "side") return QObject::tr("level %1 · P").arg(m.level);
  if (m.group == "side_combined") return QObject::tr("level %1 · P̃").arg(m.level);
  if (m.group == "side_fused") return QObject::tr("fused Σ w̃ᵢ P̃ᵢ");
  if (m.name == "foreground") return QObject::tr("foreground F");
  if (m.name == "background") return QObject::tr("background B");
  if (m.group == "branch") {
    QString modality = name.section(QLatin1Char('/'), 0, 0);
    modality = modality == QLatin1String("rgb") ? QStringLiteral("RGB") : modality.left(1).toUpper() + modality.mid(1);
    return m.level > 0 ? QObject::tr("%1 branch · level %2").arg(modality).arg(m.level)
                       : QObject::tr("%1 branch").arg(name);
  }
  if (m.group == "zero_shot") return QObject::tr("depth → RGB net · %1").arg(name.section(QLatin1Char('/'), 1));
  return name;
}

QString scoresText(const QString& label, const InspectSide& s, double threshold, bool adaptive, const cv::Mat& gt) {
  if (s.source.kind == MapSource::Kind::None) return {};
  if (s.pending) return QObject::tr("%1: computing…").arg(label);
  if (!s.error.isEmpty()) return QObject::tr("%1: %2").arg(label, s.error);
  if (!s.scores) return QObject::tr("%1: no GT, no metrics").arg(label);
  const core::ImageScores& c = *s.scores;
  const ErrorCounts e = countErrors(s.final8, gt, threshold);
  const double px = std::max<long long>(e.pixels, 1);
  return QObject::tr("%1: MAE %2 · S %3 · max F %4 · max E %5 · wF %6 · errors at %7%8: FP %9%, FN %10%")
      .arg(label)
      .arg(c.mae, 0, 'f', 4)
      .arg(c.smeasure, 0, 'f', 4)
      .arg(c.max_fmeasure, 0, 'f', 4)
      .arg(c.max_emeasure, 0, 'f', 4)
      .arg(c.weighted_fmeasure, 0, 'f', 4)
      .arg(threshold, 0, 'f', 2)
      .arg(adaptive ? QObject::tr(" (adaptive)") : QString())
      .arg(100.0 * e.false_positives / px, 0, 'f', 1)
      .arg(100.0 * e.false_negatives / px, 0, 'f', 1);
}

float valueAt(const cv::Mat& m, const QPoint& p) {
  if (m.empty() || p.x() < 0 || p.y() < 0 || p.x() >= m.cols || p.y() >= m.rows) return NAN;
  return m.type() == CV_32FC1 ? m.at<float>(p.y(), p.x()) : m.at<std::uint8_t>(p.y(), p.x()) / 255.0f;
}

}  // namespace

ImagePane* InspectView::ensurePane(const QString& section, const QString& name, const QString& title) {
  Section& s = sections_.at(section);
  for (auto& [key, pane] : s.panes) {
    if (key == name) {
      pane->setTitle(title);
      return pane;
    }
  }
  auto* pane = new ImagePane(title);
  pane->setObjectName(QStringLiteral("inspect_%1_%2").arg(section, name));
  pane->setFixedSize(kCell);
  pane->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(pane, &QWidget::customContextMenuRequested, this, [this, section, name, pane](const QPoint& at) {
    QMenu menu;
    menu.addAction(tr("Export this pane…"), this, [this, section, name] { exportPaneWithDialog(section, name); });
    menu.exec(pane->mapToGlobal(at));
  });
  connect(pane->view(), &ImageView::hovered, this, &InspectView::showReadout);
  synced_->add(pane->view());
  if (!synced_->views().isEmpty() && synced_->views().front() != pane->view()) {
    pane->view()->followView(*synced_->views().front());
  }
  const int i = static_cast<int>(s.panes.size());
  s.grid->addWidget(pane, i / gridColumns(), i % gridColumns());
  s.panes.emplace_back(name, pane);
  s.title->setVisible(true);
  s.host->setVisible(true);
  return pane;
}

int InspectView::gridColumns() const {
  // As many cells as fit the visible width (at least two), so that no section scrolls sideways.
  const int width = scroll_->viewport()->width() - 8;
  return std::max(2, (width + 3) / (kCell.width() + 3));
}

void InspectView::relayoutSections() {
  for (auto& [key, s] : sections_) {
    for (int i = 0; i < static_cast<int>(s.panes.size()); ++i) {
      ImagePane* p = s.panes[static_cast<std::size_t>(i)].second;
      s.grid->removeWidget(p);
      s.grid->addWidget(p, i / gridColumns(), i % gridColumns());
    }
  }
}

bool InspectView::eventFilter(QObject* watched, QEvent* event) {
  // The grid's visible width decides the columns: re-laid out when it changes.
  if (watched == scroll_->viewport() && event->type() == QEvent::Resize) {
    const int columns = gridColumns();
    if (columns != laid_out_columns_) {
      laid_out_columns_ = columns;
      relayoutSections();
    }
  }
  return QWidget::eventFilter(watched, event);
}

void InspectView::setSectionPanes(const QString& section, const std::vector<std::pair<QString, QString>>& names_titles) {
  Section& s = sections_.at(section);
  // Drop panes that are no longer wanted, keep the others (and their zoom), then lay out in order.
  std::vector<std::pair<QString, ImagePane*>> kept;
  for (auto& [key, pane] : s.panes) {
    const bool wanted = std::any_of(names_titles.begin(), names_titles.end(),
                                    [&key = key](const auto& nt) { return nt.first == key; });
    if (wanted) {
      kept.emplace_back(key, pane);
    } else {
      s.grid->removeWidget(pane);
      pane->deleteLater();
    }
  }
  s.panes = kept;
  for (const auto& [name, title] : names_titles) ensurePane(section, name, title);
  std::vector<std::pair<QString, ImagePane*>> ordered;
  for (const auto& [name, title] : names_titles) {
    for (auto& entry : s.panes) {
      if (entry.first == name) ordered.push_back(entry);
    }
  }
  s.panes = ordered;
  for (int i = 0; i < static_cast<int>(s.panes.size()); ++i) {
    s.grid->removeWidget(s.panes[static_cast<std::size_t>(i)].second);
    s.grid->addWidget(s.panes[static_cast<std::size_t>(i)].second, i / gridColumns(), i % gridColumns());
  }
  s.title->setVisible(!s.panes.empty());
  s.host->setVisible(!s.panes.empty());
}

QList<ImagePane*> InspectView::panes(const QString& section) const {
  QList<ImagePane*> out;
  const auto it = sections_.find(section);
  if (it == sections_.end()) return out;
  for (const auto& entry : it->second.panes) out << entry.second;
  return out;
}

ImagePane* InspectView::pane(const QString& section, const QString& name) const {
  const auto it = sections_.find(section);
  if (it == sections_.end()) return nullptr;
  for (const auto& [key, p] : it->second.panes) {
    if (key == name) return p;
  }
  return nullptr;
}

void InspectView::showMap(ImagePane* pane, const training::InspectMap& map) {
  pane->setImage(renderProbability(map.probability, colours_, low_value_, high_value_), sizeDetail(map.probability));
}

void InspectView::onSampleChanged() {
  drawInputs();
  readout_->clear();
}

void InspectView::onSideChanged(int side) {
  if (side == InspectSession::Primary) drawPrimaryMaps();
  drawCompare();
  drawMetrics();
}

void InspectView::redrawAll() {
  drawInputs();
  drawPrimaryMaps();
  drawCompare();
  drawMetrics();
}

void InspectView::drawInputs() {
  const LoadedSample& s = session_->sample();
  setSectionPanes(QStringLiteral("inputs"), {{QStringLiteral("rgb"), tr("RGB")},
                                             {QStringLiteral("depth"), tr("Depth")},
                                             {QStringLiteral("gt"), tr("GT")},
                                             {QStringLiteral("final"), tr("Final")},
                                             {QStringLiteral("errors"), tr("Errors")}});
  const auto show = [](ImagePane* pane, const QImage& image, const QString& missing) {
    if (image.isNull()) pane->showNote(missing);
    else pane->setImage(image, QStringLiteral("%1 × %2").arg(image.width()).arg(image.height()));
  };
  const QString none = s.name.isEmpty() ? tr("no sample selected") : QString();
  show(pane(QStringLiteral("inputs"), QStringLiteral("rgb")), s.rgb, none.isEmpty() ? tr("no RGB") : none);
  show(pane(QStringLiteral("inputs"), QStringLiteral("depth")), s.depth_colour, none.isEmpty() ? tr("no depth") : none);
  show(pane(QStringLiteral("inputs"), QStringLiteral("gt")), s.gt, none.isEmpty() ? tr("no GT") : none);
}

void InspectView::showPendingNotes(InspectSession::Side side) {
  const QString note = tr("computing…");
  if (side == InspectSession::Primary) {
    for (const QString& section : {QStringLiteral("sides"), QStringLiteral("fused"), QStringLiteral("fgbg"),
                                   QStringLiteral("branches"), QStringLiteral("zero_shot")}) {
      for (ImagePane* p : panes(section)) p->showNote(note);
    }
    pane(QStringLiteral("inputs"), QStringLiteral("final"))->showNote(note);
    pane(QStringLiteral("inputs"), QStringLiteral("errors"))->showNote(note);
  }
  for (ImagePane* p : panes(QStringLiteral("compare"))) p->showNote(note);
}

void InspectView::drawPrimaryMaps() {
  const InspectSide& side = session_->side(InspectSession::Primary);
  ImagePane* final_pane = pane(QStringLiteral("inputs"), QStringLiteral("final"));
  ImagePane* errors_pane = pane(QStringLiteral("inputs"), QStringLiteral("errors"));
  const QStringList map_sections = {QStringLiteral("sides"), QStringLiteral("fused"), QStringLiteral("fgbg"),
                                    QStringLiteral("branches"), QStringLiteral("zero_shot")};
  if (side.source.kind == MapSource::Kind::None) {
    for (const QString& s : map_sections) setSectionPanes(s, {});
    final_pane->showNote(tr("Load a run (or add a prediction folder) to see its maps"));
    errors_pane->showNote(QString());
    description_->setText(last_error_);
    return;
  }
  final_pane->setTitle(tr("Final · %1").arg(side.source.label));
  if (side.pending) {
    showPendingNotes(InspectSession::Primary);
    return;
  }
  if (!side.error.isEmpty()) {
    for (const QString& s : map_sections) setSectionPanes(s, {});
    final_pane->showNote(side.error);
    errors_pane->showNote(QString());
    return;
  }
  if (!side.hasMaps()) {  // no sample yet
    final_pane->showNote(tr("no sample selected"));
    errors_pane->showNote(QString());
    return;
  }
  const auto& maps = side.result.maps;
  const bool has_combined = std::any_of(maps.begin(), maps.end(), [](const auto& m) { return m.group == "side_combined"; });
  const std::string side_group = raw_sides_ || !has_combined ? "side" : "side_combined";
  std::map<QString, std::vector<const training::InspectMap*>> by_section;
  for (const training::InspectMap& m : maps) {
    if (m.group == side_group) by_section[QStringLiteral("sides")].push_back(&m);
    else if (m.group == "side_fused") by_section[QStringLiteral("fused")].push_back(&m);
    else if (m.group == "fg_bg") by_section[QStringLiteral("fgbg")].push_back(&m);
    else if (m.group == "branch") by_section[QStringLiteral("branches")].push_back(&m);
    else if (m.group == "zero_shot") by_section[QStringLiteral("zero_shot")].push_back(&m);
  }
  const training::InspectMap* final_map = side.result.find("final");
  if (!by_section[QStringLiteral("fgbg")].empty() && final_map) by_section[QStringLiteral("fgbg")].push_back(final_map);
  for (const QString& section : map_sections) {
    std::vector<std::pair<QString, QString>> names;
    for (const training::InspectMap* m : by_section[section]) {
      const bool fused_final = section == QStringLiteral("fgbg") && m->name == "final";
      names.emplace_back(QString::fromStdString(m->name), fused_final ? tr("Sal = relu(F − B)") : levelTitle(*m));
    }
    setSectionPanes(section, names);
    for (const training::InspectMap* m : by_section[section]) showMap(pane(section, QString::fromStdString(m->name)), *m);
  }
  sections_.at(QStringLiteral("sides")).title->setText(
      raw_sides_ || !has_combined ? tr("Side outputs per level (raw P_i)")
                                  : tr("Side outputs per level (combined P̃_i, dense backward combination)"));
  if (final_map) showMap(final_pane, *final_map);
  const QImage errors = errorOverlay(session_->rgb(), side.final8, session_->gt(), session_->thresholdFor(InspectSession::Primary));
  if (errors.isNull()) {
    errors_pane->showNote(session_->gt().empty() ? tr("no GT: no errors to show") : tr("RGB and map sizes differ"));
  } else {
    errors_pane->setImage(errors, tr("FP red · FN blue"));
  }
}

void InspectView::drawCompare() {
  const InspectSide& a = session_->side(InspectSession::Primary);
  const InspectSide& b = session_->side(InspectSession::Compare);
  if (b.source.kind == MapSource::Kind::None) {
    setSectionPanes(QStringLiteral("compare"), {});
    return;
  }
  setSectionPanes(QStringLiteral("compare"), {{QStringLiteral("a"), tr("A · %1").arg(a.source.label)},
                                              {QStringLiteral("b"), tr("B · %1").arg(b.source.label)},
                                              {QStringLiteral("diff"), tr("A − B (red: A higher)")},
                                              {QStringLiteral("b_errors"), tr("Errors of B")}});
  ImagePane* pa = pane(QStringLiteral("compare"), QStringLiteral("a"));
  ImagePane* pb = pane(QStringLiteral("compare"), QStringLiteral("b"));
  ImagePane* pd = pane(QStringLiteral("compare"), QStringLiteral("diff"));
  ImagePane* pe = pane(QStringLiteral("compare"), QStringLiteral("b_errors"));
  const auto show_final = [this](ImagePane* p, const InspectSide& s) {
    if (s.pending) p->showNote(tr("computing…"));
    else if (!s.error.isEmpty()) p->showNote(s.error);
    else if (s.final8.empty()) p->showNote(s.source.kind == MapSource::Kind::None ? tr("no run") : QString());
    else p->setImage(renderProbability(s.final8, colours_, low_value_, high_value_), sizeDetail(s.final8));
  };
  show_final(pa, a);
  show_final(pb, b);
  const QImage diff = differenceImage(a.final8, b.final8);
  if (diff.isNull()) pd->showNote(a.pending || b.pending ? tr("computing…") : tr("needs both maps"));
  else pd->setImage(diff, tr("mean |A − B| %1").arg(meanAbsoluteDifference(a.final8, b.final8), 0, 'f', 4));
  const QImage errors = errorOverlay(session_->rgb(), b.final8, session_->gt(), session_->thresholdFor(InspectSession::Compare));
  if (errors.isNull()) pe->showNote(b.pending ? tr("computing…") : tr("no GT or no map"));
  else pe->setImage(errors, tr("FP red · FN blue"));
}

void InspectView::drawMetrics() {
  const bool adaptive = !session_->fixedThreshold().has_value();
  QStringList lines;
  for (const auto side : {InspectSession::Primary, InspectSession::Compare}) {
    const InspectSide& s = session_->side(side);
    const QString label = (side == InspectSession::Primary ? QStringLiteral("A ") : QStringLiteral("B ")) + s.source.label;
    const QString text = scoresText(label, s, session_->thresholdFor(side), adaptive, session_->gt());
    if (!text.isEmpty()) lines << text;
  }
  metrics_->setText(lines.join(QLatin1Char('\n')));
  // The primary run's description: what is being looked at.
  const InspectSide& a = session_->side(InspectSession::Primary);
  const LoadedRun* primary_run = a.source.kind == MapSource::Kind::Run ? session_->models()->run(a.source.run) : nullptr;
  // Zero-shot applies to RGB-only saliency networks (an RGB teacher fed depth).
  zero_shot_->setEnabled(primary_run && primary_run->description.zero_shot);
  if (a.source.kind == MapSource::Kind::Run) {
    if (const LoadedRun* run = session_->models()->run(a.source.run)) {
      const training::ModelDescription& d = run->description;
      QStringList keys;
      for (const auto& [k, v] : d.keys) keys << QStringLiteral("%1=%2").arg(QString::fromStdString(k), QString::fromStdString(v));
      QString text = tr("%1: stage %2 · checkpoint %3 (step %4) · %5 · %6")
                         .arg(run->label, QString::fromStdString(d.stage),
                              QString::fromStdString(d.checkpoint.filename().string()))
                         .arg(d.step)
                         .arg(QString::fromStdString(d.device), keys.join(QStringLiteral(", ")));
      for (const std::string& w : d.warnings) text += QStringLiteral("\n⚠ ") + QString::fromStdString(w);
      if (a.hasMaps()) text += tr(" · maps in %1 ms").arg(a.result.seconds * 1000.0, 0, 'f', 0);
      description_->setText(text);
    }
  } else if (a.source.kind == MapSource::Kind::Folder) {
    description_->setText(tr("prediction folder %1").arg(a.source.folder));
  }
}

QString InspectView::metricsText() const { return metrics_->text(); }
QString InspectView::readoutText() const { return readout_->text(); }
QString InspectView::descriptionText() const { return description_->text(); }

void InspectView::showReadout(const QPoint& pixel) {
  const cv::Mat& rgb = session_->rgb();
  if (rgb.empty() || pixel.x() < 0 || pixel.y() < 0 || pixel.x() >= rgb.cols || pixel.y() >= rgb.rows) {
    readout_->clear();
    return;
  }
  const cv::Vec3b c = rgb.at<cv::Vec3b>(pixel.y(), pixel.x());
  QStringList parts;
  parts << QStringLiteral("(%1, %2)").arg(pixel.x()).arg(pixel.y())
        << tr("RGB %1 %2 %3").arg(c[2]).arg(c[1]).arg(c[0]);
  if (!session_->gt().empty()) parts << tr("GT %1").arg(session_->gt().at<std::uint8_t>(pixel.y(), pixel.x()));
  for (const auto side : {InspectSession::Primary, InspectSession::Compare}) {
    const InspectSide& s = session_->side(side);
    const QString prefix = side == InspectSession::Compare ? QStringLiteral("B ") : QString();
    for (const training::InspectMap& m : s.result.maps) {
      const float v = valueAt(m.probability, pixel);
      if (!std::isnan(v)) parts << QStringLiteral("%1%2 %3").arg(prefix, QString::fromStdString(m.name)).arg(v, 0, 'f', 3);
    }
  }
  readout_->setText(parts.join(QStringLiteral(" · ")));
}

bool InspectView::isSettled() const {
  return pending_loads_ == 0 && session_->models()->loadsInFlight() == 0 && !session_->isPending();
}

bool InspectView::exportGrid(const QString& path, int dpi) {
  QString error;
  if (!exportWidget(grid_host_, path, dpi, &error)) return fail(error);
  return true;
}

bool InspectView::exportPane(const QString& section, const QString& name, const QString& path, int dpi) {
  ImagePane* p = pane(section, name);
  if (!p) return fail(tr("no pane %1/%2 to export").arg(section, name));
  QString error;
  if (!exportWidget(p, path, dpi, &error)) return fail(error);
  return true;
}

void InspectView::exportGridWithDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the grid"), QStringLiteral("inspect.png"),
                                                    tr("PNG (*.png);;SVG (*.svg);;PDF (*.pdf)"));
  if (path.isEmpty()) return;
  bool ok = true;
  const int dpi = QInputDialog::getInt(this, tr("Export"), tr("Resolution (DPI)"), 150, 30, 2400, 10, &ok);
  if (ok) exportGrid(path, dpi);
}

void InspectView::exportPaneWithDialog(const QString& section, const QString& name) {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the pane"), name + QStringLiteral(".png"),
                                                    tr("PNG (*.png);;SVG (*.svg);;PDF (*.pdf)"));
  if (path.isEmpty()) return;
  bool ok = true;
  const int dpi = QInputDialog::getInt(this, tr("Export"), tr("Resolution (DPI)"), 150, 30, 2400, 10, &ok);
  if (ok) exportPane(section, name, path, dpi);
}

}  // namespace rgbdsod::ui
