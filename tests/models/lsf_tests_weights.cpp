// Weight import (torchvision-style names, tensor and TorchScript archives, clear errors), export
// readable by torch.load, and checkpoint round trips with identical outputs.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>
#include <ATen/core/Dict.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/optim/adam.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "lsf_test_util.h"
#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/models/lsf_fusion.h"
#include "rgbdsod/models/lsf_stream.h"
#include "rgbdsod/models/resnet50.h"
#include "rgbdsod/models/weights.h"

using namespace rgbdsod::models;
using rgbdsod::models::testing::streamOptions;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("rgbdsod_lsf_" + std::to_string(::getpid()))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// A torchvision-style VGG-16 features archive at `width`, written like torch.save(dict) would be.
TensorMap makeVggArchive(double width, int64_t in_channels = 3) {
  Vgg16 reference(Vgg16Options{{width, in_channels}});
  TensorMap archive;
  for (const auto& item : reference->named_parameters()) {
    if (item.key().rfind("features.", 0) == 0) archive[item.key()] = item.value().detach().clone();
  }
  archive["classifier.0.weight"] = torch::rand({4, 4});  // present in real exports, unmapped
  return archive;
}

void writeArchive(const TensorMap& archive, const fs::path& path) {
  c10::Dict<std::string, torch::Tensor> dict;
  for (const auto& [name, tensor] : archive) dict.insert(name, tensor);
  const std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(dict));
  rgbdsod::core::writeFileAtomic(path, std::string_view(bytes.data(), bytes.size()));
}

std::string importError(torch::nn::Module& model, const TensorMap& archive, const NameMapping& mapping,
                        std::string* key = nullptr) {
  try {
    importParameters(model, archive, mapping);
  } catch (const WeightImportError& e) {
    if (key != nullptr) *key = e.key();
    return e.what();
  }
  return "";
}

}  // namespace

TEST(LsfWeights, ImportsATorchvisionStyleArchiveByName) {
  TempDir dir;
  const TensorMap exported = makeVggArchive(1.0 / 16);
  writeArchive(exported, dir / "vgg16.pt");
  const TensorMap archive = readTensorArchive(dir / "vgg16.pt");
  ASSERT_EQ(archive.size(), exported.size());

  LsfStream net(streamOptions(1.0 / 16, 3));
  const ImportReport report = importParameters(*net, archive, vgg16TorchvisionMapping("backbone."));
  EXPECT_EQ(report.imported.size(), 26U);
  const auto params = net->named_parameters();
  for (const auto& [name, tensor] : exported) {
    if (name.rfind("features.", 0) == 0) {
      EXPECT_TRUE(torch::equal(params["backbone." + name], tensor)) << name;
    }
  }
}

TEST(LsfWeights, MissingKeyAndShapeMismatchNameTheKeyAndLeaveTheModelUnchanged) {
  LsfStream net(streamOptions(1.0 / 16, 3));
  const torch::Tensor before = net->named_parameters()["backbone.features.0.weight"].clone();
  const NameMapping mapping = vgg16TorchvisionMapping("backbone.");

  TensorMap missing = makeVggArchive(1.0 / 16);
  missing.erase("features.10.weight");
  std::string key;
  std::string message = importError(*net, missing, mapping, &key);
  EXPECT_EQ(key, "features.10.weight");
  EXPECT_NE(message.find("'features.10.weight'"), std::string::npos) << message;
  EXPECT_TRUE(torch::equal(net->named_parameters()["backbone.features.0.weight"], before));

  TensorMap bad = makeVggArchive(1.0 / 16);
  bad["features.2.weight"] = torch::zeros({5, 4, 3, 3});
  message = importError(*net, bad, mapping, &key);
  EXPECT_EQ(key, "features.2.weight");
  EXPECT_NE(message.find("archive [5, 4, 3, 3], model [4, 4, 3, 3]"), std::string::npos) << message;
  EXPECT_TRUE(torch::equal(net->named_parameters()["backbone.features.0.weight"], before));
  // An archive exported at another width says so.
  message = importError(*net, makeVggArchive(1.0 / 8), mapping, &key);
  EXPECT_EQ(key, "features.0.weight");
  EXPECT_NE(message.find("archive [8, 3, 3, 3], model [4, 3, 3, 3]"), std::string::npos) << message;
  EXPECT_NE(message.find("width multiplier"), std::string::npos) << message;

  NameMapping wrong_target = {{"features.0.weight", "backbone.nope.weight", false}};
  message = importError(*net, makeVggArchive(1.0 / 16), wrong_target, &key);
  EXPECT_EQ(key, "backbone.nope.weight");
}

