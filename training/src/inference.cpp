#include "rgbdsod/training/inference.h"

#include <algorithm>
#include <string>

#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/spelling.h"
#include "rgbdsod/models/device.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/predict.h"
#include "rgbdsod/training/run_folder.h"
#include "prediction_maps.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;

SamplePrediction predictSample(Stage& stage, const LoadedSample& sample, int size, bool extras, bool depth_as_rgb) {
  // The one prediction path (prediction_maps.h): the maps ModelCore gives the studio.
  PredictionMapOptions options;
  options.own_input = !depth_as_rgb;
  options.zero_shot = depth_as_rgb;
  options.extras = extras;
  const std::vector<InspectMap> maps = predictionMaps(stage, sample, size, options);
  SamplePrediction out;
  out.saliency = maps.front().image;  // "final" (or "zero_shot/final")
  if (extras)
    for (const auto& [tag, map] : sideFileTags(maps, depth_as_rgb)) out.extras.emplace_back(tag, map->image);
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
  // The device first: the checkpoint is mapped onto it as it loads (a GPU run infers on a CPU).
  const models::DeviceChoice device = models::chooseDevice(request.device);
  if (!device.device) throw core::Error("--device: " + device.error);
  stage->model().to(*device.device);
  models::configureDeviceForSpeed(*device.device);
  InferSummary summary;
  const RestoredCheckpoint restored = restoreNewestCheckpoint(request.run, stage->model(), nullptr);
  summary.checkpoint = restored.file;

  const auto roots = core::findDatasets(request.data);
  if (roots.empty()) throw core::FileError(request.data, "no dataset folder (RGB/ and depth/) here or in its sub-folders");
  const bool single = core::isDatasetFolder(request.data);
  std::vector<core::Dataset> datasets;
  for (const auto& root : roots) datasets.push_back(core::openDataset(root));
  // --samples: only these names (each once, in the order given), every one in some dataset.
  std::vector<std::string> wanted;
  for (const auto& name : request.samples)
    if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) wanted.push_back(name);
  for (const auto& name : wanted) {
    if (std::any_of(datasets.begin(), datasets.end(), [&](const core::Dataset& d) { return d.indexOf(name).has_value(); }))
      continue;
    std::vector<std::string> names;
    for (const auto& d : datasets)
      for (const auto& f : d.samples) names.push_back(f.name);
    throw core::FileError(request.data, "no sample named '" + name + "'" + core::didYouMean(name, names));
  }
  std::vector<std::pair<fs::path, std::shared_ptr<SampleSource>>> jobs;
  std::size_t total = 0;
  for (std::size_t d = 0; d < datasets.size(); ++d) {
    const fs::path root = roots[d];
    std::vector<std::size_t> indices;  // empty: the whole dataset
    for (const auto& name : wanted)
      if (const auto index = datasets[d].indexOf(name)) indices.push_back(*index);
    if (!wanted.empty() && indices.empty()) continue;  // this dataset holds none of them
    auto source = std::make_shared<SampleSource>(std::move(datasets[d]), std::move(indices), config.data.depth,
                                                 config.data.polarity, stage->needs().depth || depth_as_rgb);
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
