// The corrections store: opening, loading, saving, review status and revert. The sidecar's JSON,
// its rebuild, the import of mask folders and the export of a corrected dataset are in
// label_store_io.cpp.
#include "rgbdsod/core/label_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <utility>

#include <opencv2/core.hpp>
#include <spdlog/spdlog.h>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/image_io.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

// True when `inner` is `outer` or lies inside it, after resolving symbolic links and "..".
bool sameOrInside(const fs::path& inner, const fs::path& outer) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(inner, ec);
  if (ec) return false;
  const fs::path b = fs::weakly_canonical(outer, ec);
  if (ec) return false;
  auto ai = a.begin();
  for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai) {
    if (bi->empty()) continue;  // trailing separator
    if (ai == a.end() || *ai != *bi) return false;
  }
  return true;
}

// Creates and removes a file in `folder`: "" when that worked, else the reason. Permission bits
// alone do not tell (root ignores them, a read-only mount does not show in them).
std::string probeFolder(const fs::path& folder) {
  const fs::path probe = temporarySiblingPath(folder / ".rgbdsod-write-probe");
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

std::string sizeText(const cv::Mat& m) { return std::to_string(m.cols) + "x" + std::to_string(m.rows); }

int addSaturated(int a, int b) { return a > INT_MAX - b ? INT_MAX : a + b; }

}  // namespace

const char* toString(LabelStatus s) {
  switch (s) {
    case LabelStatus::Unreviewed: return "unreviewed";
    case LabelStatus::Reviewed: return "reviewed";
    case LabelStatus::Corrected: return "corrected";
  }
  return "unreviewed";
}

std::optional<LabelStatus> labelStatusFromString(const std::string& s) {
  for (LabelStatus v : {LabelStatus::Unreviewed, LabelStatus::Reviewed, LabelStatus::Corrected})
    if (s == toString(v)) return v;
  return std::nullopt;
}

std::string isoUtc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

LabelStore::LabelStore(Dataset dataset, fs::path corrections) : dataset_(std::move(dataset)) {
  if (!dataset_.labeled())
    throw FileError(dataset_.root, "has no GT folder; label corrections need the original masks");
  folder_ = corrections.empty() ? dataset_.root / kDefaultFolder : std::move(corrections);
  folder_ = fs::absolute(folder_).lexically_normal();
  if (!folder_.has_filename()) folder_ = folder_.parent_path();  // "dir/" names dir

  const std::pair<const fs::path*, Modality> originals[] = {{&dataset_.layout.gt_dir, Modality::Gt},
                                                            {&dataset_.layout.rgb_dir, Modality::Rgb},
                                                            {&dataset_.layout.depth_dir, Modality::Depth}};
  for (const auto& [dir, modality] : originals) {
    if (dir->empty() || !sameOrInside(folder_, *dir)) continue;
    throw FileError(folder_, std::string("is (or is inside) the dataset's ") + toString(modality) + " folder " +
                                 dir->string() + "; the originals are never written: choose a folder of its own, " +
                                 "e.g. " + (dataset_.root / kDefaultFolder).string());
  }

  std::error_code ec;
  if (fs::exists(fs::symlink_status(sidecarPath(), ec))) {
    try {
      readSidecar();
    } catch (const SidecarError& e) {
      sidecar_problem_ = e.what();
      records_.clear();
      spdlog::warn("{} (rebuild it from the corrected masks to continue)", sidecar_problem_);
    }
  } else {
    addOrphanMasks();
  }
}

fs::path LabelStore::correctedPath(const std::string& sample) const { return folder_ / (sample + ".png"); }

const SampleFiles& LabelStore::sampleFiles(const std::string& sample) const {
  const auto index = dataset_.indexOf(sample);
  if (!index) throw FileError(dataset_.root, "has no sample named '" + sample + "'");
  return dataset_.samples[*index];
}

bool LabelStore::writable() const {
  std::error_code ec;
  if (fs::exists(folder_, ec)) return fs::is_directory(folder_, ec) && probeFolder(folder_).empty();
  // Not created yet: it can be when its nearest existing ancestor is a writable folder.
  fs::path ancestor = folder_.parent_path();
  while (!ancestor.empty() && !fs::exists(ancestor, ec)) {
    if (ancestor == ancestor.parent_path()) return false;
    ancestor = ancestor.parent_path();
  }
  return !ancestor.empty() && fs::is_directory(ancestor, ec) && probeFolder(ancestor).empty();
}

void LabelStore::ensureFolder() const {
  const std::string advice = "; choose another corrections folder";
  std::error_code ec;
  if (!fs::is_directory(folder_, ec)) {
    fs::create_directories(folder_, ec);
    if (ec || !fs::is_directory(folder_))
      throw FileError(folder_, "is not writable: cannot create it (" + (ec ? ec.message() : "not a folder") + ")" +
                                   advice);
  }
  if (const std::string why = probeFolder(folder_); !why.empty())
    throw FileError(folder_, "is not writable (" + why + ")" + advice);
}

