// ResNet-50 (torchvision names, dilation, widths) and RecNet (shapes per variant, reciprocal
// attention by hand and as the identity at initialisation, gradients, save/load).
#include <cmath>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include "rgbdsod/models/losses_recnet.h"
#include "rgbdsod/models/recnet.h"
#include "rgbdsod/models/resnet50.h"
#include "rgbdsod/models/runtime.h"
#include "test_support.h"

using namespace rgbdsod::models;

namespace {

// Two intra-op threads for every test of this binary (LibTorch starts with one).
class TwoThreads : public ::testing::Environment {
 public:
  void SetUp() override { initRuntime(2); }
};
[[maybe_unused]] const auto* const kThreads = ::testing::AddGlobalTestEnvironment(new TwoThreads);

ResNet50Options resnetOptions(double width, int64_t in_channels, bool dilated = true) {
  ResNet50Options o;
  o.backbone.width = width;
  o.backbone.in_channels = in_channels;
  o.dilated = dilated;
  return o;
}

RecNetOptions recnetOptions(double width, RecNetVariant variant) {
  RecNetOptions o;
  o.width = width;
  o.variant = variant;
  return o;
}

}  // namespace

TEST(ResNet50, UsesTorchvisionNamesAndCounts) {
  ResNet50 net(resnetOptions(1.0 / 16, 3));
  const auto params = net->named_parameters();
  const auto buffers = net->named_buffers();
  for (const char* key : {"conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.conv1.weight", "layer1.0.bn3.bias",
                          "layer1.0.downsample.0.weight", "layer1.0.downsample.1.weight", "layer2.3.conv2.weight",
                          "layer3.5.bn2.weight", "layer4.0.downsample.0.weight", "layer4.2.conv3.weight"}) {
    EXPECT_NE(params.find(key), nullptr) << key;
  }
  EXPECT_NE(buffers.find("layer4.2.bn3.running_var"), nullptr);
  EXPECT_NE(buffers.find("bn1.num_batches_tracked"), nullptr);
  // torchvision resnet50 without fc: 53 convs + 53 BNs -> 159 parameter tensors, 159 buffers.
  EXPECT_EQ(params.size(), 159u);
  EXPECT_EQ(buffers.size(), 159u);
}

TEST(ResNet50, FullWidthHasTorchvisionParameterCount) {
  ResNet50 net(resnetOptions(1.0, 3));
  int64_t total = 0;
  for (const auto& p : net->parameters()) total += p.numel();
  EXPECT_EQ(total, 25557032 - (2048 * 1000 + 1000));  // torchvision's count minus the fc layer
  EXPECT_EQ(net->channels(4), 2048);
}

TEST(ResNet50, DilatedLevelsHaveOutputStride8) {
  // Each new input shape costs oneDNN primitive set-up for 53 convs: few shapes keep this fast.
  struct Case {
    double width;
    int64_t h, w;
  };
  for (const auto& [width, h, w] : {Case{1.0 / 16, 32, 32}, Case{1.0 / 16, 64, 48}, Case{1.0 / 32, 96, 96}}) {
    {
      ResNet50 net(resnetOptions(width, 3));
      torch::NoGradGuard no_grad;
      const auto f = net->forward(torch::randn({1, 3, h, w}));
      EXPECT_EQ(f.stem.sizes(), (std::vector<int64_t>{1, net->channels(0), h / 2, w / 2}));
      EXPECT_EQ(f.layer1.sizes(), (std::vector<int64_t>{1, net->channels(1), h / 4, w / 4}));
      EXPECT_EQ(f.layer2.sizes(), (std::vector<int64_t>{1, net->channels(2), h / 8, w / 8}));
      EXPECT_EQ(f.layer3.sizes(), (std::vector<int64_t>{1, net->channels(3), h / 8, w / 8}));
      EXPECT_EQ(f.layer4.sizes(), (std::vector<int64_t>{1, net->channels(4), h / 8, w / 8}));
    }
  }
  ResNet50 sixteenth(resnetOptions(1.0 / 16, 3));
  EXPECT_EQ(sixteenth->channels(0), 4);
  EXPECT_EQ(sixteenth->channels(4), 128);
}

