// `rgbdsod train` and `rgbdsod infer` end to end: the real binary, a real SIGKILL.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.h"
#include "test_support.h"
#include "training_test_util.h"

namespace fs = std::filesystem;
using rgbdsod::test::TempDir;

namespace {

using RunResult = rgbdsod::test::CliResult;
using rgbdsod::test::runCli;

std::string tinySets(int steps, int checkpoint_every) {
  std::string s;
  for (const auto& o : rgbdsod::test::tinyOverrides(steps, checkpoint_every)) s += " --set " + o;
  return s;
}

std::vector<std::int64_t> loggedSteps(const fs::path& run) {
  std::vector<std::int64_t> steps;
  std::ifstream in(run / "metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("loss")) steps.push_back(j["step"].get<std::int64_t>());
  }
  return steps;
}

std::string fmt_step(std::int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%09lld.pt", static_cast<long long>(step));
  return name;
}

}  // namespace

TEST(TrainCli, TrainThenInferWritesPngsAtTheGtSize) {
  TempDir tmp;
  rgbdsod::test::writeTinySynth(tmp / "data", 16, 48, 40);
  const auto run = tmp / "run";
  const RunResult t = runCli("-q train --stage teacher --data '" + (tmp / "data").string() + "' --out '" +
                             run.string() + "'" + tinySets(3, 2));
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_TRUE(fs::exists(run / "checkpoints" / "step-000000003.pt"));

  const auto out = tmp / "pred";
  const RunResult i = runCli("-q infer --run '" + run.string() + "' --data '" + (tmp / "data" / "test").string() +
                             "' --out '" + out.string() + "' --sides");
  ASSERT_EQ(i.code, 0) << i.err;
  int pngs = 0;
  for (const auto& e : fs::directory_iterator(tmp / "data" / "test" / "GT")) {
    const auto pred = out / (e.path().stem().string() + ".png");
    ASSERT_TRUE(fs::exists(pred)) << pred;
    const cv::Mat m = cv::imread(pred.string(), cv::IMREAD_UNCHANGED);
    EXPECT_EQ(m.type(), CV_8UC1);
    EXPECT_EQ(m.size(), cv::imread(e.path().string(), cv::IMREAD_UNCHANGED).size());
    // Side outputs by the paper's level: LSF predicts levels 2-6 (level 1 takes no part in inference).
    const std::string stem = e.path().stem().string();
    for (const char* tag : {"_side2.png", "_side6.png", "_side_fused.png"})
      EXPECT_TRUE(fs::exists(out / "sides" / (stem + tag))) << stem << tag;
    EXPECT_FALSE(fs::exists(out / "sides" / (stem + "_side1.png")));
    ++pngs;
  }
  EXPECT_EQ(pngs, 4);
}

TEST(TrainCli, AKilledRunResumesAndItsLossCurveContinues) {
  TempDir tmp;
  rgbdsod::test::writeTinySynth(tmp / "data", 16, 48, 40);
  const auto run = tmp / "run";
  const std::string base = "-q train --stage teacher --data '" + (tmp / "data").string() + "' --out '" + run.string() + "'";
  // SIGKILL after step 5: the checkpoint of step 4 survives, step 5 is in the metrics but not saved.
  const RunResult killed = runCli(base + tinySets(8, 4) + " --set debug.sigkill_at_step=5");
  EXPECT_EQ(killed.code, 128 + 9) << killed.err;
  EXPECT_EQ(loggedSteps(run), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));

  const RunResult resumed = runCli(base + " --resume");
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(loggedSteps(run), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_TRUE(fs::exists(run / "checkpoints" / "step-000000008.pt"));
}

TEST(TrainCli, BadSettingsFailWithTheKeyNamed) {
  TempDir tmp;
  rgbdsod::test::writeTinySynth(tmp / "data", 8, 48, 40);
  const RunResult r = runCli("-q train --stage teacher --data '" + (tmp / "data").string() + "' --out '" +
                             (tmp / "run").string() + "' --set data.batch_sise=2");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("data.batch_sise"), std::string::npos) << r.err;
  const RunResult s = runCli("-q train --stage nope --data '" + (tmp / "data").string() + "' --out '" +
                             (tmp / "run").string() + "'");
  EXPECT_EQ(s.code, 2);
  EXPECT_NE(s.err.find("unknown stage"), std::string::npos) << s.err;
  // Near misses name the intended stage and key.
  const RunResult typo = runCli("-q train --stage teachr --data '" + (tmp / "data").string() + "' --out '" +
                                (tmp / "run").string() + "'");
  EXPECT_NE(typo.err.find("did you mean 'teacher'?"), std::string::npos) << typo.err;
  EXPECT_NE(r.err.find("did you mean 'data.batch_size'?"), std::string::npos) << r.err;
}