TEST(LsfWeights, RgbFirstConvIsSummedIntoASingleDepthChannel) {
  Vgg16 depth(Vgg16Options{{1.0 / 16, 1}});
  const TensorMap archive = makeVggArchive(1.0 / 16, 3);
  const ImportReport report = importParameters(*depth, archive, vgg16TorchvisionMapping());
  ASSERT_EQ(report.adapted, std::vector<std::string>{"features.0.weight"});
  EXPECT_TRUE(torch::allclose(depth->named_parameters()["features.0.weight"],
                              archive.at("features.0.weight").sum(1, true)));
  ImportOptions strict;
  strict.sum_rgb_into_single_channel = false;
  EXPECT_THROW(importParameters(*depth, archive, vgg16TorchvisionMapping(), strict), WeightImportError);
}

TEST(LsfWeights, ResNet50MappingCoversTorchvisionsTrunk) {
  const NameMapping mapping = resnet50TorchvisionMapping("encoder.");
  // torchvision's resnet50 state_dict has 320 entries; fc.weight and fc.bias are not mapped.
  EXPECT_EQ(mapping.size(), 318U);
  EXPECT_EQ(mapping.front().source, "conv1.weight");
  EXPECT_EQ(mapping.front().target, "encoder.conv1.weight");
  int downsample = 0;
  for (const auto& e : mapping) {
    if (e.source.find("downsample.0.weight") != std::string::npos) ++downsample;
    EXPECT_EQ(e.optional, e.source.find("num_batches_tracked") != std::string::npos) << e.source;
  }
  EXPECT_EQ(downsample, 4);
}

TEST(LsfWeights, ResNet50MappingMatchesTheResNet50Module) {
  // Every model parameter/buffer is a mapping target and every target exists: an archive with
  // torchvision's names (here built from a reference copy) imports completely.
  ResNet50 reference(ResNet50Options{{1.0 / 16, 3}, true});
  ResNet50 net(ResNet50Options{{1.0 / 16, 3}, true});
  TensorMap archive;
  for (const auto& item : reference->named_parameters()) archive[item.key()] = item.value().detach().clone();
  for (const auto& item : reference->named_buffers()) archive[item.key()] = item.value().clone();
  archive["fc.weight"] = torch::zeros({10, 128});  // torchvision's classifier: not mapped
  const ImportReport report = importParameters(*net, archive, resnet50TorchvisionMapping());
  EXPECT_EQ(report.imported.size(), net->named_parameters().size() + net->named_buffers().size());
  EXPECT_EQ(report.imported.size(), 318U);
  EXPECT_TRUE(torch::equal(net->named_parameters()["layer3.5.conv2.weight"],
                           reference->named_parameters()["layer3.5.conv2.weight"]));
  EXPECT_TRUE(torch::equal(net->named_buffers()["layer4.0.downsample.1.running_var"],
                           reference->named_buffers()["layer4.0.downsample.1.running_var"]));
}

TEST(LsfWeights, ReadsTorchScriptArchivesAndRejectsOtherFiles) {
  TempDir dir;
  torch::jit::Module scripted("Exported");
  scripted.register_parameter("weight", torch::arange(6.0).view({2, 3}), false);
  scripted.register_buffer("running_mean", torch::ones({3}));
  scripted.save((dir / "scripted.pt").string());
  const TensorMap archive = readTensorArchive(dir / "scripted.pt");
  ASSERT_EQ(archive.count("weight"), 1U);
  EXPECT_TRUE(torch::equal(archive.at("weight"), torch::arange(6.0).view({2, 3})));
  EXPECT_EQ(archive.count("running_mean"), 1U);

  rgbdsod::core::writeFileAtomic(dir / "junk.pt", "not an archive");
  EXPECT_THROW(readTensorArchive(dir / "junk.pt"), rgbdsod::core::FileError);
  EXPECT_THROW(readTensorArchive(dir / "absent.pt"), rgbdsod::core::FileError);
}

