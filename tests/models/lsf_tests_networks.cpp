// Learn-Select-Fuse, supervision transfer and the VGG-16 trunk: shapes, module names, BPDC formula,
// and which parameters receive gradients. Tiny widths and inputs keep the binary fast on 2 cores.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/nn/modules/conv.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "lsf_test_util.h"
#include "rgbdsod/models/losses_lsf.h"
#include "rgbdsod/models/lsf_fusion.h"
#include "rgbdsod/models/lsf_stream.h"
#include "rgbdsod/models/supervision_transfer.h"
#include "rgbdsod/models/vgg16.h"

using namespace rgbdsod::models;
using rgbdsod::models::testing::expectGradients;
using rgbdsod::models::testing::streamOptions;

TEST(LsfVgg16, LevelShapesAtSeveralSizesAndWidths) {
  rgbdsod::models::testing::initThreads();
  for (const double width : {1.0 / 32, 1.0 / 16}) {
    for (const int64_t in_channels : {1, 3}) {
      Vgg16 net(Vgg16Options{{width, in_channels}});
      for (const int64_t size : {32, 64, 96}) {
        torch::NoGradGuard no_grad;
        const auto levels = net->forward(torch::rand({2, in_channels, size, size}));
        ASSERT_EQ(levels.size(), 6U);
        const std::vector<int64_t> full = {64, 128, 256, 512, 512, 512};
        for (size_t i = 0; i < 6; ++i) {
          const int64_t stride = int64_t{1} << i;
          EXPECT_EQ(levels[i].sizes(),
                    torch::IntArrayRef({2, scaledChannels(full[i], width), size / stride, size / stride}))
              << "level " << i + 1 << " width " << width << " size " << size;
        }
      }
    }
  }
}

TEST(LsfVgg16, TorchvisionModuleNamesAndTaps) {
  Vgg16 net(Vgg16Options{{1.0 / 32, 3}});
  const auto params = net->named_parameters();
  for (const int i : {0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28}) {
    EXPECT_NE(params.find("features." + std::to_string(i) + ".weight"), nullptr) << i;
    EXPECT_NE(params.find("features." + std::to_string(i) + ".bias"), nullptr) << i;
  }
  EXPECT_NE(params.find("conv6.weight"), nullptr);
  EXPECT_EQ(params.size(), 28U);  // 13 convs + conv6, weight and bias each
  EXPECT_EQ(params["conv6.weight"].size(2), 13);  // "a new 512 13x13 convolutional layer"

  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::rand({1, 3, 64, 64});
  const auto levels = net->forward(x);
  // Running up to a tap and on from it reproduces the plain forward pass.
  for (const VggTap tap : {VggTap::Conv3, VggTap::Conv4, VggTap::Pool5}) {
    const torch::Tensor t = net->forwardTo(x, tap);
    EXPECT_EQ(t.size(1), net->tapChannels(tap));
    const auto upper = net->forwardFrom(t, tap);
    const size_t first = static_cast<size_t>(vggTapLevel(tap) - 1);
    ASSERT_EQ(upper.size(), 6 - first);
    for (size_t j = 0; j < upper.size(); ++j) EXPECT_TRUE(torch::allclose(upper[j], levels[first + j]));
  }
  EXPECT_EQ(net->forwardTo(x, VggTap::Pool5).size(2), 2);  // 64 / 32
  EXPECT_THROW(net->forward(torch::rand({1, 3, 16, 16})), std::invalid_argument);
}

TEST(LsfBpdc, CombinesAsTheFormulaOnConstructedInputs) {
  Bpdc bpdc(3);  // levels 2 (finest, 4x4), 3 (2x2), 4 (1x1, the coarsest: P~_4 = P_4)
  {
    torch::NoGradGuard no_grad;
    bpdc->named_parameters()["level2"].copy_(torch::tensor({2.0F, 3.0F, 5.0F}));
    bpdc->named_parameters()["level3"].copy_(torch::tensor({7.0F, 11.0F}));
  }
  const torch::Tensor p0 = torch::full({1, 1, 4, 4}, 1.0F);
  const torch::Tensor p1 = torch::full({1, 1, 2, 2}, 0.5F);
  const torch::Tensor p2 = torch::full({1, 1, 1, 1}, -1.0F);
  const auto c = bpdc->forward({p0, p1, p2});
  const float c2 = -1.0F;                                // P~_4 = P_4
  const float c1 = 7.0F * 0.5F + 11.0F * c2;             // P~_3 = w_3 P_3 + w~_{4,3} up(P~_4)
  const float c0 = 2.0F * 1.0F + 3.0F * c1 + 5.0F * c2;  // P~_2 = w_2 P_2 + w~_{3,2} P~_3 + w~_{4,2} P~_4
  EXPECT_TRUE(torch::allclose(c[2], torch::full({1, 1, 1, 1}, c2)));
  EXPECT_TRUE(torch::allclose(c[1], torch::full({1, 1, 2, 2}, c1)));
  EXPECT_TRUE(torch::allclose(c[0], torch::full({1, 1, 4, 4}, c0)));
  // Only the coarser levels: same weights, same result.
  const auto upper = bpdc->forward({p1, p2}, 1);
  EXPECT_TRUE(torch::allclose(upper[0], c[1]));
  EXPECT_THROW(bpdc->forward({p0, p1}), std::invalid_argument);

  // Default initialisation is a convex combination: equal inputs stay equal.
  Bpdc fresh(5);
  EXPECT_EQ(fresh->named_parameters().size(), 4U);  // levels 2..5; level 6 has none
  std::vector<torch::Tensor> sides;
  for (int64_t s = 32; s >= 2; s /= 2) sides.push_back(torch::full({1, 1, s, s}, 0.25F));
  for (const auto& out : fresh->forward(sides)) EXPECT_TRUE(torch::allclose(out, torch::full_like(out, 0.25F)));
}

