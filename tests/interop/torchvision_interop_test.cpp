// Weights from PyTorch itself (issue 13): torchvision's VGG-16 and ResNet-50, exported by Debian's
// python3-torch / python3-torchvision (random init under a fixed seed: no downloads), imported with
// importParameters give the same features in rgbdsod's trunks as in torchvision on the same input;
// and the reverse: rgbdsod's exportParameters / saveCheckpoint files load into torchvision in
// Python and give rgbdsod's features there. The Python halves are the scripts beside this file.
// Skips (with the reason) when /usr/bin/python3 cannot import torch and torchvision: the scripts
// then exit 77 (a separate `python3 -c 'import torch, torchvision'` probe would cost ~1.3 s more).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <sys/wait.h>

#include <ATen/core/Dict.h>
#include <gtest/gtest.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/optim/adam.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "rgbdsod/models/resnet50.h"
#include "rgbdsod/models/vgg16.h"
#include "rgbdsod/models/weights.h"
#include "test_support.h"

using namespace rgbdsod::models;
namespace fs = std::filesystem;

namespace {

const fs::path kScripts = RGBDSOD_INTEROP_SCRIPTS;
const std::string kPython = RGBDSOD_INTEROP_PYTHON;

// max |rgbdsod - torchvision| / max |torchvision| per feature map; the same rule and bound as
// interop_common.REL_TOLERANCE on the Python side. Both run Debian's libtorch 1.13 kernels, so
// only summation order (thread count) differs.
constexpr double kRelTolerance = 1e-5;
constexpr int kNotInstalled = 77;  // interop_common.NOT_INSTALLED: import torch / torchvision failed

const std::vector<std::string> kVggLevels = {"conv1_2", "conv2_2", "conv3_3", "conv4_3", "conv5_3"};
const std::vector<std::string> kResNetLevels = {"stem", "layer1", "layer2", "layer3", "layer4"};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CommandResult runCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// -B: no __pycache__ in the source tree.
CommandResult runScript(const std::string& script, const fs::path& dir) {
  return runCommand(kPython + " -B " + quoted(kScripts / script) + " " + quoted(dir));
}

std::vector<torch::Tensor> resnetLevels(const ResNet50Features& f) {
  const auto a = f.levels();
  return {a.begin(), a.end()};
}

double relDiff(const torch::Tensor& ours, const torch::Tensor& reference) {
  const double scale = reference.abs().max().item<double>();
  return (ours - reference).abs().max().item<double>() / (scale > 0 ? scale : 1.0);
}

void expectSameFeature(const torch::Tensor& ours, const TensorMap& reference, const std::string& key) {
  const auto it = reference.find(key);
  ASSERT_NE(it, reference.end()) << "tv_reference.pt has no '" << key << "'";
  ASSERT_EQ(ours.sizes(), it->second.sizes()) << key;
  const double d = relDiff(ours, it->second);
  std::cout << "  " << key << " " << ours.sizes() << ": max abs diff / max abs = " << d << "\n";
  EXPECT_LT(d, kRelTolerance) << key;
}

// Random values in every tensor torchvision's init leaves at a constant (conv biases 0, BN
// weight 1 / bias 0 / mean 0 / var 1): an export that dropped them would otherwise still match.
void perturbConstants(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (auto& item : model.named_parameters()) {
    if (item.value().dim() != 1) continue;
    const bool bn_weight = item.key().find("bn") != std::string::npos ||
                           item.key().find("downsample.1") != std::string::npos;
    if (bn_weight && item.key().ends_with(".weight")) {
      item.value().uniform_(0.5, 1.5);
    } else {
      item.value().uniform_(-0.2, 0.2);
    }
  }
  for (auto& item : model.named_buffers()) {
    if (item.key().ends_with("running_mean")) item.value().uniform_(-0.2, 0.2);
    if (item.key().ends_with("running_var")) item.value().uniform_(0.5, 2.0);
  }
}

class TorchvisionInterop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new rgbdsod::test::TempDir("rgbdsod-interop");
    export_ = new CommandResult(runScript("export_torchvision.py", dir_->path()));
    // 126/127: the shell found no (executable) interpreter at kPython.
    const int code = export_->exit_code;
    if (code == kNotInstalled || code == 126 || code == 127) {
      skip_reason_ = new std::string(
          "python3-torch is not installed: `" + kPython + "` cannot import torch, torchvision (" +
          export_->output.substr(0, export_->output.find('\n')) +
          "); packaging/install-deps.sh installs python3-torch and python3-torchvision");
      return;
    }
    std::cout << export_->output;
  }
  static void TearDownTestSuite() {
    delete export_;
    delete dir_;
    delete skip_reason_;
    export_ = nullptr;
    dir_ = nullptr;
    skip_reason_ = nullptr;
  }
  void SetUp() override {
    if (skip_reason_ != nullptr) GTEST_SKIP() << *skip_reason_;
    ASSERT_EQ(export_->exit_code, 0) << "export_torchvision.py failed:\n" << export_->output;
  }
  static fs::path dir() { return dir_->path(); }

  // Raw pointers: gtest's suite hooks are static, and the directory must go in TearDownTestSuite.
  static inline std::string* skip_reason_ = nullptr;
  static inline rgbdsod::test::TempDir* dir_ = nullptr;
  static inline CommandResult* export_ = nullptr;
};