TEST(LsfWeights, ExportIsATensorDictThatReadsBack) {
  TempDir dir;
  LsfStream net(streamOptions(1.0 / 32, 3));
  exportParameters(*net, dir / "export.pt");
  // The exported file is what torch.load reads in Python: a pickled dict of name -> tensor.
  const c10::IValue raw = torch::jit::pickle_load([&] {
    std::ifstream in(dir / "export.pt", std::ios::binary);
    return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }());
  ASSERT_TRUE(raw.isGenericDict());
  const TensorMap back = readTensorArchive(dir / "export.pt");
  const auto params = net->named_parameters();
  EXPECT_EQ(back.size(), params.size());  // no buffers in an LSF stream
  for (const auto& item : params) EXPECT_TRUE(torch::equal(back.at(item.key()), item.value())) << item.key();
}

TEST(LsfWeights, DamagedOrTruncatedArchiveIsRefusedNamingTheFileNotLoadedSilently) {
  TempDir dir;
  LsfStream net(streamOptions(1.0 / 32, 3));
  exportParameters(*net, dir / "export.pt");
  std::string bytes;
  {
    std::ifstream in(dir / "export.pt", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // The middle of the file lies in a tensor's stored bytes: LibTorch alone would load the changed
  // weight without a word.
  std::string flipped = bytes;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x10);
  rgbdsod::core::writeFileAtomic(dir / "flipped.pt", flipped);
  rgbdsod::core::writeFileAtomic(dir / "truncated.pt", bytes.substr(0, bytes.size() * 2 / 3));
  for (const char* name : {"flipped.pt", "truncated.pt"}) {
    try {
      readTensorArchive(dir / name);
      ADD_FAILURE() << name << " was read";
    } catch (const rgbdsod::core::FileError& e) {
      EXPECT_EQ(e.file(), dir / name);
      EXPECT_NE(e.problem().find("damaged archive"), std::string::npos) << e.what();
      EXPECT_NE(e.problem().find("torch.save"), std::string::npos) << e.what();
    }
  }
}

TEST(LsfWeights, CheckpointRoundTripGivesIdenticalOutputsAndOptimiserState) {
  TempDir dir;
  const torch::Tensor rgb = torch::rand({1, 3, 64, 64});
  const torch::Tensor depth = torch::rand({1, 1, 64, 64});
  LsfFusionOptions options;
  options.rgb = streamOptions(1.0 / 32, 3).backbone;
  options.depth = streamOptions(1.0 / 32, 1).backbone;

  LsfFusionNet a(options);
  torch::optim::Adam adam_a(a->parameters(), torch::optim::AdamOptions(1e-3));
  a->forward({rgb, depth}).final.mean().backward();
  adam_a.step();
  saveCheckpoint(*a, &adam_a, dir / "ckpt.pt");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / ""), fs::directory_iterator()), 1);  // no temp left

  torch::manual_seed(99);  // a differently initialised copy
  LsfFusionNet b(options);
  torch::optim::Adam adam_b(b->parameters(), torch::optim::AdamOptions(1e-3));
  EXPECT_TRUE(loadCheckpoint(*b, &adam_b, dir / "ckpt.pt"));
  {
    torch::NoGradGuard no_grad;
    a->eval();
    b->eval();
    EXPECT_TRUE(torch::equal(a->forward({rgb, depth}).final, b->forward({rgb, depth}).final));
  }
  // Same optimiser state: one more identical step keeps the two models identical.
  adam_a.zero_grad();
  adam_b.zero_grad();
  a->forward({rgb, depth}).final.mean().backward();
  b->forward({rgb, depth}).final.mean().backward();
  adam_a.step();
  adam_b.step();
  const auto pb = b->named_parameters();
  for (const auto& item : a->named_parameters()) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();

  // Model-only checkpoints, and a wrong architecture is a clear file error.
  saveCheckpoint(*a, nullptr, dir / "model.pt");
  EXPECT_FALSE(loadCheckpoint(*b, &adam_b, dir / "model.pt"));
  LsfStream other(streamOptions(1.0 / 32, 3));
  EXPECT_THROW(loadCheckpoint(*other, nullptr, dir / "model.pt"), rgbdsod::core::FileError);
}
