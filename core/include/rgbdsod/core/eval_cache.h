#pragma once
// A cache of folder evaluations, so that re-running `rgbdsod eval` on unchanged predictions is
// near-instant (no image is decoded) while any edited, added or removed map is re-evaluated.
//
// One JSON file per (GT folder, prediction folder, method) under the cache folder, named by a hash
// of the three. It holds the whole FolderEvaluation and the key it was computed for. The key hashes
// the name and the bytes of every file in both folders (a fast 64-bit hash of our own, see
// hashBytes; file contents are read, not decoded, and mtimes are not trusted because copies with
// `cp -p` or rsync keep them), the options that change results (method name and prediction
// suffixes, which decide the pairing) and the program version (which fixes the metric code).
// A cached result is used only when its key equals the folders' current key.
//
// Files are written atomically. An unreadable or corrupt cache file is ignored with a warning and
// recomputed; failing to write one is a warning too: the cache never fails an evaluation.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/core/progress.h"

namespace rgbdsod::core {

// $XDG_CACHE_HOME/rgbdsod/eval, else $HOME/.cache/rgbdsod/eval, else <temp>/rgbdsod-eval-cache.
// Outside the data folders on purpose: evaluation toolboxes list prediction folders and would
// trip over a foreign sub-folder, and data folders may be read-only.
std::filesystem::path defaultEvalCacheDir();

// A fast non-cryptographic 64-bit hash (8-byte words, multiply-rotate mixing, murmur3 finaliser):
// for change detection only. Streaming: feed chunks whose sizes are multiples of 8, then the rest.
class ContentHasher {
 public:
  explicit ContentHasher(std::uint64_t seed = 0);
  void update(const void* data, std::size_t size);
  std::uint64_t digest() const;

 private:
  std::uint64_t state_;
  std::uint64_t length_ = 0;
  unsigned char tail_[8] = {};
  std::size_t tail_size_ = 0;
  void mixWord(std::uint64_t word);
};
std::uint64_t hashBytes(std::string_view bytes, std::uint64_t seed = 0);
// Hashes a file's bytes (streamed); throws FileError naming the file when it cannot be read.
std::uint64_t hashFileContent(const std::filesystem::path& file);

class EvalCache {
 public:
  explicit EvalCache(std::filesystem::path dir = defaultEvalCacheDir());
  const std::filesystem::path& dir() const noexcept { return dir_; }

  // The key of evaluating gt_dir against pred_dir with `options` as they are now (16 hex digits).
  // Throws FileError when a folder cannot be listed or a file read.
  static std::string key(const std::filesystem::path& gt_dir, const std::filesystem::path& pred_dir,
                         const EvalOptions& options);
  // The cache file of the pair (whether it exists or not).
  std::filesystem::path fileFor(const std::filesystem::path& gt_dir, const std::filesystem::path& pred_dir,
                                const EvalOptions& options) const;
  // The cached evaluation when its key is `key`; nullopt when absent or stale; a corrupt file logs a
  // warning and gives nullopt. Paths in the result are re-based onto gt_dir / pred_dir as given.
  std::optional<FolderEvaluation> load(const std::filesystem::path& gt_dir, const std::filesystem::path& pred_dir,
                                       const EvalOptions& options, const std::string& key) const;
  // Stores atomically; a failure is logged as a warning and returns false.
  bool store(const FolderEvaluation& evaluation, const EvalOptions& options, const std::string& key) const;

 private:
  std::filesystem::path dir_;
};

struct CachedEvaluation {
  FolderEvaluation evaluation;
  bool from_cache = false;
};

// evaluateFolders through the cache (cache == nullptr: no cache). The key is computed before the
// evaluation, so a file edited during it is re-evaluated next time.
CachedEvaluation evaluateFoldersCached(const std::filesystem::path& gt_dir, const std::filesystem::path& pred_dir,
                                       const EvalOptions& options, const JobContext& job, const EvalCache* cache);

// The evaluation as the cache stores it and back (exposed for tests). fromCacheJson throws
// std::runtime_error on malformed content.
std::string toCacheJson(const FolderEvaluation& evaluation, const std::string& key);
FolderEvaluation fromCacheJson(const std::string& text, const std::filesystem::path& gt_dir,
                               const std::filesystem::path& pred_dir, std::string* key = nullptr);

}  // namespace rgbdsod::core
