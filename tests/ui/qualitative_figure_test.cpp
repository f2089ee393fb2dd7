// Qualitative figures (rgbdsod::figures): the layout (cells, gaps, titles, row labels), letterboxing,
// grey and missing cells, and the PNG / PDF / SVG files written atomically and valid.
#include <QColor>
#include <QFile>
#include <QGuiApplication>
#include <QImage>
#include <QXmlStreamReader>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/figures/qt_environment.h"
#include "rgbdsod/figures/qualitative_figure.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::figures;
using rgbdsod::test::TempDir;

namespace {

QImage solid(int w, int h, QColor c) {
  QImage image(w, h, QImage::Format_RGB32);
  image.fill(c);
  return image;
}

QImage grey(int w, int h, int value) {
  QImage image(w, h, QImage::Format_Grayscale8);
  image.fill(qRgb(value, value, value));
  return image;
}

// `rows` x 4 columns of 200 x 150 (4:3) images, each cell its own colour.
QualitativeFigure sampleFigure(int rows) {
  QualitativeFigure f;
  f.column_titles = {"RGB", "Depth", "GT", "Ours"};
  for (int r = 0; r < rows; ++r) {
    std::vector<QImage> row;
    for (int c = 0; c < 4; ++c) row.push_back(solid(200, 150, QColor::fromHsv((r * 4 + c) * 40 % 360, 200, 200)));
    f.cells.push_back(row);
  }
  return f;
}

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The pixel at a point given in pt.
QColor at(const QImage& image, QPointF pt, int dpi) {
  const double s = dpi / 72.0;
  return image.pixelColor(static_cast<int>(std::floor(pt.x() * s)), static_cast<int>(std::floor(pt.y() * s)));
}

bool isWhite(QColor c) { return c.red() == 255 && c.green() == 255 && c.blue() == 255; }

bool near(QColor a, QColor b, int tolerance = 3) {
  return std::abs(a.red() - b.red()) <= tolerance && std::abs(a.green() - b.green()) <= tolerance &&
         std::abs(a.blue() - b.blue()) <= tolerance;
}

// Pixels darker than `lightness` inside a rectangle given in pt.
int darkPixels(const QImage& image, const QRectF& pt, int dpi, int lightness = 110) {
  const double s = dpi / 72.0;
  int n = 0;
  for (int y = static_cast<int>(pt.top() * s); y < static_cast<int>(pt.bottom() * s) && y < image.height(); ++y)
    for (int x = static_cast<int>(pt.left() * s); x < static_cast<int>(pt.right() * s) && x < image.width(); ++x)
      n += image.pixelColor(x, y).lightness() < lightness ? 1 : 0;
  return n;
}

bool noTemporaries(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().front() == '.') return false;
  return true;
}

}  // namespace

