#pragma once
// Where training samples come from: a core::Dataset (or a subset of it) read as the model
// inputs want them, RGB as stored, depth in the configured modality (raw 1 or 3 channels,
// disparity, HHA) with the dataset's polarity, GT as stored. Torch-free; safe to call load()
// from several threads.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth_config.h"
#include "rgbdsod/core/depth_modality.h"

namespace rgbdsod::training {

struct LoadedSample {
  std::string name;
  std::size_t dataset_index = 0;
  cv::Mat rgb;    // CV_8UC3 BGR as stored
  cv::Mat depth;  // CV_32FC1 / CV_32FC3 in [0,1] (core::depthInput) at the RGB size; empty if not needed
  cv::Mat gt;     // CV_8UC1 at the RGB size; empty for unlabeled datasets
  cv::Size original;  // the GT's size when there is one, else the RGB's: predictions are written at it
};

class SampleSource {
 public:
  // polarity: "auto" (the dataset's override, else depth.json, else detection; an undecided
  // detection throws core::Error asking for data.polarity), "near-bright" or "near-dark".
  // indices: the dataset samples used, in this order; empty = all.
  SampleSource(core::Dataset dataset, std::vector<std::size_t> indices, core::DepthModality depth,
               const std::string& polarity, bool load_depth = true);

  std::size_t size() const noexcept { return indices_.size(); }
  LoadedSample load(std::size_t i) const;  // i-th sample of the subset; throws FileError naming the file
  const core::Dataset& dataset() const noexcept { return dataset_; }
  core::DepthModality modality() const noexcept { return depth_; }
  core::DepthPolarity polarity() const noexcept { return polarity_; }
  const std::string& polarityEvidence() const noexcept { return evidence_; }

 private:
  core::Dataset dataset_;
  std::vector<std::size_t> indices_;
  core::DepthModality depth_;
  bool load_depth_;
  core::DepthConfig depth_config_;
  core::DepthPolarity polarity_ = core::DepthPolarity::NearIsBright;
  std::string evidence_;
};

// The training dataset under `dir`: dir itself when it is a dataset folder, else dir/train.
// Throws core::FileError when neither is.
std::filesystem::path trainingDatasetFolder(const std::filesystem::path& dir);

// Splits n samples into (train, validation): every k-th sample goes to validation so both cover
// the whole set; fraction 0 gives an empty validation set.
std::pair<std::vector<std::size_t>, std::vector<std::size_t>> splitForValidation(std::size_t n, double fraction);

}  // namespace rgbdsod::training
