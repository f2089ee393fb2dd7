// The on-disk HHA cache of a dataset: manifest, freshness checks, polarity resolution, encoding.
#include "rgbdsod/core/hha_cache.h"

#include <cstdint>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <spdlog/spdlog.h>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/hha.h"
#include "rgbdsod/core/image_io.h"
#include "rgbdsod/core/input_limits.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace rgbdsod::core {
namespace {

// Bump when the encoder's output changes, so that every cached image is recomputed.
constexpr const char* kEncoderVersion = "rgbdsod-hha-1";
constexpr std::size_t kManifestEvery = 32;  // samples between manifest saves (and at the end)
constexpr std::size_t kPolaritySamples = 64;

struct Manifest {
  fs::path file;
  json files = json::object();

  static Manifest load(const fs::path& folder) {
    Manifest m;
    m.file = folder / kHhaManifest;
    std::error_code ec;
    if (!fs::exists(m.file, ec)) return m;
    try {
      // Through the checked reader: a manifest in a downloaded copy may be huge or deeply nested.
      const json j = json::parse(readJsonFile(m.file));
      // Another encoder version, or a damaged manifest: everything is recomputed.
      if (j.value("encoder", "") == kEncoderVersion && j.contains("files") && j["files"].is_object())
        m.files = j["files"];
    } catch (const json::exception&) {
    } catch (const FileError& e) {
      spdlog::warn("HHA cache: ignoring manifest ({}); recomputing", e.what());
    }
    return m;
  }
  void save() const {
    const json j = {{"encoder", kEncoderVersion}, {"files", files}};
    writeFileAtomic(file, j.dump(1));
  }
};

struct DepthKey {
  std::uintmax_t bytes = 0;
  std::string hash;
};

DepthKey depthKey(const fs::path& depth_file) {
  std::error_code ec;
  DepthKey k;
  k.bytes = fs::file_size(depth_file, ec);
  if (ec) throw FileError(depth_file, "cannot read the depth file: " + ec.message());
  k.hash = fileContentHash(depth_file);
  return k;
}

bool upToDate(const Manifest& m, const std::string& name, const DepthKey& key, const std::string& settings,
              const fs::path& image) {
  const auto it = m.files.find(name);
  if (it == m.files.end() || !it->is_object()) return false;
  std::error_code ec;
  return it->value("bytes", std::uintmax_t{0}) == key.bytes && it->value("hash", "") == key.hash &&
         it->value("settings", "") == settings && fs::is_regular_file(image, ec);
}

// Resolves the polarity of relative depth once per dataset, only when some sample needs it.
class PolarityResolver {
 public:
  PolarityResolver(const Dataset& ds, const DepthConfig& config, std::optional<DepthPolarity> hint = std::nullopt)
      : ds_(ds), config_(config), hint_(hint) {}
  DepthPolarity get(HhaCacheSummary& summary) {
    if (!resolved_) resolve();
    summary.polarity = resolved_;
    summary.polarity_evidence = evidence_;
    return *resolved_;
  }

 private:
  void resolve() {
    if (config_.polarity) {
      resolved_ = config_.polarity;
      evidence_ = config_.source.empty() ? "set on the command line" : "set in " + config_.source.string();
      return;
    }
    if (hint_) {
      resolved_ = hint_;
      evidence_ = "given by the caller";
      return;
    }
    if (ds_.polarity_override) {
      resolved_ = ds_.polarity_override;
      evidence_ = "the dataset's polarity setting";
      return;
    }
    std::vector<cv::Mat> depths, gts;
    const std::size_t n = ds_.size();
    const std::size_t step = std::max<std::size_t>(1, n / kPolaritySamples);
    for (std::size_t i = 0; i < n && depths.size() < kPolaritySamples; i += step) {
      const SampleFiles& s = ds_.samples[i];
      if (s.depth.empty()) continue;
      try {
        depths.push_back(readDepth(s.depth));
        gts.push_back(s.gt.empty() ? cv::Mat() : readMask(s.gt));
      } catch (const FileError&) {
        if (depths.size() > gts.size()) depths.pop_back();  // keep the two lists parallel
      }
    }
    const PolarityEstimate e = estimatePolarity(depths, gts);
    if (!e.polarity)
      throw Error(fmt::format("{}: cannot decide the depth polarity for HHA ({}); set \"polarity\" in {} or pass "
                              "--polarity near-bright|near-dark",
                              ds_.root.string(), e.evidence, kDepthConfigFile));
    resolved_ = e.polarity;
    evidence_ = "detected: " + e.evidence;
  }

