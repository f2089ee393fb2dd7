#include "prediction_maps.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/nn/module.h>
#include <torch/utils.h>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/training/augment.h"
#include "rgbdsod/training/batch_loader.h"
#include "rgbdsod/training/sample_tensors.h"

namespace rgbdsod::training {
namespace {

constexpr const char* kZeroShotPrefix = "zero_shot/";

// Where the model's weights are: the inputs go there.
torch::Device modelDevice(torch::nn::Module& model) {
  for (const auto& p : model.parameters()) return p.device();
  for (const auto& b : model.buffers()) return b.device();
  return torch::Device(torch::kCPU);
}

// [1,H,W] probability -> the map at `size`: bilinear, as the evaluation resizes predictions; the
// 8-bit image from the resized float exactly as `infer` wrote it before ModelCore existed.
void fillMap(InspectMap& map, const torch::Tensor& prob, cv::Size size) {
  const torch::Tensor p = prob.detach().to(torch::kCPU).to(torch::kFloat32).clamp(0, 1).contiguous();
  const cv::Mat m(static_cast<int>(p.size(-2)), static_cast<int>(p.size(-1)), CV_32FC1, p.data_ptr<float>());
  cv::Mat resized;
  cv::resize(m, resized, size, 0, 0, cv::INTER_LINEAR);  // a new buffer, never the tensor's
  resized.convertTo(map.image, CV_8U, 255.0);
  // Bilinear weights in float can overshoot 1 by an ulp: the probability stays in [0,1].
  cv::min(resized, 1.0, resized);
  cv::max(resized, 0.0, resized);
  map.probability = resized;
}

// "rgb/level3" -> ("rgb", 3); a key without a trailing levelN has level 0.
std::pair<std::string, int> branchLevel(const std::string& key) {
  const auto slash = key.rfind('/');
  const std::string modality = slash == std::string::npos ? key : key.substr(0, slash);
  const std::string tail = slash == std::string::npos ? key : key.substr(slash + 1);
  int level = 0;
  if (tail.size() > 5 && tail.compare(0, 5, "level") == 0 &&
      std::all_of(tail.begin() + 5, tail.end(), [](unsigned char c) { return std::isdigit(c) != 0; }) &&
      tail.size() <= 9)
    level = std::stoi(tail.substr(5));
  return {modality, level};
}

void appendMaps(const models::Prediction& p, cv::Size size, bool extras, bool zero_shot, std::vector<InspectMap>& out) {
  const std::string prefix = zero_shot ? kZeroShotPrefix : "";
  auto add = [&](const std::string& name, const char* group, int level, const torch::Tensor& prob) {
    InspectMap m;
    m.name = prefix + name;
    m.group = zero_shot ? "zero_shot" : group;
    m.level = level;
    fillMap(m, prob[0], size);
    out.push_back(std::move(m));
  };
  add("final", "final", 0, saliencyProbability(p));
  if (!extras) return;
  for (std::size_t i = 0; i < p.sides.size(); ++i) {
    const int level = p.first_side_level + static_cast<int>(i);
    add(fmt::format("side/level{}", level), "side", level, torch::sigmoid(p.sides[i]));
  }
  for (std::size_t i = 0; i < p.sides_combined.size(); ++i) {
    const int level = p.first_side_level + static_cast<int>(i);
    add(fmt::format("side_combined/level{}", level), "side_combined", level, torch::sigmoid(p.sides_combined[i]));
  }
  if (p.sides_fused.defined()) add("side_fused", "side_fused", 0, torch::sigmoid(p.sides_fused));
  if (p.foreground.defined()) add("foreground", "fg_bg", 0, torch::sigmoid(p.foreground));
  if (p.background.defined()) add("background", "fg_bg", 0, torch::sigmoid(p.background));
  // By modality, then by level as a number (the map's own order is the key's text).
  std::vector<std::pair<std::pair<std::string, int>, const std::string*>> branches;
  for (const auto& [key, tensor] : p.branches)
    if (tensor.defined()) branches.emplace_back(branchLevel(key), &key);
  std::stable_sort(branches.begin(), branches.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [order, key] : branches) add(*key, "branch", order.second, torch::sigmoid(p.branches.at(*key)));
}

}  // namespace

std::vector<InspectMap> predictionMaps(Stage& stage, const LoadedSample& sample, int size,
                                       const PredictionMapOptions& options) {
  if (options.zero_shot && stage.needs().depth)
    throw core::Error("zero-shot feeds the depth map to an RGB-only network; the " + stage.name() +
                      " network already takes depth");
  torch::NoGradGuard no_grad;
  stage.model().eval();
  const torch::Device device = modelDevice(stage.model());
  std::vector<torch::Tensor> rgb, depth, gt;
  appendTensors(resizeOnly(sample, size), rgb, depth, gt);
  std::vector<InspectMap> maps;
  if (options.own_input) {
    models::NetworkInput input;
    input.rgb = rgb[0].unsqueeze(0).to(device);
    // Only a network that reads depth gets it (a zero-shot request loads depth for an RGB network).
    if (!depth.empty() && stage.needs().depth) input.depth = depth[0].unsqueeze(0).to(device);
    appendMaps(stage.predict(input), sample.original, options.extras, false, maps);
  }
  if (options.zero_shot) {
    if (depth.empty()) throw core::Error("sample " + sample.name + ": no depth to feed as RGB");
    // A grey image to the RGB network: depth replicated to three channels, normalised as RGB.
    models::NetworkInput input;
    input.rgb = normaliseImageNet(depth[0].mean(0, /*keepdim=*/true).expand({3, -1, -1}).unsqueeze(0)).to(device);
    appendMaps(stage.predict(input), sample.original, options.extras, true, maps);
  }
  return maps;
}

std::vector<std::pair<std::string, const InspectMap*>> sideFileTags(const std::vector<InspectMap>& maps,
                                                                     bool zero_shot) {
  const std::string prefix = zero_shot ? kZeroShotPrefix : "";
  std::vector<const InspectMap*> own;
  bool has_combined = false;
  for (const auto& m : maps) {
    if (m.name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!zero_shot && m.name.compare(0, 10, kZeroShotPrefix) == 0) continue;
    own.push_back(&m);
    has_combined = has_combined || m.name.compare(prefix.size(), 14, "side_combined/") == 0;
  }
  std::vector<std::pair<std::string, const InspectMap*>> tags;
  for (const InspectMap* m : own) {
    const std::string name = m->name.substr(prefix.size());
    std::string tag;
    if (name == "final") continue;
    if (name.rfind("side_combined/", 0) == 0) {
      tag = fmt::format("side{}", m->level);
    } else if (name.rfind("side/", 0) == 0) {
      tag = fmt::format("side{}", m->level) + (has_combined ? "_raw" : "");
    } else if (name == "side_fused") {
      tag = "side_fused";
    } else if (name == "foreground") {
      tag = "fg";
    } else if (name == "background") {
      tag = "bg";
    } else {
      tag = name;  // a branch map: rgb/level3 -> rgb_level3
      std::replace(tag.begin(), tag.end(), '/', '_');
    }
    tags.emplace_back(std::move(tag), m);
  }
  return tags;
}

}  // namespace rgbdsod::training
