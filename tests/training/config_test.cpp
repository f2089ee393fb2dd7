#include <algorithm>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/training/config.h"
#include "rgbdsod/training/config_schema.h"
#include "rgbdsod/training/stage.h"
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

TEST(TrainConfig, CasDefaultsAreThePapers) {
  // CAS paper, Sec. 6: "alpha was set to 0.1 ... The learning rate was 1e-3 with Adam"; Eq. 1's own
  // uniformer; no weight decay or schedule is named, so none.
  const auto c = resolveConfig("cas", {}, {});
  EXPECT_EQ(c.optim.kind, training::OptimizerKind::Adam);
  EXPECT_DOUBLE_EQ(c.optim.lr, 1e-3);
  EXPECT_DOUBLE_EQ(c.optim.weight_decay, 0.0);
  EXPECT_DOUBLE_EQ(c.optim.poly_power, 0.0);
  EXPECT_DOUBLE_EQ(training::configNumber(c, "loss.alpha", 0, 1), 0.1);
  EXPECT_EQ(training::configString(c, "loss.uniformer"), "paper");
  EXPECT_EQ(training::configString(c, "loss.name"), "cas");
  EXPECT_GT(c.val.every, 0);  // the saliency channel is chosen on the validation split
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

TEST(TrainConfig, ADeeplyNestedConfigFileIsRefusedBeforeParsing) {
  // Issue 15: a config from anywhere must not exhaust the stack or memory; the limit is named.
  test::TempDir dir;
  const auto file = dir / "deep.json";
  test::writeBytes(file, "{\"data\": " + std::string(10000, '[') + std::string(10000, ']') + "}");
  try {
    resolveConfig("teacher", file, {});
    FAIL() << "a config nested 10000 deep was accepted";
  } catch (const core::FileError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    EXPECT_NE(what.find("nested deeper than the limit"), std::string::npos) << what;
  }
}

TEST(TrainConfig, BadValuesAreRejectedWithTheirName) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"data.size=33", "data.size"},          {"data.size=\"big\"", "data.size"},
      {"data.batch_size=2.5", "data.batch_size"}, {"optim.name=rmsprop", "optim.name"},
      {"run.steps=-5", "run.steps"},          {"optim.lr=0", "optim.lr"},
      {"data.depth=colour", "data.depth"},    {"data.polarity=up", "data.polarity"},
      {"model.width=2", "model.width"},       {"data.augment.hflip=3", "data.augment.hflip"},
      {"data=3", "data"},                    {"noequals", "noequals"},
      // A number too large for a double made the JSON parser throw out_of_range, not parse_error,
      // and the CLI died (found by fuzz_label_sidecar in another reader).
      {"optim.lr=7e772555", "optim.lr"},
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
  const auto a = resolveConfig("recnet", {}, {"optim.lr=0.002", "model.variant=foreground-ram"});
  const auto b = training::configFromResolved(a.resolved, "config.json");
  EXPECT_EQ(a.resolved, b.resolved);
  EXPECT_DOUBLE_EQ(b.optim.lr, 0.002);
  auto broken = a.resolved;
  broken["run"]["stepz"] = 3;
  auto [key, what] = configError([&] { training::configFromResolved(broken, "run/config.json"); });
  EXPECT_EQ(key, "run.stepz");
  EXPECT_NE(what.find("run/config.json"), std::string::npos);
}

