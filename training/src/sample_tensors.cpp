#include "rgbdsod/training/sample_tensors.h"

#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/errors.h"

namespace rgbdsod::training {
torch::Tensor matToChw(const cv::Mat& hwc) {
  CV_Assert(hwc.depth() == CV_32F);
  const cv::Mat m = hwc.isContinuous() ? hwc : hwc.clone();
  const auto t = torch::from_blob(const_cast<float*>(m.ptr<float>()), {m.rows, m.cols, m.channels()}, torch::kFloat32);
  // clone(), not contiguous(): for one channel the permuted view is already contiguous, and
  // contiguous() would then return a tensor aliasing the Mat's memory, which dies with it.
  return t.permute({2, 0, 1}).clone(at::MemoryFormat::Contiguous);
}

torch::Tensor normaliseImageNet(const torch::Tensor& rgb01) {
  const auto mean = torch::tensor({kImageNetMean[0], kImageNetMean[1], kImageNetMean[2]}).view({3, 1, 1});
  const auto stdev = torch::tensor({kImageNetStd[0], kImageNetStd[1], kImageNetStd[2]}).view({3, 1, 1});
  return (rgb01 - mean) / stdev;
}


SampleTensors toTensors(const core::Sample& sample, core::DepthPolarity polarity) {
  if (sample.rgb.empty() || sample.depth.empty())
    throw core::Error("sample " + sample.name + ": RGB or depth not loaded");
  if (sample.rgb.size() != sample.depth.size() || (!sample.gt.empty() && sample.gt.size() != sample.rgb.size()))
    throw core::Error("sample " + sample.name + ": RGB, depth and GT sizes differ");

  SampleTensors out;
  cv::Mat rgb;
  cv::cvtColor(sample.rgb, rgb, cv::COLOR_BGR2RGB);
  rgb.convertTo(rgb, CV_32F, 1.0 / 255.0);
  out.rgb = normaliseImageNet(matToChw(rgb));

  out.depth = matToChw(core::normaliseDepth(sample.depth, polarity));

  if (!sample.gt.empty()) {
    cv::Mat gt;
    sample.gt.convertTo(gt, CV_32F, 1.0 / 255.0);
    out.gt = matToChw(gt);
  }
  return out;
}

}  // namespace rgbdsod::training
