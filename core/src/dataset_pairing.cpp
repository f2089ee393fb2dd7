// Pairing files across modality folders: identical stems first, stripped suffixes for the rest.
#include "dataset_pairing.h"

#include <algorithm>
#include <map>

#include "rgbdsod/core/dataset.h"

namespace fs = std::filesystem;

namespace rgbdsod::core::detail {
namespace {

// The files of all folders that share one stem.
struct StemGroup {
  std::vector<fs::path> files;
  std::size_t members = 0;
};

struct Entry {  // a sample being assembled
  std::vector<fs::path> files;
  std::vector<std::string> stems;  // the stem groups merged into it
};

struct PendingDuplicate {
  fs::path file;
  std::string where;     // the stem group (round 1) or the entry key (round 2) it collided in
  bool in_entry = false;  // round 2
  fs::path kept;
};

// The key of an incomplete group in the second round: its stem without the longest known suffix
// of any modality it has a file of.
std::string strippedKey(const std::string& stem, const StemGroup& group, const std::vector<PairingFolder>& folders) {
  std::string best = stem;
  for (std::size_t i = 0; i < folders.size(); ++i) {
    if (group.files[i].empty()) continue;
    const std::string key = pairingName(fs::path(stem + ".x"), folders[i].modality);
    if (key.size() < best.size()) best = key;
  }
  return best;
}

}  // namespace

Pairing pairByName(const std::vector<PairingFolder>& folders) {
  const std::size_t n = folders.size();
  Pairing out;
  std::vector<PendingDuplicate> duplicates;
  std::map<std::string, std::string> entry_of_stem;

  // Round 1: identical stems.
  std::map<std::string, StemGroup> groups;
  for (std::size_t i = 0; i < n; ++i) {
    for (const fs::path& file : folders[i].files) {
      const std::string stem = file.stem().string();
      StemGroup& g = groups[stem];
      if (g.files.empty()) g.files.resize(n);
      if (g.files[i].empty()) {
        g.files[i] = file;
        ++g.members;
      } else {
        duplicates.push_back({file, stem, false, g.files[i]});
      }
    }
  }
  std::map<std::string, Entry> entries;
  for (const auto& [stem, g] : groups) {
    if (g.members != n) continue;
    entries[stem] = Entry{g.files, {stem}};
    entry_of_stem[stem] = stem;
  }

  // Round 2: what is still incomplete, by stripped stem; a slot already taken makes a duplicate.
  for (const auto& [stem, g] : groups) {
    if (g.members == n) continue;
    const std::string key = strippedKey(stem, g, folders);
    Entry& e = entries[key];
    if (e.files.empty()) e.files.resize(n);
    e.stems.push_back(stem);
    entry_of_stem[stem] = key;
    for (std::size_t i = 0; i < n; ++i) {
      if (g.files[i].empty()) continue;
      if (e.files[i].empty())
        e.files[i] = g.files[i];
      else
        duplicates.push_back({g.files[i], key, true, e.files[i]});
    }
  }

  // Names: an entry of one stem group of several files keeps the shared stem (x_rgb in RGB and
  // depth, no GT yet), unless another sample has that name.
  std::map<std::string, std::string> name_of_entry;
  for (const auto& [key, e] : entries) {
    std::string name = key;
    std::size_t files = 0;
    for (const fs::path& f : e.files) files += f.empty() ? 0 : 1;
    if (e.stems.size() == 1 && files > 1 && e.stems.front() != key && !entries.contains(e.stems.front()))
      name = e.stems.front();
    name_of_entry[key] = name;
    out.samples.push_back({name, e.files});
  }
  std::sort(out.samples.begin(), out.samples.end(),
            [](const PairedFiles& a, const PairedFiles& b) { return a.name < b.name; });
  for (PendingDuplicate& d : duplicates) {
    const std::string& key = d.in_entry ? d.where : entry_of_stem.at(d.where);
    out.duplicates.push_back({d.file, name_of_entry.at(key), d.kept});
  }
  return out;
}

}  // namespace rgbdsod::core::detail
