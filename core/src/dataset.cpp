// Scanning a dataset folder: finding the modality folders, pairing files by name, and setting
// aside whatever cannot be paired (strays). Reading pixels is left to Dataset::load and validate().
#include "rgbdsod/core/dataset.h"

#include <algorithm>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "dataset_naming.h"
#include "dataset_pairing.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/image_io.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

std::vector<fs::path> subFolders(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code dir_ec;
    if (it->is_directory(dir_ec)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The best-ranked folder for a modality; empty when none matches.
fs::path findModalityFolder(const fs::path& root, const std::vector<fs::path>& folders, Modality m) {
  std::vector<std::pair<int, fs::path>> matches;
  for (const fs::path& f : folders) {
    const int rank = detail::folderRank(f.filename().string(), m);
    if (rank >= 0) matches.emplace_back(rank, f);
  }
  if (matches.empty()) return {};
  std::sort(matches.begin(), matches.end());
  if (matches.size() > 1) {
    std::string others;
    for (std::size_t i = 1; i < matches.size(); ++i) others += (i > 1 ? ", " : "") + matches[i].second.filename().string();
    spdlog::warn("{}: several {} folders; using {} and ignoring {}", root.string(), toString(m),
                 matches.front().second.filename().string(), others);
  }
  return matches.front().second;
}

std::string namesLookedFor(Modality m) {
  std::string out;
  for (const std::string& n : folderNames(m)) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Why a directory entry is not an image of this modality; empty when it is one.
std::pair<StrayKind, std::string> strayReason(const fs::directory_entry& entry) {
  std::error_code ec;
  const std::string name = entry.path().filename().string();
  if (entry.is_directory(ec))
    return {StrayKind::SubFolder, "sub-folder ignored (modality folders are not searched recursively)"};
  if (name.starts_with("._")) return {StrayKind::NotAnImage, "macOS metadata file (AppleDouble), not an image"};
  if (!hasImageExtension(entry.path())) {
    const std::string ext = entry.path().extension().string();
    return {StrayKind::NotAnImage, ext.empty() ? "not an image file" : "not an image file (" + ext + ")"};
  }
  return {StrayKind::NotAnImage, {}};
}

// The image files of a modality folder, sorted by name so that which of two duplicates is kept does
// not depend on the file system's order; everything else becomes a stray.
std::vector<fs::path> scanModality(const fs::path& dir, std::vector<StrayFile>& strays) {
  std::vector<fs::path> images;
  if (dir.empty()) return images;
  std::vector<fs::directory_entry> entries;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::directory_iterator(); it.increment(ec))
    entries.push_back(*it);
  if (ec) spdlog::warn("{}: cannot list folder: {}", dir.string(), ec.message());
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  for (const auto& entry : entries) {
    auto [kind, reason] = strayReason(entry);
    if (reason.empty())
      images.push_back(entry.path());
    else
      strays.push_back(StrayFile{entry.path(), reason, kind, {}});
  }
  return images;
}

}  // namespace

std::optional<std::size_t> Dataset::indexOf(const std::string& sample_name) const {
  for (std::size_t i = 0; i < samples.size(); ++i)
    if (samples[i].name == sample_name) return i;
  return std::nullopt;
}

Sample Dataset::load(std::size_t index) const {
  if (index >= samples.size())
    throw std::out_of_range("sample index " + std::to_string(index) + " out of range (" + std::to_string(samples.size()) +
                            " samples)");
  const SampleFiles& f = samples[index];
  const auto missing = [&](const fs::path& dir, Modality m) {
    return FileError(dir / f.name, "sample " + f.name + " has no " + toString(m) + " file");
  };
  if (f.rgb.empty()) throw missing(layout.rgb_dir, Modality::Rgb);
  if (f.depth.empty()) throw missing(layout.depth_dir, Modality::Depth);
  if (labeled() && f.gt.empty()) throw missing(layout.gt_dir, Modality::Gt);
  Sample s;
  s.name = f.name;
  s.rgb = readRgb(f.rgb);
  s.depth = readDepth(f.depth);
  if (!f.gt.empty()) s.gt = readMask(f.gt);
  return s;
}

bool isDatasetFolder(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return false;
  bool rgb = false, depth = false;
  for (const fs::path& f : subFolders(root)) {
    rgb = rgb || detail::folderRank(f.filename().string(), Modality::Rgb) >= 0;
    depth = depth || detail::folderRank(f.filename().string(), Modality::Depth) >= 0;
  }
  return rgb && depth;
}

Dataset openDataset(const fs::path& root) {
  std::error_code ec;
  const auto status = fs::status(root, ec);
  if (!fs::exists(status)) throw FileError(root, "dataset folder does not exist");
  if (!fs::is_directory(status)) throw FileError(root, "not a folder (a dataset is a folder with RGB/ and depth/)");

  Dataset ds;
  ds.root = root;
  ds.name = (root.filename().empty() ? root.parent_path() : root).filename().string();
  const std::vector<fs::path> folders = subFolders(root);
  ds.layout.rgb_dir = findModalityFolder(root, folders, Modality::Rgb);
  ds.layout.depth_dir = findModalityFolder(root, folders, Modality::Depth);
  ds.layout.gt_dir = findModalityFolder(root, folders, Modality::Gt);
  if (ds.layout.rgb_dir.empty())
    throw FileError(root, "no RGB folder (looked for: " + namesLookedFor(Modality::Rgb) + ")");
  if (ds.layout.depth_dir.empty())
    throw FileError(root, "no depth folder (looked for: " + namesLookedFor(Modality::Depth) + ")");

  std::vector<detail::PairingFolder> by_modality{{Modality::Rgb, scanModality(ds.layout.rgb_dir, ds.strays)},
                                                 {Modality::Depth, scanModality(ds.layout.depth_dir, ds.strays)}};
  if (ds.labeled()) by_modality.push_back({Modality::Gt, scanModality(ds.layout.gt_dir, ds.strays)});
  const detail::Pairing pairing = detail::pairByName(by_modality);
  ds.samples.reserve(pairing.samples.size());
  for (const detail::PairedFiles& p : pairing.samples) {
    SampleFiles s;
    s.name = p.name;
    s.rgb = p.files[0];
    s.depth = p.files[1];
    if (ds.labeled()) s.gt = p.files[2];
    ds.samples.push_back(std::move(s));
  }
  for (const detail::PairingDuplicate& d : pairing.duplicates)
    ds.strays.push_back(StrayFile{d.file, "duplicate name " + d.sample + " (also " + d.kept.filename().string() + ")",
                                  StrayKind::DuplicateName, d.sample});
  std::sort(ds.samples.begin(), ds.samples.end(),
            [](const SampleFiles& a, const SampleFiles& b) { return detail::naturalLess(a.name, b.name); });
  std::sort(ds.strays.begin(), ds.strays.end(), [](const StrayFile& a, const StrayFile& b) { return a.file < b.file; });
  spdlog::debug("{}: {} samples, {} stray files", root.string(), ds.samples.size(), ds.strays.size());
  return ds;
}

std::vector<fs::path> findDatasets(const fs::path& root) {
  if (isDatasetFolder(root)) return {root};
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (const fs::path& f : subFolders(root))
    if (isDatasetFolder(f)) out.push_back(f);
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
    return detail::naturalLess(a.filename().string(), b.filename().string());
  });
  return out;
}

}  // namespace rgbdsod::core
