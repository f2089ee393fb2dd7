// ModelCore (training/model_core.h): every map of each kind of network at the sample's original
// size, the queue (stale requests superseded, cancellation, several runs at once, destruction),
// the checkpoint fallback, reload safety, and one prediction path with `rgbdsod infer`. The runs
// are tiny (1/16 width, 32 px, 1-2 steps) and trained once for the suite.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/training/augment.h"
#include "rgbdsod/training/batch_loader.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/inference.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/training/model_core.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/stage.h"
#include "test_support.h"
#include "training_test_util.h"

using namespace rgbdsod;
using namespace rgbdsod::training;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

bool sameImage(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return false;
  return a.empty() || cv::countNonZero(a != b) == 0;
}

std::vector<std::string> namesOf(const InspectResult& r) {
  std::vector<std::string> names;
  for (const auto& m : r.maps) names.push_back(m.name);
  return names;
}

// Every callback, by ticket, with the thread it came from.
class Collector {
 public:
  InspectCallback callback() {
    return [this](const InspectResult& r) {
      std::lock_guard<std::mutex> lock(mutex_);
      results_[r.ticket].push_back(r);
      threads_.insert(std::this_thread::get_id());
    };
  }
  std::vector<InspectResult> of(Ticket t) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = results_.find(t);
    return it == results_.end() ? std::vector<InspectResult>{} : it->second;
  }
  std::set<std::thread::id> threads() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<Ticket, std::vector<InspectResult>> results_;
  std::set<std::thread::id> threads_;
};

// A callback that holds the worker until released: what is submitted meanwhile stays pending.
class Gate {
 public:
  InspectCallback callback() {
    auto opened = opened_;
    return [this, opened](const InspectResult&) {
      entered_ = true;
      opened.wait();
    };
  }
  bool waitEntered() {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!entered_ && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    return entered_;
  }
  void open() { promise_.set_value(); }

 private:
  std::promise<void> promise_;
  std::shared_future<void> opened_ = promise_.get_future().share();
  std::atomic<bool> entered_{false};
};

class ModelCoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir("rgbdsod-model-core");
    // 48 x 40: neither square nor the network's 32 px, so every map is resized to the original.
    test::writeTinySynth(dir_->path() / "data", 12, 48, 40);
    train("teacher", "teacher", test::tinyOverrides(2, 1));  // step-1 and step-2 checkpoints
    train("fuse", "fuse", with(test::tinyOverrides(1, 100), {"model.init=random"}));
    train("recnet", "recnet", test::tinyOverrides(1, 100));
    train("contrast-intra", "contrast",
          with(test::tinyOverrides(1, 100), {"model.queue_size=16", "model.momentum=0.9"}));
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  static void train(const std::string& stage, const std::string& name, std::vector<std::string> overrides) {
    TrainRequest r;
    r.stage = stage;
    r.data = dir_->path() / "data";
    r.run = run(name);
    r.overrides = std::move(overrides);
    try {
      const TrainResult t = runTraining(r, {}, {});
      trained_[name] = t.outcome == TrainOutcome::Finished ? "" : "outcome " + std::string(toString(t.outcome)) + ": " + t.message;
    } catch (const std::exception& e) {
      trained_[name] = e.what();
    }
  }

  void SetUp() override {
    for (const auto& [name, problem] : trained_) ASSERT_EQ(problem, "") << "training " << name;
  }

  static fs::path run(const std::string& name) { return dir_->path() / "runs" / name; }
  static fs::path data() { return dir_->path() / "data"; }
  static fs::path testSet() { return data() / "test"; }
  static std::vector<std::string> sampleNames() {
    std::vector<std::string> names;
    for (const auto& f : core::openDataset(testSet()).samples) names.push_back(f.name);
    return names;
  }
  static ModelCoreOptions cpu() {
    ModelCoreOptions o;
    o.device = "cpu";
    o.threads = 1;
    return o;
  }
  static InspectRequest request(RunId id, const std::string& sample, const std::string& lane = "default") {
    InspectRequest r;
    r.run = id;
    r.dataset = testSet();
    r.sample = sample;
    r.lane = lane;
    return r;
  }
  // The maps of a result checked as a set: names in order, groups, levels, sizes, types.
  static void expectWellFormed(const InspectResult& r, cv::Size original) {
    ASSERT_FALSE(r.maps.empty());
    EXPECT_EQ(r.maps.front().name, "final");
    EXPECT_EQ(r.original, original);
    for (const auto& m : r.maps) {
      EXPECT_EQ(m.probability.type(), CV_32FC1) << m.name;
      EXPECT_EQ(m.probability.size(), original) << m.name;
      EXPECT_EQ(m.image.type(), CV_8UC1) << m.name;
      EXPECT_EQ(m.image.size(), original) << m.name;
      double lo = 0, hi = 0;
      cv::minMaxLoc(m.probability, &lo, &hi);
      EXPECT_GE(lo, 0.0) << m.name;
      EXPECT_LE(hi, 1.0) << m.name;
      cv::Mat from_probability;
      m.probability.convertTo(from_probability, CV_8U, 255.0);
      EXPECT_TRUE(sameImage(from_probability, m.image)) << m.name << ": the image is not probability x 255";
    }
  }

  static test::TempDir* dir_;
  static std::map<std::string, std::string> trained_;  // run -> problem ("" = trained)
};
test::TempDir* ModelCoreTest::dir_ = nullptr;
std::map<std::string, std::string> ModelCoreTest::trained_;

