// The dataset reader on a folder the input describes, as `rgbdsod dataset check --json` reads it:
// findDatasets, openDataset, validate, the text and JSON reports, Dataset::load and depth.json.
// Input: files separated by "\n%%\n", each "relative/path\n" then its bytes ("RGB/1.jpg\n<jpeg>").
// Paths are confined to a fresh scratch folder (no "..", no absolute path, at most 3 levels), so
// the fuzzer explores folder and file names (case, suffixes, duplicates, odd bytes) and contents.
// Every problem must become a report entry or a core::FileError naming the file, never a crash,
// another exception or a JSON report that does not parse.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth_config.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/validation.h"
#include "rgbdsod/core/validation_report.h"

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSeparator = "\n%%\n";
constexpr std::size_t kMaxFiles = 24;  // enough for a few samples of three modalities; keeps runs fast

fs::path scratchRoot() {
  const fs::path dir = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path();
  return dir / ("rgbdsod-fuzz-dataset-" + std::to_string(::getpid()));
}

// The input's path made safe: components other than "", "." and ".." (NUL and '\n' cannot occur in
// a component here; '/' splits), at most 3 of them, each at most 64 bytes. Empty when nothing is left.
fs::path confined(std::string_view name) {
  fs::path out;
  int depth = 0;
  std::size_t at = 0;
  while (at <= name.size() && depth < 3) {
    const std::size_t slash = std::min(name.find('/', at), name.size());
    std::string part(name.substr(at, std::min<std::size_t>(slash - at, 64)));
    std::erase(part, '\0');
    if (!part.empty() && part != "." && part != "..") {
      out /= part;
      ++depth;
    }
    at = slash + 1;
  }
  return out;
}

void writeFiles(const fs::path& root, std::string_view input) {
  std::size_t files = 0;
  while (!input.empty() && files < kMaxFiles) {
    const std::size_t end = std::min(input.find(kSeparator), input.size());
    const std::string_view entry = input.substr(0, end);
    input.remove_prefix(std::min(input.size(), end + kSeparator.size()));
    const std::size_t newline = std::min(entry.find('\n'), entry.size());
    const fs::path rel = confined(entry.substr(0, newline));
    if (rel.empty()) continue;
    const std::string_view body = entry.substr(std::min(entry.size(), newline + 1));
    std::error_code ec;
    fs::create_directories((root / rel).parent_path(), ec);
    if (ec) continue;  // a file where a folder should be: the layout simply lacks it
    std::ofstream out(root / rel, std::ios::binary | std::ios::trunc);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    ++files;
  }
}

void check(const fs::path& root) {
  std::vector<fs::path> roots = rgbdsod::core::findDatasets(root);
  if (roots.empty()) roots.push_back(root);
  for (const fs::path& r : roots) {
    try {
      const rgbdsod::core::Dataset ds = rgbdsod::core::openDataset(r);
      const rgbdsod::core::ValidationReport report = rgbdsod::core::validate(ds);
      if (report.valid > report.samples || report.samples != ds.size()) {
        std::fprintf(stderr, "validate: %zu valid of %zu samples (dataset has %zu)\n", report.valid, report.samples,
                     ds.size());
        std::abort();
      }
      (void)rgbdsod::core::formatValidationText(ds, report, 50);
      // The --json report must be JSON whatever the file names are.
      [[maybe_unused]] const nlohmann::json parsed = nlohmann::json::parse(rgbdsod::core::formatValidationJson(ds, report));
      for (std::size_t i = 0; i < ds.size(); ++i) {
        try {
          (void)ds.load(i);
        } catch (const rgbdsod::core::FileError&) {
          // a missing partner or an image that does not decode: named
        }
      }
    } catch (const rgbdsod::core::FileError&) {
      // not a dataset folder: refused, naming it
    }
    try {
      (void)rgbdsod::core::datasetDepthConfig(r);
    } catch (const rgbdsod::core::FileError&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fs::path root = [] {
    spdlog::set_level(spdlog::level::off);  // "several RGB folders" warnings would flood the log
    return scratchRoot();
  }();
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root);
  writeFiles(root, std::string_view(reinterpret_cast<const char*>(data), size));
  check(root);
  fs::remove_all(root, ec);
  return 0;
}
