// ModelCore (training/model_core.h): every map of each kind of network at the sample's original
// size, the model's description, the process RNG left alone. Tiny runs (1/16 width, 32 px).
#include "model_core_test_support.h"

TEST_F(ModelCoreTest, TeacherGivesFinalRawAndCombinedSideOutputsOfLevels2To6AndTheirFusion) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  const LoadedSample s = core.loadSample(id, testSet(), sampleNames().front());
  ASSERT_EQ(s.original, kOriginal);
  const InspectResult r = core.inspectNow(id, s);
  EXPECT_EQ(r.status, InspectStatus::Done);
  EXPECT_EQ(namesOf(r), (std::vector<std::string>{"final", "side/level2", "side/level3", "side/level4", "side/level5",
                                                  "side/level6", "side_combined/level2", "side_combined/level3",
                                                  "side_combined/level4", "side_combined/level5",
                                                  "side_combined/level6", "side_fused"}));
  expectWellFormed(r, kOriginal);
  for (int level = 2; level <= 6; ++level) {
    const InspectMap* raw = r.find("side/level" + std::to_string(level));
    const InspectMap* combined = r.find("side_combined/level" + std::to_string(level));
    ASSERT_TRUE(raw && combined) << level;
    EXPECT_EQ(raw->group, "side");
    EXPECT_EQ(raw->level, level);
    EXPECT_EQ(combined->group, "side_combined");
    EXPECT_EQ(combined->level, level);
  }
  EXPECT_EQ(r.find("final")->group, "final");
  EXPECT_EQ(r.find("side_fused")->group, "side_fused");
  EXPECT_EQ(r.find("side_fused")->level, 0);
  EXPECT_EQ(r.find("side/level1"), nullptr);  // level 1 takes no part in inference
  EXPECT_EQ(r.checkpoint_step, 2);

  // Against the network itself: as many side outputs as it predicts, from the level it says.
  auto stage = makeStage(readRunConfig(run("teacher")));
  torch::NoGradGuard no_grad;
  stage->model().eval();
  models::NetworkInput input;
  input.rgb = torch::zeros({1, 3, 32, 32});
  const models::Prediction p = stage->predict(input);
  for (std::size_t i = 0; i < p.sides.size(); ++i)
    EXPECT_NE(r.find("side/level" + std::to_string(p.first_side_level + static_cast<int>(i))), nullptr) << i;
  EXPECT_EQ(r.maps.size(), 1 + p.sides.size() + p.sides_combined.size() + (p.sides_fused.defined() ? 1 : 0));

  // The queued path gives the same maps, from the worker thread.
  Collector got;
  const Ticket t = core.submit(request(id, s.name), got.callback());
  ASSERT_TRUE(core.waitIdle());
  const auto results = got.of(t);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].status, InspectStatus::Done) << results[0].error;
  EXPECT_EQ(namesOf(results[0]), namesOf(r));
  EXPECT_TRUE(sameImage(results[0].find("final")->image, r.find("final")->image));
  EXPECT_EQ(got.threads().count(std::this_thread::get_id()), 0u);
}

TEST_F(ModelCoreTest, FinalMapIsTheSigmoidResizedBilinearlyAndScaledAsInferAlwaysWroteIt) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  const LoadedSample s = core.loadSample(id, testSet(), sampleNames().back());
  const InspectResult r = core.inspectNow(id, s);
  // The conversion written out independently: the network's logits at 32 px, sigmoid, bilinear
  // resize to the original size, x255 to 8 bits.
  auto stage = makeStage(readRunConfig(run("teacher")));
  loadRunWeights(run("teacher"), stage->model());
  torch::NoGradGuard no_grad;
  stage->model().eval();
  std::vector<torch::Tensor> rgb, depth, gt;
  appendTensors(resizeOnly(s, 32), rgb, depth, gt);
  models::NetworkInput input;
  input.rgb = rgb[0].unsqueeze(0);
  const torch::Tensor prob = torch::sigmoid(stage->predict(input).final)[0][0].contiguous();
  const cv::Mat small(32, 32, CV_32FC1, prob.data_ptr<float>());
  cv::Mat resized, expected;
  cv::resize(small, resized, kOriginal, 0, 0, cv::INTER_LINEAR);
  resized.convertTo(expected, CV_8U, 255.0);
  EXPECT_TRUE(sameImage(expected, r.find("final")->image));
}

TEST_F(ModelCoreTest, FuseGivesBranchMapsPerModalityAndLevelBesideItsSideOutputs) {
  ModelCore core(cpu());
  const RunId id = core.load(run("fuse"));
  const ModelDescription d = core.describe(id);
  EXPECT_TRUE(d.takes_depth);
  EXPECT_FALSE(d.zero_shot);
  const LoadedSample s = core.loadSample(id, testSet(), sampleNames().front());
  EXPECT_FALSE(s.depth.empty());
  const InspectResult r = core.inspectNow(id, s, /*zero_shot=*/true);  // not an RGB-only network: ignored
  expectWellFormed(r, kOriginal);
  for (const char* modality : {"rgb", "depth"}) {
    for (int level = 2; level <= 6; ++level) {
      const std::string name = std::string(modality) + "/level" + std::to_string(level);
      const InspectMap* m = r.find(name);
      ASSERT_NE(m, nullptr) << name;
      EXPECT_EQ(m->group, "branch") << name;
      EXPECT_EQ(m->level, level) << name;
    }
  }
  EXPECT_NE(r.find("side_combined/level2"), nullptr);
  EXPECT_NE(r.find("side_fused"), nullptr);
  for (const auto& m : r.maps) EXPECT_NE(m.group, "zero_shot") << m.name;
  // Branches come after the side outputs, by modality then level.
  EXPECT_EQ(r.maps.back().name, "rgb/level6");
}

