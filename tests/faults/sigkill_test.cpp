// Issue 15, faults: SIGKILL at random moments of the command line's writes (50 kills a command).
// Each command is first run to the end, for the complete output and its duration d (then followed
// as the machine's load changes); then it is started again and again and killed after a random
// delay: half in [0.2 d, 1.2 d] (the first fifth is the process starting), half in [0.8 d, 1.5 d],
// where the outputs are put into place (a run that ends before its kill is reaped at once). After
// every kill each file under its final name must be absent, the previous version, or the complete
// output, byte for byte (and the complete output was checked to decode / parse). Killed writers
// leave their temporaries behind (nothing can remove them); the tests count and delete them.
// Replay a failure with RGBDSOD_FAULT_SEED=<seed from the log>.
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.h"
#include "fault_support.h"
#include "rgbdsod/core/hha_cache.h"
#include "test_support.h"
#include "training_test_util.h"

namespace fs = std::filesystem;
using Files = std::map<std::string, std::string>;
using rgbdsod::test::readFileText;
using rgbdsod::test::snapshotFiles;
using rgbdsod::test::temporariesUnder;

namespace {

constexpr int kKills = 50;

struct KillCounts {
  int killed = 0;    // the kill ended the process
  int finished = 0;  // the process had already exited (with 0)
  int temporaries = 0;
};

class SigKill : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new rgbdsod::test::ScratchDir("rgbdsod-sigkill-data");
    rgbdsod::test::writeTinySynth(data_->path() / "ds", 8, 48, 40);
    fs::copy(data_->path() / "ds" / "train" / "GT", data_->path() / "pred");  // perfect predictions
  }
  static void TearDownTestSuite() {
    delete data_;
    data_ = nullptr;
  }
  void SetUp() override {
    seed_ = rgbdsod::test::faultSeed();
    rng_.seed(seed_);
  }

  static fs::path data() { return data_->path(); }
  std::string seedNote() const { return "replay with RGBDSOD_FAULT_SEED=" + std::to_string(seed_); }

  // Runs the command to the end; returns its wall time (the faster of two runs: the first may
  // find cold caches). Fails the test when it does not exit with 0.
  std::chrono::microseconds runToEnd(const std::vector<std::string>& args, const std::function<void()>& reset) {
    auto best = std::chrono::microseconds::max();
    for (int i = 0; i < 2; ++i) {
      reset();
      const auto t0 = std::chrono::steady_clock::now();
      const int code = rgbdsod::test::waitExit(rgbdsod::test::spawnCli(args));
      const auto t = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
      EXPECT_EQ(code, 0) << "the command failed when not killed";
      best = std::min(best, t);
    }
    return best;
  }

  // Half the kills anywhere in the run, half near its end, where the outputs are put into place.
  std::chrono::microseconds randomDelay(std::chrono::microseconds d) {
    std::uniform_real_distribution<double> anywhere(0.2, 1.2), near_end(0.8, 1.5);
    const double f = std::bernoulli_distribution(0.5)(rng_) ? anywhere(rng_) : near_end(rng_);
    return std::chrono::microseconds(static_cast<std::int64_t>(static_cast<double>(d.count()) * f));
  }

  // kKills starts of the command, each killed at a random moment: prepare(i) sets the folder up
  // and returns the arguments, check(i) looks at what the kill left. Every tenth start is first
  // run once to the end as well, untimed by a kill, to follow d as the machine's load changes.
  void killLoop(std::chrono::microseconds d, const std::function<std::vector<std::string>(int)>& prepare,
                const std::function<void(int)>& check, KillCounts& counts) {
    for (int i = 0; i < kKills; ++i) {
      if (i % 10 == 9) {
        const auto args = prepare(i);
        const auto t0 = std::chrono::steady_clock::now();
        EXPECT_EQ(rgbdsod::test::waitExit(rgbdsod::test::spawnCli(args)), 0) << "the command failed when not killed";
        d = (d + std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)) / 2;
      }
      const pid_t pid = rgbdsod::test::spawnCli(prepare(i));
      ASSERT_GT(pid, 0) << "cannot start " << RGBDSOD_CLI_PATH;
      const int code = rgbdsod::test::killAfter(pid, randomDelay(d));
      if (code == 128 + 9) {
        ++counts.killed;
      } else if (code == 0) {
        ++counts.finished;
      } else {
        ADD_FAILURE() << "exit code " << code << " (neither finished nor killed)";
      }
      check(i);
    }
  }

  // Deletes (and counts) the temporaries the killed writers left under dir.
  static void removeTemporaries(const fs::path& dir, KillCounts& counts) {
    for (const auto& t : temporariesUnder(dir)) {
      fs::remove_all(dir / t);
      ++counts.temporaries;
    }
  }

  void summarise(const char* what, const KillCounts& c, const std::string& outcomes) {
    std::printf("[ sigkill ] %s: %d kills (%d during the run, %d after it finished), %d temporaries left, %s; "
                "seed %u\n",
                what, kKills, c.killed, c.finished, c.temporaries, outcomes.c_str(), seed_);
    // Most delays are shorter than a run: were nearly all runs done before the kill, this test
    // would test nothing.
    EXPECT_GE(c.killed, kKills / 4) << "too few kills landed during a run; " << seedNote();
  }

  // A command that writes a new folder (`args(out)`), `what` also naming its <what>.json: run to the
  // end once for the reference, then killed kKills times; each time the folder is absent or equal.
  void expectNewFolderAbsentOrComplete(const rgbdsod::test::ScratchDir& tmp, const std::string& what,
                                       std::size_t min_files,
                                       const std::function<std::vector<std::string>(const fs::path&)>& args) {
    const fs::path ref = tmp / "reference";
    const auto d = runToEnd(args(ref), [&] { fs::remove_all(ref); });
    const Files complete = snapshotFiles(ref);
    ASSERT_GE(complete.size(), min_files);
    expectImagesDecode(ref, complete, cv::Size(48, 40));
    expectValidJson(complete.at(what + ".json"), what + ".json");
    KillCounts counts;
    int written = 0;
    const auto out = [&](int i) { return tmp / ("out-" + std::to_string(i)); };
    const auto prepare = [&](int i) {
      fs::remove_all(out(i));
      return args(out(i));
    };
    const auto check = [&](int i) {
      if (fs::exists(out(i))) {
        EXPECT_TRUE(snapshotFiles(out(i)) == complete)
            << "kill " << i << ": " << out(i) << " is incomplete; " << seedNote();
        ++written;
        fs::remove_all(out(i));
      }
      removeTemporaries(tmp.path(), counts);
    };
    killLoop(d, prepare, check, counts);
    summarise(what.c_str(), counts,
              std::to_string(written) + " complete, " + std::to_string(kKills - written) + " absent");
  }

  static void expectValidJson(const std::string& text, const std::string& what) {
    EXPECT_TRUE(nlohmann::json::accept(text)) << what << " is not valid JSON";
  }
  // Every PNG and JPEG of a reference output decodes at the size given.
  static void expectImagesDecode(const fs::path& dir, const Files& files, cv::Size size) {
    int images = 0;
    for (const auto& [name, bytes] : files) {
      const std::string ext = fs::path(name).extension().string();
      if (ext != ".png" && ext != ".jpg") continue;
      const cv::Mat m = cv::imread((dir / name).string(), cv::IMREAD_UNCHANGED);
      EXPECT_EQ(m.size(), size) << name << " does not decode at " << size;
      ++images;
    }
    EXPECT_GT(images, 0);
  }

  static rgbdsod::test::ScratchDir* data_;
  std::uint32_t seed_ = 0;
  std::mt19937 rng_;
};