TEST(ResNet50, AnyInputChannelsAndPlainStride32) {
  for (const int64_t c : {1, 4}) {
    ResNet50 net(resnetOptions(1.0 / 32, c));
    EXPECT_EQ(net->forward(torch::randn({1, c, 64, 64})).layer4.size(2), 8);
  }
  ResNet50 plain(resnetOptions(1.0 / 32, 3, /*dilated=*/false));
  const auto f = plain->forward(torch::randn({1, 3, 64, 64}));
  EXPECT_EQ(f.layer3.size(2), 4);
  EXPECT_EQ(f.layer4.size(2), 2);
}

TEST(RecNet, OutputShapesForEveryVariant) {
  for (const auto variant : {RecNetVariant::Full, RecNetVariant::BackboneForeground, RecNetVariant::BackboneTwoBranches,
                             RecNetVariant::ForegroundRam, RecNetVariant::BackgroundRam}) {
    // Widths 1/16 and 1/32 and sizes 32 and 48 alternate over the variants (four shapes in all).
    const bool odd = variant == RecNetVariant::BackboneForeground || variant == RecNetVariant::ForegroundRam;
    {
      RecNet net(recnetOptions(odd ? 1.0 / 32 : 1.0 / 16, variant));
      for (const int64_t size : {odd ? int64_t{32} : int64_t{48}}) {
        torch::NoGradGuard no_grad;
        const auto p = net->forward({torch::randn({2, 3, size, size}), {}});
        const std::vector<int64_t> full{2, 1, size, size};
        EXPECT_EQ(p.final.sizes(), full);
        EXPECT_EQ(p.foreground.sizes(), full);
        if (variant == RecNetVariant::BackboneForeground) {
          EXPECT_FALSE(p.background.defined());
          EXPECT_FALSE(p.final_is_probability);
        } else {
          EXPECT_EQ(p.background.sizes(), full);
          EXPECT_TRUE(p.final_is_probability);
          // Sal = relu(sigmoid(F) - sigmoid(B)), in [0, 1].
          const auto expected = torch::relu(torch::sigmoid(p.foreground) - torch::sigmoid(p.background));
          EXPECT_TRUE(torch::allclose(p.final, expected));
          EXPECT_GE(p.final.min().item<float>(), 0.0f);
          EXPECT_LE(p.final.max().item<float>(), 1.0f);
        }
      }
      EXPECT_EQ(static_cast<bool>(net->attention),
                variant != RecNetVariant::BackboneForeground && variant != RecNetVariant::BackboneTwoBranches);
    }
  }
}

TEST(RecNet, EarlyFusedDepthWidensConv1) {
  RecNetOptions o = recnetOptions(1.0 / 32, RecNetVariant::Full);
  o.depth_input = RecNetDepthInput::EarlyFusion;
  RecNet net(o);
  EXPECT_EQ(net->backbone->named_parameters()["conv1.weight"].size(1), 4);
  torch::NoGradGuard no_grad;
  const auto p = net->forward({torch::randn({1, 3, 48, 48}), torch::rand({1, 1, 24, 24})});
  EXPECT_EQ(p.final.sizes(), (std::vector<int64_t>{1, 1, 48, 48}));
  EXPECT_THROW(net->forward({torch::randn({1, 3, 48, 48}), {}}), c10::Error);
}

TEST(ReciprocalAttention, IsTheIdentityAtInitialisation) {
  ReciprocalAttentionOptions ao;
  ao.channels = 16;
  ao.qk_channels = 4;
  ReciprocalAttention att(ao);
  const auto f = torch::randn({2, 16, 5, 6});
  const auto b = torch::randn({2, 16, 5, 6});
  const auto [fp, bp] = att->forward(f, b);
  EXPECT_TRUE(torch::equal(fp, f));
  EXPECT_TRUE(torch::equal(bp, b));
  // X is a softmax over positions i: each column j sums to one.
  const auto x = att->attention(f, b);
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{2, 30, 30}));
  EXPECT_TRUE(torch::allclose(x.sum(1), torch::ones({2, 30}), 1e-5, 1e-5));
}

