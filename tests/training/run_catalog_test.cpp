// The run folder's bookkeeping that the studio's Training workspace reads: the lock (one job per
// folder, freed by a dead process), status.json, metrics read while they grow, the runs list.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include <gtest/gtest.h>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/training/run_catalog.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/run_lock.h"
#include "rgbdsod/training/run_metrics.h"
#include "test_support.h"
#include "training_test_util.h"

namespace fs = std::filesystem;
using namespace rgbdsod;
using namespace rgbdsod::training;

namespace {

void append(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::app | std::ios::binary);
  out << text;
}

}  // namespace

TEST(RunLock, ASecondJobOnTheSameFolderIsRefusedNamingTheFolderAndHolder) {
  test::TempDir dir;
  const fs::path run = dir.path() / "run";
  const RunLock first(run);
  EXPECT_TRUE(runInUse(run));
  try {
    RunLock second(run, 50);
    FAIL() << "a second lock was granted";
  } catch (const core::FileError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(run.string()), std::string::npos) << what;
    EXPECT_NE(what.find("in use"), std::string::npos) << what;
    EXPECT_NE(what.find("pid " + std::to_string(::getpid())), std::string::npos) << what;
  }
}

TEST(RunLock, IsFreedWhenItsProcessIsKilled) {
  test::TempDir dir;
  const fs::path run = dir.path() / "run";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const RunLock lock(run);
    const char c = 'x';
    [[maybe_unused]] auto n = ::write(ready[1], &c, 1);
    ::pause();  // killed below while holding the lock
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  EXPECT_TRUE(runInUse(run));
  EXPECT_THROW(RunLock(run, 20), core::FileError);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_FALSE(runInUse(run));  // the lock file stays, but nobody holds it
  EXPECT_NO_THROW(RunLock{run});
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST(MetricsTail, ReadsOnlyCompleteLinesAndContinuesWhereItStopped) {
  test::TempDir dir;
  const fs::path file = dir.path() / "metrics.jsonl";
  MetricsTail tail(file);
  EXPECT_FALSE(tail.poll());  // no file yet: no error
  append(file, R"({"step": 1, "time": 100.0, "loss": 2.0, "lr": 0.01, "terms": {"bce": 1.5}})" "\n");
  append(file, R"({"step": 2, "time": 101.5, "loss": 1.0, "lr": 0.009, "terms": {"bce": 0.7}})" "\n");
  append(file, R"({"step": 3, "loss": 0.)");  // torn: being written
  ASSERT_TRUE(tail.poll());
  ASSERT_EQ(tail.series().series.at("loss").size(), 2u);
  EXPECT_DOUBLE_EQ(tail.series().series.at("loss")[1].value, 1.0);
  EXPECT_DOUBLE_EQ(tail.series().series.at("loss")[1].time, 1.5);
  EXPECT_DOUBLE_EQ(tail.series().series.at("terms/bce")[0].value, 1.5);
  EXPECT_EQ(tail.series().last_step, 2);
  EXPECT_FALSE(tail.poll());
  append(file, "5}\n" R"({"step": 3, "val": {"images": 4, "mae": 0.25, "sm": null}})" "\n");
  ASSERT_TRUE(tail.poll());
  EXPECT_EQ(tail.series().series.at("loss").size(), 3u);
  EXPECT_DOUBLE_EQ(tail.series().series.at("loss")[2].value, 0.5);
  EXPECT_LT(tail.series().series.at("loss")[2].time, 0);  // the line had no time
  EXPECT_DOUBLE_EQ(tail.series().series.at("val/mae")[0].value, 0.25);
  EXPECT_EQ(tail.series().series.count("val/sm"), 0u);      // null: not a point
  EXPECT_EQ(tail.series().series.count("val/images"), 0u);  // a count, not a curve
  EXPECT_TRUE(tail.warnings().empty());
}

TEST(MetricsTail, StartsAgainWhenAResumedRunRewritesTheFile) {
  test::TempDir dir;
  const fs::path file = dir.path() / "metrics.jsonl";
  append(file, "{\"step\": 1, \"loss\": 3}\n{\"step\": 2, \"loss\": 2}\n{\"step\": 3, \"loss\": 1}\n");
  MetricsTail tail(file);
  ASSERT_TRUE(tail.poll());
  truncateMetricsAfter(file, 1);  // what --resume from step 1 does (atomic rewrite)
  append(file, "{\"step\": 2, \"loss\": 9}\n");
  ASSERT_TRUE(tail.poll());
  const auto& loss = tail.series().series.at("loss");
  ASSERT_EQ(loss.size(), 2u);
  EXPECT_DOUBLE_EQ(loss[1].value, 9.0);
}

TEST(MetricsTail, ABadLineIsSkippedWithItsLineNumber) {
  test::TempDir dir;
  const fs::path file = dir.path() / "metrics.jsonl";
  append(file, "{\"step\": 1, \"loss\": 3}\nnot json\n{\"loss\": 1}\n{\"step\": 4, \"loss\": 1}\n");
  MetricsTail tail(file);
  ASSERT_TRUE(tail.poll());
  EXPECT_EQ(tail.series().series.at("loss").size(), 2u);
  ASSERT_EQ(tail.warnings().size(), 2u);
  EXPECT_NE(tail.warnings()[0].find("metrics.jsonl:2"), std::string::npos) << tail.warnings()[0];
  EXPECT_NE(tail.warnings()[1].find("metrics.jsonl:3"), std::string::npos) << tail.warnings()[1];
}

TEST(RunCatalog, ListsRunsWithStateStepsAndLastMetricsAsTheyEnd) {
  test::TempDir dir;
  test::writeTinySynth(dir.path() / "data", 12);
  const fs::path root = dir.path() / "runs";
  TrainRequest req;
  req.stage = "teacher";
  req.data = dir.path() / "data";
  req.run = root / "finished";
  req.overrides = test::tinyOverrides(3, 3);
  req.overrides.push_back("val.every=3");
  req.overrides.push_back("val.fraction=0.25");
  ASSERT_EQ(runTraining(req, {}, {}).outcome, TrainOutcome::Finished);

  req.run = root / "stopped";
  req.overrides = test::tinyOverrides(50, 50);
  core::CancelToken cancel;
  const TrainResult stopped = runTraining(
      req, [&](const TrainProgress& p) { if (p.step == 2) cancel.cancel(); }, cancel);
  ASSERT_EQ(stopped.outcome, TrainOutcome::Stopped);

  // A job that died mid-run leaves status.json saying "running" and a lock nobody holds (the real
  // SIGKILL and --resume are the CLI test's; forking a process that has run LibTorch is not safe).
  req.run = root / "killed";
  req.overrides = test::tinyOverrides(10, 1);
  core::CancelToken cancel2;
  ASSERT_EQ(runTraining(req, [&](const TrainProgress& p) { if (p.step == 2) cancel2.cancel(); }, cancel2).outcome,
            TrainOutcome::Stopped);
  RunStatus died = *readRunStatus(req.run);
  died.state = "running";
  writeRunStatus(req.run, died);

  const auto runs = scanRuns(root);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].name, "finished");
  EXPECT_EQ(runs[0].state, RunState::Finished);
  EXPECT_EQ(runs[0].stage, "teacher");
  EXPECT_EQ(runs[0].step, 3);
  EXPECT_EQ(runs[0].steps, 3);
  EXPECT_EQ(runs[0].data, (dir.path() / "data").string());
  EXPECT_GT(runs[0].last_loss, 0);
  EXPECT_EQ(runs[0].last_val.count("mae"), 1u);
  EXPECT_EQ(runs[1].name, "killed");
  EXPECT_EQ(runs[1].state, RunState::Crashed);
  EXPECT_EQ(runs[1].step, 2);
  EXPECT_EQ(runs[2].name, "stopped");
  EXPECT_EQ(runs[2].state, RunState::Stopped);
  EXPECT_EQ(runs[2].step, 2);

  // A crashed run resumes (its lock died with it) and then reads as finished.
  TrainRequest resume;
  resume.run = root / "killed";
  resume.data = dir.path() / "data";
  resume.resume = true;
  ASSERT_EQ(runTraining(resume, {}, {}).outcome, TrainOutcome::Finished);
  EXPECT_EQ(readRunSummary(root / "killed").state, RunState::Finished);

  const auto teachers = compatibleRuns(scanRuns(root), {"teacher"});
  EXPECT_EQ(teachers.size(), 3u);
  EXPECT_TRUE(compatibleRuns(runs, {"distill"}).empty());
}

