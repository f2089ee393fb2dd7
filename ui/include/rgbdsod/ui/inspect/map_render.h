#pragma once
// How the Inspect workspace draws a network's maps: a probability map through a colour map and a
// contrast window, the error overlay (false positives and false negatives over the RGB at a
// threshold) and the signed difference of two maps. Widget-free functions, so tests check exact
// pixel colours.
#include <QColor>
#include <QImage>
#include <QString>
#include <QStringList>

#include <opencv2/core/mat.hpp>

namespace rgbdsod::ui {

enum class MapColours { Grey, Turbo, Viridis, Jet };
QStringList mapColourNames();  // in enum order, for a combo box

// A probability map (CV_32FC1 in [0,1], or CV_8UC1 0..255) through the window [low, high]
// (values below low draw as the colour map's first colour, above high as its last) and a colour map.
QImage renderProbability(const cv::Mat& map, MapColours colours, double low = 0.0, double high = 1.0);

// The colours of the error overlay: pixels the map calls salient where the GT does not, and the
// reverse. Everything else shows the RGB.
inline QColor falsePositiveColour() { return QColor(255, 64, 64); }
inline QColor falseNegativeColour() { return QColor(64, 160, 255); }

// The adaptive threshold of the evaluation protocol on an 8-bit map: the map min-max normalised to
// [0,1], then min(2 * mean, 1) (PySODMetrics' adaptive F-measure). In [0,1].
double adaptiveThreshold(const cv::Mat& map8);

// The RGB (CV_8UC3 BGR) with false positives and false negatives of the 8-bit map against the GT
// (CV_8UC1; foreground = GT > 128, as the metrics binarise it) painted in their colours. The map is
// min-max normalised as the metrics do and binarised with `threshold` (>=, in [0,1]). All three
// must have one size; otherwise an empty image.
QImage errorOverlay(const cv::Mat& rgb_bgr, const cv::Mat& map8, const cv::Mat& gt8, double threshold);

struct ErrorCounts {
  long long false_positives = 0;
  long long false_negatives = 0;
  long long pixels = 0;
};
ErrorCounts countErrors(const cv::Mat& map8, const cv::Mat& gt8, double threshold);

// a - b of two 8-bit maps of one size, drawn diverging: red where a is higher, blue where b is,
// white where they agree. Empty when the sizes differ.
QImage differenceImage(const cv::Mat& a8, const cv::Mat& b8);
// Mean |a - b| / 255.
double meanAbsoluteDifference(const cv::Mat& a8, const cv::Mat& b8);

// QImage (grey or colour) -> cv::Mat deep copies: CV_8UC1 / CV_8UC3 BGR.
cv::Mat greyMatFromImage(const QImage& image);
cv::Mat bgrMatFromImage(const QImage& image);

}  // namespace rgbdsod::ui
