#pragma once
// HHA images of a dataset, computed once and kept beside it: <root>/hha/<sample>.png (8-bit, the
// reference's channel order: R disparity, G height, B angle) and <root>/hha/.rgbdsod-hha.json,
// which records per sample the depth file's size and content hash and the depth settings used
// (depth.json / CLI overrides and the camera). A cached image is reused only when all of these
// still match, so editing a depth file, depth.json or the intrinsics recomputes what changed.
// Images and the manifest are written atomically: an interrupted run leaves a consistent cache.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth_config.h"
#include "rgbdsod/core/progress.h"

namespace rgbdsod::core {

inline constexpr const char* kHhaFolder = "hha";
inline constexpr const char* kHhaManifest = ".rgbdsod-hha.json";

struct HhaCacheSummary {
  std::filesystem::path folder;
  std::size_t computed = 0;  // encoded in this run
  std::size_t reused = 0;    // up to date in the cache
  std::vector<std::string> problems;  // "<sample>: <why>" for samples without a usable depth map
  std::optional<DepthPolarity> polarity;  // the polarity used for relative depth, when one was needed
  std::string polarity_evidence;          // how it was decided ("depth.json", "detected: ...")
};

// Brings <root>/hha up to date for every sample with a depth map (force: recompute all).
// Relative depth without a configured polarity uses the dataset's override, else detection over
// the dataset (estimatePolarity); when the evidence does not decide, throws Error asking for one.
// Throws Cancelled when the token fires (what was written stays valid), FileError when the folder
// cannot be written.
HhaCacheSummary buildHhaCache(const Dataset& dataset, const DepthConfig& config, bool force = false,
                              const JobContext& job = {});

// The HHA of one sample (CV_8UC3, BGR order as written), from the cache when up to date, else
// computed and stored. `polarity` is used for relative depth when the config sets none (before the
// dataset's override and detection). Throws like Dataset::load and buildHhaCache.
cv::Mat loadHha(const Dataset& dataset, std::size_t index, const DepthConfig& config,
                std::optional<DepthPolarity> polarity = std::nullopt);

// 64-bit FNV-1a of a file's bytes as "fnv1a64:<16 hex digits>"; throws FileError when unreadable.
std::string fileContentHash(const std::filesystem::path& file);

}  // namespace rgbdsod::core