rgbdsod::test::ScratchDir* SigKill::data_ = nullptr;

TEST_F(SigKill, EvalReportIsAlwaysAbsentThePreviousOrTheCompleteNewReport) {
  rgbdsod::test::ScratchDir tmp("rgbdsod-sigkill-eval");
  const fs::path report = tmp / "eval.json";
  const auto args = [&](bool images) {
    std::vector<std::string> a{"-q", "eval", "--no-cache", "--gt", (data() / "ds" / "train" / "GT").string(),
                               "--pred", (data() / "pred").string(), "--json", report.string()};
    if (!images) a.push_back("--no-images");
    return a;
  };
  // The previous report is another (shorter) valid one, so that it can be told from the new one.
  ASSERT_EQ(rgbdsod::test::waitExit(rgbdsod::test::spawnCli(args(false))), 0);
  const std::string previous = readFileText(report);
  const auto d = runToEnd(args(true), [] {});
  const std::string complete = readFileText(report);
  expectValidJson(previous, "the previous report");
  expectValidJson(complete, "the report");
  ASSERT_NE(previous, complete);

  KillCounts counts;
  int kept = 0, replaced = 0, absent = 0;
  const auto had_previous = [](int i) { return i % 2 == 0; };  // every other run writes where there was none
  const auto prepare = [&](int i) {
    if (had_previous(i)) {
      rgbdsod::test::writeBytes(report, previous);
    } else {
      fs::remove(report);
    }
    return args(true);
  };
  const auto check = [&](int i) {
    removeTemporaries(tmp.path(), counts);
    if (!fs::exists(report)) {
      EXPECT_FALSE(had_previous(i)) << "kill " << i << ": the previous report is gone; " << seedNote();
      ++absent;
      return;
    }
    const std::string now = readFileText(report);
    if (now == previous && had_previous(i)) {
      ++kept;
    } else if (now == complete) {
      ++replaced;
    } else {
      ADD_FAILURE() << "kill " << i << ": eval.json is neither the previous nor the complete report (" << now.size()
                    << " bytes); " << seedNote();
    }
  };
  killLoop(d, prepare, check, counts);
  summarise("eval --json", counts,
            std::to_string(kept) + " previous, " + std::to_string(replaced) + " new, " + std::to_string(absent) +
                " absent");
}