TEST(TrainConfig, RecNetOffersTable2SettingsByTheirNames) {
  const auto d = resolveConfig("recnet", {}, {});
  EXPECT_EQ(training::configString(d, "model.variant"), "recnet");  // the full model
  EXPECT_EQ(training::configString(d, "model.attention_index"), "danet");
  EXPECT_TRUE(training::configBool(d, "loss.cooperative"));
  EXPECT_EQ(training::configString(d, "loss.kl_direction"), "target-first");
  EXPECT_DOUBLE_EQ(training::configNumber(d, "loss.overlap_epsilon", 0.0, 1.0), 1e-6);
  torch::manual_seed(1);
  for (const std::string v : {"recnet", "backbone+foreground", "backbone+two-branches", "background-ram",
                              "foreground-ram"}) {
    // "RecNet w/o cooperative loss" is loss.cooperative=false with any of them.
    const auto c = resolveConfig("recnet", {}, {"model.variant=" + v, "model.width=0.03125", "loss.cooperative=false"});
    const auto stage = training::makeStage(c);
    torch::NoGradGuard no_grad;
    EXPECT_EQ(stage->predict({torch::randn({1, 3, 32, 32}), {}}).final.size(3), 32) << v;
  }
  auto [key, what] = configError([&] { training::makeStage(resolveConfig("recnet", {}, {"model.variant=full"})); });
  EXPECT_EQ(key, "model.variant");
  EXPECT_NE(what.find("background-ram"), std::string::npos) << what;
}

// Issue 13 items 5 and 6: the contrastive stages and the transfer stage default to the papers.
TEST(TrainConfig, ContrastiveAndTransferDefaultsFollowThePapers) {
  using training::configNumber;
  using training::configString;
  for (const std::string stage : {"contrast-intra", "contrast-inter", "contrast"}) {
    const auto c = resolveConfig(stage, {}, {});
    // "tau_intra is set to 0.1"; "0.1 for alignment, and 0.04 for ours"; Eq. 8 "0.5 equally".
    EXPECT_DOUBLE_EQ(configNumber(c, "loss.tau_intra", 0.0, 1.0), 0.1) << stage;
    EXPECT_DOUBLE_EQ(configNumber(c, "loss.tau_inter", 0.0, 1.0), 0.04) << stage;
    EXPECT_DOUBLE_EQ(configNumber(c, "loss.tau_alignment", 0.0, 1.0), 0.1) << stage;
    EXPECT_DOUBLE_EQ(configNumber(c, "loss.lambda_intra", 0.0, 1.0), 0.5) << stage;
    EXPECT_DOUBLE_EQ(configNumber(c, "loss.lambda_inter", 0.0, 1.0), stage == "contrast-intra" ? 0.0 : 0.5) << stage;
    EXPECT_DOUBLE_EQ(configNumber(c, "model.queue_size", 1, 1 << 20), 16384) << stage;
    EXPECT_DOUBLE_EQ(configNumber(c, "model.mask_ratio", 0.0, 1.0), 0.5) << stage;
    EXPECT_EQ(c.optim.kind, training::OptimizerKind::Sgd) << stage;
    EXPECT_DOUBLE_EQ(c.optim.momentum, 0.9) << stage;
    EXPECT_DOUBLE_EQ(c.optim.weight_decay, 2e-4) << stage;
    EXPECT_DOUBLE_EQ(c.data.augment.jitter, 0.0) << stage;  // crop, grayscale, flip only
    EXPECT_GT(c.data.augment.grayscale_p, 0.0) << stage;
    EXPECT_TRUE(c.data.augment.hflip) << stage;
    EXPECT_FALSE(c.model.contains("temperature")) << stage;  // one key per term now
  }
  // Two-stage: 0.03 then 0.05; one-stage 0.07.
  EXPECT_DOUBLE_EQ(resolveConfig("contrast-intra", {}, {}).optim.lr, 0.03);
  EXPECT_DOUBLE_EQ(resolveConfig("contrast-inter", {}, {}).optim.lr, 0.05);
  EXPECT_DOUBLE_EQ(resolveConfig("contrast", {}, {}).optim.lr, 0.07);

  const auto t = resolveConfig("transfer", {}, {});
  EXPECT_EQ(configString(t, "model.tap"), "pool5");
  EXPECT_EQ(configString(t, "model.depth_init"), "random");  // "from random initialization"
  EXPECT_EQ(configString(t, "loss.reduction"), "mean");     // ||x - y||_2^2 / (C*H*W): a scale
  auto [key, what] = configError([&] { resolveConfig("contrast", {}, {"model.temperature=0.07"}); });
  EXPECT_EQ(key, "model.temperature");
}

