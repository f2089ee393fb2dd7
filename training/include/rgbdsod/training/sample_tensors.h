#pragma once
// The first step of the data pipeline: a loaded core::Sample as float tensors in the layout the
// networks take (CHW, float32). Depth polarity is applied here, so every model sees near = 1.
#include <torch/types.h>

#include "rgbdsod/core/depth.h"
#include "rgbdsod/core/sample.h"

namespace rgbdsod::training {

struct SampleTensors {
  torch::Tensor rgb;    // [3,H,W], RGB order, ImageNet mean/std normalised
  torch::Tensor depth;  // [1,H,W], in [0,1], 1 = near (core::normaliseDepth)
  torch::Tensor gt;     // [1,H,W], in [0,1]; undefined when the sample has no GT
};

// ImageNet statistics, RGB order: the convention of every backbone the methods start from.
inline constexpr float kImageNetMean[3] = {0.485f, 0.456f, 0.406f};
inline constexpr float kImageNetStd[3] = {0.229f, 0.224f, 0.225f};

// A float cv::Mat (HWC, any channel count) as a CHW tensor that owns a copy of the pixels.
torch::Tensor matToChw(const cv::Mat& hwc);
// (rgb - mean) / std with the ImageNet statistics; rgb is [3,H,W] or [B,3,H,W] in [0,1].
torch::Tensor normaliseImageNet(const torch::Tensor& rgb01);

// Throws core::Error when RGB, depth and GT sizes differ (validate() reports those samples).
SampleTensors toTensors(const core::Sample& sample, core::DepthPolarity polarity);

}  // namespace rgbdsod::training
