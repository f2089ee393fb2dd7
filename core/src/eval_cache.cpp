// The evaluation cache: content keys, cache files, and evaluateFolders through the cache.
#include "rgbdsod/core/eval_cache.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/core/version.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kP3 = 0x165667B19E3779F9ULL;

std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

std::uint64_t finalise(std::uint64_t x) {  // murmur3's fmix64: every input bit reaches every output bit
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDULL;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ULL;
  x ^= x >> 33;
  return x;
}

std::string hex(std::uint64_t v) { return fmt::format("{:016x}", v); }

// Bumped when the cache file layout or the meaning of a stored number changes.
constexpr const char* kCacheFormat = "rgbdsod-eval-cache/1 PySODMetrics-1.6.2";

std::vector<fs::path> regularFiles(const fs::path& dir, const char* what) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw FileError(dir, std::string(what) + " folder does not exist or is not a folder");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  if (ec) throw FileError(dir, std::string("cannot list the ") + what + " folder: " + ec.message());
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });
  return files;
}

void feedString(ContentHasher& h, const std::string& s) {
  h.update(s.data(), s.size());
  const char zero = 0;
  h.update(&zero, 1);  // separator: ("ab","c") and ("a","bc") differ
}

void feedFolder(ContentHasher& h, const fs::path& dir, const char* what) {
  feedString(h, what);
  for (const fs::path& f : regularFiles(dir, what)) {
    feedString(h, f.filename().string());
    const std::uint64_t content = hashFileContent(f);
    h.update(&content, sizeof content);
  }
}

std::string safeName(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return out.substr(0, 40);
}

}  // namespace

ContentHasher::ContentHasher(std::uint64_t seed) : state_(seed ^ kP3) {}

void ContentHasher::mixWord(std::uint64_t word) { state_ = rotl(state_ ^ (word * kP2), 29) * kP1 + kP3; }

void ContentHasher::update(const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  length_ += size;
  while (size > 0 && tail_size_ > 0) {  // complete a pending word first
    tail_[tail_size_++] = *p++;
    --size;
    if (tail_size_ == 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, tail_, 8);
      mixWord(w);
      tail_size_ = 0;
    }
  }
  for (; size >= 8; size -= 8, p += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    mixWord(w);
  }
  for (; size > 0; --size) tail_[tail_size_++] = *p++;
}

std::uint64_t ContentHasher::digest() const {
  std::uint64_t s = state_;
  if (tail_size_ > 0) {
    std::uint64_t w = 0;
    std::memcpy(&w, tail_, tail_size_);
    s = rotl(s ^ ((w ^ tail_size_) * kP2), 29) * kP1 + kP3;
  }
  return finalise(s ^ length_);
}

std::uint64_t hashBytes(std::string_view bytes, std::uint64_t seed) {
  ContentHasher h(seed);
  h.update(bytes.data(), bytes.size());
  return h.digest();
}

std::uint64_t hashFileContent(const fs::path& file) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!f) throw FileError(file, "cannot open the file to hash it");
  ContentHasher h;
  std::vector<char> buf(1 << 20);  // a multiple of 8: whole words per chunk
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) h.update(buf.data(), n);
  if (std::ferror(f.get())) throw FileError(file, "read error while hashing");
  return h.digest();
}

fs::path defaultEvalCacheDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') return fs::path(xdg) / "rgbdsod" / "eval";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return fs::path(home) / ".cache" / "rgbdsod" / "eval";
  return fs::temp_directory_path() / "rgbdsod-eval-cache";
}

EvalCache::EvalCache(fs::path dir) : dir_(std::move(dir)) {}

std::string EvalCache::key(const fs::path& gt_dir, const fs::path& pred_dir, const EvalOptions& options) {
  ContentHasher h;
  feedString(h, kCacheFormat);
  feedString(h, kVersion);
  feedString(h, options.method);
  for (const std::string& s : options.pred_suffixes) feedString(h, s);
  // Prefixes change the pairing too; none (the default) leaves earlier keys as they were.
  for (const std::string& s : options.pred_prefixes) feedString(h, "prefix:" + s);
  feedFolder(h, gt_dir, "GT");
  feedFolder(h, pred_dir, "prediction");
  return hex(h.digest());
}

fs::path EvalCache::fileFor(const fs::path& gt_dir, const fs::path& pred_dir, const EvalOptions& options) const {
  std::error_code ec;
  ContentHasher h;
  feedString(h, fs::weakly_canonical(gt_dir, ec).string());
  feedString(h, fs::weakly_canonical(pred_dir, ec).string());
  feedString(h, options.method);
  const std::string readable = safeName(options.method.empty() ? pred_dir.filename().string() : options.method) + "-" +
                               safeName(pred_dir.filename().string());
  return dir_ / (readable + "-" + hex(h.digest()) + ".json");
}

std::optional<FolderEvaluation> EvalCache::load(const fs::path& gt_dir, const fs::path& pred_dir,
                                                const EvalOptions& options, const std::string& key) const {
  const fs::path file = fileFor(gt_dir, pred_dir, options);
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  try {
    // Checked reader: the cache folder may be shared or copied; a file over the JSON limits is
    // ignored like a corrupt one.
    const std::string text = readJsonFile(file);
    std::string stored_key;
    FolderEvaluation evaluation = fromCacheJson(text, gt_dir, pred_dir, &stored_key);
    if (stored_key != key) {
      spdlog::debug("evaluation cache: {} is stale (files changed)", file.string());
      return std::nullopt;
    }
    return evaluation;
  } catch (const std::exception& e) {
    spdlog::warn("evaluation cache: ignoring corrupt file {} ({}); evaluating again", file.string(), e.what());
    return std::nullopt;
  }
}

bool EvalCache::store(const FolderEvaluation& evaluation, const EvalOptions& options, const std::string& key) const {
  const fs::path file = fileFor(evaluation.gt_dir, evaluation.pred_dir, options);
  try {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) throw FileError(dir_, "cannot create the cache folder: " + ec.message());
    writeFileAtomic(file, toCacheJson(evaluation, key));
    return true;
  } catch (const std::exception& e) {
    spdlog::warn("evaluation cache: cannot store the result ({}); it will be computed again next time", e.what());
    return false;
  }
}

CachedEvaluation evaluateFoldersCached(const fs::path& gt_dir, const fs::path& pred_dir, const EvalOptions& options,
                                       const JobContext& job, const EvalCache* cache) {
  if (cache == nullptr) return {evaluateFolders(gt_dir, pred_dir, options, job), false};
  const std::string key = EvalCache::key(gt_dir, pred_dir, options);
  if (std::optional<FolderEvaluation> hit = cache->load(gt_dir, pred_dir, options, key)) {
    job.report("evaluate", hit->images.size(), hit->images.size());
    return {std::move(*hit), true};
  }
  CachedEvaluation out{evaluateFolders(gt_dir, pred_dir, options, job), false};
  cache->store(out.evaluation, options, key);
  return out;
}

}  // namespace rgbdsod::core
