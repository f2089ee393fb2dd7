#include "rgbdsod/training/inference.h"

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>
#include <torch/utils.h>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/predict.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/sample_tensors.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;

namespace {

// [1,H,W] probability -> CV_8UC1 at `size` (bilinear, as the evaluation resizes predictions).
cv::Mat toImage(const torch::Tensor& prob, cv::Size size) {
  const torch::Tensor p = prob.detach().to(torch::kCPU).to(torch::kFloat32).clamp(0, 1).contiguous();
  const cv::Mat m(static_cast<int>(p.size(-2)), static_cast<int>(p.size(-1)), CV_32FC1, p.data_ptr<float>());
  cv::Mat resized, out;
  cv::resize(m, resized, size, 0, 0, cv::INTER_LINEAR);
  resized.convertTo(out, CV_8U, 255.0);
  return out;
}

}  // namespace

SamplePrediction predictSample(Stage& stage, const LoadedSample& sample, int size, bool extras, bool depth_as_rgb) {
  torch::NoGradGuard no_grad;
  stage.model().eval();
  std::vector<torch::Tensor> rgb, depth, gt;
  appendTensors(resizeOnly(sample, size), rgb, depth, gt);
  models::NetworkInput input;
  input.rgb = rgb[0].unsqueeze(0);
  if (!depth.empty()) input.depth = depth[0].unsqueeze(0);
  if (depth_as_rgb) {
    if (depth.empty()) throw core::Error("sample " + sample.name + ": no depth to feed as RGB");
    // A grey image to the RGB network: depth replicated to three channels, normalised as RGB.
    input.rgb = normaliseImageNet(depth[0].mean(0, /*keepdim=*/true).expand({3, -1, -1}).unsqueeze(0));
    input.depth = torch::Tensor();
  }
  const models::Prediction p = stage.predict(input);
  SamplePrediction out;
  out.saliency = toImage(saliencyProbability(p)[0], sample.original);
  if (extras) {
    const auto& sides = p.sides_combined.empty() ? p.sides : p.sides_combined;
    // Named by the paper's level (LSF's side outputs are levels 2-6), then the learned fusion of them.
    for (std::size_t i = 0; i < sides.size(); ++i)
      out.extras.emplace_back(fmt::format("side{}", p.first_side_level + static_cast<int>(i)),
                              toImage(torch::sigmoid(sides[i])[0], sample.original));
    if (p.sides_fused.defined())
      out.extras.emplace_back("side_fused", toImage(torch::sigmoid(p.sides_fused)[0], sample.original));
    if (p.foreground.defined()) out.extras.emplace_back("fg", toImage(torch::sigmoid(p.foreground)[0], sample.original));
    if (p.background.defined()) out.extras.emplace_back("bg", toImage(torch::sigmoid(p.background)[0], sample.original));
  }
  return out;
}

core::DatasetMetrics validate(Stage& stage, const SampleSource& source, int size, std::size_t max_images) {
  core::Evaluator evaluator;
  for (std::size_t i = 0; i < std::min(max_images, source.size()); ++i) {
    const LoadedSample s = source.load(i);
    if (s.gt.empty()) continue;
    cv::Mat gt = s.gt;
    if (gt.size() != s.original) cv::resize(gt, gt, s.original, 0, 0, cv::INTER_LINEAR);
    evaluator.add(s.name, predictSample(stage, s, size).saliency, gt);
  }
  return evaluator.result();
}

InferSummary runInference(const InferRequest& request, const core::JobContext& job) {
  const TrainConfig config = readRunConfig(request.run);
  const auto stage = makeStage(config);
  if (!stage->needs().saliency)
    throw core::Error("the run " + request.run.string() + " is a " + config.stage +
                      " run: pre-training predicts no saliency (train `downstream` on it)");
  const bool depth_as_rgb = request.depth_as_rgb;
  if (depth_as_rgb && stage->needs().depth)
    throw core::Error("--depth-as-rgb feeds depth to an RGB-only network; the " + config.stage +
                      " network already takes depth");
  InferSummary summary;
  const RestoredCheckpoint restored = restoreNewestCheckpoint(request.run, stage->model(), nullptr);
  summary.checkpoint = restored.file;

  const auto roots = core::findDatasets(request.data);
  if (roots.empty()) throw core::FileError(request.data, "no dataset folder (RGB/ and depth/) here or in its sub-folders");
  const bool single = core::isDatasetFolder(request.data);
  std::vector<std::pair<fs::path, std::shared_ptr<SampleSource>>> jobs;
  std::size_t total = 0;
  for (const auto& root : roots) {
    auto source = std::make_shared<SampleSource>(core::openDataset(root), std::vector<std::size_t>{},
                                                 config.data.depth, config.data.polarity,
                                                 stage->needs().depth || depth_as_rgb);
    total += source->size();
    jobs.emplace_back(single ? request.out : request.out / root.filename(), std::move(source));
  }
  std::size_t done = 0;
  for (const auto& [folder, source] : jobs) {
    fs::create_directories(folder);
    if (request.sides) fs::create_directories(folder / "sides");
    summary.folders.push_back(folder);
    for (std::size_t i = 0; i < source->size(); ++i) {
      job.throwIfCancelled();
      const LoadedSample s = source->load(i);
      const SamplePrediction p = predictSample(*stage, s, config.data.size, request.sides, depth_as_rgb);
      core::writeImageAtomic(folder / (s.name + ".png"), p.saliency);
      for (const auto& [tag, image] : p.extras) core::writeImageAtomic(folder / "sides" / (s.name + "_" + tag + ".png"), image);
      ++summary.images;
      job.report("infer", ++done, total, s.name);
    }
  }
  return summary;
}

}  // namespace rgbdsod::training