const cv::Size kOriginal(48, 40);

}  // namespace

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

TEST_F(ModelCoreTest, ABurstOnOneLaneRunsAtMostTwoAndOnlyTheNewestIsAnswered) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  const auto names = sampleNames();
  // The worker is held in the callback of a request of another lane, so that the whole burst is
  // pending at once (on a busy machine a free-running loop can be preempted between submits).
  Gate gate;
  core.submit(request(id, names.front(), "hold"), gate.callback());
  ASSERT_TRUE(gate.waitEntered());
  Collector got;
  std::vector<Ticket> tickets;
  for (int i = 0; i < 20; ++i)
    tickets.push_back(core.submit(request(id, names[static_cast<std::size_t>(i) % names.size()], "browse"), got.callback()));
  gate.open();
  ASSERT_TRUE(core.waitIdle());
  const ModelCoreStats st = core.stats();
  EXPECT_EQ(st.submitted, 21u);
  EXPECT_EQ(st.run, 2u);  // the held request and the newest of the burst
  EXPECT_EQ(st.superseded, 19u);
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    const auto results = got.of(tickets[i]);
    ASSERT_EQ(results.size(), 1u) << "ticket " << tickets[i] << " answered " << results.size() << " times";
    const InspectStatus expected = i + 1 == tickets.size() ? InspectStatus::Done : InspectStatus::Superseded;
    EXPECT_EQ(results[0].status, expected) << i << ": " << toString(results[0].status) << " " << results[0].error;
  }
  EXPECT_EQ(got.of(tickets.back())[0].sample, names[19 % names.size()]);
}

TEST_F(ModelCoreTest, AFreeRunningBurstAnswersEveryTicketOnceAndTheNewestIsDone) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  const auto names = sampleNames();
  Collector got;
  std::vector<Ticket> tickets;
  for (int i = 0; i < 20; ++i)
    tickets.push_back(core.submit(request(id, names[static_cast<std::size_t>(i) % names.size()], "browse"), got.callback()));
  ASSERT_TRUE(core.waitIdle());
  const ModelCoreStats st = core.stats();
  EXPECT_EQ(st.run + st.superseded, 20u);
  std::size_t done = 0;
  for (const Ticket t : tickets) {
    const auto results = got.of(t);
    ASSERT_EQ(results.size(), 1u) << "ticket " << t << " answered " << results.size() << " times";
    if (results[0].status == InspectStatus::Done) {
      ++done;
    } else {
      EXPECT_EQ(results[0].status, InspectStatus::Superseded) << toString(results[0].status);
    }
  }
  EXPECT_EQ(done, st.run);
  EXPECT_EQ(got.of(tickets.back())[0].status, InspectStatus::Done);
}

TEST_F(ModelCoreTest, CancelDropsAPendingRequestAndItsCallbackSaysCancelled) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  Gate gate;
  core.submit(request(id, sampleNames().front(), "hold"), gate.callback());
  ASSERT_TRUE(gate.waitEntered());  // the worker is inside that callback: what follows stays pending
  Collector got;
  const Ticket dropped = core.submit(request(id, sampleNames().front(), "left"), got.callback());
  const Ticket kept = core.submit(request(id, sampleNames().back(), "right"), got.callback());
  core.cancel(dropped);
  core.cancel(dropped);  // twice: still one callback
  gate.open();
  ASSERT_TRUE(core.waitIdle());
  const auto a = got.of(dropped);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, InspectStatus::Cancelled);
  EXPECT_TRUE(a[0].maps.empty());
  const auto b = got.of(kept);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].status, InspectStatus::Done) << b[0].error;
  EXPECT_EQ(core.stats().cancelled, 1u);
  EXPECT_EQ(core.stats().run, 2u);
  EXPECT_EQ(toString(InspectStatus::Cancelled), std::string("cancelled"));
}