  const Dataset& ds_;
  const DepthConfig& config_;
  std::optional<DepthPolarity> hint_;
  std::optional<DepthPolarity> resolved_;
  std::string evidence_;
};

// Encodes one sample and records it in the manifest (not yet saved); returns the image.
cv::Mat encodeSample(const SampleFiles& s, const DepthKey& key, const DepthConfig& config, const std::string& settings,
                  PolarityResolver& polarity, HhaCacheSummary& summary, Manifest& m, const fs::path& image) {
  const cv::Mat stored = readDepth(s.depth);
  std::optional<DepthPolarity> p;
  if (encodingFor(config, stored) == DepthEncoding::Relative) p = polarity.get(summary);
  const MetricDepth metric = toMetric(stored, config, p);
  const CameraIntrinsics camera = cameraFor(config, stored.size());
  const HhaResult r = computeHha(metric.metres, metric.measured, camera);
  writeImageAtomic(image, r.hha);
  std::error_code ec;
  json entry = {{"depth", fs::relative(s.depth, image.parent_path().parent_path(), ec).generic_string()},
                {"bytes", key.bytes},
                {"hash", key.hash},
                {"settings", settings},
                {"camera", {camera.fx, camera.fy, camera.cx, camera.cy}},
                {"gravity", {r.gravity[0], r.gravity[1], r.gravity[2]}}};
  if (p) entry["polarity"] = toString(*p);
  m.files[s.name] = entry;
  return r.hha;
}

std::mutex& manifestMutex() {
  static std::mutex m;  // loadHha may be called from data-loading threads
  return m;
}

fs::path prepareFolder(const Dataset& ds) {
  const fs::path folder = ds.root / kHhaFolder;
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw FileError(folder, "cannot create the HHA cache folder: " + ec.message());
  return folder;
}

}  // namespace

std::string fileContentHash(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FileError(file, "cannot open the file to hash it");
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a 64 offset basis
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      h ^= static_cast<unsigned char>(buffer[static_cast<std::size_t>(i)]);
      h *= 1099511628211ull;  // FNV prime
    }
  }
  if (in.bad()) throw FileError(file, "read error while hashing");
  return fmt::format("fnv1a64:{:016x}", h);
}

HhaCacheSummary buildHhaCache(const Dataset& ds, const DepthConfig& config, bool force, const JobContext& job) {
  if (const std::string p = config.problem(); !p.empty())
    throw FileError(config.source.empty() ? ds.root / kDepthConfigFile : config.source, p);
  HhaCacheSummary summary;
  summary.folder = prepareFolder(ds);
  const std::string settings = config.fingerprint();
  PolarityResolver polarity(ds, config);
  std::lock_guard lock(manifestMutex());
  Manifest m = Manifest::load(summary.folder);
  std::size_t unsaved = 0;
  try {
    for (std::size_t i = 0; i < ds.size(); ++i) {
      job.throwIfCancelled();
      const SampleFiles& s = ds.samples[i];
      if (s.depth.empty()) {
        summary.problems.push_back(s.name + ": no depth map");
      } else {
        const fs::path image = summary.folder / (s.name + ".png");
        const DepthKey key = depthKey(s.depth);
        if (!force && upToDate(m, s.name, key, settings, image)) {
          ++summary.reused;
        } else {
          try {
            encodeSample(s, key, config, settings, polarity, summary, m, image);
            ++summary.computed;
            if (++unsaved >= kManifestEvery) {
              m.save();
              unsaved = 0;
            }
          } catch (const ImageReadError& e) {
            summary.problems.push_back(s.name + ": " + e.what());
          }
        }
      }
      job.report("hha", i + 1, ds.size(), s.name);
    }
  } catch (...) {
    // Keep what was encoded before the interruption; when that fails too (a full disk), the first
    // error is the one reported (it names the file that could not be written).
    if (unsaved > 0) {
      try {
        m.save();
      } catch (const std::exception& e) {
        spdlog::warn("HHA cache: {}", e.what());
      }
    }
    throw;
  }
  m.save();
  return summary;
}

cv::Mat loadHha(const Dataset& ds, std::size_t index, const DepthConfig& config,
                std::optional<DepthPolarity> polarity_hint) {
  const SampleFiles& s = ds.samples.at(index);
  if (s.depth.empty()) throw FileError(ds.layout.depth_dir / s.name, "sample has no depth map");
  const fs::path folder = ds.root / kHhaFolder;
  const fs::path image = folder / (s.name + ".png");
  const std::string settings = config.fingerprint();
  const DepthKey key = depthKey(s.depth);
  std::lock_guard lock(manifestMutex());
  Manifest m = Manifest::load(folder);
  if (upToDate(m, s.name, key, settings, image)) {
    // Through the checked reader (size limits), as the folder may come with a downloaded copy;
    // an unusable cached image is simply encoded again.
    try {
      return readRgb(image);
    } catch (const ImageReadError&) {
    }
  }
  HhaCacheSummary summary;
  PolarityResolver polarity(ds, config, polarity_hint);
  std::error_code ec;
  fs::create_directories(folder, ec);
  const cv::Mat hha = encodeSample(s, key, config, settings, polarity, summary, m, image);
  m.save();
  return hha;
}

}  // namespace rgbdsod::core
