#include <gtest/gtest.h>

#include "rgbdsod/training/config.h"
#include "test_support.h"

using namespace rgbdsod;
using training::ConfigError;
using training::resolveConfig;

namespace {

// The ConfigError thrown by f, or fails the test.
template <class F>
std::pair<std::string, std::string> configError(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return {e.key(), e.what()};
  }
  ADD_FAILURE() << "no ConfigError";
  return {};
}

}  // namespace

TEST(TrainConfig, DefaultsAreValidForEveryStage) {
  for (const auto& stage : training::stageNames()) {
    const auto c = resolveConfig(stage, {}, {});
    EXPECT_EQ(c.stage, stage);
    EXPECT_EQ(c.data.size, 128);
    EXPECT_GT(c.optim.lr, 0.0);
  }
}

TEST(TrainConfig, OverridesSetTypedValues) {
  const auto c = resolveConfig("teacher", {}, {"optim.name=adam", "optim.lr=1e-4", "data.depth=hha", "data.size=64",
                                               "data.augment.hflip=false", "model.width=1"});
  EXPECT_EQ(c.optim.kind, training::OptimizerKind::Adam);
  EXPECT_DOUBLE_EQ(c.optim.lr, 1e-4);
  EXPECT_EQ(c.data.depth, core::DepthModality::Hha);
  EXPECT_EQ(c.data.size, 64);
  EXPECT_FALSE(c.data.augment.hflip);
  EXPECT_DOUBLE_EQ(training::configNumber(c, "model.width", 0, 1), 1.0);
  EXPECT_EQ(c.origins.at("optim.lr"), "--set optim.lr=1e-4");
}

TEST(TrainConfig, UnknownKeysAreRejectedWithTheirNameAndFile) {
  test::TempDir dir;
  const auto file = dir / "cfg.json";
  test::writeBytes(file, R"({"data": {"sise": 64}})");
  auto [key, what] = configError([&] { resolveConfig("teacher", file, {}); });
  EXPECT_EQ(key, "data.sise");
  EXPECT_NE(what.find(file.string()), std::string::npos) << what;
  EXPECT_NE(what.find("unknown key"), std::string::npos) << what;

  std::tie(key, what) = configError([&] { resolveConfig("teacher", {}, {"optim.lrr=0.1"}); });
  EXPECT_EQ(key, "optim.lrr");
  // A key of another stage is unknown here.
  std::tie(key, what) = configError([&] { resolveConfig("teacher", {}, {"loss.cooperative_weight=2"}); });
  EXPECT_EQ(key, "loss.cooperative_weight");
}

TEST(TrainConfig, BadValuesAreRejectedWithTheirName) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"data.size=33", "data.size"},          {"data.size=\"big\"", "data.size"},
      {"data.batch_size=2.5", "data.batch_size"}, {"optim.name=rmsprop", "optim.name"},
      {"run.steps=-5", "run.steps"},          {"optim.lr=0", "optim.lr"},
      {"data.depth=colour", "data.depth"},    {"data.polarity=up", "data.polarity"},
      {"model.width=2", "model.width"},       {"data.augment.hflip=3", "data.augment.hflip"},
      {"data=3", "data"},                    {"noequals", "noequals"},
  };
  for (const auto& [set, want] : cases) {
    auto [key, what] = configError([&] {
      const auto c = resolveConfig("teacher", {}, {set});
      // Stage keys are range-checked when the stage reads them.
      training::configNumber(c, "model.width", 1.0 / 64, 1.0);
    });
    EXPECT_EQ(key, want) << set << ": " << what;
  }
}

TEST(TrainConfig, FileValuesAreCheckedWithTheFileNamed) {
  test::TempDir dir;
  const auto file = dir / "cfg.json";
  test::writeBytes(file, R"({"optim": {"momentum": 1.5}})");
  auto [key, what] = configError([&] { resolveConfig("recnet", file, {}); });
  EXPECT_EQ(key, "optim.momentum");
  EXPECT_NE(what.find(file.string()), std::string::npos) << what;
  test::writeBytes(file, R"({"stage": "recnet"})");
  std::tie(key, what) = configError([&] { resolveConfig("teacher", file, {}); });
  EXPECT_EQ(key, "stage");
}

TEST(TrainConfig, UnknownStageIsRejected) {
  auto [key, what] = configError([&] { resolveConfig("teach", {}, {}); });
  EXPECT_EQ(key, "stage");
  EXPECT_NE(what.find("teacher"), std::string::npos) << what;
}

TEST(TrainConfig, ResolvedJsonRoundTrips) {
  const auto a = resolveConfig("recnet", {}, {"optim.lr=0.002", "model.variant=one-way"});
  const auto b = training::configFromResolved(a.resolved, "config.json");
  EXPECT_EQ(a.resolved, b.resolved);
  EXPECT_DOUBLE_EQ(b.optim.lr, 0.002);
  auto broken = a.resolved;
  broken["run"]["stepz"] = 3;
  auto [key, what] = configError([&] { training::configFromResolved(broken, "run/config.json"); });
  EXPECT_EQ(key, "run.stepz");
  EXPECT_NE(what.find("run/config.json"), std::string::npos);
}
