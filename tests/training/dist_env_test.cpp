// The launcher's environment (torchrun, SLURM) and the loader's shards of a global batch.
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <torch/types.h>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/training/batch_loader.h"
#include "rgbdsod/training/distributed.h"
#include "test_support.h"
#include "training_test_util.h"

namespace fs = std::filesystem;
using rgbdsod::training::DistEnv;
using rgbdsod::training::readDistEnv;

namespace {

DistEnv envOf(const std::map<std::string, std::string>& vars) {
  return readDistEnv([&vars](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

std::string errorOf(const std::map<std::string, std::string>& vars) {
  try {
    envOf(vars);
  } catch (const rgbdsod::core::Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST(DistEnv, NoLauncherMeansOneProcess) {
  const DistEnv e = envOf({});
  EXPECT_FALSE(e.distributed());
  EXPECT_EQ(e.world, 1);
  EXPECT_EQ(e.launcher, "none");
}

TEST(DistEnv, TorchrunVariablesAreRead) {
  const DistEnv e = envOf({{"RANK", "5"}, {"LOCAL_RANK", "1"}, {"WORLD_SIZE", "8"}, {"LOCAL_WORLD_SIZE", "4"},
                           {"MASTER_ADDR", "node3"}, {"MASTER_PORT", "29400"}});
  EXPECT_TRUE(e.distributed());
  EXPECT_EQ(e.launcher, "torchrun");
  EXPECT_EQ(e.rank, 5);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.world, 8);
  EXPECT_EQ(e.local_world, 4);
  EXPECT_EQ(e.master_addr, "node3");
  EXPECT_EQ(e.master_port, 29400);
  EXPECT_FALSE(e.agent_store);
  // torchrun's elastic agent serves the store; the ranks use the restart attempt's keys.
  const DistEnv agent = envOf({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                               {"TORCHELASTIC_RESTART_COUNT", "3"}});
  EXPECT_TRUE(agent.agent_store);
  EXPECT_EQ(agent.restart, 3);
}

TEST(DistEnv, SlurmVariablesAreReadWhenTorchrunsAreAbsent) {
  const DistEnv e = envOf({{"SLURM_PROCID", "3"}, {"SLURM_NTASKS", "4"}, {"SLURM_LOCALID", "1"},
                           {"SLURM_TASKS_PER_NODE", "2(x2)"}, {"MASTER_ADDR", "gpu01"}});
  EXPECT_EQ(e.launcher, "slurm");
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.world, 4);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.local_world, 2);
  EXPECT_EQ(e.master_addr, "gpu01");
  EXPECT_EQ(e.master_port, 29500);
  // One task (an sbatch script's own shell) is not a job of ranks.
  EXPECT_FALSE(envOf({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}}).distributed());
}

TEST(DistEnv, BadValuesAreRefusedNamingTheVariable) {
  EXPECT_NE(errorOf({{"WORLD_SIZE", "two"}}).find("WORLD_SIZE=two"), std::string::npos);
  EXPECT_NE(errorOf({{"WORLD_SIZE", "2"}, {"RANK", "2"}}).find("RANK=2"), std::string::npos);
  EXPECT_NE(errorOf({{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_PORT", "70000"}}).find("MASTER_PORT=70000"),
            std::string::npos);
  EXPECT_NE(errorOf({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}}).find("MASTER_ADDR is not set"), std::string::npos);
}

TEST(DistEnv, TheShardsOfABatchAreTheWholeBatchBitForBit) {
  rgbdsod::test::TempDir tmp;
  rgbdsod::test::writeTinySynth(tmp / "data", 24, 48, 40);
  auto dataset = rgbdsod::core::openDataset(tmp / "data" / "train");
  std::vector<std::size_t> all(dataset.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  auto source = std::make_shared<rgbdsod::training::SampleSource>(dataset, all, rgbdsod::core::DepthModality::Raw1,
                                                                  "auto", true);
  rgbdsod::training::LoaderOptions o;
  o.batch_size = 8;
  o.size = 32;
  const rgbdsod::training::BatchLoader whole(source, o);
  for (int k = 0; k < 3; ++k) {
    const auto full = whole.build(k);
    std::vector<torch::Tensor> rgb, gt;
    std::vector<std::string> names;
    for (int shard = 0; shard < 2; ++shard) {
      o.shard = shard;
      o.shards = 2;
      const rgbdsod::training::BatchLoader part(source, o);
      const auto b = part.build(k);
      rgb.push_back(b.rgb);
      gt.push_back(b.gt);
      names.insert(names.end(), b.names.begin(), b.names.end());
      EXPECT_EQ(b.end, full.end);  // the position is the global batch's
    }
    EXPECT_TRUE(torch::equal(torch::cat(rgb), full.rgb));
    EXPECT_TRUE(torch::equal(torch::cat(gt), full.gt));
    EXPECT_EQ(names, full.names);
  }
  o.shard = 0;
  o.shards = 3;
  try {
    const rgbdsod::training::BatchLoader odd(source, o);
    FAIL() << "a batch of 8 split into 3 was accepted";
  } catch (const rgbdsod::core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("data.batch_size 8 cannot be split into 3"), std::string::npos);
  }
}
