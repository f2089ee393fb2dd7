#pragma once
// Evaluation of saliency maps against ground truth: per-image records and per-dataset results with
// the field's protocol (PySODMetrics v1.6.2), and the evaluation of a prediction folder against a
// GT folder (pairing by name, format conversion, resizing, images in parallel).
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/metrics.h"
#include "rgbdsod/core/progress.h"

namespace rgbdsod::core {

enum class Metric {
  Mae,
  Smeasure,
  WeightedFmeasure,
  AdaptiveFmeasure,
  MeanFmeasure,
  MaxFmeasure,
  AdaptiveEmeasure,
  MeanEmeasure,
  MaxEmeasure,
};
const std::vector<Metric>& allMetrics();  // in the order above (the usual table order)
const char* metricKey(Metric m);          // "mae", "sm", "wfm", "adp_fm", "mean_fm", "max_fm", "adp_em", ...
const char* metricLabel(Metric m);        // "MAE", "S-measure", "weighted F", "adaptive F", ...
bool lowerIsBetter(Metric m);             // true for MAE only
double metricValue(const ImageScores& s, Metric m);
double& metricField(ImageScores& s, Metric m);  // the field that holds m (readers fill it)

// The result over a set of images. Scalars are means over images (NaN for no image, and NaN when an
// image's value is NaN, as the reference); max-F / mean-F (max-E / mean-E) are the maximum / mean of
// the image-averaged curve, NOT means of per-image maxima.
struct DatasetMetrics {
  std::size_t images = 0;
  double mae = 0;
  double smeasure = 0;
  double weighted_fmeasure = 0;
  double adaptive_fmeasure = 0;
  double mean_fmeasure = 0;
  double max_fmeasure = 0;
  double adaptive_emeasure = 0;
  double mean_emeasure = 0;
  double max_emeasure = 0;
  ImageCurves curves;  // image-averaged; index = threshold t (see Curve)
};
double metricValue(const DatasetMetrics& d, Metric m);
// The field that holds metric m (for readers that fill a DatasetMetrics, e.g. the result cache).
double& metricField(DatasetMetrics& d, Metric m);

// One evaluated image, kept for per-image tables (worst first) and for opening the sample.
struct ImageRecord {
  std::string name;  // the pairing name ("0086")
  ImageScores scores;
  std::filesystem::path gt_file;    // empty when added without files
  std::filesystem::path pred_file;
  int pred_width = 0;   // the prediction as stored
  int pred_height = 0;
  bool resized = false;  // the prediction was resized to the GT's size (bilinear)
};

// Accumulates images in order and produces the dataset result. Curves are summed as they come
// (in the order added, which fixes the last bits), per-image scalars are kept in the records.
class Evaluator {
 public:
  void add(ImageRecord record, const ImageCurves& curves);
  void add(const std::string& name, const ImageMetrics& metrics);
  // Computes the metrics of one pair (CV_8UC1, equal size) and adds them.
  void add(const std::string& name, const cv::Mat& pred, const cv::Mat& gt);

  std::size_t size() const noexcept { return images_.size(); }
  const std::vector<ImageRecord>& images() const noexcept { return images_; }
  DatasetMetrics result() const;

 private:
  std::vector<ImageRecord> images_;
  ImageCurves sums_;
};

// Indices into `images`, worst first for the metric (NaN first: a broken value wants a look first;
// equal values by name).
std::vector<std::size_t> worstFirst(const std::vector<ImageRecord>& images, Metric m);

// ---- folders ----

struct EvalOptions {
  // The method's name; also stripped from prediction names ("0086_MyNet.png" -> "0086").
  std::string method;
  // Stripped from prediction names, case-insensitively, with '_', '-' or ' ' before them, repeatedly
  // (never the whole name). The GT suffixes (nameSuffixes(Modality::Gt)) are stripped too.
  std::vector<std::string> pred_suffixes = defaultPredictionSuffixes();
  // Stripped literally (case-sensitively, separator included: "JLDCF_") from the start of prediction
  // names, before the suffixes, never the whole name; none by default. The CLI fills it with a prefix
  // that every file of a published folder shares.
  std::vector<std::string> pred_prefixes;
  unsigned threads = 0;  // 0: one per hardware thread

  static std::vector<std::string> defaultPredictionSuffixes();  // "final", "pred", "sal", "smap", ...
};

struct UnmatchedFile {
  std::filesystem::path file;
  std::string reason;
};

struct FolderEvaluation {
  std::filesystem::path gt_dir;
  std::filesystem::path pred_dir;
  std::string method;
  DatasetMetrics metrics;            // over the paired images only
  std::vector<ImageRecord> images;   // paired images, natural order of names
  std::vector<UnmatchedFile> missing;  // GT files without a prediction: not evaluated (caller decides)
  std::vector<UnmatchedFile> extra;    // predictions without a GT, or a second one for the same GT
  std::vector<UnmatchedFile> skipped;  // non-image files, duplicate GT names

  std::size_t resizedCount() const;
  // The GT images of the dataset (evaluated + missing; duplicate GT names are not counted), and
  // whether the result is over fewer of them: tables mark such results "n of N images".
  std::size_t gtImageCount() const { return metrics.images + missing.size(); }
  bool isPartial() const { return !missing.empty(); }
};

// Evaluates every prediction in pred_dir that pairs with a GT file in gt_dir (flat folders; names
// paired by stem with suffixes stripped, see EvalOptions). Images are decoded and evaluated in
// parallel, one pass each; results do not depend on the thread count. Reports progress as stage
// "evaluate" and honours cancellation (throws Cancelled). Throws FileError naming the file when a
// folder is missing or an image cannot be read or decoded.
FolderEvaluation evaluateFolders(const std::filesystem::path& gt_dir, const std::filesystem::path& pred_dir,
                                 const EvalOptions& options = {}, const JobContext& job = {});

// How evaluateFolders reads both GT and predictions: exactly as the reference toolboxes do,
// cv2.imread(path, IMREAD_GRAYSCALE) (OpenCV's decoder): colour (3-channel, or palette PNG, which
// the decoder expands to colour) becomes BT.601 luma 0.299 R + 0.587 G + 0.114 B in OpenCV's fixed
// point, an alpha channel is ignored, 16-bit becomes 8-bit by the decoder (the high byte), 1/2/4-bit
// grey is expanded to 0..255. Throws FileError naming the file (missing, not an image, corrupt,
// truncated).
cv::Mat readEvaluationImage(const std::filesystem::path& file);

// The names a prediction file may pair under, most literal first: its stem, then the stem with one,
// two, ... known suffixes removed; then the same for the stem without a matching pred_prefixes entry.
std::vector<std::string> predictionNameCandidates(const std::filesystem::path& file, const EvalOptions& options);

// JSON (NaN written as null): the dataset result with its curves, and optionally the per-image
// records and the missing / extra / skipped lists.
std::string toJson(const DatasetMetrics& metrics, int indent = 2);
std::string toJson(const FolderEvaluation& evaluation, bool with_images = true, int indent = 2);

}  // namespace rgbdsod::core
