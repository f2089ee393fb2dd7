#pragma once
// The method columns of `rgbdsod figure`: parsing TITLE=FOLDER, prediction folders (a sample's map
// found as `rgbdsod eval` pairs names) and run folders (predicted by rgbdsod-engine into a scratch
// folder). Torch-free and Qt-free; used by figure_command.cpp only.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "eval_inputs.h"  // commonAffix: the same affix detection as eval
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/evaluator.h"
#include "rgbdsod/core/image_io.h"

namespace rgbdsod::cli::figure {

namespace fs = std::filesystem;

inline std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "a/b/" -> "b".
inline std::string lastName(const fs::path& p) {
  fs::path n = p.lexically_normal();
  if (n.filename().empty()) n = n.parent_path();
  if (n.filename().empty() || n.filename() == "." || n.filename() == "..") n = fs::weakly_canonical(p);
  return n.filename().string();
}

// ---- columns ----

struct MethodColumn {
  std::string title;
  fs::path folder;  // as given
  bool run = false;  // a training run folder (config.json + checkpoints/): predicted now
};

inline bool isRunFolder(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p / "config.json", ec) && fs::is_directory(p / "checkpoints", ec);
}

inline MethodColumn parseColumn(const std::string& text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos)
    throw CLI::ValidationError("--column", "expected TITLE=FOLDER (a prediction folder or a run folder), got '" + text +
                                               "'; e.g. --column \"Ours=preds/ours\"");
  MethodColumn c{trim(text.substr(0, eq)), fs::path(trim(text.substr(eq + 1))), false};
  if (c.title.empty()) throw CLI::ValidationError("--column", "'" + text + "' has no title before '='");
  if (c.folder.empty()) throw CLI::ValidationError("--column", "'" + text + "' has no folder after '='");
  std::error_code ec;
  if (!fs::is_directory(c.folder, ec))
    throw core::FileError(c.folder, "column '" + c.title + "': no such folder (give a prediction folder, or a run "
                                    "folder written by rgbdsod train)");
  c.run = isRunFolder(c.folder);
  return c;
}

// ---- the dataset ----

// ---- prediction folders: the sample's map, paired as `rgbdsod eval` pairs names ----

inline bool isSeparator(char c) { return c == '_' || c == '-' || c == ' '; }