TEST_F(ModelCoreTest, DestroyingTheCoreCancelsWhatIsPendingAndAnswersEveryTicketOnce) {
  Collector got;
  Gate gate;
  std::vector<Ticket> pending;
  Ticket held = 0;
  {
    std::optional<ModelCore> core(std::in_place, cpu());
    const RunId id = core->load(run("teacher"));
    held = core->submit(request(id, sampleNames().front(), "hold"), [&, inner = gate.callback()](const InspectResult& r) {
      got.callback()(r);
      inner(r);
    });
    ASSERT_TRUE(gate.waitEntered());
    pending.push_back(core->submit(request(id, sampleNames().front(), "a"), got.callback()));
    pending.push_back(core->submit(request(id, sampleNames().back(), "b"), got.callback()));
    std::thread opener([&] {
      std::this_thread::sleep_for(200ms);  // the destructor has marked the pending ones by then
      gate.open();
    });
    core.reset();  // joins the worker once the held callback returns
    opener.join();
  }
  ASSERT_EQ(got.of(held).size(), 1u);
  EXPECT_EQ(got.of(held)[0].status, InspectStatus::Done);
  for (const Ticket t : pending) {
    const auto results = got.of(t);
    ASSERT_EQ(results.size(), 1u) << t;
    EXPECT_EQ(results[0].status, InspectStatus::Cancelled) << toString(results[0].status);
  }
}

TEST_F(ModelCoreTest, TwoLoadedRunsAnswerInterleavedRequestsEachWithItsOwnNetwork) {
  ModelCore core(cpu());
  const RunId teacher = core.load(run("teacher"));
  const RunId recnet = core.load(run("recnet"));
  ASSERT_NE(teacher, recnet);
  const auto names = sampleNames();
  Collector got;
  std::vector<std::pair<Ticket, RunId>> tickets;
  for (std::size_t i = 0; i < names.size(); ++i) {
    tickets.emplace_back(core.submit(request(teacher, names[i], "left"), got.callback()), teacher);
    tickets.emplace_back(core.submit(request(recnet, names[i], "right"), got.callback()), recnet);
    ASSERT_TRUE(core.waitIdle());  // each pair answered before the next, so none is superseded
  }
  for (const auto& [t, id] : tickets) {
    const auto results = got.of(t);
    ASSERT_EQ(results.size(), 1u);
    const InspectResult& r = results[0];
    ASSERT_EQ(r.status, InspectStatus::Done) << r.error;
    EXPECT_EQ(r.run, id);
    EXPECT_EQ(r.find("side_fused") != nullptr, id == teacher) << r.sample;
    EXPECT_EQ(r.find("foreground") != nullptr, id == recnet) << r.sample;
    const InspectResult now = core.inspectNow(id, core.loadSample(id, testSet(), r.sample));
    EXPECT_TRUE(sameImage(now.find("final")->image, r.find("final")->image)) << r.sample;
  }
}

TEST_F(ModelCoreTest, ACorruptNewestCheckpointIsSkippedWithAWarningNamingItAndTheOlderOneIsUsed) {
  test::TempDir tmp;
  const fs::path corrupt = tmp / "corrupt";
  const fs::path older = tmp / "older";
  fs::copy(run("teacher"), corrupt, fs::copy_options::recursive);
  fs::copy(run("teacher"), older, fs::copy_options::recursive);
  test::writeBytes(checkpointPath(corrupt, 2), "not a checkpoint at all");
  fs::remove(checkpointPath(older, 2));

  ModelCore core(cpu());
  const RunId id = core.load(corrupt);
  const ModelDescription d = core.describe(id);
  EXPECT_EQ(d.checkpoint.filename(), "step-000000001.pt");
  EXPECT_EQ(d.step, 1);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_TRUE(contains(d.warnings[0], "step-000000002.pt")) << d.warnings[0];
  EXPECT_TRUE(contains(d.warnings[0], "using step-000000001.pt")) << d.warnings[0];
  // The weights are step 1's.
  const RunId reference = core.load(older);
  const LoadedSample s = core.loadSample(id, testSet(), sampleNames().front());
  const InspectResult a = core.inspectNow(id, s);
  const InspectResult b = core.inspectNow(reference, s);
  EXPECT_EQ(a.checkpoint_step, 1);
  EXPECT_TRUE(sameImage(a.find("final")->image, b.find("final")->image));
  // None loadable: an error naming the folder.
  test::writeBytes(checkpointPath(corrupt, 1), "garbage");
  EXPECT_THROW(core.load(corrupt), core::FileError);
}

