#include "rgbdsod/training/data_source.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "rgbdsod/core/depth.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/image_io.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;

namespace {

// Detection looks at a spread of samples: enough votes to decide, bounded start-up time.
constexpr std::size_t kPolaritySamples = 48;

}  // namespace

SampleSource::SampleSource(core::Dataset dataset, std::vector<std::size_t> indices, core::DepthModality depth,
                           const std::string& polarity, bool load_depth)
    : dataset_(std::move(dataset)), indices_(std::move(indices)), depth_(depth), load_depth_(load_depth) {
  if (indices_.empty())
    for (std::size_t i = 0; i < dataset_.size(); ++i) indices_.push_back(i);
  for (std::size_t i : indices_)
    if (i >= dataset_.size()) throw std::out_of_range("sample index out of range");
  depth_config_ = core::datasetDepthConfig(dataset_.root);

  if (polarity != "auto") {
    polarity_ = *core::parsePolarity(polarity);
    evidence_ = "set by data.polarity";
  } else if (dataset_.polarity_override) {
    polarity_ = *dataset_.polarity_override;
    evidence_ = "the dataset's override";
  } else if (depth_config_.polarity) {
    polarity_ = *depth_config_.polarity;
    evidence_ = "depth.json";
  } else if (load_depth_) {
    std::vector<cv::Mat> depths, gts;
    const std::size_t n = dataset_.size();
    const std::size_t step = std::max<std::size_t>(1, n / kPolaritySamples);
    for (std::size_t i = 0; i < n && depths.size() < kPolaritySamples; i += step) {
      const auto& f = dataset_.samples[i];
      if (f.depth.empty()) continue;
      depths.push_back(core::readDepth(f.depth));
      gts.push_back(f.gt.empty() ? cv::Mat() : core::readMask(f.gt));
    }
    const auto est = core::estimatePolarity(depths, gts);
    if (!est.polarity)
      throw core::Error("dataset " + dataset_.root.string() + ": depth polarity could not be detected (" +
                        est.evidence + "); set data.polarity to near-bright or near-dark");
    polarity_ = *est.polarity;
    evidence_ = "detected: " + est.evidence;
  }
  if (load_depth_)
    spdlog::info("dataset {}: depth polarity {} ({})", dataset_.name, core::toString(polarity_), evidence_);
}

LoadedSample SampleSource::load(std::size_t i) const {
  const std::size_t index = indices_.at(i);
  const core::SampleFiles& f = dataset_.samples[index];
  if (f.rgb.empty()) throw core::FileError(dataset_.layout.rgb_dir, "sample " + f.name + " has no RGB image");
  LoadedSample s;
  s.name = f.name;
  s.dataset_index = index;
  s.rgb = core::readRgb(f.rgb);
  const cv::Size size = s.rgb.size();
  if (!f.gt.empty()) {
    s.gt = core::readMask(f.gt);
    s.original = s.gt.size();
    if (s.gt.size() != size) cv::resize(s.gt, s.gt, size, 0, 0, cv::INTER_LINEAR);
  } else {
    if (dataset_.labeled()) throw core::FileError(dataset_.layout.gt_dir, "sample " + f.name + " has no GT mask");
    s.original = size;
  }
  if (load_depth_) {
    if (f.depth.empty()) throw core::FileError(dataset_.layout.depth_dir, "sample " + f.name + " has no depth map");
    s.depth = core::depthInput(dataset_, index, depth_, depth_config_, polarity_);
    // Some releases store depth at another resolution than RGB: bring it to the RGB grid.
    if (s.depth.size() != size) cv::resize(s.depth, s.depth, size, 0, 0, cv::INTER_LINEAR);
  }
  return s;
}

fs::path trainingDatasetFolder(const fs::path& dir) {
  if (core::isDatasetFolder(dir)) return dir;
  if (core::isDatasetFolder(dir / "train")) return dir / "train";
  throw core::FileError(dir, "not a dataset folder (RGB/ and depth/), and it has no train/ dataset");
}

std::pair<std::vector<std::size_t>, std::vector<std::size_t>> splitForValidation(std::size_t n, double fraction) {
  std::pair<std::vector<std::size_t>, std::vector<std::size_t>> split;
  const std::size_t held = static_cast<std::size_t>(std::lround(static_cast<double>(n) * fraction));
  const std::size_t k = held == 0 ? 0 : std::max<std::size_t>(1, n / held);
  for (std::size_t i = 0; i < n; ++i) {
    const bool val = k > 0 && i % k == k - 1 && split.second.size() < held;
    (val ? split.second : split.first).push_back(i);
  }
  return split;
}

}  // namespace rgbdsod::training
