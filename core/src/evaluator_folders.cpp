// evaluateFolders: pairing prediction files with GT files, reading them as the reference toolboxes
// do, and evaluating the pairs in parallel.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "dataset_naming.h"
#include "image_header.h"
#include "png_gray8.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/core/image_io.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

std::vector<fs::path> filesIn(const fs::path& dir, const char* what) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw FileError(dir, std::string(what) + " folder does not exist or is not a folder");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  if (ec) throw FileError(dir, "cannot list the " + std::string(what) + " folder: " + ec.message());
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    return detail::naturalLess(a.filename().string(), b.filename().string());
  });
  return files;
}

// Strips one known suffix ("final" matches "_final", "-final", " final", any case) from `stem`.
bool stripOne(std::string& stem, const std::vector<std::string>& suffixes) {
  const std::string low = detail::lower(stem);
  for (std::string s : suffixes) {
    s = detail::lower(s);
    while (!s.empty() && (s.front() == '_' || s.front() == '-' || s.front() == ' ')) s.erase(s.begin());
    if (s.empty() || low.size() <= s.size() + 1) continue;  // never the whole name
    const std::size_t at = low.size() - s.size();
    const char sep = low[at - 1];
    if (low.compare(at, s.size(), s) == 0 && (sep == '_' || sep == '-' || sep == ' ')) {
      stem.resize(at - 1);
      return true;
    }
  }
  return false;
}

struct Pair {
  std::string name;
  fs::path gt;
  fs::path pred;
};

struct Pending {  // a finished image waiting to be added in order
  ImageRecord record;
  ImageCurves curves;
};

ImageRecord evaluateOne(const Pair& pair, ImageCurves& curves) {
  const cv::Mat gt = readEvaluationImage(pair.gt);
  cv::Mat pred = readEvaluationImage(pair.pred);
  ImageRecord record;
  record.name = pair.name;
  record.gt_file = pair.gt;
  record.pred_file = pair.pred;
  record.pred_width = pred.cols;
  record.pred_height = pred.rows;
  if (pred.size() != gt.size()) {
    // As the reference recorders: cv2.resize(pred, dsize=gt.shape[::-1], interpolation=INTER_LINEAR).
    cv::Mat resized;
    cv::resize(pred, resized, gt.size(), 0, 0, cv::INTER_LINEAR);
    pred = resized;
    record.resized = true;
  }
  ImageMetrics metrics = computeImageMetrics(pred, gt);
  record.scores = metrics.scores;
  curves = metrics.curves;
  return record;
}

}  // namespace

std::vector<std::string> EvalOptions::defaultPredictionSuffixes() {
  return {"final", "pred", "prediction", "sal", "smap", "saliency", "salmap", "res", "result", "out", "output", "fused"};
}

std::vector<std::string> predictionNameCandidates(const fs::path& file, const EvalOptions& options) {
  std::vector<std::string> suffixes = options.pred_suffixes;
  if (!options.method.empty()) suffixes.insert(suffixes.begin(), options.method);
  for (const std::string& s : nameSuffixes(Modality::Gt)) suffixes.push_back(s);
  std::vector<std::string> names;
  auto withSuffixesStripped = [&](std::string stem) {
    names.push_back(stem);
    while (stripOne(stem, suffixes)) names.push_back(stem);
  };
  const std::string stem = file.stem().string();
  withSuffixesStripped(stem);
  for (const std::string& p : options.pred_prefixes)
    if (!p.empty() && stem.size() > p.size() && stem.compare(0, p.size(), p) == 0) {
      withSuffixesStripped(stem.substr(p.size()));  // never the whole name
      break;
    }
  return names;
}

