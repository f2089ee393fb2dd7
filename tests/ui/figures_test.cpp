// Curve figures: PNG / PDF / SVG files written offscreen, valid and of the requested size, and
// drawCurves on a plot the studio could show.
#include <qcustomplot.h>

#include <QApplication>
#include <QFile>
#include <QImage>
#include <QXmlStreamReader>

#include <cmath>
#include <fstream>
#include <iterator>
#include <set>

#include <gtest/gtest.h>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/figures/curve_figure.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::figures;
using rgbdsod::test::TempDir;

namespace {

// Plausible curves: method k loses precision faster as recall grows.
std::vector<MethodCurves> sampleMethods(int count) {
  std::vector<MethodCurves> out;
  for (int k = 0; k < count; ++k) {
    MethodCurves m;
    m.label = "Method " + std::to_string(k + 1);
    for (int t = 0; t < rgbdsod::core::kThresholdCount; ++t) {
      const double r = 1.0 - std::pow(t / 255.0, 2.0 + k);
      m.curves.recall[t] = r;
      m.curves.precision[t] = 0.3 + 0.65 * (1.0 - std::pow(r, 4.0 - 0.5 * k));
      m.curves.fmeasure[t] = 1.3 * m.curves.precision[t] * r / (0.3 * m.curves.precision[t] + r);
      m.curves.emeasure[t] = 0.5 + 0.45 * std::sin(3.14159 * t / 255.0) - 0.05 * k;
    }
    out.push_back(m);
  }
  return out;
}

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(Figures, PngHasTheSizeInCmAt300DpiAndIsNotBlank) {
  TempDir dir;
  FigureStyle style;  // 8.5 x 6.5 cm
  saveCurveFigure(dir / "pr.png", CurveKind::PrecisionRecall, sampleMethods(4), style);
  QImage image;
  ASSERT_TRUE(image.load(QString::fromStdString((dir / "pr.png").string())));
  const PixelSize px = pngPixelSize(style);
  EXPECT_EQ(image.width(), px.width);
  EXPECT_EQ(image.height(), px.height);
  EXPECT_EQ(px.width, 1004);  // 8.5 / 2.54 * 300
  EXPECT_NEAR(px.height, 768, 1);
  EXPECT_NEAR(image.dotsPerMeterX() * 0.0254, 300, 1);
  int dark = 0;
  int coloured = 0;
  for (int y = 0; y < image.height(); y += 2)
    for (int x = 0; x < image.width(); x += 2) {
      const QColor c = image.pixelColor(x, y);
      dark += c.lightness() < 80 ? 1 : 0;
      coloured += c.hsvSaturation() > 120 ? 1 : 0;
    }
  EXPECT_GT(dark, 500);      // frame, ticks, labels, the black curve
  EXPECT_GT(coloured, 200);  // the coloured curves
  EXPECT_FALSE(fs::exists(dir / ".pr.png.tmp"));
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().front() == '.', false) << "temporary left: " << e.path();
}

TEST(Figures, PdfPageIsTheFigureSizeInPoints) {
  TempDir dir;
  FigureStyle style;
  style.width_cm = 17.0;  // two columns
  style.height_cm = 7.0;
  saveCurveFigure(dir / "f.pdf", CurveKind::FmeasureThreshold, sampleMethods(3), style);
  const std::string pdf = readText(dir / "f.pdf");
  ASSERT_GT(pdf.size(), 1000u);
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  EXPECT_NE(pdf.find("%%EOF"), std::string::npos);
  // 17 cm = 481.9 pt, 7 cm = 198.4 pt.
  const std::size_t box = pdf.find("/MediaBox [0 0 482");
  ASSERT_NE(box, std::string::npos) << pdf.substr(0, 2000);
  EXPECT_NE(pdf.substr(box, pdf.find(']', box) - box).find(" 198"), std::string::npos) << pdf.substr(box, 60);
}

TEST(Figures, SvgParsesAsXmlWithPhysicalSize) {
  TempDir dir;
  saveCurveFigure(dir / "e.svg", CurveKind::EmeasureThreshold, sampleMethods(2), FigureStyle{});
  QFile file(QString::fromStdString((dir / "e.svg").string()));
  ASSERT_TRUE(file.open(QIODevice::ReadOnly));
  QXmlStreamReader xml(&file);
  QString root;
  QString width;
  int texts = 0;
  while (!xml.atEnd()) {
    if (xml.readNext() != QXmlStreamReader::StartElement) continue;
    if (root.isEmpty()) {
      root = xml.name().toString();
      width = xml.attributes().value("width").toString();
    }
    texts += xml.name() == QLatin1String("text") ? 1 : 0;
  }
  EXPECT_FALSE(xml.hasError()) << xml.errorString().toStdString();
  EXPECT_EQ(root, "svg");
  EXPECT_TRUE(width.startsWith("84.9") && width.endsWith("mm")) << width.toStdString();
  EXPECT_GT(texts, 10);  // tick labels, axis labels, legend
}

TEST(Figures, BadNamesAndFoldersAreFileErrors) {
  TempDir dir;
  EXPECT_THROW(saveCurveFigure(dir / "x.gif", CurveKind::PrecisionRecall, sampleMethods(1), {}), rgbdsod::core::FileError);
  EXPECT_THROW(saveCurveFigure(dir / "missing" / "x.png", CurveKind::PrecisionRecall, sampleMethods(1), {}),
               rgbdsod::core::FileError);
  EXPECT_TRUE(fs::is_empty(dir.path()));
  saveCurveFigure(dir / "empty.png", CurveKind::PrecisionRecall, {}, {});  // no method: axes only
  EXPECT_TRUE(fs::exists(dir / "empty.png"));
}

TEST(Figures, DrawCurvesIsRepeatableAndStylesDiffer) {
  QCustomPlot plot;
  plot.resize(500, 380);
  FigureStyle style;
  style.title = "NJU2K";
  drawCurves(plot, CurveKind::PrecisionRecall, sampleMethods(5), style);
  drawCurves(plot, CurveKind::PrecisionRecall, sampleMethods(5), style);  // replaces, no duplicates
  EXPECT_EQ(plot.legend->itemCount(), 5);
  EXPECT_EQ(plot.plottableCount(), 15);  // line, markers, legend entry per method
  EXPECT_EQ(plot.plotLayout()->rowCount(), 2);  // one title row
  std::set<QString> looks;
  for (int i = 0; i < plot.legend->itemCount(); ++i) {
    auto* item = qobject_cast<QCPPlottableLegendItem*>(plot.legend->item(i));
    ASSERT_NE(item, nullptr);
    auto* curve = qobject_cast<QCPCurve*>(item->plottable());
    ASSERT_NE(curve, nullptr);
    QString dashes;
    for (qreal d : curve->pen().dashPattern()) dashes += QString::number(d) + ",";
    looks.insert(dashes + QString::number(curve->scatterStyle().shape()));
  }
  EXPECT_EQ(looks.size(), 5u);  // distinguishable without colour
  style.grayscale_safe = false;
  drawCurves(plot, CurveKind::FmeasureThreshold, sampleMethods(2), style);
  EXPECT_EQ(plot.plottableCount(), 4);
}

int main(int argc, char** argv) {
  QApplication app(argc, argv);  // QCustomPlot is a widget
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