// The schema covers every key of every stage (a key without a row throws std::logic_error), and its
// defaults satisfy its own ranges and choices.
TEST(ConfigSchema, EveryKeyOfEveryStageHasASpecThatItsDefaultMeets) {
  for (const auto& stage : training::stageNames()) {
    std::vector<training::KeySpec> schema;
    ASSERT_NO_THROW(schema = training::configSchema(stage)) << stage;
    std::size_t leaves = 0;
    const std::function<void(const nlohmann::json&)> count = [&](const nlohmann::json& j) {
      for (const auto& [k, v] : j.items()) v.is_object() ? count(v) : void(++leaves);
    };
    count(training::stageDefaults(stage));
    EXPECT_EQ(schema.size(), leaves) << stage;
    for (const auto& s : schema) {
      const std::string where = stage + ": " + s.key;
      EXPECT_FALSE(s.help.empty()) << where;
      EXPECT_EQ(training::findKeySpec(schema, s.key), &s) << where;
      EXPECT_EQ(*training::findKey(training::stageDefaults(stage), s.key), s.value) << where;
      switch (s.kind) {
        case training::KeyKind::Integer:
          EXPECT_TRUE(s.value.is_number_integer()) << where;
          [[fallthrough]];
        case training::KeyKind::Number:
          ASSERT_TRUE(s.value.is_number()) << where;
          EXPECT_LE(s.min, s.max) << where;
          EXPECT_GE(s.value.get<double>(), s.min) << where;
          EXPECT_LE(s.value.get<double>(), s.max) << where;
          if (s.multiple_of > 0) {
            EXPECT_EQ(s.value.get<std::int64_t>() % s.multiple_of, 0) << where;
          }
          break;
        case training::KeyKind::Choice:
          ASSERT_TRUE(s.value.is_string()) << where;
          EXPECT_NE(std::find(s.choices.begin(), s.choices.end(), s.value.get<std::string>()), s.choices.end())
              << where;
          break;
        case training::KeyKind::RunLink:
          EXPECT_FALSE(s.link_stages.empty()) << where;
          [[fallthrough]];
        case training::KeyKind::Path:
        case training::KeyKind::String:
          EXPECT_TRUE(s.value.is_string()) << where;
          break;
        case training::KeyKind::Bool:
          EXPECT_TRUE(s.value.is_boolean()) << where;
          break;
      }
    }
  }
  EXPECT_THROW(training::configSchema("teach"), ConfigError);
}

TEST(ConfigSchema, KnowsTheEarlierRunsAStageNames) {
  const auto link = [](const std::string& stage, const std::string& key) {
    const auto schema = training::configSchema(stage);
    const training::KeySpec* s = training::findKeySpec(schema, key);
    EXPECT_NE(s, nullptr) << stage << " " << key;
    return s ? *s : training::KeySpec{};
  };
  EXPECT_EQ(link("distill", "model.teacher").link_stages, std::vector<std::string>{"teacher"});
  EXPECT_EQ(link("fuse", "model.student").link_stages, std::vector<std::string>{"distill"});
  EXPECT_EQ(link("fuse", "model.init").kind, training::KeyKind::Choice);
  EXPECT_EQ(link("contrast-inter", "model.init").kind, training::KeyKind::RunLink);
  EXPECT_EQ(link("contrast-inter", "model.init").link_stages.front(), "contrast-intra");
  EXPECT_EQ(link("downstream", "model.pretrained").link_stages.size(), 3u);
  for (const std::string stage : {"teacher", "recnet", "cas"})
    EXPECT_EQ(link(stage, "model.pretrained").kind, training::KeyKind::Path) << stage;
  const auto json = training::schemaToJson(training::configSchema("teacher"));
  ASSERT_TRUE(json.is_array());
  EXPECT_EQ(json.size(), training::configSchema("teacher").size());
}

