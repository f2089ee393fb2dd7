#pragma once
// Shared by the ModelCore tests: tiny runs of each model kind trained once per test binary,
// and small helpers (result collectors, a gate that holds the worker).
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

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

inline bool sameImage(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return false;
  return a.empty() || cv::countNonZero(a != b) == 0;
}

inline std::vector<std::string> namesOf(const InspectResult& r) {
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