TEST_F(ModelCoreTest, RecNetGivesItsFusedFinalMapAndTheForegroundAndBackgroundBranches) {
  ModelCore core(cpu());
  const RunId id = core.load(run("recnet"));
  const InspectResult r = core.inspectNow(id, core.loadSample(id, testSet(), sampleNames().front()));
  EXPECT_EQ(namesOf(r), (std::vector<std::string>{"final", "foreground", "background"}));
  expectWellFormed(r, kOriginal);
  EXPECT_EQ(r.find("foreground")->group, "fg_bg");
  EXPECT_EQ(r.find("background")->group, "fg_bg");
  // relu(F - B) is already a probability: a sigmoid on top would put every pixel at 0.5 or more.
  double lo = 0, hi = 0;
  cv::minMaxLoc(r.find("final")->probability, &lo, &hi);
  EXPECT_LT(lo, 0.5);
}

TEST_F(ModelCoreTest, ZeroShotAddsTheMapsOfTheDepthFedToAnRgbOnlyNetwork) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  EXPECT_TRUE(core.describe(id).zero_shot);
  Collector got;
  InspectRequest q = request(id, sampleNames().front());
  q.zero_shot = true;
  const Ticket t = core.submit(q, got.callback());
  ASSERT_TRUE(core.waitIdle());
  const auto results = got.of(t);
  ASSERT_EQ(results.size(), 1u);
  const InspectResult& r = results[0];
  ASSERT_EQ(r.status, InspectStatus::Done) << r.error;
  expectWellFormed(r, kOriginal);
  const InspectMap* zero = r.find("zero_shot/final");
  ASSERT_NE(zero, nullptr);
  EXPECT_EQ(zero->group, "zero_shot");
  const InspectMap* side = r.find("zero_shot/side_combined/level3");
  ASSERT_NE(side, nullptr);
  EXPECT_EQ(side->level, 3);
  ASSERT_EQ(r.maps.size() % 2, 0u);  // the own maps, then the same ones zero-shot
  for (std::size_t i = 0; i < r.maps.size() / 2; ++i)
    EXPECT_EQ("zero_shot/" + r.maps[i].name, r.maps[i + r.maps.size() / 2].name);
  // Without the request, no zero-shot maps.
  const InspectResult plain = core.inspectNow(id, core.loadSample(id, testSet(), sampleNames().front()));
  EXPECT_EQ(plain.find("zero_shot/final"), nullptr);
  EXPECT_TRUE(sameImage(plain.find("final")->image, r.find("final")->image));
}

TEST_F(ModelCoreTest, DescriptionNamesStageArchitectureKeysCheckpointAndDevice) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  EXPECT_EQ(core.runs(), std::vector<RunId>{id});
  const ModelDescription d = core.describe(id);
  EXPECT_EQ(d.run, run("teacher"));
  EXPECT_EQ(d.stage, "teacher");
  std::map<std::string, std::string> keys(d.keys.begin(), d.keys.end());
  EXPECT_EQ(keys["model.width"], "0.0625");
  EXPECT_EQ(keys["data.size"], "32");
  EXPECT_EQ(keys.count("data.depth"), 1u);
  EXPECT_EQ(keys.count("model.level6_kernel"), 1u);
  EXPECT_EQ(keys["checkpoint"], "step-000000002.pt");
  EXPECT_EQ(d.checkpoint.filename(), "step-000000002.pt");
  EXPECT_EQ(d.step, 2);
  EXPECT_EQ(d.device, "cpu");
  EXPECT_EQ(core.device(), "cpu");
  EXPECT_EQ(d.input_size, 32);
  EXPECT_FALSE(d.takes_depth);
  EXPECT_TRUE(d.predicts_saliency);
  EXPECT_TRUE(d.zero_shot);
  EXPECT_TRUE(d.warnings.empty());
  EXPECT_THROW(core.describe(id + 100), core::Error);
  core.unload(id);
  EXPECT_TRUE(core.runs().empty());
  EXPECT_THROW(core.describe(id), core::Error);
}

TEST_F(ModelCoreTest, LoadingARunLeavesTheProcessRngAlone) {
  ModelCore core(cpu());
  torch::manual_seed(123);
  const torch::Tensor expected = torch::rand({16});
  torch::manual_seed(123);
  core.load(run("teacher"));  // builds a network (random initial weights) and reads checkpoints
  const torch::Tensor after = torch::rand({16});
  EXPECT_TRUE(torch::equal(expected, after));
}
