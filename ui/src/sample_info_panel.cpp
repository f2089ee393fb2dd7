#include "rgbdsod/ui/sample_info_panel.h"

#include <QFileInfo>

#include "rgbdsod/core/validation.h"
#include "rgbdsod/ui/loaded_sample.h"

namespace rgbdsod::ui {

namespace {

QString row(const QString& key, const QString& value) {
  return QStringLiteral("<tr><td style='padding-right:12px;color:#9aa0a6'>%1</td><td>%2</td></tr>")
      .arg(key.toHtmlEscaped(), value);
}

QString fileCell(const QString& path) {
  if (path.isEmpty()) return QStringLiteral("<span style='color:#e06060'>missing</span>");
  return QFileInfo(path).fileName().toHtmlEscaped();
}

QString percent(double fraction) { return QStringLiteral("%1 %").arg(fraction * 100.0, 0, 'f', 1); }

}  // namespace

SampleInfoPanel::SampleInfoPanel(QWidget* parent) : QTextBrowser(parent) {
  setOpenLinks(false);
  setFrameShape(QFrame::StyledPanel);
}

void SampleInfoPanel::showSample(const LoadedSample& s, int sample_count,
                                 const core::ValidationReport* report) {
  QString html = QStringLiteral("<h3 style='margin:2px'>%1</h3>").arg(s.name.toHtmlEscaped());
  html += QStringLiteral("<table cellspacing='2'>");
  html += row(tr("sample"), tr("%1 of %2").arg(s.index + 1).arg(sample_count));
  html += row(tr("RGB file"), fileCell(s.rgb_file));
  html += row(tr("depth file"), fileCell(s.depth_file));
  html += row(tr("GT file"), fileCell(s.gt_file));
  if (!s.rgb.isNull()) html += row(tr("size"), tr("%1 × %2").arg(s.rgb.width()).arg(s.rgb.height()));
  if (!s.depth_colour.isNull()) {
    html += row(tr("depth"), tr("%1, values %2 – %3, holes %4")
                                 .arg(s.depth_format)
                                 .arg(s.depth_min)
                                 .arg(s.depth_max)
                                 .arg(percent(s.depth_hole_fraction)));
    html += row(tr("shown as"), QString::fromLatin1(core::toString(s.polarity)));
  }
  if (!s.gt.isNull()) {
    html += row(tr("GT"), tr("foreground %1, soft edge %2")
                              .arg(percent(s.gt_foreground_fraction), percent(s.gt_soft_fraction)));
  }
  html += QStringLiteral("</table>");

  QStringList problems;
  for (const QString& e : s.errors) problems << e.toHtmlEscaped();
  if (report) {
    const std::string name = s.name.toStdString();
    for (const core::Problem& p : report->problems) {
      if (p.sample != name) continue;
      problems << QStringLiteral("<b>%1</b> %2").arg(QString::fromLatin1(core::toString(p.kind)),
                                                     QString::fromStdString(p.message).toHtmlEscaped());
    }
  }
  if (!problems.isEmpty()) {
    html += QStringLiteral("<p style='color:#e08a60'>%1</p>").arg(problems.join(QStringLiteral("<br>")));
  } else if (report) {
    html += QStringLiteral("<p style='color:#7cc47c'>%1</p>").arg(tr("no problems found"));
  }
  setHtml(html);
}

void SampleInfoPanel::showMessage(const QString& text) {
  setHtml(QStringLiteral("<p style='color:#9aa0a6'>%1</p>").arg(text.toHtmlEscaped()));
}

}  // namespace rgbdsod::ui