cv::Mat readEvaluationImage(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw FileError(file, "file does not exist");
  if (!hasImageExtension(file)) throw FileError(file, "not an image file (unknown extension)");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FileError(file, "cannot open the file");
  // One read of the whole file (a byte-wise istreambuf_iterator copy cost ~30 us per image).
  // Anything but a regular file (a FIFO, ...) is read as a stream.
  std::vector<uchar> bytes;
  const std::uintmax_t size = fs::is_regular_file(file, ec) ? fs::file_size(file, ec) : 0;
  // Refused before reading (a huge file named .png would be held whole); a stream, or a file that
  // grew meanwhile, is checked once read.
  if (const std::string too_large = detail::imageFileSizeProblem(ec ? 0 : size); !too_large.empty())
    throw FileError(file, too_large);
  if (!ec && size > 0 && size < (std::uintmax_t{1} << 31)) {
    bytes.resize(static_cast<std::size_t>(size));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
    bytes.resize(static_cast<std::size_t>(in.gcount()));  // a file that shrank meanwhile
    if (in.eof() && !in.bad()) in.clear();                // ... is not a read error
    bytes.insert(bytes.end(), std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());  // or grew
  } else {
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (in.bad()) throw FileError(file, "read error");
  if (bytes.empty()) throw FileError(file, "empty file (0 bytes)");
  if (const std::string too_large = detail::imageFileSizeProblem(bytes.size()); !too_large.empty())
    throw FileError(file, too_large);
  // The header's dimensions are checked before the fast path or OpenCV allocates the pixels.
  if (const std::string too_large = detail::imageSizeProblem(bytes.data(), bytes.size()); !too_large.empty())
    throw FileError(file, too_large);
  cv::Mat image;
  // 8-bit greyscale PNGs (nearly all maps and masks) take the fast path, with the same pixels.
  if (detail::decodePngGray8(bytes.data(), bytes.size(), image)) return image;
  try {
    image = cv::imdecode(bytes, cv::IMREAD_GRAYSCALE);  // = cv2.imread(path, IMREAD_GRAYSCALE)
  } catch (const cv::Exception& e) {
    throw FileError(file, "corrupt image: " + e.err);
  }
  if (image.empty()) throw FileError(file, "corrupt or truncated image: cannot decode");
  // libjpeg fills a cut-off JPEG with grey and reports success: require the end-of-image marker.
  const bool jpeg = bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
  if (jpeg) {
    std::size_t end = bytes.size();
    while (end > 2 && bytes[end - 1] == 0) --end;  // padding after the marker is harmless
    if (!(bytes[end - 2] == 0xFF && bytes[end - 1] == 0xD9)) throw FileError(file, "truncated JPEG (no end-of-image marker)");
  }
  return image;
}

FolderEvaluation evaluateFolders(const fs::path& gt_dir, const fs::path& pred_dir, const EvalOptions& options,
                                 const JobContext& job) {
  FolderEvaluation out;
  out.gt_dir = gt_dir;
  out.pred_dir = pred_dir;
  out.method = options.method;

  // GT: keyed by pairingName (stem without _GT, _mask, ...); gt_by_stem finds a GT by its stem as is.
  std::map<std::string, fs::path> gt_by_name;
  std::map<std::string, std::string> gt_by_stem;  // stem -> pairing name
  for (const fs::path& f : filesIn(gt_dir, "GT")) {
    if (!hasImageExtension(f)) {
      out.skipped.push_back({f, "not an image file"});
      continue;
    }
    const std::string name = pairingName(f, Modality::Gt);
    const auto [it, inserted] = gt_by_name.emplace(name, f);
    if (!inserted) out.skipped.push_back({f, "duplicate GT name " + name + " (also " + it->second.filename().string() + ")"});
    else gt_by_stem.emplace(f.stem().string(), name);
  }
  // Predictions: a prediction with a GT's very stem pairs with it (x_gt.png with GT x_gt.png, as
  // datasets pair identical stems first); otherwise the most literal candidate name that is a GT
  // name. Per GT, the identical stem wins, then the prediction matched with the fewest suffixes
  // stripped (then natural order); the others are extra.
  struct Match {
    fs::path file;
    std::size_t stripped;
  };
  std::map<std::string, std::vector<Match>> preds_by_name;
  for (const fs::path& f : filesIn(pred_dir, "prediction")) {
    if (!hasImageExtension(f)) {
      out.skipped.push_back({f, "not an image file"});
      continue;
    }
    const std::vector<std::string> candidates = predictionNameCandidates(f, options);
    bool matched = false;
    if (const auto same = gt_by_stem.find(candidates.front()); same != gt_by_stem.end()) {
      preds_by_name[same->second].push_back({f, 0});
      matched = true;
    }
    for (std::size_t i = 0; i < candidates.size() && !matched; ++i) {
      if (gt_by_name.count(candidates[i]) == 0) continue;
      preds_by_name[candidates[i]].push_back({f, i + 1});
      matched = true;
    }
    if (!matched) out.extra.push_back({f, "no GT named " + candidates.back()});
  }
  std::vector<Pair> pairs;
  for (const auto& [name, gt] : gt_by_name) {
    auto it = preds_by_name.find(name);
    if (it == preds_by_name.end()) {
      out.missing.push_back({gt, "no prediction for " + name});
      continue;
    }
    std::vector<Match>& m = it->second;
    std::stable_sort(m.begin(), m.end(), [](const Match& a, const Match& b) { return a.stripped < b.stripped; });
    pairs.push_back({name, gt, m.front().file});
    for (std::size_t i = 1; i < m.size(); ++i)
      out.extra.push_back({m[i].file, "second prediction for " + name + " (" + m.front().file.filename().string() + " is used)"});
  }
  auto byName = [](const auto& a, const auto& b) { return detail::naturalLess(a.name, b.name); };
  std::sort(pairs.begin(), pairs.end(), byName);

  // Parallel evaluation; finished images are added in name order (a reorder window), so the sums and
  // thus the last bits do not depend on scheduling.
  const std::size_t total = pairs.size();
  unsigned threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(total, 1)));
  Evaluator evaluator;
  std::vector<std::unique_ptr<Pending>> pending(total);
  std::size_t next_to_add = 0;
  std::atomic<std::size_t> next_index{0};
  std::atomic<bool> stop{false};
  std::exception_ptr failure;
  std::mutex mutex;
  auto worker = [&] {
    for (;;) {
      if (stop.load(std::memory_order_relaxed) || job.cancel.cancelled()) return;
      const std::size_t i = next_index.fetch_add(1);
      if (i >= total) return;
      auto done = std::make_unique<Pending>();
      try {
        done->record = evaluateOne(pairs[i], done->curves);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
        stop = true;
        return;
      }
      const std::lock_guard<std::mutex> lock(mutex);
      pending[i] = std::move(done);
      while (next_to_add < total && pending[next_to_add]) {
        evaluator.add(std::move(pending[next_to_add]->record), pending[next_to_add]->curves);
        pending[next_to_add].reset();
        ++next_to_add;
        job.report("evaluate", next_to_add, total, pairs[next_to_add - 1].name);
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  job.throwIfCancelled();

  out.metrics = evaluator.result();
  out.images = evaluator.images();
  return out;
}

}  // namespace rgbdsod::core