class PredictionFolder {
 public:
  PredictionFolder(std::string title, fs::path dir, const core::Dataset& ds) : title_(std::move(title)), dir_(std::move(dir)) {
    list();
    // The toolboxes' layout R/<method>/<dataset>/: a method folder without images but with a
    // sub-folder named like the dataset is that sub-folder.
    if (files_.empty()) {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(dir_, ec))
        if (e.is_directory(ec) && lower(e.path().filename().string()) == lower(ds.name)) {
          spdlog::debug("column '{}': using {} (named like the dataset)", title_, e.path().string());
          dir_ = e.path();
          list();
          break;
        }
    }
    options_.method = lastName(dir_);  // "0086_MyNet.png" in MyNet/
    options_.pred_suffixes.insert(options_.pred_suffixes.begin(), title_);
    const std::string parent = lastName(fs::weakly_canonical(dir_).parent_path());
    if (!parent.empty()) options_.pred_suffixes.push_back(parent);  // R/MyNet/NJU2K/0086_MyNet.png
    for (const core::SampleFiles& s : ds.samples) dataset_names_.insert(s.name);
    detectAffix();
  }

  const fs::path& dir() const { return dir_; }

  // The file that pairs with the sample: the most literal match (fewest characters stripped),
  // the first by name on ties; nullopt when none pairs.
  std::optional<fs::path> find(const core::SampleFiles& sample) const {
    std::set<std::string> keys{sample.name};
    if (!sample.gt.empty()) keys.insert(core::pairingName(sample.gt, core::Modality::Gt));
    std::optional<fs::path> best;
    std::size_t best_rank = 0;
    for (const fs::path& f : files_) {
      const std::vector<std::string> names = core::predictionNameCandidates(f, options_);
      for (std::size_t i = 0; i < names.size(); ++i)
        if (keys.count(names[i]) != 0) {
          if (!best || i < best_rank) {
            best = f;
            best_rank = i;
          }
          break;
        }
    }
    return best;
  }

  std::size_t imageCount() const { return files_.size(); }

 private:
  void list() {
    files_.clear();
    stems_.clear();
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
      const std::string name = e.path().filename().string();
      if (!e.is_regular_file(ec) || !core::hasImageExtension(e.path()) || name.rfind("._", 0) == 0) continue;
      files_.push_back(e.path());
    }
    if (ec) throw core::FileError(dir_, "column '" + title_ + "': cannot list the folder: " + ec.message());
    std::sort(files_.begin(), files_.end());
    for (const fs::path& f : files_) stems_.push_back(f.stem().string());
  }

  std::size_t pairedCount(const core::EvalOptions& o) const {
    std::set<std::string> paired;
    for (const fs::path& f : files_)
      for (const std::string& c : core::predictionNameCandidates(f, o))
        if (dataset_names_.count(c) != 0) {
          paired.insert(c);
          break;
        }
    return paired.size();
  }

  // A prefix or suffix that every file of a published folder shares ("JLDCF_0086.png",
  // "0086_sal_map.png"), stripped when it pairs more than half of the files that did not pair: the
  // rule of `rgbdsod eval` (suffixes after a separator, prefixes literally).
  void detectAffix() {
    const std::size_t before = pairedCount(options_);
    if (before >= files_.size() || before >= dataset_names_.size()) return;
    const std::size_t unpaired = files_.size() - before;
    std::size_t after = before;
    core::EvalOptions best = options_;
    std::string suffix_found, prefix_found;
    const std::string suffix = commonAffix(stems_, true);
    for (std::size_t len = suffix.size(); len >= 2; --len) {
      const std::string s = suffix.substr(suffix.size() - len);
      if (!isSeparator(s.front())) continue;
      core::EvalOptions o = options_;
      o.pred_suffixes.insert(o.pred_suffixes.begin(), s);
      if (const std::size_t c = pairedCount(o); c > after) {
        after = c;
        best = o;
        suffix_found = s;
      }
    }
    const core::EvalOptions with_suffix = best;
    const std::string prefix = commonAffix(stems_, false);
    for (std::size_t len = prefix.size(); len >= 1; --len) {
      core::EvalOptions o = with_suffix;
      o.pred_prefixes = {prefix.substr(0, len)};
      if (const std::size_t c = pairedCount(o); c > after) {
        after = c;
        best = o;
        prefix_found = o.pred_prefixes.front();
      }
    }
    if (2 * (after - before) <= unpaired) return;
    options_ = best;
    std::vector<std::string> what;
    if (!prefix_found.empty()) what.push_back(fmt::format("the prefix '{}'", prefix_found));
    if (!suffix_found.empty()) what.push_back(fmt::format("the suffix '{}'", suffix_found));
    spdlog::info("column '{}': every prediction name has {}, stripped for pairing", title_, fmt::join(what, " and "));
  }

  std::string title_;
  fs::path dir_;
  std::vector<fs::path> files_;
  std::vector<std::string> stems_;
  std::set<std::string> dataset_names_;
  core::EvalOptions options_;
};

// ---- run folders: predicted by rgbdsod-engine into a temporary folder ----

// Runs `rgbdsod-engine infer --run RUN --data DATA --out OUT --samples a,b,c` and waits for it.
// Its messages go to stderr (its stdout too: ours is the figure's report).
void predictWithRun(const MethodColumn& column, const fs::path& data, const std::vector<std::string>& samples,
                    const fs::path& out, const GlobalOptions& globals);

}  // namespace rgbdsod::cli::figure