TEST(TrainCli, RecipeRunsItsStagesAndResumesAsARecipe) {
  TempDir tmp;
  rgbdsod::test::writeTinySynth(tmp / "data", 12, 48, 40);
  const std::string base = "-q train --data '" + (tmp / "data").string() + "' --out '" + (tmp / "run").string() + "'";
  // A key no stage of the recipe has, a misspelt recipe: refused before anything is written.
  const RunResult bad = runCli(base + " --recipe supervision-transfer --set model.variant=full");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("model.variant"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(tmp / "run" / "recipe.json"));
  const RunResult unknown = runCli(base + " --recipe learn-select-fool");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("learn-select-fuse"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("did you mean 'learn-select-fuse'?"), std::string::npos) << unknown.err;

  const RunResult ok = runCli(base + " --recipe supervision-transfer" + tinySets(2, 100) + " --set transfer.model.tap=conv4");
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_TRUE(fs::exists(tmp / "run" / "1-teacher" / "checkpoints" / "step-000000002.pt"));
  EXPECT_TRUE(fs::exists(tmp / "run" / "2-transfer" / "checkpoints" / "step-000000002.pt"));
  // --resume of a finished recipe: every step is skipped.
  const RunResult again = runCli("train --resume --data '" + (tmp / "data").string() + "' --out '" +
                                 (tmp / "run").string() + "'");
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("already finished"), std::string::npos) << again.out;
  // The checkpoint printed is the real file of the last step.
  const std::string last = (tmp / "run" / "2-transfer" / "checkpoints" / "step-000000002.pt").string();
  EXPECT_NE(again.out.find("checkpoint " + last), std::string::npos) << again.out;
}

TEST(TrainCli, CtrlCWritesACheckpointAndStopsCleanly) {
  TempDir tmp;
  rgbdsod::test::writeTinySynth(tmp / "data", 16, 48, 40);
  const auto run = tmp / "run";
  std::vector<std::string> args{RGBDSOD_CLI_PATH, "-q", "train", "--stage", "teacher", "--data",
                                (tmp / "data").string(), "--out", run.string()};
  for (const auto& o : rgbdsod::test::tinyOverrides(100000, 100000)) args.insert(args.end(), {"--set", o});
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  // Interrupt once a few steps are logged (the handler is installed by then).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (loggedSteps(run).size() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by the signal instead of stopping";
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const auto steps = loggedSteps(run);
  ASSERT_FALSE(steps.empty());
  EXPECT_TRUE(fs::exists(run / "checkpoints" / fmt_step(steps.back()))) << steps.back();
}

TEST(TrainCli, KeysPrintsAStagesSchema) {
  const RunResult t = runCli("train --keys distill");
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("model.teacher"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("run of teacher"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("[32, 4096]"), std::string::npos) << t.out;  // data.size

  const RunResult j = runCli("train --keys cas --json");
  ASSERT_EQ(j.code, 0) << j.err;
  const auto schema = nlohmann::json::parse(j.out);
  ASSERT_TRUE(schema.is_array());
  bool alpha = false;
  for (const auto& s : schema)
    if (s["key"] == "loss.alpha") {
      alpha = true;
      EXPECT_EQ(s["kind"], "number");
      EXPECT_DOUBLE_EQ(s["default"].get<double>(), 0.1);
      EXPECT_DOUBLE_EQ(s["max"].get<double>(), 1.0);
    }
  EXPECT_TRUE(alpha) << j.out;

  const RunResult bad = runCli("train --keys teachr");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("teacher"), std::string::npos) << bad.err;
  // Without --keys, --data and --out are still required.
  const RunResult missing = runCli("train --stage teacher --out /nonexistent/run");
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.err.find("--data"), std::string::npos) << missing.err;
}