TEST_F(TorchvisionInterop, Vgg16FeaturesMatchTorchvision) {
  const TensorMap weights = readTensorArchive(dir() / "tv_vgg16.pt");
  const TensorMap reference = readTensorArchive(dir() / "tv_reference.pt");
  Vgg16 vgg;  // width 1, RGB: torchvision's shapes
  const ImportReport report = importParameters(*vgg, weights, vgg16TorchvisionMapping());
  EXPECT_EQ(report.imported.size(), 26u);  // 13 convs x (weight, bias)
  vgg->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = reference.at("input");
  const std::vector<torch::Tensor> levels = vgg->forward(x);
  ASSERT_GE(levels.size(), kVggLevels.size());
  std::cout << "VGG-16, torchvision weights in rgbdsod's Vgg16 (rel tolerance " << kRelTolerance << "):\n";
  for (size_t i = 0; i < kVggLevels.size(); ++i) expectSameFeature(levels[i], reference, "vgg16." + kVggLevels[i]);
  expectSameFeature(vgg->forwardTo(x, VggTap::Pool5), reference, "vgg16.pool5");
}

TEST_F(TorchvisionInterop, ResNet50FeaturesMatchTorchvision) {
  const TensorMap weights = readTensorArchive(dir() / "tv_resnet50.pt");
  const TensorMap reference = readTensorArchive(dir() / "tv_reference.pt");
  const torch::Tensor x = reference.at("input");
  for (const bool dilated : {false, true}) {
    SCOPED_TRACE(dilated ? "dilated" : "plain");
    ResNet50Options options;
    options.dilated = dilated;
    ResNet50 resnet(options);
    const ImportReport report = importParameters(*resnet, weights, resnet50TorchvisionMapping());
    EXPECT_EQ(report.imported.size(), 318u);  // 53 convs + 53 BNs x 5 tensors (fc skipped)
    EXPECT_TRUE(report.skipped_optional.empty());
    resnet->eval();
    torch::NoGradGuard no_grad;
    const std::vector<torch::Tensor> levels = resnetLevels(resnet->forward(x));
    const std::string tag = dilated ? "resnet50_dilated." : "resnet50.";
    std::cout << "ResNet-50 (" << (dilated ? "layer3/4 dilated" : "plain")
              << "), torchvision weights in rgbdsod's ResNet50 (rel tolerance " << kRelTolerance << "):\n";
    for (size_t i = 0; i < kResNetLevels.size(); ++i) expectSameFeature(levels[i], reference, tag + kResNetLevels[i]);
  }
}

TEST_F(TorchvisionInterop, RgbdsodExportsLoadInTorchvision) {
  torch::manual_seed(13);
  Vgg16 vgg;
  ResNet50 resnet;  // dilated, rgbdsod's default
  // One training step first, so that the checkpoint holds a real Adam state (moments per tensor).
  // Adam over layer1 only: its moments for all of ResNet-50 would triple the file (~280 MB).
  std::vector<torch::Tensor> layer1;
  for (const auto& item : resnet->named_parameters()) {
    if (item.key().starts_with("layer1.")) layer1.push_back(item.value());
  }
  torch::optim::Adam adam(layer1, torch::optim::AdamOptions(1e-4));
  resnet->train();
  resnet->forward(torch::randn({2, 3, 32, 32})).layer4.mean().backward();
  adam.step();
  perturbConstants(*vgg);
  perturbConstants(*resnet);
  vgg->eval();
  resnet->eval();

  exportParameters(*vgg, dir() / "cpp_vgg16.pt");
  exportParameters(*resnet, dir() / "cpp_resnet50.pt");
  saveCheckpoint(*resnet, &adam, dir() / "cpp_checkpoint.pt");

  c10::Dict<std::string, torch::Tensor> outputs;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::randn({1, 3, 64, 64});
    outputs.insert("input", x);
    const std::vector<torch::Tensor> v = vgg->forward(x);
    for (size_t i = 0; i < kVggLevels.size(); ++i) outputs.insert("vgg16." + kVggLevels[i], v[i]);
    outputs.insert("vgg16.pool5", vgg->forwardTo(x, VggTap::Pool5));
    const std::vector<torch::Tensor> r = resnetLevels(resnet->forward(x));
    for (size_t i = 0; i < kResNetLevels.size(); ++i) outputs.insert("resnet50_dilated." + kResNetLevels[i], r[i]);
  }
  const std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(outputs));
  std::ofstream(dir() / "cpp_outputs.pt", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));

  const CommandResult check = runScript("load_rgbdsod_export.py", dir());
  std::cout << check.output;
  EXPECT_EQ(check.exit_code, 0) << "load_rgbdsod_export.py:\n" << check.output;
  EXPECT_NE(check.output.find("all features match"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("cpp_checkpoint.pt: torch.jit.load ok"), std::string::npos) << check.output;
}

}  // namespace
