// Dataset validation: every file of every sample is decoded once, in parallel, and every problem
// found is listed (nothing stops at the first one). Depth polarity is detected on the way.
#include "rgbdsod/core/validation.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <opencv2/core.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/image_io.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

constexpr std::size_t kPolaritySamples = 100;  // enough for a clear vote, bounded memory

Problem problem(ProblemKind kind, std::string sample, fs::path file, std::string message) {
  return Problem{kind, severityOf(kind), std::move(sample), std::move(file), std::move(message)};
}

std::string sizeText(const cv::Mat& m) { return std::to_string(m.cols) + "x" + std::to_string(m.rows); }

ProblemKind kindOf(ReadFailure f) {
  switch (f) {
    case ReadFailure::Missing:     // vanished since the scan
    case ReadFailure::Unreadable: return ProblemKind::Unreadable;
    case ReadFailure::NotAnImage:
    case ReadFailure::Corrupt:
    case ReadFailure::Unsupported:
    case ReadFailure::TooLarge: return ProblemKind::Corrupt;  // a decompression bomb is as unusable as a corrupt file
  }
  return ProblemKind::Corrupt;
}

struct SampleResult {
  std::vector<Problem> problems;
  cv::Mat depth, gt;  // kept only for the samples chosen for polarity detection
};

// Decodes one file with `read`; on failure records the problem and returns an empty matrix.
template <typename Reader>
cv::Mat tryRead(Reader read, const SampleFiles& s, const fs::path& file, std::vector<Problem>& out) {
  try {
    return read(file);
  } catch (const ImageReadError& e) {
    out.push_back(problem(kindOf(e.failure()), s.name, file, e.problem()));
  } catch (const std::exception& e) {
    out.push_back(problem(ProblemKind::Corrupt, s.name, file, std::string("cannot decode: ") + e.what()));
  }
  return {};
}

SampleResult checkSample(const Dataset& ds, const SampleFiles& s, bool keep_for_polarity) {
  SampleResult r;
  auto& out = r.problems;
  if (s.rgb.empty())
    out.push_back(problem(ProblemKind::MissingRgb, s.name, s.depth.empty() ? s.gt : s.depth, "no RGB file for " + s.name));
  if (s.depth.empty())
    out.push_back(problem(ProblemKind::MissingDepth, s.name, s.rgb.empty() ? s.gt : s.rgb, "no depth file for " + s.name));
  if (ds.labeled() && s.gt.empty())
    out.push_back(problem(ProblemKind::MissingGt, s.name, s.rgb.empty() ? s.depth : s.rgb, "no GT file for " + s.name));

  const cv::Mat rgb = s.rgb.empty() ? cv::Mat() : tryRead(readRgb, s, s.rgb, out);
  const cv::Mat depth = s.depth.empty() ? cv::Mat() : tryRead(readDepth, s, s.depth, out);
  const cv::Mat gt = s.gt.empty() ? cv::Mat() : tryRead(readMask, s, s.gt, out);

  // Sizes are compared against RGB (or depth when RGB is missing); the message lists all of them.
  const cv::Mat& ref = rgb.empty() ? depth : rgb;
  std::string sizes;
  const std::pair<const char*, const cv::Mat*> all[] = {{"RGB", &rgb}, {"depth", &depth}, {"GT", &gt}};
  for (const auto& [name, m] : all)
    if (!m->empty()) sizes += (sizes.empty() ? "" : ", ") + std::string(name) + " " + sizeText(*m);
  if (!ref.empty()) {
    if (!depth.empty() && &ref != &depth && depth.size() != ref.size())
      out.push_back(problem(ProblemKind::SizeMismatch, s.name, s.depth, sizes));
    if (!gt.empty() && gt.size() != ref.size()) out.push_back(problem(ProblemKind::SizeMismatch, s.name, s.gt, sizes));
  }
  if (!gt.empty() && cv::countNonZero(gt > 128) == 0)
    out.push_back(problem(ProblemKind::EmptyGt, s.name, s.gt, "no foreground pixel (> 128) in the GT"));
  if (!depth.empty()) {
    double lo = 0, hi = 0;
    cv::minMaxLoc(depth, &lo, &hi);
    if (lo == hi)
      out.push_back(problem(ProblemKind::ConstantDepth, s.name, s.depth,
                            "every pixel has the value " + std::to_string(static_cast<long long>(lo))));
  }
  if (keep_for_polarity) {
    r.depth = depth;
    r.gt = gt;
  }
  return r;
}

// Up to kPolaritySamples complete samples, evenly spaced over the dataset.
std::vector<bool> polarityCandidates(const Dataset& ds) {
  std::vector<std::size_t> complete;
  for (std::size_t i = 0; i < ds.samples.size(); ++i) {
    const SampleFiles& s = ds.samples[i];
    if (!s.rgb.empty() && !s.depth.empty() && (!ds.labeled() || !s.gt.empty())) complete.push_back(i);
  }
  std::vector<bool> chosen(ds.samples.size(), false);
  const std::size_t n = std::min(complete.size(), kPolaritySamples);
  for (std::size_t k = 0; k < n; ++k) chosen[complete[k * complete.size() / n]] = true;
  return chosen;
}

}  // namespace