// synth and noise write a new folder: after a kill it is absent or complete.
TEST_F(SigKill, SynthDatasetIsAlwaysAbsentOrComplete) {
  rgbdsod::test::ScratchDir tmp("rgbdsod-sigkill-synth");
  expectNewFolderAbsentOrComplete(tmp, "synth", 20, [](const fs::path& out) {
    return std::vector<std::string>{"-q",     "synth", "--count", "6", "--size", "48x40", "--seed", "5",
                                    "--out", out.string()};
  });
}

TEST_F(SigKill, NoisyCopyIsAlwaysAbsentOrComplete) {
  rgbdsod::test::ScratchDir tmp("rgbdsod-sigkill-noise");
  const fs::path train = data() / "ds" / "train";
  expectNewFolderAbsentOrComplete(tmp, "noise", 10, [train](const fs::path& out) {
    return std::vector<std::string>{"-q", "noise", "--p", "0.3", "--data", train.string(), "--out", out.string()};
  });
}

// The HHA cache is rewritten file by file: after a kill every file in it is one the complete
// cache has, byte for byte (the encoder is deterministic, so the previous and the new are equal).
TEST_F(SigKill, HhaCacheHoldsOnlyCompleteFilesAfterEveryKill) {
  rgbdsod::test::ScratchDir tmp("rgbdsod-sigkill-hha");
  const fs::path ds = tmp / "train";
  fs::copy(data() / "ds" / "train", ds, fs::copy_options::recursive);
  const fs::path cache = ds / rgbdsod::core::kHhaFolder;
  const std::vector<std::string> args{"-q", "hha", "--force", "--data", ds.string()};
  const auto d = runToEnd(args, [] {});
  const Files complete = snapshotFiles(cache);
  ASSERT_GE(complete.size(), 5u);
  expectImagesDecode(cache, complete, cv::Size(48, 40));
  expectValidJson(complete.at(rgbdsod::core::kHhaManifest), "the HHA manifest");

  KillCounts counts;
  int files_seen = 0;
  const auto prepare = [&](int i) {
    if (i % 2 == 1) fs::remove_all(cache);  // every other run builds the cache from nothing
    return args;
  };
  const auto check = [&](int i) {
    removeTemporaries(cache, counts);
    for (const auto& [name, bytes] : snapshotFiles(cache)) {
      const auto it = complete.find(name);
      if (it == complete.end()) {
        ADD_FAILURE() << "kill " << i << ": unexpected file " << name << "; " << seedNote();
      } else {
        EXPECT_TRUE(bytes == it->second) << "kill " << i << ": " << name << " is incomplete; " << seedNote();
      }
      ++files_seen;
    }
  };
  killLoop(d, prepare, check, counts);
  summarise("hha", counts, std::to_string(files_seen) + " files checked");
}

}  // namespace