TEST(RunCatalog, AFailedRunNamesTheFileThatStoppedIt) {
  test::TempDir dir;
  test::writeTinySynth(dir.path() / "data", 12);
  TrainRequest req;
  req.stage = "teacher";
  req.data = dir.path() / "data";
  req.run = dir.path() / "run";
  req.overrides = test::tinyOverrides(4, 2);
  core::CancelToken cancel;
  ASSERT_EQ(runTraining(req, [&](const TrainProgress& p) { if (p.step == 2) cancel.cancel(); }, cancel).outcome,
            TrainOutcome::Stopped);
  // The data goes bad between sittings: the resumed job fails naming the file.
  const fs::path bad = dir.path() / "data" / "train" / "RGB";
  for (const auto& e : fs::directory_iterator(bad)) {
    std::ofstream(e.path(), std::ios::trunc) << "not an image";
  }
  req.resume = true;
  req.overrides.clear();
  req.stage.clear();
  EXPECT_THROW(runTraining(req, {}, {}), core::Error);
  const RunSummary s = readRunSummary(req.run);
  EXPECT_EQ(s.state, RunState::Failed);
  EXPECT_NE(s.message.find((dir.path() / "data" / "train" / "RGB").string()), std::string::npos) << s.message;
}

TEST(RunCatalog, AFolderThatIsNoRunIsRefusedNamingIt) {
  test::TempDir dir;
  EXPECT_THROW(readRunSummary(dir.path()), core::FileError);
  EXPECT_TRUE(scanRuns(dir.path() / "missing").empty());
}
