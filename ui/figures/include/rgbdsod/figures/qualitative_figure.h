#pragma once
// Qualitative comparison figures as SOD papers print them: one row per sample, one column per
// input or method (RGB, Depth, GT, then the methods' maps), a title above each column and,
// optionally, a label left of each row. Shared by `rgbdsod figure` and previews. Torch-free and
// widget-free (QImage / QPainter / QPdfWriter / QSvgGenerator): it needs a QGuiApplication for
// fonts, never a QApplication.
//
// The builder draws the images it is given: it never interprets pixels (grey maps are drawn grey,
// depth arrives colour-mapped from the caller). Every cell has the same size: cell_width_pt wide
// and as high as the first RGB image's aspect asks (the first image of column 0, else the first
// image at all, else 4:3); each image is scaled to fit its cell, keeping its aspect, and centred
// (letterboxed on the background). A null QImage is a "missing" cell: grey, hatched, labelled.
#include <filesystem>
#include <string>
#include <vector>

#include <QImage>
#include <QPointF>
#include <QRectF>
#include <QSize>
#include <QSizeF>

namespace rgbdsod::figures {

struct QualitativeFigure {
  std::vector<std::string> column_titles;  // one per column, drawn above it
  std::vector<std::string> row_labels;     // empty: none; else one per row, drawn rotated on the left
  std::vector<std::vector<QImage>> cells;  // [row][column]; a null image is a missing cell
  double cell_width_pt = 70.0;             // 1 pt = 1/72 inch
  double gap_pt = 2.0;                     // between cells, and the outer margin (at least 1 pt)
  double title_font_pt = 8.0;              // column titles and row labels
};

// Where everything goes, in pt from the page's top-left corner. The page size is whole points
// (a PDF page is), the content centred in it.
struct QualitativeLayout {
  QSizeF page_pt;
  double cell_width_pt = 0;
  double cell_height_pt = 0;
  double gap_pt = 0;
  QRectF title_band;  // above the cells, across all columns
  QRectF label_band;  // left of the cells, across all rows; empty without row labels
  int rows = 0;
  int columns = 0;
  QPointF origin;     // the top-left corner of cell (0, 0)

  QRectF cell(int row, int column) const;
  QRectF columnTitle(int column) const;  // the part of the title band above the column
  QRectF rowLabel(int row) const;        // the part of the label band left of the row
};

// Checks the figure (at least one row and one column; every row has one cell per column title;
// row labels absent or one per row; sizes in range: cell width 4..2000 pt, gap 0..100 pt, font
// 1..72 pt) and lays it out. Throws core::Error saying what is wrong.
QualitativeLayout layoutQualitativeFigure(const QualitativeFigure& figure);

// The PNG's pixel size at `dpi`: the page size in pt times dpi / 72, rounded.
QSize qualitativePixelSize(const QualitativeFigure& figure, int dpi);

// The figure as an image at `dpi` (its dots-per-metre set accordingly), on a white background.
// dpi must be 36..2400; throws core::Error for a bad figure or dpi, or when the image would be too
// large to allocate.
QImage renderQualitativeFigure(const QualitativeFigure& figure, int dpi);

// The suffixes writeQualitativeFigure accepts: ".pdf", ".png", ".svg" (any case).
const std::vector<std::string>& qualitativeFigureSuffixes();

// Throws core::FileError naming `out` when its suffix is none of the three (the message lists
// them) or its folder does not exist or is not writable; does nothing otherwise. For callers
// that want to fail before long work (inference) rather than at the end.
void checkQualitativeFigurePath(const std::filesystem::path& out);

// Writes the figure by the suffix of `out`: .png rendered at `dpi` (with that dpi in the file),
// .pdf with a page of the figure's size in pt, .svg with its physical size and a viewBox in pt
// (PDF and SVG embed each image resampled to the cell's size at `dpi`, never enlarged). Written
// atomically (temporary file + rename): on any failure nothing exists under `out`'s name. Throws
// core::FileError naming `out` (bad suffix, unwritable folder, failed write) or core::Error for a
// bad figure.
void writeQualitativeFigure(const QualitativeFigure& figure, const std::filesystem::path& out, int dpi);

}  // namespace rgbdsod::figures
