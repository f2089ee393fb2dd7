// Checkpoints of another architecture are refused with the keys that differ (LibTorch alone would
// load a tensor of any shape into a parameter); the model format version is written and read.
#include <filesystem>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/serialize/output-archive.h>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/models/checkpoint_format.h"
#include "rgbdsod/models/weights.h"

using namespace rgbdsod::models;
namespace fs = std::filesystem;

namespace {

// A head whose width and optional second layer change, like a layer table that changed.
struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl(int width, bool with_extra) {
    trunk = register_module("trunk", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, width, 1)));
    norm = register_module("norm", torch::nn::BatchNorm2d(width));
    if (with_extra) extra = register_module("extra", torch::nn::Linear(width, 2));
  }
  torch::nn::Conv2d trunk{nullptr};
  torch::nn::BatchNorm2d norm{nullptr};
  torch::nn::Linear extra{nullptr};
};
TORCH_MODULE(TinyNet);

fs::path tempFile(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("rgbdsod_ckfmt_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::string loadError(const fs::path& file, torch::nn::Module& model) {
  try {
    loadCheckpoint(model, nullptr, file);
  } catch (const rgbdsod::core::FileError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST(CheckpointFormat, SameArchitectureLoadsAndTheVersionIsWritten) {
  const fs::path file = tempFile("same.pt");
  TinyNet a(4, true), b(4, true);
  saveCheckpoint(*a, nullptr, file);
  EXPECT_NO_THROW(loadCheckpoint(*b, nullptr, file));
  EXPECT_TRUE(torch::equal(a->trunk->weight, b->trunk->weight));
  torch::serialize::InputArchive archive;
  archive.load_from(file.string());
  EXPECT_EQ(readModelFormat(archive), kModelFormatVersion);
  fs::remove_all(file.parent_path());
}

TEST(CheckpointFormat, OtherShapesAreRefusedNamingEveryChangedKey) {
  const fs::path file = tempFile("wide.pt");
  TinyNet wide(4, true), narrow(6, false);
  saveCheckpoint(*wide, nullptr, file);
  const std::string message = loadError(file, *narrow);
  ASSERT_FALSE(message.empty()) << "a 4-channel checkpoint loaded into a 6-channel network";
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;
  EXPECT_NE(message.find("trunk.weight [4x3x1x1] in the file, [6x3x1x1] in the model"), std::string::npos) << message;
  EXPECT_NE(message.find("norm.running_mean [4] in the file, [6] in the model"), std::string::npos) << message;
  EXPECT_NE(message.find("only in the file: extra.bias, extra.weight"), std::string::npos) << message;
  // The refused load left the network as it was.
  EXPECT_EQ(narrow->trunk->weight.size(0), 6);

  TinyNet with_extra(4, true), without(4, false);
  saveCheckpoint(*without, nullptr, file);
  const std::string missing = loadError(file, *with_extra);
  EXPECT_NE(missing.find("missing: extra.bias, extra.weight"), std::string::npos) << missing;
  // A checkpoint with more than the model needs (an earlier stage's full network) still loads.
  saveCheckpoint(*with_extra, nullptr, file);
  EXPECT_NO_THROW(loadCheckpoint(*without, nullptr, file));
  fs::remove_all(file.parent_path());
}

TEST(CheckpointFormat, CheckpointsWithoutAVersionAreFormatOneAndSaySo) {
  // What rgbdsod wrote before model formats existed: the model archive and no "model_format".
  const fs::path file = tempFile("v1.pt");
  TinyNet old_net(4, false), new_net(8, false);
  torch::serialize::OutputArchive archive, model_archive;
  old_net->save(model_archive);
  archive.write("model", model_archive);
  archive.save_to(file.string());
  torch::serialize::InputArchive in;
  in.load_from(file.string());
  EXPECT_EQ(readModelFormat(in), 1);
  const std::string message = loadError(file, *new_net);
  EXPECT_NE(message.find("model format 1 in the file, " + std::to_string(kModelFormatVersion) + " in this build"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("architecture changed"), std::string::npos) << message;
  fs::remove_all(file.parent_path());
}