TEST(LsfStream, PredictionShapesAndGradientsReachEveryParameter) {
  LsfStream net(streamOptions(1.0 / 32, 3));
  const torch::Tensor x = torch::rand({2, 3, 64, 96});
  Prediction p = net->forward(x);
  ASSERT_EQ(p.sides.size(), 5U);  // levels 2..6
  ASSERT_EQ(p.sides_combined.size(), 5U);
  EXPECT_EQ(p.final.sizes(), torch::IntArrayRef({2, 1, 64, 96}));
  EXPECT_EQ(p.sides_fused.sizes(), torch::IntArrayRef({2, 1, 64, 96}));
  for (size_t j = 0; j < 5; ++j) {
    const int64_t stride = int64_t{2} << j;  // strides 2..32
    EXPECT_EQ(p.sides[j].sizes(), torch::IntArrayRef({2, 1, 64 / stride, 96 / stride}));
    EXPECT_EQ(p.sides_combined[j].sizes(), p.sides[j].sizes());
    EXPECT_EQ(p.features.count("level" + std::to_string(j + 2)), 1U);
  }
  const torch::Tensor mask = (torch::rand({2, 1, 64, 96}) > 0.5).to(torch::kFloat);
  lsfTeacherLoss(p, mask).backward();
  expectGradients(*net, "");
}

TEST(LsfDistillation, StudentLearnsTeacherStaysFrozen) {
  LsfDistillation distill(LsfStream(streamOptions(1.0 / 32, 3)), LsfStream(streamOptions(1.0 / 32, 1)));
  distill->train();
  EXPECT_FALSE(distill->teacher->is_training());
  EXPECT_TRUE(distill->student->is_training());
  NetworkInput in{torch::rand({2, 3, 64, 64}), torch::rand({2, 1, 64, 64})};
  auto out = distill->forward(in);
  EXPECT_EQ(out.student.final.sizes(), torch::IntArrayRef({2, 1, 64, 64}));
  hcdLoss(out.student, out.teacher).backward();
  // Every student parameter that Eq. 3 reaches gets a gradient (trunk, heads, BPDC); no teacher
  // parameter does. The fused weights are not in Eq. 3.
  expectGradients(*distill, "student.backbone.", "teacher.");
  expectGradients(*distill, "student.heads.");
  expectGradients(*distill, "student.bpdc.");
  EXPECT_FALSE(distill->student->side_fusion->weights.grad().defined());
}

TEST(LsfFusion, ShapesBranchesAndAblationsAtSeveralSizes) {
  struct Case {
    CaFuseMode mode;
    bool branches;
    bool cross_level;
  };
  for (const Case c : {Case{CaFuseMode::Select, true, true}, Case{CaFuseMode::Concat, true, true},
                       Case{CaFuseMode::Select, false, true}, Case{CaFuseMode::Select, true, false}}) {
    LsfFusionOptions options;
    options.rgb = streamOptions(1.0 / 32, 3).backbone;
    options.depth = streamOptions(1.0 / 32, 1).backbone;
    options.mode = c.mode;
    options.branch_supervision = c.branches;
    options.cross_level = c.cross_level;
    LsfFusionNet net(options);
    const auto params = net->named_parameters();
    EXPECT_EQ(params.find("blocks.level2.select_depth_to_rgb.weight") != nullptr, c.mode == CaFuseMode::Select);
    EXPECT_EQ(params.find("blocks.level2.rgb_head.weight") != nullptr, c.branches);
    // Table 1: levels 3..6 pass their representation down; level 2 has no level below.
    EXPECT_EQ(params.find("blocks.level6.transition.0.weight") != nullptr, c.cross_level);
    EXPECT_EQ(params.find("blocks.level3.transition.0.weight") != nullptr, c.cross_level);
    EXPECT_EQ(params.find("blocks.level2.transition.0.weight"), nullptr);
    EXPECT_NE(params.find("blocks.level4.adapt_rgb.2.weight"), nullptr);
    EXPECT_EQ(params.find("blocks.level6.adapt_rgb.0.weight"), nullptr);  // level 6: no adaptation

    for (const int64_t size : {32, 64}) {
      NetworkInput in{torch::rand({1, 3, size, size + 32}), torch::rand({1, 1, size, size + 32})};
      Prediction p = net->forward(in);
      ASSERT_EQ(p.sides.size(), 5U);
      ASSERT_EQ(p.sides_combined.size(), 5U);
      EXPECT_EQ(p.final.sizes(), torch::IntArrayRef({1, 1, size, size + 32}));
      EXPECT_EQ(p.sides_fused.sizes(), p.final.sizes());
      for (size_t j = 0; j < 5; ++j) {
        const int64_t stride = int64_t{2} << j;  // levels 2..6: strides 2..32
        EXPECT_EQ(p.sides[j].sizes(), torch::IntArrayRef({1, 1, size / stride, (size + 32) / stride}));
      }
      EXPECT_EQ(p.branches.size(), c.branches ? 10U : 0U);
      if (c.branches) {
        EXPECT_EQ(p.branches.at("rgb/level2").sizes(), p.sides[0].sizes());
        EXPECT_EQ(p.branches.at("depth/level6").sizes(), p.sides[4].sizes());
      }
      if (size == 64) {
        const torch::Tensor mask = (torch::rand({1, 1, size, size + 32}) > 0.5).to(torch::kFloat);
        lsfJointLoss(p, mask).backward();
        expectGradients(*net, "");
      }
    }
  }
}