TEST(QualitativeFigure, LayoutHasOneCellPerImageSeparatedByBackgroundGaps) {
  QualitativeFigure f = sampleFigure(3);
  const QualitativeLayout l = layoutQualitativeFigure(f);
  EXPECT_EQ(l.rows, 3);
  EXPECT_EQ(l.columns, 4);
  EXPECT_DOUBLE_EQ(l.cell_width_pt, 70.0);
  EXPECT_DOUBLE_EQ(l.cell_height_pt, 52.5);  // the RGB's 4:3
  EXPECT_EQ(l.page_pt.width(), std::ceil(l.page_pt.width()));  // whole points (a PDF page is)
  EXPECT_EQ(l.page_pt.height(), std::ceil(l.page_pt.height()));
  EXPECT_NEAR(l.cell(0, 1).left() - l.cell(0, 0).right(), 2.0, 1e-9);  // the default gap
  EXPECT_NEAR(l.cell(1, 0).top() - l.cell(0, 0).bottom(), 2.0, 1e-9);
  EXPECT_TRUE(l.label_band.isEmpty());
  EXPECT_LE(l.title_band.bottom(), l.cell(0, 0).top() + 1e-9);
  EXPECT_LE(l.cell(2, 3).right(), l.page_pt.width());
  EXPECT_LE(l.cell(2, 3).bottom(), l.page_pt.height());

  constexpr int kDpi = 150;
  const QImage image = renderQualitativeFigure(f, kDpi);
  ASSERT_FALSE(image.isNull());
  EXPECT_EQ(image.size(), qualitativePixelSize(f, kDpi));
  EXPECT_EQ(image.width(), static_cast<int>(std::lround(l.page_pt.width() * kDpi / 72.0)));
  EXPECT_NEAR(image.dotsPerMeterX() * 0.0254, kDpi, 1);
  int cells = 0;
  for (int r = 0; r < l.rows; ++r)
    for (int c = 0; c < l.columns; ++c) {
      const QRectF cell = l.cell(r, c);
      const QColor expected = f.cells[r][c].pixelColor(0, 0);
      EXPECT_TRUE(near(at(image, cell.center(), kDpi), expected)) << "cell " << r << "," << c;
      EXPECT_TRUE(near(at(image, cell.topLeft() + QPointF(1.5, 1.5), kDpi), expected)) << "cell " << r << "," << c;
      cells += near(at(image, cell.center(), kDpi), expected) ? 1 : 0;
      if (c + 1 < l.columns) {  // the middle of the gap to the right
        EXPECT_TRUE(isWhite(at(image, QPointF(cell.right() + l.gap_pt / 2, cell.center().y()), kDpi))) << r << "," << c;
      }
      if (r + 1 < l.rows) {  // and below
        EXPECT_TRUE(isWhite(at(image, QPointF(cell.center().x(), cell.bottom() + l.gap_pt / 2), kDpi))) << r << "," << c;
      }
    }
  EXPECT_EQ(cells, 12);
  // Titles: dark text above each column.
  for (int c = 0; c < l.columns; ++c) EXPECT_GT(darkPixels(image, l.columnTitle(c), kDpi), 10) << "title " << c;
  EXPECT_TRUE(isWhite(image.pixelColor(0, 0)));
}

TEST(QualitativeFigure, RowLabelsTakeABandOnTheLeft) {
  QualitativeFigure f = sampleFigure(2);
  const QualitativeLayout without = layoutQualitativeFigure(f);
  f.row_labels = {"synth_00001", "synth_00002"};
  const QualitativeLayout l = layoutQualitativeFigure(f);
  ASSERT_FALSE(l.label_band.isEmpty());
  EXPECT_GT(l.page_pt.width(), without.page_pt.width());
  EXPECT_LE(l.label_band.right(), l.cell(0, 0).left() + 1e-9);
  const QImage image = renderQualitativeFigure(f, 200);
  for (int r = 0; r < 2; ++r) EXPECT_GT(darkPixels(image, l.rowLabel(r), 200), 10) << "label " << r;
  f.row_labels = {"only one"};
  EXPECT_THROW(layoutQualitativeFigure(f), rgbdsod::core::Error);
}

TEST(QualitativeFigure, ImagesAreLetterboxedAndGreyStaysGrey) {
  QualitativeFigure f;
  f.column_titles = {"RGB", "Tall", "GT"};
  f.cells = {{solid(160, 120, Qt::blue), solid(40, 160, Qt::red), grey(160, 120, 128)}};
  const QualitativeLayout l = layoutQualitativeFigure(f);
  const QImage image = renderQualitativeFigure(f, 300);
  const QRectF tall = l.cell(0, 1);
  EXPECT_TRUE(near(at(image, tall.center(), 300), Qt::red));
  // The tall image is a quarter of the cell's height wide: the cell's sides are background.
  EXPECT_TRUE(isWhite(at(image, QPointF(tall.left() + 2, tall.center().y()), 300)));
  EXPECT_TRUE(isWhite(at(image, QPointF(tall.right() - 2, tall.center().y()), 300)));
  EXPECT_TRUE(near(at(image, l.cell(0, 2).center(), 300), QColor(128, 128, 128), 1));
}