TEST(ConfigSchema, OutOfRangeValuesAreRefusedAtResolveWithTheRange) {
  // A stage key (read by the stage only when it is built) is refused by resolveConfig already.
  auto [key, what] = configError([&] { resolveConfig("cas", {}, {"loss.alpha=1.5"}); });
  EXPECT_EQ(key, "loss.alpha");
  EXPECT_NE(what.find("--set loss.alpha=1.5: loss.alpha: must be in [0, 1], got 1.5"), std::string::npos) << what;

  test::TempDir dir;
  const auto file = dir / "cfg.json";
  test::writeBytes(file, R"({"model": {"queue_size": 0}})");
  std::tie(key, what) = configError([&] { resolveConfig("contrast", file, {}); });
  EXPECT_EQ(key, "model.queue_size");
  EXPECT_NE(what.find(file.string() + ": model.queue_size: must be in [1, 1048576], got 0"), std::string::npos)
      << what;

  std::tie(key, what) = configError([&] { resolveConfig("transfer", {}, {"model.tap=pool4"}); });
  EXPECT_EQ(key, "model.tap");
  EXPECT_NE(what.find("expected one of conv3, conv4, pool5, got 'pool4'"), std::string::npos) << what;

  std::tie(key, what) = configError([&] { resolveConfig("teacher", {}, {"data.size=80"}); });
  EXPECT_NE(what.find("must be a multiple of 32"), std::string::npos) << what;

  // A run folder's config.json is checked the same way.
  auto resolved = resolveConfig("recnet", {}, {}).resolved;
  resolved["loss"]["overlap_epsilon"] = 0.5;
  std::tie(key, what) = configError([&] { training::configFromResolved(resolved, "run/config.json"); });
  EXPECT_EQ(key, "loss.overlap_epsilon");
  EXPECT_NE(what.find("run/config.json"), std::string::npos) << what;
  // The old spellings of data.depth still parse.
  EXPECT_EQ(resolveConfig("teacher", {}, {"data.depth=raw1"}).data.depth, core::DepthModality::Raw1);
}

// Found by fuzz_train_config: a --set value that is not JSON and not UTF-8 became a string that the
// run's config.json cannot hold (nlohmann's dump throws type_error 316 when the run folder is
// written); it is refused at resolve, naming the key.
TEST(TrainConfig, SetValueThatIsNotUtf8IsRefusedNamingTheKey) {
  auto [key, what] = configError([] { resolveConfig("teacher", {}, {"model.pretrained=/w/vgg\x8d.pt"}); });
  EXPECT_EQ(key, "model.pretrained");
  EXPECT_NE(what.find("UTF-8"), std::string::npos) << what;
  // Valid UTF-8 beyond ASCII stays a plain value, and its config.json text can be written.
  const auto c = resolveConfig("teacher", {}, {"model.pretrained=/w/vgg\xc3\xa9.pt"});
  EXPECT_EQ(c.resolved["model"]["pretrained"], "/w/vgg\xc3\xa9.pt");
  EXPECT_NO_THROW((void)c.resolved.dump());
}

// Values are range-checked as doubles: INT64_MAX as a double is 2^63, so the seed's old maximum let
// --set seed=9223372036854775807 through to a double -> int64 conversion that overflows (undefined
// behaviour, shown by fuzz_train_config under UBSan), and a seed above 2^53 was silently rounded.
TEST(TrainConfig, SeedIsReadExactlyAndOneTooLargeForAnInt64IsRefused) {
  EXPECT_EQ(configError([] { resolveConfig("teacher", {}, {"seed=9223372036854775807"}); }).first, "seed");
  EXPECT_EQ(resolveConfig("teacher", {}, {"seed=9007199254740993"}).seed, 9007199254740993u);
  EXPECT_EQ(resolveConfig("teacher", {}, {"seed=9223372036854774784"}).seed, 9223372036854774784u);
}