TEST(LsfFusion, LoadStreamsCopiesTheTrainedTrunks) {
  LsfStream teacher(streamOptions(1.0 / 32, 3));
  LsfStream student(streamOptions(1.0 / 32, 1));
  LsfFusionOptions options;
  options.rgb = teacher->options().backbone;
  options.depth = student->options().backbone;
  LsfFusionNet net(options);
  net->loadStreams(teacher, student);
  EXPECT_TRUE(torch::equal(net->rgb->named_parameters()["features.0.weight"],
                           teacher->backbone->named_parameters()["features.0.weight"]));
  EXPECT_TRUE(torch::equal(net->depth->named_parameters()["conv6.weight"],
                           student->backbone->named_parameters()["conv6.weight"]));
  // ... and each level's adaptation layers: F^m_R, F^m_D are the streams' adapted features.
  EXPECT_TRUE(torch::equal(net->block(4).adapt_rgb->named_parameters()["2.weight"],
                           teacher->head(4).adaptation->named_parameters()["2.weight"]));
  EXPECT_TRUE(torch::equal(net->block(5).adapt_depth->named_parameters()["0.bias"],
                           student->head(5).adaptation->named_parameters()["0.bias"]));
  LsfStream wrong(streamOptions(1.0 / 16, 3));
  EXPECT_THROW(net->loadStreams(wrong, student), std::invalid_argument);
}

TEST(LsfSupervisionTransfer, AdaptationMatchesTapAndFrankenRunsOnDepth) {
  for (const VggTap tap : {VggTap::Conv3, VggTap::Conv4, VggTap::Pool5}) {
    SupervisionTransferOptions options;
    options.tap = tap;
    options.depth = {1.0 / 32, 1};
    SupervisionTransfer st(LsfStream(streamOptions(1.0 / 32, 3)), options);
    st->train();
    EXPECT_FALSE(st->rgb->is_training());
    NetworkInput in{torch::rand({2, 3, 64, 64}), torch::rand({2, 1, 64, 64})};
    auto out = st->forward(in);
    EXPECT_EQ(out.adapted.sizes(), out.target.sizes()) << vggTapName(tap);
    EXPECT_FALSE(out.target.requires_grad());
    EXPECT_GE(out.adapted.min().item<float>(), 0.0F);  // ReLU adaptation
    transferL2Loss(out.adapted, out.target, TransferReduction::Mean).backward();
    // The depth trunk above the tap gets no gradient from this loss (it is not used).
    expectGradients(*st, "adaptation.", "rgb.");
    for (const auto& item : st->depth->named_parameters()) {
      const bool used = item.key() == "conv6.weight" || item.key() == "conv6.bias"
                            ? false
                            : std::stoi(item.key().substr(9)) < (tap == VggTap::Conv3   ? 16
                                                                 : tap == VggTap::Conv4 ? 23
                                                                                        : 31);
      EXPECT_EQ(item.value().grad().defined(), used) << item.key() << " tap " << vggTapName(tap);
    }

    torch::NoGradGuard no_grad;
    st->eval();
    const Prediction p = st->franken(torch::rand({1, 1, 64, 96}));
    const size_t expected_levels = 7 - static_cast<size_t>(vggTapLevel(tap));
    EXPECT_EQ(p.sides.size(), expected_levels);
    EXPECT_EQ(p.sides_combined.size(), expected_levels);
    EXPECT_EQ(p.final.sizes(), torch::IntArrayRef({1, 1, 64, 96}));
    EXPECT_TRUE(torch::isfinite(p.final).all().item<bool>());
    EXPECT_EQ(p.features.count(vggTapName(tap)), 1U);
  }
}