void LabelStore::requireSidecar() const {
  if (!sidecar_problem_.empty())
    throw SidecarError(sidecarPath(), "cannot be read, so nothing is written until it is rebuilt from the "
                                      "corrected masks (the file is kept as labels.json.bad); the problem: " +
                                          sidecar_problem_);
}

cv::Mat LabelStore::loadOriginal(const std::string& sample) const {
  const SampleFiles& f = sampleFiles(sample);
  if (f.gt.empty()) throw FileError(dataset_.layout.gt_dir / sample, "sample " + sample + " has no GT file");
  return readMask(f.gt);
}

bool LabelStore::hasCorrection(const std::string& sample) const {
  std::error_code ec;
  return fs::is_regular_file(correctedPath(sample), ec);
}

cv::Mat LabelStore::load(const std::string& sample) const {
  sampleFiles(sample);  // unknown samples throw
  if (hasCorrection(sample)) return readMask(correctedPath(sample));
  return loadOriginal(sample);
}

LabelRecord LabelStore::record(const std::string& sample) const {
  const auto it = records_.find(sample);
  return it == records_.end() ? LabelRecord{} : it->second;
}

void LabelStore::save(const std::string& sample, const cv::Mat& mask, const std::map<std::string, int>& edit_kinds) {
  const SampleFiles& f = sampleFiles(sample);
  requireSidecar();
  if (mask.empty() || mask.type() != CV_8UC1)
    throw Error("sample " + sample + ": the corrected mask must be CV_8UC1 (8-bit, one channel), got " +
                (mask.empty() ? std::string("an empty image") : cv::typeToString(mask.type())));
  const cv::Mat original = loadOriginal(sample);
  if (mask.size() != original.size())
    throw Error("sample " + sample + ": the corrected mask is " + sizeText(mask) + " but the original GT " +
                f.gt.filename().string() + " is " + sizeText(original) + "; not saved");
  int added = 0;
  for (const auto& [kind, n] : edit_kinds) {
    if (n < 0) throw Error("sample " + sample + ": edit count of '" + kind + "' is negative");
    added = addSaturated(added, n);
  }

  ensureFolder();
  writeImageAtomic(correctedPath(sample), mask);

  const auto before = records_.find(sample);
  const std::optional<LabelRecord> old = before == records_.end() ? std::nullopt : std::optional(before->second);
  LabelRecord& r = records_[sample];
  r.status = LabelStatus::Corrected;
  r.edits = addSaturated(r.edits, added);
  for (const auto& [kind, n] : edit_kinds)
    if (n > 0) r.edit_kinds[kind] = addSaturated(r.edit_kinds[kind], n);
  r.saved = isoUtc(std::chrono::system_clock::now());
  try {
    writeSidecar();
  } catch (...) {
    // The mask is saved; the record goes back to what the sidecar on disk says (a mask without a
    // record is recovered as Corrected when the store is opened again).
    if (old) records_[sample] = *old;
    else records_.erase(sample);
    throw;
  }
}

void LabelStore::setStatus(const std::string& sample, LabelStatus status) {
  sampleFiles(sample);
  requireSidecar();
  const bool corrected = hasCorrection(sample);
  if (status == LabelStatus::Corrected && !corrected)
    throw Error("sample " + sample + ": cannot mark it corrected, it has no corrected mask (save one first)");

  const std::map<std::string, LabelRecord> before = records_;
  LabelRecord& r = records_[sample];
  r.status = status;
  r.saved = isoUtc(std::chrono::system_clock::now());
  // Back to the queue with nothing done: no record at all (as before the first look).
  if (status == LabelStatus::Unreviewed && !corrected && r.edits == 0 && r.edit_kinds.empty()) records_.erase(sample);
  try {
    ensureFolder();
    writeSidecar();
  } catch (...) {
    records_ = before;
    throw;
  }
}

void LabelStore::revert(const std::string& sample) {
  if (!dataset_.indexOf(sample) && !records_.count(sample))
    throw FileError(dataset_.root, "has no sample named '" + sample + "'");
  requireSidecar();
  const bool corrected = hasCorrection(sample);
  if (!corrected && !records_.count(sample)) return;
  ensureFolder();
  if (corrected) {
    std::error_code ec;
    fs::remove(correctedPath(sample), ec);
    if (ec) throw FileError(correctedPath(sample), "cannot remove the correction: " + ec.message());
  }
  records_.erase(sample);
  writeSidecar();
}

}  // namespace rgbdsod::core
