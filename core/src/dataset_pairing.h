#pragma once
// Pairing the files of a dataset's modality folders by name (internal; used by openDataset).
#include <filesystem>
#include <string>
#include <vector>

#include "rgbdsod/core/sample.h"

namespace rgbdsod::core::detail {

struct PairingFolder {
  Modality modality;
  std::vector<std::filesystem::path> files;  // image files, sorted by file name
};

struct PairedFiles {
  std::string name;
  std::vector<std::filesystem::path> files;  // one per folder, in the folders' order; empty: missing
};

// A file that lost its place in a sample to another file of the same folder.
struct PairingDuplicate {
  std::filesystem::path file;
  std::string sample;
  std::filesystem::path kept;
};

struct Pairing {
  std::vector<PairedFiles> samples;  // sorted by name (plain order)
  std::vector<PairingDuplicate> duplicates;
};

// Files with the same stem in every folder pair first, whatever the stem ("x_rgb" in RGB, depth and
// GT is one sample x_rgb: a known suffix in a stem shared by all folders is part of the name). Only
// files left incomplete are then paired by their stem with a known suffix stripped (pairingName;
// for files already sharing a stem, the longest suffix of their modalities), x.jpg / x_depth.png /
// x_GT.png -> x. A sample formed by one shared stem keeps it as its name; a sample merged from
// differing stems is named by the stripped stem. Within a folder, the first file by name keeps a
// slot and the others are duplicates.
Pairing pairByName(const std::vector<PairingFolder>& folders);

}  // namespace rgbdsod::core::detail
