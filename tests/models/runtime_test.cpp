#include <thread>

#include <gtest/gtest.h>
#include <torch/utils.h>

#include "rgbdsod/models/runtime.h"

using namespace rgbdsod::models;

TEST(Runtime, InitUsesEveryCoreByDefault) {
  const RuntimeInfo info = initRuntime();
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  EXPECT_EQ(info.intra_op_threads, cores);
  EXPECT_EQ(torch::get_num_threads(), cores);
  EXPECT_FALSE(info.torch_version.empty());
}

TEST(Runtime, ExplicitThreadCountIsApplied) {
  EXPECT_EQ(initRuntime(1).intra_op_threads, 1);
  EXPECT_EQ(runtimeInfo().intra_op_threads, 1);
  initRuntime();
}