TEST_F(ModelCoreTest, AMissingSampleOrFolderFailsWithAMessageNamingIt) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  Collector got;
  const std::string typo = sampleNames().front() + "x";
  const Ticket missing = core.submit(request(id, "no-such-sample", "a"), got.callback());
  const Ticket misspelt = core.submit(request(id, typo, "b"), got.callback());
  InspectRequest bad_folder = request(id, sampleNames().front(), "c");
  bad_folder.dataset = dir_->path() / "no-such-folder";
  const Ticket folder = core.submit(bad_folder, got.callback());
  const Ticket unknown_run = core.submit(request(id + 50, sampleNames().front(), "d"), got.callback());
  ASSERT_TRUE(core.waitIdle());
  const auto a = got.of(missing);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, InspectStatus::Failed);
  EXPECT_TRUE(contains(a[0].error, "no-such-sample")) << a[0].error;
  EXPECT_TRUE(contains(a[0].error, testSet().string())) << a[0].error;
  const auto b = got.of(misspelt);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].status, InspectStatus::Failed);
  EXPECT_TRUE(contains(b[0].error, "did you mean")) << b[0].error;
  const auto c = got.of(folder);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, InspectStatus::Failed);
  EXPECT_TRUE(contains(c[0].error, "no-such-folder")) << c[0].error;
  const auto e = got.of(unknown_run);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].status, InspectStatus::Failed);
  EXPECT_THROW(core.loadSample(id, testSet(), "no-such-sample"), core::FileError);
}

TEST_F(ModelCoreTest, APreTrainingRunLoadsButItsRequestsFailSayingItPredictsNoSaliency) {
  ModelCore core(cpu());
  const RunId id = core.load(run("contrast"));
  const ModelDescription d = core.describe(id);
  EXPECT_FALSE(d.predicts_saliency);
  EXPECT_FALSE(d.zero_shot);
  Collector got;
  const Ticket t = core.submit(request(id, sampleNames().front()), got.callback());
  ASSERT_TRUE(core.waitIdle());
  const auto r = got.of(t);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, InspectStatus::Failed);
  EXPECT_TRUE(contains(r[0].error, "pre-training")) << r[0].error;
  EXPECT_TRUE(contains(r[0].error, "contrast-intra")) << r[0].error;
}

TEST_F(ModelCoreTest, ReloadAndUnloadWhileRequestsRunAreSafe) {
  ModelCore core(cpu());
  const RunId id = core.load(run("teacher"));
  const auto names = sampleNames();
  Collector got;
  std::vector<Ticket> tickets;
  for (int i = 0; i < 5; ++i) {
    tickets.push_back(core.submit(request(id, names[static_cast<std::size_t>(i) % names.size()], "l" + std::to_string(i)),
                                  got.callback()));
    const ModelDescription d = core.reload(id);
    EXPECT_EQ(d.step, 2);
  }
  ASSERT_TRUE(core.waitIdle());
  for (const Ticket t : tickets) {
    const auto r = got.of(t);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, InspectStatus::Done) << r[0].error;
    EXPECT_EQ(r[0].original, kOriginal);
  }
  // Unloaded while queued or running: answered once, done on the old network or failed.
  const Ticket t = core.submit(request(id, names.front(), "last"), got.callback());
  core.unload(id);
  ASSERT_TRUE(core.waitIdle());
  const auto r = got.of(t);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].status == InspectStatus::Done || r[0].status == InspectStatus::Failed) << toString(r[0].status);
  EXPECT_THROW(core.reload(id), core::Error);
}

