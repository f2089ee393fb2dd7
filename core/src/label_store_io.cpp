// The corrections store's files: the labels.json sidecar (read, written, rebuilt), the import of a
// folder of masks, and the export of a dataset copy with the corrected GT.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/image_io.h"
#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/core/label_store.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace rgbdsod::core {
namespace {


// A count stored in the sidecar: a non-negative integer that fits an int.
std::optional<int> asCount(const json& v) {
  if (v.is_number_unsigned()) {
    const auto n = v.get<std::uint64_t>();
    if (n <= static_cast<std::uint64_t>(INT_MAX)) return static_cast<int>(n);
    return std::nullopt;
  }
  if (v.is_number_integer()) {
    const auto n = v.get<std::int64_t>();
    if (n >= 0 && n <= INT_MAX) return static_cast<int>(n);
  }
  return std::nullopt;
}

// A sample name that is safe as a file name in the corrections folder.
bool validSampleName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find_first_of(std::string("/\\\0", 3)) == std::string::npos;
}

bool hidden(const fs::path& file) { return file.filename().string().starts_with("."); }

std::string sizeText(const cv::Mat& m) { return std::to_string(m.cols) + "x" + std::to_string(m.rows); }

void copyFile(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::none, ec);
  if (ec) throw FileError(from, "cannot copy to " + to.string() + ": " + ec.message());
}

}  // namespace

