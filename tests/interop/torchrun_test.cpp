// rgbdsod's ranks under PyTorch's own launcher (issue 16): torchrun's elastic agent serves the
// store and restarts the workers (--max_restarts), and `rgbdsod train --resume` is the one
// command it repeats. Debian 12's torchrun needs a one-line Python 3.11 fix (torchrun_compat.py);
// the test skips with the reason when /usr/bin/python3 has no torch.
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "test_support.h"

namespace fs = std::filesystem;
using rgbdsod::test::runCommand;
using rgbdsod::test::shellQuote;

namespace {

std::vector<double> losses(const fs::path& run) {
  std::vector<double> out;
  std::ifstream in(run / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("loss")) out.push_back(j["loss"].get<double>());
  }
  return out;
}

}  // namespace

TEST(Torchrun, RestartsKilledRanksThatResumeAndMatchOneProcess) {
  rgbdsod::test::TempDir tmp("rgbdsod-torchrun");
  const std::string cli = shellQuote(std::string(RGBDSOD_CLI_PATH));
  ASSERT_EQ(runCommand(cli + " -q synth --out " + shellQuote(tmp / "data") + " --count 40 --size 48x40").code, 0);
  std::string sets;
  for (const char* s : {"model.width=0.0625", "data.size=32", "data.batch_size=8", "data.workers=0", "run.steps=20",
                        "run.checkpoint_every=10", "run.log_every=1", "run.threads=1", "seed=3"})
    sets += std::string(" --set ") + s;
  const std::string train = " -q train --stage teacher --data " + shellQuote(tmp / "data") + sets;
  ASSERT_EQ(runCommand(cli + train + " --out " + shellQuote(tmp / "one")).code, 0);

  // Both ranks SIGKILL themselves after step 10; the agent starts them again with the same command.
  // A free port, not --master_port=0: torchrun 1.13 hands 0 to the workers as MASTER_PORT.
  const auto run = tmp / "run";
  const auto r = runCommand(std::string(RGBDSOD_INTEROP_PYTHON) + " " +
                            shellQuote(std::string(RGBDSOD_INTEROP_SCRIPTS) + "/torchrun_compat.py") +
                            " --nproc_per_node=2 --master_port=" +
                            std::to_string(rgbdsod::test::freeLoopbackPort()) +
                            " --max_restarts=1 --monitor_interval=1 --no_python " +
                            cli + train + " --out " + shellQuote(run) + " --set debug.sigkill_at_step=10 --resume");
  if (r.code == 77) GTEST_SKIP() << "python3-torch is not installed (" << r.err << ")";
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string log = rgbdsod::test::readFileText(run / "train.log");
  EXPECT_NE(log.find("resumed from step-000000010.pt at step 10"), std::string::npos) << log;
  const auto status = nlohmann::json::parse(rgbdsod::test::readFileText(run / "status.json"));
  EXPECT_EQ(status["state"], "finished");
  const auto a = losses(tmp / "one"), b = losses(run);
  ASSERT_EQ(a.size(), 20u);
  ASSERT_EQ(b.size(), 20u);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(b[i], a[i], 1e-4 * std::abs(a[i])) << "step " << i + 1;
}