TEST_F(ModelCoreTest, InferWritesExactlyTheImagesOfModelCoresMaps) {
  test::TempDir tmp;
  ModelCore core(cpu());
  const RunId teacher = core.load(run("teacher"));
  const RunId fuse = core.load(run("fuse"));
  const RunId recnet = core.load(run("recnet"));
  runInference({run("teacher"), testSet(), tmp / "teacher", true, false});
  runInference({run("teacher"), testSet(), tmp / "zero", true, true});
  runInference({run("fuse"), testSet(), tmp / "fuse", true, false});
  runInference({run("recnet"), testSet(), tmp / "recnet", true, false});
  auto expectFile = [](const fs::path& file, const InspectMap* map) {
    ASSERT_NE(map, nullptr) << file;
    ASSERT_TRUE(fs::exists(file)) << file;
    const cv::Mat png = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    EXPECT_TRUE(sameImage(png, map->image)) << file << " differs from ModelCore's " << map->name;
  };
  for (const auto& name : sampleNames()) {
    const InspectResult t = core.inspectNow(teacher, core.loadSample(teacher, testSet(), name), /*zero_shot=*/true);
    expectFile(tmp / "teacher" / (name + ".png"), t.find("final"));
    // Today's names: combined side outputs as _side<N>, the fusion; and the raw ones beside them.
    expectFile(tmp / "teacher" / "sides" / (name + "_side2.png"), t.find("side_combined/level2"));
    expectFile(tmp / "teacher" / "sides" / (name + "_side6.png"), t.find("side_combined/level6"));
    expectFile(tmp / "teacher" / "sides" / (name + "_side2_raw.png"), t.find("side/level2"));
    expectFile(tmp / "teacher" / "sides" / (name + "_side_fused.png"), t.find("side_fused"));
    EXPECT_FALSE(fs::exists(tmp / "teacher" / "sides" / (name + "_side1.png")));
    // --depth-as-rgb: the zero-shot maps.
    expectFile(tmp / "zero" / (name + ".png"), t.find("zero_shot/final"));
    expectFile(tmp / "zero" / "sides" / (name + "_side3.png"), t.find("zero_shot/side_combined/level3"));

    const InspectResult f = core.inspectNow(fuse, core.loadSample(fuse, testSet(), name));
    expectFile(tmp / "fuse" / (name + ".png"), f.find("final"));
    expectFile(tmp / "fuse" / "sides" / (name + "_rgb_level3.png"), f.find("rgb/level3"));
    expectFile(tmp / "fuse" / "sides" / (name + "_depth_level6.png"), f.find("depth/level6"));

    const InspectResult r = core.inspectNow(recnet, core.loadSample(recnet, testSet(), name));
    expectFile(tmp / "recnet" / (name + ".png"), r.find("final"));
    expectFile(tmp / "recnet" / "sides" / (name + "_fg.png"), r.find("foreground"));
    expectFile(tmp / "recnet" / "sides" / (name + "_bg.png"), r.find("background"));
  }
}

TEST_F(ModelCoreTest, InferSamplesWritesOnlyTheNamedSamplesAndAnUnknownNameFailsNamingIt) {
  test::TempDir tmp;
  const auto names = sampleNames();
  ASSERT_GE(names.size(), 3u);
  InferRequest q{run("teacher"), testSet(), tmp / "some"};
  q.samples = {names[2], names[0], names[2]};
  const InferSummary s = runInference(q);
  EXPECT_EQ(s.images, 2u);
  std::set<std::string> written;
  for (const auto& e : fs::directory_iterator(tmp / "some")) written.insert(e.path().filename().string());
  EXPECT_EQ(written, (std::set<std::string>{names[0] + ".png", names[2] + ".png"}));

  // A folder of datasets: only the one holding the name gets an output folder.
  InferRequest all{run("teacher"), data(), tmp / "all"};
  all.samples = {names[1]};
  EXPECT_EQ(runInference(all).images, 1u);
  EXPECT_TRUE(fs::exists(tmp / "all" / "test" / (names[1] + ".png")));
  EXPECT_FALSE(fs::exists(tmp / "all" / "train"));

  InferRequest bad{run("teacher"), testSet(), tmp / "bad"};
  bad.samples = {names[0], "no-such-sample"};
  try {
    runInference(bad);
    ADD_FAILURE() << "an unknown sample name was accepted";
  } catch (const core::FileError& e) {
    EXPECT_TRUE(contains(e.what(), "no-such-sample")) << e.what();
    EXPECT_TRUE(contains(e.what(), testSet().string())) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp / "bad" / (names[0] + ".png")));  // checked before anything is written
}

TEST_F(ModelCoreTest, AskingForCudaWithoutACudaDeviceIsAClearError) {
  {
    ModelCoreOptions o = cpu();
    o.device = "auto";
    ModelCore core(o);
    EXPECT_EQ(core.device(), torch::cuda::is_available() ? "cuda:0" : "cpu");
  }
  {
    ModelCoreOptions o = cpu();
    o.device = "tpu";
    ModelCore core(o);
    EXPECT_THROW(core.load(run("teacher")), core::Error);
  }
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is present";
  for (const char* device : {"cuda", "cuda:1"}) {
    ModelCoreOptions o = cpu();
    o.device = device;
    ModelCore core(o);
    try {
      core.load(run("teacher"));
      ADD_FAILURE() << device << " was accepted without a CUDA device";
    } catch (const core::Error& e) {
      EXPECT_TRUE(contains(e.what(), "no CUDA device was found")) << e.what();
    }
  }
}
