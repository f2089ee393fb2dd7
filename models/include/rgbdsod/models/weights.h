#pragma once
// Weights in and out of the models: import of parameters by name from archives exported from
// PyTorch (ImageNet weights cannot be downloaded here), export of trained weights that Python
// loads with torch.load, and training checkpoints (model + optional optimiser state).
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include "rgbdsod/core/errors.h"

namespace rgbdsod::models {

using TensorMap = std::map<std::string, torch::Tensor>;  // ordered: stable messages and export

// An import problem that names the offending key: a missing source key, or a shape mismatch
// (the message then gives both shapes and, when it looks like one, a width-multiplier mismatch).
class WeightImportError : public core::Error {
 public:
  WeightImportError(std::string key, const std::string& message)
      : core::Error(message), key_(std::move(key)) {}
  const std::string& key() const noexcept { return key_; }

 private:
  std::string key_;
};

// Reads name -> tensor from `path`: a tensor archive (torch.save of a plain dict in Python, or
// torch::pickle_save of a dict in C++; nested dicts are flattened with "." so that
// {"state_dict": {...}} reads as "state_dict.<name>") or, failing that, a TorchScript archive
// (torch.jit.save; its parameters and buffers by their module path). Throws core::FileError.
TensorMap readTensorArchive(const std::filesystem::path& path);

// One archive name mapped to one model name (the model's named_parameters / named_buffers).
struct NameMapEntry {
  std::string source;
  std::string target;
  bool optional = false;  // e.g. BatchNorm's num_batches_tracked, absent from older exports
};
using NameMapping = std::vector<NameMapEntry>;

// torchvision vgg16().features conv weights and biases ("features.<N>.weight"/".bias", N in
// 0,2,5,7,10,12,14,17,19,21,24,26,28) onto `target_prefix` + the same name (our Vgg16 uses
// torchvision's indices). The classifier and our conv6 are not in the table: conv6 and the heads
// train from scratch, as in the paper.
NameMapping vgg16TorchvisionMapping(const std::string& target_prefix = "");

// torchvision resnet50() trunk: conv1, bn1, layer1..layer4 with blocks 3/4/6/3, Bottleneck
// conv1..3 / bn1..3 / downsample.0 / downsample.1, BN running statistics included (fc skipped),
// onto `target_prefix` + the same name (our ResNet50 keeps torchvision's module names).
NameMapping resnet50TorchvisionMapping(const std::string& target_prefix = "");

struct ImportOptions {
  std::string source_prefix;  // prepended to every mapping source name (e.g. "state_dict.")
  // A first conv trained on RGB imported into a 1-channel (raw depth) trunk: sum the weights over
  // the three input channels, which gives the same response as a depth map replicated to RGB.
  bool sum_rgb_into_single_channel = true;
};

struct ImportReport {
  std::vector<std::string> imported;        // model names that received a tensor
  std::vector<std::string> adapted;         // ... of which the input channels were summed
  std::vector<std::string> skipped_optional;  // optional entries absent from the archive
};

// Checks every mapped entry first (missing archive key, missing model name, shape) and only then
// copies, so a failed import leaves the model unchanged. Throws WeightImportError.
ImportReport importParameters(torch::nn::Module& model, const TensorMap& archive,
                              const NameMapping& mapping, const ImportOptions& options = {});

// Writes every parameter and buffer as a name -> tensor dict with torch::pickle_save
// (atomically). Python: sd = torch.load(path, weights_only=False) (PyTorch >= 2.6 otherwise
// rejects the torch.jit._pickle.restore_type_tag global that LibTorch's pickler writes), then
// model.load_state_dict(sd, strict=False).
void exportParameters(const torch::nn::Module& model, const std::filesystem::path& path);

// Training checkpoint: the model (and the optimiser state when given) in one
// torch::serialize::OutputArchive, written to a temporary file and renamed over `path`.
void saveCheckpoint(const torch::nn::Module& model, const torch::optim::Optimizer* optimizer,
                    const std::filesystem::path& path);
// Restores a checkpoint into a model of the same architecture; returns whether optimiser state
// was restored (false when none was saved or `optimizer` is null). Throws core::FileError.
bool loadCheckpoint(torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                    const std::filesystem::path& path);

}  // namespace rgbdsod::models