TEST(ReciprocalAttention, MatchesTheFormulaByHand) {
  // Identity 1x1 convs make F1 = F2 = F and B1 = B2 = B, so X[i,j] = softmax_i(b_i . f_j).
  ReciprocalAttentionOptions ao;
  ao.channels = 2;
  ao.qk_channels = 2;
  ReciprocalAttention att(ao);
  {
    torch::NoGradGuard no_grad;
    for (auto& item : att->named_parameters()) {
      const auto& key = item.key();
      if (key.find("weight") != std::string::npos) item.value().copy_(torch::eye(2).view({2, 2, 1, 1}));
      if (key.find("bias") != std::string::npos) item.value().zero_();
    }
    att->alpha.fill_(0.5);
    att->beta.fill_(2.0);
  }
  const auto f = torch::tensor({1.0f, -1.0f, 0.5f, 2.0f, 0.0f, 1.0f}).view({1, 2, 1, 3});
  const auto b = torch::tensor({0.3f, 1.0f, -2.0f, 1.0f, 0.2f, 0.5f}).view({1, 2, 1, 3});
  const auto fa = f.accessor<float, 4>();
  const auto ba = b.accessor<float, 4>();
  double x[3][3];
  for (int j = 0; j < 3; ++j) {
    double z = 0.0;
    for (int i = 0; i < 3; ++i) z += std::exp(ba[0][0][0][i] * fa[0][0][0][j] + ba[0][1][0][i] * fa[0][1][0][j]);
    for (int i = 0; i < 3; ++i)
      x[i][j] = std::exp(ba[0][0][0][i] * fa[0][0][0][j] + ba[0][1][0][i] * fa[0][1][0][j]) / z;
  }
  const auto [fp, bp] = att->forward(f, b);
  for (int c = 0; c < 2; ++c) {
    for (int j = 0; j < 3; ++j) {
      double fx = 0.0, bx = 0.0;
      for (int i = 0; i < 3; ++i) {
        fx += fa[0][c][0][i] * x[i][j];
        bx += ba[0][c][0][i] * x[i][j];
      }
      EXPECT_NEAR(bp[0][c][0][j].item<double>(), 0.5 * fx + ba[0][c][0][j], 1e-5);  // B+ = a F1 X + B
      EXPECT_NEAR(fp[0][c][0][j].item<double>(), 2.0 * bx + fa[0][c][0][j], 1e-5);  // F+ = b B1 X + F
    }
  }
}

TEST(RecNet, GradientsReachEveryParameter) {
  // Seeded and at 1/8 width: at 1/16 a head has 8 channels, and an unlucky draw can leave all of
  // them dead behind their ReLU for the batch, which zeroes their gradients legitimately.
  torch::manual_seed(11);
  RecNet net(recnetOptions(1.0 / 8, RecNetVariant::Full));
  {
    torch::NoGradGuard no_grad;  // alpha = beta = 0 would zero the projections' gradients
    net->attention->alpha.fill_(0.5);
    net->attention->beta.fill_(0.5);
  }
  const auto mask = (torch::rand({2, 1, 32, 32}) > 0.5).to(torch::kFloat);
  const auto p = net->forward({torch::randn({2, 3, 32, 32}), {}});
  recnetLoss(p, mask).total.backward();
  for (const auto& item : net->named_parameters()) {
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    EXPECT_TRUE(torch::isfinite(item.value().grad()).all().item<bool>()) << item.key();
    EXPECT_GT(item.value().grad().abs().sum().item<double>(), 0.0) << item.key();
  }
}

TEST(RecNet, OneStepLowersTheLossOnAFixedBatch) {
  torch::manual_seed(3);
  RecNet net(recnetOptions(1.0 / 32, RecNetVariant::Full));
  const auto rgb = torch::randn({2, 3, 32, 32});
  const auto mask = (torch::rand({2, 1, 32, 32}) > 0.5).to(torch::kFloat);
  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(1e-3));
  const auto before = recnetLoss(net->forward({rgb, {}}), mask).total;
  before.backward();
  opt.step();
  const auto after = recnetLoss(net->forward({rgb, {}}), mask).total;
  EXPECT_LT(after.item<double>(), before.item<double>());
}

TEST(RecNet, SaveLoadRoundTripGivesIdenticalOutputs) {
  rgbdsod::test::TempDir dir("recnet");
  const auto file = (dir / "recnet.pt").string();
  RecNet a(recnetOptions(1.0 / 32, RecNetVariant::Full));
  {
    torch::NoGradGuard no_grad;
    a->attention->alpha.fill_(0.3);
  }
  a->eval();
  torch::save(a, file);
  RecNet b(recnetOptions(1.0 / 32, RecNetVariant::Full));
  torch::load(b, file);
  b->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({1, 3, 40, 40});
  const auto pa = a->forward({x, {}});
  const auto pb = b->forward({x, {}});
  EXPECT_TRUE(torch::equal(pa.final, pb.final));
  EXPECT_TRUE(torch::equal(pa.background, pb.background));
}