std::vector<std::string> LabelStore::maskNames() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (auto it = fs::directory_iterator(folder_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    // Hidden files are a killed writer's temporaries (".0003.png.tmp-<pid>-<n>") or a probe.
    if (hidden(p) || p.extension() != ".png" || !it->is_regular_file(ec)) continue;
    names.push_back(p.stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

void LabelStore::addOrphanMasks() {
  for (const std::string& name : maskNames()) {
    if (records_.count(name)) continue;
    spdlog::info("{}: corrected mask without a record in {} (a save was interrupted?); counted as corrected",
                 correctedPath(name).string(), kSidecar);
    records_[name].status = LabelStatus::Corrected;
  }
}

std::map<std::string, LabelRecord> parseLabelSidecar(std::string_view text, const fs::path& file) {
  const auto bad = [&](const std::string& problem) { return SidecarError(file, problem); };
  try {
    checkJsonText(text, file);  // size and nesting limits, before the parser sees it
  } catch (const FileError& e) {
    throw bad(e.problem());
  }
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw bad("is not valid JSON (parse error at byte " + std::to_string(e.byte) + "); not a rgbdsod labels sidecar");
  } catch (const json::exception& e) {  // e.g. a number too large for a double (found by fuzz_label_sidecar)
    throw bad(std::string("is not valid JSON (") + e.what() + "); not a rgbdsod labels sidecar");
  }
  if (!j.is_object()) throw bad("not a rgbdsod labels sidecar (not a JSON object)");
  const auto format = j.find("format");
  if (format == j.end() || !format->is_string()) throw bad("not a rgbdsod labels sidecar (no \"format\" string)");
  if (format->get<std::string>() != LabelStore::kFormat)
    throw bad("not a rgbdsod labels sidecar (format '" + format->get<std::string>() + "')");
  const auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer()) throw bad("\"version\" must be an integer");
  const auto v = version->get<std::int64_t>();
  if (v > LabelStore::kVersion)
    throw bad("version " + std::to_string(v) + " is newer than this build reads (" + std::to_string(LabelStore::kVersion) +
              "); update rgbdsod");
  if (v < 1) throw bad("version " + std::to_string(v) + " is not valid");
  if (const auto ds = j.find("dataset"); ds != j.end() && !ds->is_string()) throw bad("\"dataset\" must be a string");
  const auto images = j.find("images");
  if (images == j.end() || !images->is_object()) throw bad("\"images\" must be an object");
  std::map<std::string, LabelRecord> records;
  for (const auto& [name, entry] : images->items()) {
    const std::string where = "images." + name;
    if (!validSampleName(name)) throw bad("\"" + name + "\" in \"images\" is not a sample name");
    if (!entry.is_object()) throw bad(where + " must be an object");
    LabelRecord r;
    const auto status = entry.find("status");
    std::optional<LabelStatus> s;
    if (status != entry.end() && status->is_string()) s = labelStatusFromString(status->get<std::string>());
    if (!s) throw bad(where + ".status must be \"unreviewed\", \"reviewed\" or \"corrected\"");
    r.status = *s;
    if (const auto edits = entry.find("edits"); edits != entry.end()) {
      const auto n = asCount(*edits);
      if (!n) throw bad(where + ".edits must be a non-negative integer");
      r.edits = *n;
    }
    if (const auto kinds = entry.find("kinds"); kinds != entry.end()) {
      if (!kinds->is_object()) throw bad(where + ".kinds must be an object");
      for (const auto& [kind, count] : kinds->items()) {
        const auto n = asCount(count);
        if (!n) throw bad(where + ".kinds." + kind + " must be a non-negative integer");
        r.edit_kinds[kind] = *n;
      }
    }
    if (const auto saved = entry.find("saved"); saved != entry.end()) {
      if (!saved->is_string()) throw bad(where + ".saved must be a string");
      r.saved = saved->get<std::string>();
    }
    records.emplace(name, std::move(r));
  }

  return records;
}

void LabelStore::readSidecar() {
  const fs::path file = sidecarPath();
  std::string text;
  try {
    text = readJsonFile(file);
  } catch (const FileError& e) {
    throw SidecarError(file, e.problem());
  }
  std::map<std::string, LabelRecord> records = parseLabelSidecar(text, file);
  // Informational only: a dataset moved or copied with its corrections keeps them.
  if (const json j = json::parse(text); j.contains("dataset")) {
    std::error_code eq;
    const fs::path recorded = j["dataset"].get<std::string>();
    if (!fs::equivalent(recorded, dataset_.root, eq))
      spdlog::debug("{}: written for dataset {}, opened with {}", file.string(), recorded.string(), dataset_.root.string());
  }

  // A record that claims a correction whose mask is gone (deleted by hand) would lie: drop it.
  for (auto it = records.begin(); it != records.end();) {
    const LabelRecord& r = it->second;
    const bool claims_mask = r.status == LabelStatus::Corrected || r.edits > 0 || !r.edit_kinds.empty();
    if (claims_mask && !hasCorrection(it->first)) {
      spdlog::warn("{}: the record of {} is dropped, its corrected mask {} is missing", file.string(), it->first,
                   correctedPath(it->first).string());
      it = records.erase(it);
    } else {
      ++it;
    }
  }
  records_ = std::move(records);
  addOrphanMasks();
}

void LabelStore::writeSidecar() const {
  json images = json::object();
  for (const auto& [name, r] : records_) {
    json kinds = json::object();
    for (const auto& [kind, n] : r.edit_kinds) kinds[kind] = n;
    images[name] = {{"status", toString(r.status)}, {"edits", r.edits}, {"kinds", kinds}, {"saved", r.saved}};
  }
  const json j = {{"format", kFormat},
                  {"version", kVersion},
                  {"dataset", fs::absolute(dataset_.root).lexically_normal().string()},
                  {"images", images}};
  writeFileAtomic(sidecarPath(), j.dump(1) + "\n");
}

void LabelStore::rebuildSidecar() {
  std::error_code ec;
  if (!fs::is_directory(folder_, ec)) {  // nothing saved yet, so nothing to rebuild from
    records_.clear();
    sidecar_problem_.clear();
    return;
  }
  ensureFolder();
  const fs::path sidecar = sidecarPath();
  if (fs::exists(fs::symlink_status(sidecar, ec))) {
    fs::path kept = folder_ / (std::string(kSidecar) + ".bad");
    for (int n = 2; fs::exists(fs::symlink_status(kept, ec)); ++n)
      kept = folder_ / (std::string(kSidecar) + ".bad" + std::to_string(n));
    fs::rename(sidecar, kept, ec);
    if (ec) throw FileError(sidecar, "cannot keep it as " + kept.filename().string() + ": " + ec.message());
    spdlog::info("{}: kept as {}; rebuilding the records from the corrected masks", sidecar.string(),
                 kept.filename().string());
  }
  records_.clear();
  for (const std::string& name : maskNames()) records_[name].status = LabelStatus::Corrected;
  sidecar_problem_.clear();
  writeSidecar();
}

std::size_t LabelStore::importMasks(const fs::path& folder) {
  requireSidecar();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw FileError(folder, "is not a folder of masks");

  std::vector<fs::path> files;
  for (auto it = fs::directory_iterator(folder, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    if (!hidden(p) && hasImageExtension(p) && it->is_regular_file(ec)) files.push_back(p);
  }
  if (ec) throw FileError(folder, "cannot be listed: " + ec.message());
  std::sort(files.begin(), files.end());

  std::map<std::string, fs::path> pairs;  // sample -> mask file
  std::vector<std::string> unmatched;
  for (const fs::path& file : files) {
    const std::string sample = pairingName(file, Modality::Gt);
    if (!dataset_.indexOf(sample)) {
      unmatched.push_back(file.filename().string());
      continue;
    }
    const auto [it, inserted] = pairs.emplace(sample, file);
    if (!inserted)
      throw FileError(file, "is a second mask for sample " + sample + " (also " + it->second.filename().string() +
                                "); keep one of them; nothing imported");
  }
  if (!unmatched.empty())
    spdlog::warn("{}: {} file(s) match no sample of {} and are skipped (e.g. {})", folder.string(), unmatched.size(),
                 dataset_.root.string(), unmatched.front());

  // Every mask is checked before the first is written, so a bad one leaves the store as it was.
  for (const auto& [sample, file] : pairs) {
    const cv::Mat mask = readMask(file);
    const cv::Mat original = loadOriginal(sample);
    if (mask.size() != original.size())
      throw FileError(file, "is " + sizeText(mask) + " but the GT of sample " + sample + " (" +
                                sampleFiles(sample).gt.filename().string() + ") is " + sizeText(original) +
                                "; nothing imported");
  }
  if (pairs.empty()) return 0;

  ensureFolder();
  std::size_t imported = 0;
  try {
    for (const auto& [sample, file] : pairs) {
      writeImageAtomic(correctedPath(sample), readMask(file));
      LabelRecord& r = records_[sample];
      r.status = LabelStatus::Unreviewed;
      r.edits = r.edits == INT_MAX ? INT_MAX : r.edits + 1;
      int& kind = r.edit_kinds["import"];
      kind = kind == INT_MAX ? INT_MAX : kind + 1;
      r.saved = isoUtc(std::chrono::system_clock::now());
      ++imported;
    }
  } catch (...) {
    // Record what did get in, so the sidecar matches the folder; the first error is the one reported.
    try {
      writeSidecar();
    } catch (...) {
    }
    throw;
  }
  writeSidecar();
  return imported;
}

void LabelStore::exportDataset(const fs::path& out, bool copy) const {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(out, ec)))
    throw FileError(out, "already exists; export into a folder that does not exist yet");

  bool link = !copy;
  const auto place = [&](const fs::path& from, const fs::path& to) {
    std::error_code sec;
    if (!fs::is_regular_file(from, sec)) throw FileError(from, "cannot be exported: not a file (missing?)");
    if (link) {
      std::error_code lec;
      fs::create_symlink(fs::absolute(from).lexically_normal(), to, lec);
      if (!lec) return;
      spdlog::warn("{}: cannot make symbolic links ({}); copying the RGB and depth files instead",
                   to.parent_path().parent_path().string(), lec.message());
      link = false;
    }
    copyFile(from, to);
  };

  std::size_t missing = 0;
  std::size_t corrected = 0;
  const fs::path root = writeFolderAtomic(out, [&](const fs::path& tmp) {
    for (const char* kind : {"RGB", "depth", "GT"}) {
      fs::create_directory(tmp / kind, ec);
      if (ec) throw FileError(tmp / kind, "cannot create folder: " + ec.message());
    }
    for (const SampleFiles& f : dataset_.samples) {
      if (!f.rgb.empty()) place(f.rgb, tmp / "RGB" / f.rgb.filename());
      if (!f.depth.empty()) place(f.depth, tmp / "depth" / f.depth.filename());
      if (hasCorrection(f.name)) {
        copyFile(correctedPath(f.name), tmp / "GT" / (f.name + ".png"));
        ++corrected;
      } else if (!f.gt.empty()) {
        copyFile(f.gt, tmp / "GT" / f.gt.filename());
      }
      if (f.rgb.empty() || f.depth.empty() || (f.gt.empty() && !hasCorrection(f.name))) ++missing;
    }
  });
  if (missing)
    spdlog::warn("{}: {} sample(s) of {} lack a partner file, exported as they are", root.string(), missing,
                 dataset_.root.string());
  spdlog::info("{}: exported {} sample(s), {} with corrected GT", root.string(), dataset_.samples.size(), corrected);
}

}  // namespace rgbdsod::core
