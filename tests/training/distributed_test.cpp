// Data-parallel training over c10d Gloo on loopback (issue 16): the real `rgbdsod train` started as
// ranks with exactly the environment torchrun sets (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT). Debian 12's own torchrun crashes at start on Python 3.11, so the test
// is the launcher.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/cuda.h>
#include <torch/types.h>

#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/checkpoint_files.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/stage.h"
#include "test_support.h"
#include "training_test_util.h"

extern char** environ;

namespace fs = std::filesystem;
using rgbdsod::test::TempDir;

namespace {

struct Proc {
  pid_t pid = -1;
  fs::path output;  // stdout and stderr
};

// `rgbdsod <args>` with extra environment variables, its output in `output`.
Proc spawnCli(const std::vector<std::string>& args, const std::map<std::string, std::string>& extra,
              const fs::path& output) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    if (!extra.count(kv.substr(0, kv.find('=')))) env.push_back(kv);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  std::vector<std::string> argv{RGBDSOD_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> av, ev;
  for (auto& a : argv) av.push_back(a.data());
  av.push_back(nullptr);
  for (auto& e : env) ev.push_back(e.data());
  ev.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  Proc p;
  p.output = output;
  if (posix_spawn(&p.pid, av[0], &fa, nullptr, av.data(), ev.data()) != 0) p.pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return p;
}

// The exit status (128 + N for signal N), or -1 when the process outlived `limit` (then killed).
int waitFor(const Proc& p, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < end) {
    const pid_t r = ::waitpid(p.pid, &status, WNOHANG);
    if (r == p.pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(p.pid, SIGKILL);
  ::waitpid(p.pid, &status, 0);
  return -1;
}

std::string readText(const fs::path& f) {
  std::ifstream in(f);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::map<std::string, std::string> rankEnv(int rank, int world, int port) {
  return {{"RANK", std::to_string(rank)},         {"LOCAL_RANK", std::to_string(rank)},
          {"WORLD_SIZE", std::to_string(world)},  {"LOCAL_WORLD_SIZE", std::to_string(world)},
          {"MASTER_ADDR", "127.0.0.1"},           {"MASTER_PORT", std::to_string(port)}};
}

// A tiny teacher with the global batch 8 (each of two ranks loads 4).
std::vector<std::string> trainArgs(const fs::path& data, const fs::path& run, int steps,
                                   std::vector<std::string> more = {}) {
  std::vector<std::string> a{"-q", "train", "--stage", "teacher", "--data", data.string(), "--out", run.string()};
  for (auto o : rgbdsod::test::tinyOverrides(steps, 10)) {
    if (o.rfind("data.batch_size=", 0) == 0) o = "data.batch_size=8";
    a.insert(a.end(), {"--set", o});
  }
  for (const auto& m : more) a.push_back(m);
  return a;
}

// Runs `args` as `world` ranks; returns each rank's exit status.
std::vector<int> runRanks(int world, const std::vector<std::string>& args, const fs::path& logs,
                          std::chrono::seconds limit = std::chrono::seconds(120)) {
  const int port = rgbdsod::test::freeLoopbackPort();
  std::vector<Proc> procs;
  for (int r = 0; r < world; ++r)
    procs.push_back(spawnCli(args, rankEnv(r, world, port), logs / ("rank" + std::to_string(r) + ".log")));
  std::vector<int> codes;
  for (const auto& p : procs) codes.push_back(waitFor(p, limit));
  return codes;
}

std::vector<double> loggedLosses(const fs::path& run) {
  std::vector<double> losses;
  for (const auto& j : rgbdsod::training::readMetrics(run / "metrics.jsonl"))
    if (j.contains("loss")) losses.push_back(j["loss"].get<double>());
  return losses;
}

double maxRelativeDifference(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(std::abs(a[i]), 1e-12));
  return worst;
}

// The largest absolute difference between two runs' final weights.
double maxWeightDifference(const fs::path& run_a, const fs::path& run_b) {
  using namespace rgbdsod::training;
  auto load = [](const fs::path& run) {
    const TrainConfig config = readRunConfig(run);
    auto stage = makeStage(config, StageBuild::Architecture);
    loadTrainCheckpoint(listCheckpoints(run).front(), stage->model(), nullptr, /*restore_rng=*/false);
    return stage;
  };
  const auto a = load(run_a);
  const auto b = load(run_b);
  const auto pa = a->model().named_parameters();
  const auto pb = b->model().named_parameters();
  double worst = 0;
  for (const auto& item : pa) worst = std::max(worst, (item.value() - pb[item.key()]).abs().max().item<double>());
  return worst;
}

class Distributed : public ::testing::Test {
 protected:
  void SetUp() override { rgbdsod::test::writeTinySynth(tmp_ / "data", 40, 48, 40); }
  TempDir tmp_{"rgbdsod-ddp"};
  fs::path data() const { return tmp_ / "data"; }
};

}  // namespace

TEST_F(Distributed, TwoRanksOfFourTrainAsOneProcessOfEight) {
  const auto one = tmp_ / "one";
  const auto two = tmp_ / "two";
  const auto sync = tmp_ / "two-after-backward";
  fs::create_directories(tmp_ / "logs1");
  ASSERT_EQ(runRanks(1, trainArgs(data(), one, 20), tmp_ / "logs1").front(), 0) << readText(tmp_ / "logs1/rank0.log");
  fs::create_directories(tmp_ / "logs2");
  EXPECT_EQ(runRanks(2, trainArgs(data(), two, 20), tmp_ / "logs2"), (std::vector<int>{0, 0}))
      << readText(tmp_ / "logs2/rank0.log") << readText(tmp_ / "logs2/rank1.log");
  fs::create_directories(tmp_ / "logs3");
  EXPECT_EQ(runRanks(2, trainArgs(data(), sync, 20, {"--dist-no-overlap"}), tmp_ / "logs3"),
            (std::vector<int>{0, 0}))
      << readText(tmp_ / "logs3/rank0.log") << readText(tmp_ / "logs3/rank1.log");

  const auto a = loggedLosses(one), b = loggedLosses(two), c = loggedLosses(sync);
  ASSERT_EQ(a.size(), 20u);
  ASSERT_EQ(b.size(), 20u);
  ASSERT_EQ(c.size(), 20u);
  EXPECT_LT(maxRelativeDifference(a, b), 1e-4);
  EXPECT_LT(maxRelativeDifference(a, c), 1e-4);
  EXPECT_LT(maxWeightDifference(one, two), 1e-5);
  EXPECT_LT(maxWeightDifference(one, sync), 1e-5);
  // Rank 0 alone wrote the run folder: one log, one metrics file, the checkpoints.
  EXPECT_EQ(rgbdsod::training::listCheckpoints(two).size(), 2u);
  EXPECT_NE(readText(two / "train.log").find("2 ranks"), std::string::npos);
}

TEST_F(Distributed, AKilledRankEndsTheOtherWithANamedError) {
  const auto run = tmp_ / "run";
  const int port = rgbdsod::test::freeLoopbackPort();
  const auto args = trainArgs(data(), run, 100000, {"--dist-timeout", "60"});
  const Proc r0 = spawnCli(args, rankEnv(0, 2, port), tmp_ / "rank0.log");
  const Proc r1 = spawnCli(args, rankEnv(1, 2, port), tmp_ / "rank1.log");
  // Wait until the ranks train, then SIGKILL rank 1 in the middle of the job.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (loggedLosses(run).size() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_GE(loggedLosses(run).size(), 3u) << readText(tmp_ / "rank0.log");
  ::kill(r1.pid, SIGKILL);
  EXPECT_EQ(waitFor(r1, std::chrono::seconds(10)), 128 + SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  const int code = waitFor(r0, std::chrono::seconds(60));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "rank 0 hung after rank 1 died";
  EXPECT_LT(seconds, 60.0);
  const std::string out = readText(tmp_ / "rank0.log");
  EXPECT_NE(out.find("rank 0 of 2"), std::string::npos) << out;
  EXPECT_NE(out.find("died"), std::string::npos) << out;
  EXPECT_EQ(nlohmann::json::parse(readText(run / "status.json"))["state"], "failed");
}

TEST_F(Distributed, ATwoRankRunResumesAsOneProcess) {
  const auto one = tmp_ / "one";
  const auto run = tmp_ / "run";
  fs::create_directories(tmp_ / "l1");
  ASSERT_EQ(runRanks(1, trainArgs(data(), one, 20), tmp_ / "l1").front(), 0);
  // Both ranks SIGKILL themselves after step 10 (rank 0 has written checkpoint 10 by then).
  fs::create_directories(tmp_ / "l2");
  const auto args = trainArgs(data(), run, 20, {"--set", "debug.sigkill_at_step=10", "--resume"});
  EXPECT_EQ(runRanks(2, args, tmp_ / "l2"), (std::vector<int>{128 + SIGKILL, 128 + SIGKILL}))
      << readText(tmp_ / "l2/rank0.log");
  ASSERT_EQ(rgbdsod::training::listCheckpoints(run).size(), 1u);
  // What a writer killed mid-write leaves behind goes once the next job holds the lock.
  const auto stale = run / "checkpoints" / ".step-000000020.pt.tmp-999999-0";
  std::ofstream(stale) << "partial";
  std::ofstream(run / ".status.json.tmp-999999-3") << "{";
  // The launcher's same command again, now as one process: it continues from step 10.
  fs::create_directories(tmp_ / "l3");
  ASSERT_EQ(runRanks(1, args, tmp_ / "l3").front(), 0) << readText(tmp_ / "l3/rank0.log");
  const auto a = loggedLosses(one), b = loggedLosses(run);
  ASSERT_EQ(b.size(), 20u);
  EXPECT_LT(maxRelativeDifference(a, b), 1e-4);
  EXPECT_LT(maxWeightDifference(one, run), 1e-5);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(run / ".status.json.tmp-999999-3"));
}

TEST_F(Distributed, AGlobalBatchThatDoesNotSplitIntoTheRanksIsRefusedNamingTheKey) {
  fs::create_directories(tmp_ / "logs");
  auto args = trainArgs(data(), tmp_ / "run", 5);
  args.insert(args.end(), {"--set", "data.batch_size=5"});
  const auto codes = runRanks(2, args, tmp_ / "logs");
  EXPECT_NE(codes[0], 0);
  const std::string out = readText(tmp_ / "logs/rank0.log");
  EXPECT_NE(out.find("data.batch_size 5 cannot be split into 2"), std::string::npos) << out;
}

// MoCo under data-parallel training: each rank queues the keys of the whole global batch (gathered
// in rank order), so the queue advances by the global batch per step and is the same on every rank.
TEST_F(Distributed, MocoQueuesTheKeysOfEveryRank) {
  const auto run = tmp_ / "moco";
  std::vector<std::string> args{"-q", "train", "--stage", "contrast-intra", "--data", data().string(), "--out",
                                run.string()};
  for (auto o : rgbdsod::test::tinyOverrides(3, 10)) {
    if (o.rfind("data.batch_size=", 0) == 0) o = "data.batch_size=8";
    args.insert(args.end(), {"--set", o});
  }
  args.insert(args.end(), {"--set", "model.queue_size=64", "--set", "model.momentum=0.9"});
  fs::create_directories(tmp_ / "logs");
  ASSERT_EQ(runRanks(2, args, tmp_ / "logs"), (std::vector<int>{0, 0})) << readText(tmp_ / "logs/rank0.log");
  using namespace rgbdsod::training;
  auto stage = makeStage(readRunConfig(run), StageBuild::Architecture);
  loadTrainCheckpoint(listCheckpoints(run).front(), stage->model(), nullptr, false);
  // The intra stage queues RGB and depth keys (the fusion queue is the inter stage's).
  const auto buffers = stage->model().named_buffers();
  EXPECT_EQ(buffers["rgb_queue.ptr"].item<std::int64_t>(), 3 * 8);
  EXPECT_EQ(buffers["depth_queue.ptr"].item<std::int64_t>(), 3 * 8);
}

// `--resume` as the one command a launcher repeats on every restart (torchrun --max-restarts).
TEST_F(Distributed, ResumeStartsARunThatHasNoCheckpointYet) {
  const auto run = tmp_ / "run";
  fs::create_directories(tmp_ / "l1");
  const auto args = trainArgs(data(), run, 4, {"--resume"});
  ASSERT_EQ(runRanks(1, args, tmp_ / "l1").front(), 0) << readText(tmp_ / "l1/rank0.log");  // no folder yet
  EXPECT_EQ(loggedLosses(run).size(), 4u);
  // A folder with its config but no checkpoint (killed before the first): step 0 with that config.
  const auto early = tmp_ / "early";
  fs::create_directories(early);
  fs::copy_file(run / "config.json", early / "config.json");
  fs::create_directories(tmp_ / "l2");
  ASSERT_EQ(runRanks(1, trainArgs(data(), early, 4, {"--resume"}), tmp_ / "l2").front(), 0)
      << readText(tmp_ / "l2/rank0.log");
  EXPECT_EQ(loggedLosses(early), loggedLosses(run));
  // The same command again on the finished run: nothing changes; another value is refused by name.
  fs::create_directories(tmp_ / "l3");
  EXPECT_EQ(runRanks(1, args, tmp_ / "l3").front(), 0) << readText(tmp_ / "l3/rank0.log");
  fs::create_directories(tmp_ / "l4");
  EXPECT_NE(runRanks(1, trainArgs(data(), run, 5, {"--resume"}), tmp_ / "l4").front(), 0);
  const std::string refused = readText(tmp_ / "l4/rank0.log");
  EXPECT_NE(refused.find("run.steps differs"), std::string::npos) << refused;
  EXPECT_EQ(loggedLosses(run).size(), 4u);
}

TEST_F(Distributed, CudaOrBf16WithoutAGpuAreRefusedBeforeAnythingIsWritten) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "this machine has a CUDA device";
  for (const auto& [key, expected] : std::vector<std::pair<std::string, std::string>>{
           {"run.device=cuda:1", "run.device: device cuda:1: no CUDA device was found"},
           {"run.precision=bf16", "run.precision: precision bf16 needs a CUDA device"}}) {
    const auto run = tmp_ / ("run-" + key.substr(4, 6));
    fs::create_directories(tmp_ / "logs");
    EXPECT_EQ(runRanks(1, trainArgs(data(), run, 2, {"--set", key}), tmp_ / "logs").front(), 2);  // a config error
    const std::string out = readText(tmp_ / "logs/rank0.log");
    EXPECT_NE(out.find(expected), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(run)) << key;
  }
  // Inference too: a run is refused a missing GPU before any prediction is written.
  const auto run = tmp_ / "cpu-run";
  fs::create_directories(tmp_ / "l5");
  ASSERT_EQ(runRanks(1, trainArgs(data(), run, 2), tmp_ / "l5").front(), 0) << readText(tmp_ / "l5/rank0.log");
  const Proc infer = spawnCli({"infer", "--run", run.string(), "--data", (data() / "test").string(), "--out",
                               (tmp_ / "pred").string(), "--device", "cuda:1"},
                              {}, tmp_ / "infer.log");
  EXPECT_NE(waitFor(infer, std::chrono::seconds(60)), 0);
  const std::string out = readText(tmp_ / "infer.log");
  EXPECT_NE(out.find("--device: device cuda:1: no CUDA device was found"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(tmp_ / "pred"));
}

// A recipe under a launcher: rank 0 keeps the recipe folder, every rank runs the same steps, and
// each step trains as it does in one process.
TEST_F(Distributed, ARecipeRunsOnTwoRanksAsInOneProcess) {
  auto args = [&](const fs::path& out) {
    std::vector<std::string> a{"-q", "train", "--recipe", "supervision-transfer", "--data", data().string(), "--out",
                               out.string(), "--resume"};
    for (auto o : rgbdsod::test::tinyOverrides(4, 10)) {
      if (o.rfind("data.batch_size=", 0) == 0) o = "data.batch_size=8";
      a.insert(a.end(), {"--set", o});
    }
    return a;
  };
  fs::create_directories(tmp_ / "l1");
  fs::create_directories(tmp_ / "l2");
  ASSERT_EQ(runRanks(1, args(tmp_ / "one"), tmp_ / "l1").front(), 0) << readText(tmp_ / "l1/rank0.log");
  ASSERT_EQ(runRanks(2, args(tmp_ / "two"), tmp_ / "l2"), (std::vector<int>{0, 0}))
      << readText(tmp_ / "l2/rank0.log") << readText(tmp_ / "l2/rank1.log");
  for (const char* step : {"1-teacher", "2-transfer"}) {
    const auto a = loggedLosses(tmp_ / "one" / step), b = loggedLosses(tmp_ / "two" / step);
    ASSERT_EQ(b.size(), 4u) << step;
    EXPECT_LT(maxRelativeDifference(a, b), 1e-4) << step;
  }
}
