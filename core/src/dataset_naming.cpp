// Naming conventions of the field's dataset releases: modality folder names, file-name suffixes,
// and the order in which samples are listed.
#include <algorithm>
#include <cctype>

#include "dataset_naming.h"
#include "rgbdsod/core/dataset.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {

const char* toString(Modality m) {
  switch (m) {
    case Modality::Rgb: return "RGB";
    case Modality::Depth: return "depth";
    case Modality::Gt: return "GT";
  }
  return "?";
}

const std::vector<std::string>& folderNames(Modality m) {
  // Seen in public releases and their re-packagings (NJU2K, NLPR, STERE, SIP, DES, LFSD, SSD,
  // DUT-RGBD, the DMRA/BBS-Net training sets, stereo "left" copies).
  static const std::vector<std::string> rgb{"RGB",   "image", "images", "img",      "imgs",     "color",
                                            "colour", "left", "RGB_left", "left_rgb", "rgb_images"};
  static const std::vector<std::string> depth{"depth",     "depths", "depth_map", "depth_maps", "depthmap",
                                              "depthmaps", "disparity", "disp",  "dep",        "depth_images"};
  static const std::vector<std::string> gt{"GT",          "gts",        "ground_truth", "groundtruth",
                                           "mask",        "masks",      "label",        "labels",
                                           "annotation",  "annotations", "saliency_map", "saliency_maps",
                                           "gt_masks",    "saliency"};
  switch (m) {
    case Modality::Rgb: return rgb;
    case Modality::Depth: return depth;
    case Modality::Gt: return gt;
  }
  return rgb;
}

const std::vector<std::string>& nameSuffixes(Modality m) {
  static const std::vector<std::string> rgb{"_rgb", "_color", "_colour", "_image", "_img", "_left"};
  static const std::vector<std::string> depth{"_depth", "_depths", "_d", "_disp", "_disparity", "_dep"};
  static const std::vector<std::string> gt{"_gt", "_mask", "_label", "_sal", "_saliency"};
  switch (m) {
    case Modality::Rgb: return rgb;
    case Modality::Depth: return depth;
    case Modality::Gt: return gt;
  }
  return rgb;
}

std::string pairingName(const fs::path& file, Modality m) {
  const std::string stem = file.stem().string();
  const std::string low = detail::lower(stem);
  // The longest matching suffix is removed, so the result does not depend on the list's order.
  std::size_t best = 0;
  for (const std::string& suffix : nameSuffixes(m)) {
    if (suffix.size() > best && low.size() > suffix.size() && low.ends_with(suffix)) best = suffix.size();
  }
  return stem.substr(0, stem.size() - best);
}

namespace detail {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

int folderRank(std::string_view folder_name, Modality m) {
  std::string name = lower(folder_name);
  std::replace(name.begin(), name.end(), '-', '_');
  std::replace(name.begin(), name.end(), ' ', '_');
  for (std::string_view prefix : {"train_", "test_", "val_"}) {
    if (name.size() > prefix.size() && name.starts_with(prefix)) {
      name.erase(0, prefix.size());
      break;
    }
  }
  const auto& names = folderNames(m);
  for (std::size_t i = 0; i < names.size(); ++i)
    if (lower(names[i]) == name) return static_cast<int>(i);
  return -1;
}

bool naturalLess(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      // Compare by value without overflow: skip leading zeros, then by length, then digit-wise.
      std::size_t is = i, js = j;
      while (is + 1 < ie && a[is] == '0') ++is;
      while (js + 1 < je && b[js] == '0') ++js;
      const std::string_view da = a.substr(is, ie - is), db = b.substr(js, je - js);
      if (da.size() != db.size()) return da.size() < db.size();
      if (da != db) return da < db;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  if ((i < a.size()) != (j < b.size())) return j < b.size();
  return a < b;  // equal in natural order ("01" vs "1"): fall back to a total order
}

}  // namespace detail
}  // namespace rgbdsod::core