const char* toString(ProblemKind k) {
  switch (k) {
    case ProblemKind::MissingRgb: return "missing-rgb";
    case ProblemKind::MissingDepth: return "missing-depth";
    case ProblemKind::MissingGt: return "missing-gt";
    case ProblemKind::DuplicateName: return "duplicate-name";
    case ProblemKind::NotAnImage: return "not-an-image";
    case ProblemKind::Unreadable: return "unreadable";
    case ProblemKind::Corrupt: return "corrupt";
    case ProblemKind::SizeMismatch: return "size-mismatch";
    case ProblemKind::EmptyGt: return "empty-gt";
    case ProblemKind::ConstantDepth: return "constant-depth";
  }
  return "unknown";
}

Severity severityOf(ProblemKind k) {
  switch (k) {
    case ProblemKind::NotAnImage:
    case ProblemKind::EmptyGt:
    case ProblemKind::ConstantDepth: return Severity::Warning;
    default: return Severity::Error;
  }
}

std::size_t ValidationReport::errors() const {
  return static_cast<std::size_t>(
      std::count_if(problems.begin(), problems.end(), [](const Problem& p) { return p.severity == Severity::Error; }));
}

std::size_t ValidationReport::warnings() const { return problems.size() - errors(); }

std::string ValidationReport::summary() const {
  std::string line = std::to_string(valid) + " valid of " + std::to_string(samples) + " samples, " +
                     std::to_string(errors()) + " errors, " + std::to_string(warnings()) + " warnings; depth polarity ";
  const PolarityEstimate& p = polarity;
  const bool gt = p.method == "gt-contrast";
  if (p.images_examined == 0) return line + "unknown (no usable samples)";
  const std::string images = " of " + std::to_string(p.images_examined) + " images";
  const std::string cue = gt ? "" : "; floor cue, no GT, lower confidence";
  if (!p.polarity)
    return line + "undecided (" + std::to_string(p.votes_bright) + " brighter, " + std::to_string(p.votes_dark) +
           " darker" + images + cue + ")";
  const bool bright = *p.polarity == DepthPolarity::NearIsBright;
  const std::string what = std::string(gt ? "salient object " : "bottom of the scene ") +
                           (bright ? "brighter" : "darker") + (gt ? " than its surround" : " than the top");
  return line + toString(*p.polarity) + " (" + std::to_string(bright ? p.votes_bright : p.votes_dark) + images +
         ": " + what + cue + ")";
}

ValidationReport validate(const Dataset& dataset, const JobContext& job) {
  job.throwIfCancelled();
  ValidationReport report;
  report.root = dataset.root;
  report.samples = dataset.size();

  const std::size_t total = dataset.size();
  const std::vector<bool> keep = polarityCandidates(dataset);
  std::vector<SampleResult> results(total);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex report_mutex;  // serialises progress calls so that `done` only grows
  std::size_t done = 0;
  std::exception_ptr failure;

  const auto worker = [&] {
    try {
      for (;;) {
        if (stop.load() || job.cancel.cancelled()) return;
        const std::size_t i = next.fetch_add(1);
        if (i >= total) return;
        results[i] = checkSample(dataset, dataset.samples[i], keep[i]);
        const std::lock_guard lock(report_mutex);
        job.report("validate", ++done, total, dataset.samples[i].name);
      }
    } catch (...) {  // e.g. a progress callback that throws: stop everyone, rethrow after join
      const std::lock_guard lock(report_mutex);
      if (!failure) failure = std::current_exception();
      stop = true;
    }
  };
  const std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t threads = std::min({hw, std::size_t{8}, std::max<std::size_t>(total, 1)});
  std::vector<std::jthread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  pool.clear();  // joins
  if (failure) std::rethrow_exception(failure);
  job.throwIfCancelled();

  std::map<std::string, std::size_t> order;  // sample name -> index, for sorting problems
  for (std::size_t i = 0; i < total; ++i) order.emplace(dataset.samples[i].name, i + 1);
  std::set<std::string> duplicated;  // samples with two files of one modality: ambiguous, not valid
  for (const StrayFile& s : dataset.strays)
    if (s.kind == StrayKind::DuplicateName) duplicated.insert(s.sample);
  std::vector<cv::Mat> depths, gts;
  for (std::size_t i = 0; i < total; ++i) {
    SampleResult& r = results[i];
    const bool has_error = std::any_of(r.problems.begin(), r.problems.end(),
                                       [](const Problem& p) { return p.severity == Severity::Error; });
    if (!has_error && !duplicated.contains(dataset.samples[i].name)) {
      ++report.valid;
      if (keep[i]) {
        depths.push_back(std::move(r.depth));
        if (dataset.labeled()) gts.push_back(std::move(r.gt));
      }
    }
    for (Problem& p : r.problems) report.problems.push_back(std::move(p));
  }
  for (const StrayFile& s : dataset.strays) {
    if (s.kind == StrayKind::DuplicateName)
      report.problems.push_back(problem(ProblemKind::DuplicateName, s.sample, s.file, s.reason));
    else
      report.problems.push_back(problem(ProblemKind::NotAnImage, {}, s.file, s.reason));
  }
  const auto rank = [&order](const Problem& p) {
    const auto it = order.find(p.sample);
    return it == order.end() ? std::size_t{0} : it->second;
  };
  std::stable_sort(report.problems.begin(), report.problems.end(), [&rank](const Problem& a, const Problem& b) {
    const std::size_t ra = rank(a), rb = rank(b);
    if (ra != rb) return ra < rb;
    if (a.file != b.file) return a.file < b.file;
    return a.kind < b.kind;
  });
  report.polarity = estimatePolarity(depths, gts);
  return report;
}

}  // namespace rgbdsod::core
