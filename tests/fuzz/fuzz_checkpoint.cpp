// The training checkpoint reader (training::loadTrainCheckpoint, what --resume and the stages that
// start from an earlier run go through) on a file made from the input, into a tiny Learn-Select-Fuse
// teacher (model.width 1/64, model.level6_kernel 1). Any file must load or give a core::FileError naming it, never a
// crash or another exception. RGBDSOD_FUZZ_WRITE_SEED=FILE writes a valid checkpoint of that
// teacher to FILE and exits: scripts/fuzz.sh seeds the corpus with it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <torch/torch.h>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/models/lsf_stream.h"
#include "rgbdsod/training/checkpoint.h"

namespace fs = std::filesystem;

namespace {

rgbdsod::models::LsfStream& teacher() {
  static rgbdsod::models::LsfStream net = [] {
    rgbdsod::models::LsfStreamOptions o;
    o.backbone.backbone.width = 1.0 / 64;
    o.backbone.backbone.in_channels = 3;
    o.backbone.level6_kernel = 1;  // the smallest the config allows: a small seed file
    return rgbdsod::models::LsfStream(o);
  }();
  return net;
}

fs::path scratchFile() {
  const fs::path dir = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path();
  return dir / ("rgbdsod-fuzz-checkpoint-" + std::to_string(::getpid()) + ".pt");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torch::set_num_threads(1);
  if (const char* seed = std::getenv("RGBDSOD_FUZZ_WRITE_SEED")) {
    rgbdsod::training::TrainState s;
    s.step = 3;
    s.data = {1, 5};
    s.seed = 7;
    s.stage = "teacher";
    rgbdsod::training::saveTrainCheckpoint(seed, *teacher(), nullptr, s);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fs::path file = scratchFile();
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    (void)rgbdsod::training::loadTrainCheckpoint(file, *teacher(), nullptr);
  } catch (const rgbdsod::core::FileError&) {
    // unreadable, corrupt or another network: refused, naming the file
  }
  return 0;
}
