#pragma once
// Datasets in the field's layouts: <root>/{RGB,depth,GT}/ with the case and naming variants of the
// public releases (NJU2K, NLPR, STERE, SIP, DES, LFSD, SSD, DUT-RGBD), files paired by stem.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rgbdsod/core/depth.h"
#include "rgbdsod/core/sample.h"

namespace rgbdsod::core {

// The folders found for each modality; gt_dir is empty for unlabeled datasets.
struct DatasetLayout {
  std::filesystem::path rgb_dir;
  std::filesystem::path depth_dir;
  std::filesystem::path gt_dir;
};

enum class StrayKind {
  NotAnImage,     // no image extension (notes.txt, Thumbs.db, .DS_Store), or macOS "._" metadata
  DuplicateName,  // a second file of one modality with the same pairing name (0086.jpg, 0086.png)
  SubFolder,      // a folder inside a modality folder: not searched (layouts are flat)
};

// A file inside a modality folder that did not become part of a sample, with the reason.
struct StrayFile {
  std::filesystem::path file;
  std::string reason;  // e.g. "not an image file", "duplicate name 0086 (also 0086.jpg)"
  StrayKind kind = StrayKind::NotAnImage;
  std::string sample;  // DuplicateName: the sample it collides with (which keeps the other file)
};

class Dataset {
 public:
  std::filesystem::path root;
  std::string name;  // the root folder's name
  DatasetLayout layout;
  // Sorted by name in natural order (digit runs compare as numbers: 2 < 10); includes samples with
  // missing partners (their path is empty).
  std::vector<SampleFiles> samples;
  std::vector<StrayFile> strays;
  // Set by the user (CLI flag, studio); when empty, the detected polarity is used.
  std::optional<DepthPolarity> polarity_override;

  std::size_t size() const noexcept { return samples.size(); }
  bool labeled() const noexcept { return !layout.gt_dir.empty(); }
  std::optional<std::size_t> indexOf(const std::string& sample_name) const;

  // Loads the sample's images (readRgb/readDepth/readMask). Throws FileError naming the file,
  // also when a partner is missing (RGB, depth, or GT of a labeled dataset); throws std::out_of_range
  // for a bad index.
  Sample load(std::size_t index) const;
};

// Known folder names per modality, compared case-insensitively ("RGB", "images", "depth",
// "Depth", "depths", "GT", "masks", "gts", ...), in order of preference when several match.
// '-' and ' ' count as '_', and a "train_", "test_" or "val_" prefix is ignored ("train_images").
const std::vector<std::string>& folderNames(Modality m);
// Known name suffixes per modality, stripped before pairing ("_GT", "_depth", ...).
const std::vector<std::string>& nameSuffixes(Modality m);
// The pairing key of a file: its stem with the modality's known suffix removed (case-insensitive,
// at most one suffix, never the whole stem): "0086_GT.png" -> "0086" for Gt, but stays "0086_GT" for Rgb.
std::string pairingName(const std::filesystem::path& file, Modality m);

// True when root holds an RGB folder and a depth folder under one of the known names.
bool isDatasetFolder(const std::filesystem::path& root);

// Scans a dataset folder. Throws FileError when root does not exist, is not a folder, or has no
// RGB or no depth folder (the message lists the names looked for). Per-file problems do not throw:
// they become strays or samples with missing partners, reported by validate(). When several
// folders match one modality, the first by folderNames() order (then by name) is used and a
// warning is logged.
Dataset openDataset(const std::filesystem::path& root);

// The datasets under root: root itself when it is a dataset folder, otherwise its immediate
// sub-folders that are (e.g. train/ and test/ of the demo, or NJU2K/, NLPR/, ... of a test-set
// collection), sorted by name. Empty when there are none.
std::vector<std::filesystem::path> findDatasets(const std::filesystem::path& root);

}  // namespace rgbdsod::core
