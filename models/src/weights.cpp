#include "rgbdsod/models/weights.h"

#include "rgbdsod/models/checkpoint_format.h"

#include <array>
#include <fstream>
#include <iterator>
#include <sstream>

#include <ATen/core/Dict.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/utils.h>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/zip_check.h"

namespace rgbdsod::models {
namespace {

std::string shapeText(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

void flattenDict(const c10::IValue& value, const std::string& prefix, TensorMap& out) {
  for (const auto& entry : value.toGenericDict()) {
    if (!entry.key().isString()) continue;  // only names can map to parameters
    const std::string name = prefix + entry.key().toStringRef();
    if (entry.value().isTensor()) {
      out[name] = entry.value().toTensor();
    } else if (entry.value().isGenericDict()) {
      flattenDict(entry.value(), name + ".", out);
    }  // other values (epoch numbers, strings) are metadata, not weights
  }
}

TensorMap namedTensors(const torch::nn::Module& model) {
  TensorMap all;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) all[item.key()] = item.value();
  for (const auto& item : model.named_buffers(/*recurse=*/true)) all[item.key()] = item.value();
  return all;
}

// The hint added to a shape-mismatch message: the ratio of output channels between archive and
// model points at a width multiplier that differs.
std::string widthHint(const torch::Tensor& source, const torch::Tensor& target) {
  if (source.dim() == 0 || source.dim() != target.dim() || target.size(0) == 0) return "";
  const double ratio = static_cast<double>(source.size(0)) / static_cast<double>(target.size(0));
  if (ratio == 1.0) return "";
  std::ostringstream s;
  s << "; the archive's layer has " << ratio
    << "x the model's channels: the model's width multiplier differs from the archive's "
       "(torchvision exports are width 1.0)";
  return s.str();
}

}  // namespace

TensorMap readTensorArchive(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::FileError(path, "cannot open the weight archive");
  // Both readers below trust the ZIP structure, and LibTorch 1.13 neither checks entry CRCs nor
  // survives some damaged entries (see zip_check.h): a downloaded, truncated .pt must be named,
  // not end the process.
  try {
    core::checkZipArchive(path);
  } catch (const core::FileError& e) {
    throw core::FileError(path, e.problem() + ". A weight archive is what torch.save(dict(m.state_dict()), path) writes");
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string pickle_problem;
  try {
    const c10::IValue value = torch::jit::pickle_load(bytes);
    if (!value.isGenericDict()) {
      throw core::FileError(path, "the tensor archive holds a " + value.tagKind() +
                                      ", not a dict of name -> tensor");
    }
    TensorMap out;
    flattenDict(value, "", out);
    return out;
  } catch (const core::FileError&) {
    throw;
  } catch (const std::exception& e) {
    pickle_problem = e.what();
  }
  try {
    torch::jit::Module module = torch::jit::load(path.string());
    TensorMap out;
    for (const auto& item : module.named_parameters(/*recurse=*/true)) out[item.name] = item.value;
    for (const auto& item : module.named_buffers(/*recurse=*/true)) out[item.name] = item.value;
    return out;
  } catch (const std::exception& e) {
    // c10 messages carry a stack trace: keep their first line.
    auto firstLine = [](const std::string& m) { return m.substr(0, m.find('\n')); };
    throw core::FileError(path, "neither a tensor archive (" + firstLine(pickle_problem) +
                                    ") nor a TorchScript archive (" + firstLine(e.what()) +
                                    "). In Python save a plain dict: torch.save(dict(m.state_dict()), path)");
  }
}

NameMapping vgg16TorchvisionMapping(const std::string& target_prefix) {
  static constexpr std::array<int, 13> kConvIndices = {0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28};
  NameMapping mapping;
  for (const int index : kConvIndices) {
    for (const char* field : {"weight", "bias"}) {
      const std::string name = "features." + std::to_string(index) + "." + field;
      mapping.push_back({name, target_prefix + name, false});
    }
  }
  return mapping;
}

NameMapping resnet50TorchvisionMapping(const std::string& target_prefix) {
  NameMapping mapping;
  auto conv = [&](const std::string& name) {
    mapping.push_back({name + ".weight", target_prefix + name + ".weight", false});
  };
  auto bn = [&](const std::string& name) {
    for (const char* field : {"weight", "bias", "running_mean", "running_var"}) {
      mapping.push_back({name + "." + field, target_prefix + name + "." + field, false});
    }
    mapping.push_back(
        {name + ".num_batches_tracked", target_prefix + name + ".num_batches_tracked", true});
  };
  conv("conv1");
  bn("bn1");
  static constexpr std::array<int, 4> kBlocks = {3, 4, 6, 3};
  for (int layer = 0; layer < 4; ++layer) {
    for (int block = 0; block < kBlocks[static_cast<size_t>(layer)]; ++block) {
      const std::string b = "layer" + std::to_string(layer + 1) + "." + std::to_string(block);
      for (int k = 1; k <= 3; ++k) {
        conv(b + ".conv" + std::to_string(k));
        bn(b + ".bn" + std::to_string(k));
      }
      if (block == 0) {  // every first block of a stage changes channels or stride
        conv(b + ".downsample.0");
        bn(b + ".downsample.1");
      }
    }
  }
  return mapping;
}

ImportReport importParameters(torch::nn::Module& model, const TensorMap& archive,
                              const NameMapping& mapping, const ImportOptions& options) {
  TensorMap targets = namedTensors(model);
  struct Copy {
    std::string name;
    torch::Tensor target;
    torch::Tensor source;
    bool summed;
  };
  std::vector<Copy> copies;
  ImportReport report;
  for (const NameMapEntry& entry : mapping) {
    const std::string source_name = options.source_prefix + entry.source;
    const auto src = archive.find(source_name);
    const auto dst = targets.find(entry.target);
    if (src == archive.end()) {
      if (entry.optional) {
        report.skipped_optional.push_back(entry.target);
        continue;
      }
      throw WeightImportError(source_name, "weight import: the archive has no key '" + source_name +
                                               "' (needed for model parameter '" + entry.target + "')");
    }
    if (dst == targets.end()) {
      throw WeightImportError(entry.target, "weight import: the model has no parameter or buffer '" +
                                                entry.target + "' (mapped from archive key '" +
                                                source_name + "')");
    }
    const torch::Tensor& s = src->second;
    const torch::Tensor& t = dst->second;
    if (s.sizes().equals(t.sizes())) {
      copies.push_back({entry.target, t, s, false});
      continue;
    }
    // RGB-trained first conv into a single-channel depth trunk: [O,3,k,k] -> [O,1,k,k].
    const bool summable = options.sum_rgb_into_single_channel && s.dim() == 4 && t.dim() == 4 &&
                          s.size(1) == 3 && t.size(1) == 1 && s.size(0) == t.size(0) &&
                          s.size(2) == t.size(2) && s.size(3) == t.size(3);
    if (summable) {
      copies.push_back({entry.target, t, s.sum(1, /*keepdim=*/true), true});
      continue;
    }
    throw WeightImportError(source_name, "weight import: shape mismatch for archive key '" + source_name +
                                             "' -> model '" + entry.target + "': archive " + shapeText(s) +
                                             ", model " + shapeText(t) + widthHint(s, t));
  }
  torch::NoGradGuard no_grad;
  for (const Copy& c : copies) {
    c.target.copy_(c.source.to(c.target.dtype()));
    report.imported.push_back(c.name);
    if (c.summed) report.adapted.push_back(c.name);
  }
  return report;
}

void exportParameters(const torch::nn::Module& model, const std::filesystem::path& path) {
  c10::Dict<std::string, torch::Tensor> dict;
  for (const auto& [name, tensor] : namedTensors(model)) {
    dict.insert(name, tensor.detach().to(torch::kCPU).contiguous().clone());
  }
  const std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(dict));
  core::writeFileAtomic(path, std::string_view(bytes.data(), bytes.size()));
}

void saveCheckpoint(const torch::nn::Module& model, const torch::optim::Optimizer* optimizer,
                    const std::filesystem::path& path) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  writeModelFormat(archive);
  if (optimizer != nullptr) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  std::string bytes;
  archive.save_to([&bytes](const void* data, size_t size) -> size_t {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  core::writeFileAtomic(path, bytes);
}

bool loadCheckpoint(torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                    const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw core::FileError(path, "checkpoint not found");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    torch::serialize::InputArchive model_archive;
    if (!archive.try_read("model", model_archive)) {
      throw core::FileError(path, "not an rgbdsod checkpoint (no 'model' entry)");
    }
    const std::string mismatch = describeArchitectureMismatch(model_archive, model, readModelFormat(archive));
    if (!mismatch.empty()) throw core::FileError(path, mismatch);
    model.load(model_archive);
    if (optimizer == nullptr) return false;
    torch::serialize::InputArchive optimizer_archive;
    if (!archive.try_read("optimizer", optimizer_archive)) return false;
    optimizer->load(optimizer_archive);
    return true;
  } catch (const core::FileError&) {
    throw;
  } catch (const std::exception& e) {
    const std::string message = e.what();
    throw core::FileError(path, "cannot restore the checkpoint (different architecture or width?): " +
                                    message.substr(0, message.find('\n')));
  }
}

}  // namespace rgbdsod::models
