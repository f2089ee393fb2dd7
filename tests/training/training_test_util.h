#pragma once
// Shared by the training engine tests: a tiny synthetic dataset and tiny-model overrides, so
// each test trains in well under a second on a CPU.
#include <filesystem>
#include <string>
#include <vector>

#include "rgbdsod/core/synth.h"

namespace rgbdsod::test {

// <dir>/train and <dir>/test of `count` synthetic scenes (size x size).
inline void writeTinySynth(const std::filesystem::path& dir, int count = 24, int width = 48, int height = 40) {
  core::SynthConfig c;
  c.seed = 7;
  c.count = count;
  c.width = width;
  c.height = height;
  c.test_fraction = 0.25;
  core::writeSynthDataset(dir, c);
}

// 1/16 width, 32 px, batches of 4: a step takes milliseconds. One intra-op thread: on a busy
// 2-core machine, two threads made these tiny steps ~10x slower (threads waiting on each other).
inline std::vector<std::string> tinyOverrides(int steps, int checkpoint_every, int workers = 0) {
  return {"model.width=0.0625",
          "data.size=32",
          "data.batch_size=4",
          "data.workers=" + std::to_string(workers),
          "run.steps=" + std::to_string(steps),
          "run.checkpoint_every=" + std::to_string(checkpoint_every),
          "run.log_every=1",
          "run.threads=1",
          "seed=3"};
}

}  // namespace rgbdsod::test