TEST(QualitativeFigure, MissingCellsAreHatchedAndLabelledNeverACrash) {
  QualitativeFigure f = sampleFigure(2);
  f.cells[0][3] = QImage();
  f.cells[1][0] = QImage();  // the RGB of row 2: the cell size still comes from the first RGB
  const QualitativeLayout l = layoutQualitativeFigure(f);
  EXPECT_DOUBLE_EQ(l.cell_height_pt, 52.5);
  const QImage image = renderQualitativeFigure(f, 300);
  const QRectF missing = l.cell(0, 3);
  int grey_pixels = 0, white_pixels = 0;
  const double s = 300 / 72.0;
  for (int y = static_cast<int>(missing.top() * s) + 1; y < static_cast<int>(missing.bottom() * s) - 1; ++y)
    for (int x = static_cast<int>(missing.left() * s) + 1; x < static_cast<int>(missing.right() * s) - 1; ++x) {
      const QColor c = image.pixelColor(x, y);
      grey_pixels += c.saturation() < 10 && c.lightness() > 150 && c.lightness() < 250 ? 1 : 0;
      white_pixels += isWhite(c) ? 1 : 0;
    }
  EXPECT_GT(grey_pixels, 1000);
  EXPECT_EQ(white_pixels, 0);
  EXPECT_GT(darkPixels(image, missing, 300, 120), 5);  // the word "missing"

  QualitativeFigure none;  // nothing at all: 4:3 cells, all missing
  none.column_titles = {"A", "B"};
  none.cells = {{QImage(), QImage()}};
  EXPECT_DOUBLE_EQ(layoutQualitativeFigure(none).cell_height_pt, 52.5);
  EXPECT_FALSE(renderQualitativeFigure(none, 72).isNull());
}

TEST(QualitativeFigure, MalformedFiguresAreErrorsSayingWhat) {
  QualitativeFigure f = sampleFigure(2);
  f.cells[1].pop_back();
  try {
    layoutQualitativeFigure(f);
    FAIL() << "a short row was accepted";
  } catch (const rgbdsod::core::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("row 2 "), std::string::npos) << what;
    EXPECT_NE(what.find("has 3 cells for 4 columns"), std::string::npos) << what;
  }
  EXPECT_THROW(layoutQualitativeFigure(QualitativeFigure{}), rgbdsod::core::Error);
  QualitativeFigure narrow = sampleFigure(1);
  narrow.cell_width_pt = 0;
  EXPECT_THROW(layoutQualitativeFigure(narrow), rgbdsod::core::Error);
  EXPECT_THROW(renderQualitativeFigure(sampleFigure(1), 5), rgbdsod::core::Error);
}

TEST(QualitativeFigure, PngHasTheDpisSizeAndResolution) {
  TempDir dir;
  const QualitativeFigure f = sampleFigure(2);
  writeQualitativeFigure(f, dir / "fig.png", 300);
  QImage image;
  ASSERT_TRUE(image.load(QString::fromStdString((dir / "fig.png").string())));
  EXPECT_EQ(image.size(), qualitativePixelSize(f, 300));
  const QualitativeLayout l = layoutQualitativeFigure(f);
  EXPECT_EQ(image.width(), static_cast<int>(std::lround(l.page_pt.width() * 300 / 72.0)));
  EXPECT_EQ(image.height(), static_cast<int>(std::lround(l.page_pt.height() * 300 / 72.0)));
  EXPECT_NEAR(image.dotsPerMeterX() * 0.0254, 300, 1);
  EXPECT_TRUE(noTemporaries(dir.path()));
}

TEST(QualitativeFigure, PdfPageIsTheFigureSizeInPoints) {
  TempDir dir;
  QualitativeFigure f = sampleFigure(2);
  f.cells[1][2] = QImage();
  writeQualitativeFigure(f, dir / "fig.pdf", 300);
  const std::string pdf = readText(dir / "fig.pdf");
  ASSERT_GT(pdf.size(), 500u);
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  EXPECT_NE(pdf.find("%%EOF"), std::string::npos);
  const QualitativeLayout l = layoutQualitativeFigure(f);
  const std::size_t box = pdf.find("/MediaBox [");
  ASSERT_NE(box, std::string::npos) << pdf.substr(0, 1500);
  double x0 = -1, y0 = -1, x1 = -1, y1 = -1;
  ASSERT_EQ(std::sscanf(pdf.c_str() + box, "/MediaBox [%lf %lf %lf %lf", &x0, &y0, &x1, &y1), 4) << pdf.substr(box, 60);
  EXPECT_EQ(x0, 0);
  EXPECT_EQ(y0, 0);
  EXPECT_NEAR(x1, l.page_pt.width(), 0.01);
  EXPECT_NEAR(y1, l.page_pt.height(), 0.01);
  EXPECT_TRUE(noTemporaries(dir.path()));
}

TEST(QualitativeFigure, SvgParsesAsXmlWithTheImagesAndTitles) {
  TempDir dir;
  QualitativeFigure f = sampleFigure(2);
  f.cells[0][1] = QImage();
  writeQualitativeFigure(f, dir / "fig.svg", 150);
  const std::string text = readText(dir / "fig.svg");
  EXPECT_NE(text.find("<svg"), std::string::npos);
  QFile file(QString::fromStdString((dir / "fig.svg").string()));
  ASSERT_TRUE(file.open(QIODevice::ReadOnly));
  QXmlStreamReader xml(&file);
  QString root;
  int images = 0;
  int texts = 0;
  while (!xml.atEnd()) {
    if (xml.readNext() != QXmlStreamReader::StartElement) continue;
    if (root.isEmpty()) root = xml.name().toString();
    images += xml.name() == QLatin1String("image") ? 1 : 0;
    texts += xml.name() == QLatin1String("text") ? 1 : 0;
  }
  EXPECT_FALSE(xml.hasError()) << xml.errorString().toStdString();
  EXPECT_EQ(root, "svg");
  EXPECT_EQ(images, 7);   // 8 cells, one missing
  EXPECT_GE(texts, 5);    // 4 titles and "missing"
  EXPECT_NE(text.find("Ours"), std::string::npos);
  EXPECT_TRUE(noTemporaries(dir.path()));
}

TEST(QualitativeFigure, BadSuffixOrFolderIsRefusedWithNothingWritten) {
  TempDir dir;
  const QualitativeFigure f = sampleFigure(1);
  for (const char* name : {"fig.gif", "fig", "fig.pdf.bak"}) {
    try {
      writeQualitativeFigure(f, dir / name, 300);
      FAIL() << name << " was accepted";
    } catch (const rgbdsod::core::FileError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(name), std::string::npos) << what;
      EXPECT_NE(what.find(".pdf"), std::string::npos) << what;
      EXPECT_NE(what.find(".png"), std::string::npos) << what;
      EXPECT_NE(what.find(".svg"), std::string::npos) << what;
    }
  }
  EXPECT_THROW(writeQualitativeFigure(f, dir / "no" / "such" / "fig.png", 300), rgbdsod::core::FileError);
  EXPECT_THROW(checkQualitativeFigurePath(dir / "no" / "fig.pdf"), rgbdsod::core::FileError);
  EXPECT_NO_THROW(checkQualitativeFigurePath(dir / "FIG.PDF"));  // any case
  // A malformed figure fails before anything is written too.
  QualitativeFigure bad = f;
  bad.cells[0].pop_back();
  EXPECT_THROW(writeQualitativeFigure(bad, dir / "bad.png", 300), rgbdsod::core::Error);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

int main(int argc, char** argv) {
  prepareQtRuntimeDir();            // no "XDG_RUNTIME_DIR not set" on a headless machine
  QGuiApplication app(argc, argv);  // fonts; no widgets
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
