#include "rgbdsod/training/checkpoint.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <sstream>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/zip_check.h"
#include "rgbdsod/models/checkpoint_format.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;

namespace {

std::int64_t readInt(torch::serialize::InputArchive& a, const std::string& key) {
  c10::IValue v;
  a.read(key, v);
  return v.toInt();
}

torch::Device modelDevice(const torch::nn::Module& model) {
  for (const auto& p : model.parameters()) return p.device();
  for (const auto& b : model.buffers()) return b.device();
  return torch::kCPU;
}

}  // namespace

void saveTrainCheckpoint(const fs::path& file, const torch::nn::Module& model,
                         const torch::optim::Optimizer* optimizer, const TrainState& state) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  models::writeModelFormat(archive);
  if (optimizer) {
    torch::serialize::OutputArchive opt_archive;
    optimizer->save(opt_archive);
    archive.write("optimizer", opt_archive);
  }
  archive.write("state_step", c10::IValue(state.step));
  archive.write("state_epoch", c10::IValue(state.data.epoch));
  archive.write("state_index", c10::IValue(state.data.index));
  archive.write("state_seed", c10::IValue(static_cast<std::int64_t>(state.seed)));
  archive.write("state_stage", c10::IValue(state.stage));
  archive.write("rng_torch_cpu", at::detail::getDefaultCPUGenerator().get_state(), /*is_buffer=*/true);
  std::ostringstream bytes;
  archive.save_to(bytes);
  fs::create_directories(file.parent_path());
  core::writeFileAtomic(file, bytes.str());
}

TrainState loadTrainCheckpoint(const fs::path& file, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                               bool restore_rng) {
  if (!fs::is_regular_file(file)) throw core::FileError(file, "checkpoint not found");
  // One open file for the check and the load: the run's trainer may prune this checkpoint
  // meanwhile (keep_checkpoints), and an unlinked file stays readable while it is open. Opening
  // the path twice made a load slower than the pruning fail for every file it had listed.
  std::ifstream in(file, std::ios::binary);
  if (!in) throw core::FileError(file, "checkpoint not found");
  // LibTorch checks no CRC and can crash on a damaged entry: refuse one here, named, so that
  // restoreNewestCheckpoint falls back to the previous file.
  core::checkZipArchive(in, file);
  in.clear();
  in.seekg(0);
  TrainState s;
  try {
    torch::serialize::InputArchive archive;
    // Mapped onto the model's device: a checkpoint written on CUDA loads on the CPU and back, and
    // Module::load would otherwise move a parameter to the device it was saved from.
    archive.load_from(in, modelDevice(model));
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    const std::string mismatch = models::describeArchitectureMismatch(model_archive, model, models::readModelFormat(archive));
    if (!mismatch.empty()) throw core::FileError(file, mismatch);
    model.load(model_archive);
    if (optimizer) {
      torch::serialize::InputArchive opt_archive;
      if (!archive.try_read("optimizer", opt_archive))
        throw core::FileError(file, "the checkpoint holds no optimiser state");
      optimizer->load(opt_archive);
    }
    s.step = readInt(archive, "state_step");
    s.data.epoch = readInt(archive, "state_epoch");
    s.data.index = readInt(archive, "state_index");
    s.seed = static_cast<std::uint64_t>(readInt(archive, "state_seed"));
    c10::IValue stage;
    archive.read("state_stage", stage);
    s.stage = stage.toStringRef();
    if (restore_rng) {
      torch::Tensor rng;
      archive.read("rng_torch_cpu", rng, /*is_buffer=*/true);
      at::Generator gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(rng.cpu());  // mapped to the model's device on load
    }
  } catch (const core::FileError&) {
    throw;
  } catch (const std::exception& e) {
    // c10::Error messages carry a C++ backtrace: keep the first line.
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    throw core::FileError(file, "corrupt or incompatible checkpoint (" + what + ")");
  }
  return s;
}

RestoredCheckpoint restoreNewestCheckpoint(const fs::path& run, torch::nn::Module& model,
                                           torch::optim::Optimizer* optimizer) {
  const auto files = listCheckpoints(run);
  if (files.empty()) throw core::FileError(checkpointDir(run), "no checkpoint to resume from");
  RestoredCheckpoint r;
  std::string tried;
  for (const auto& f : files) {
    try {
      r.state = loadTrainCheckpoint(f, model, optimizer);
      r.file = f;
      for (auto& w : r.warnings) w += "; using " + f.filename().string();
      return r;
    } catch (const core::FileError& e) {
      r.warnings.push_back(e.what());
      r.skipped.push_back(f);
      tried += std::string(tried.empty() ? "" : "; ") + e.what();
    }
  }
  throw core::FileError(checkpointDir(run), "no checkpoint could be loaded: " + tried);
}

fs::path loadRunWeights(const fs::path& run, torch::nn::Module& model) {
  const auto files = listCheckpoints(run);
  if (files.empty()) throw core::FileError(checkpointDir(run), "no checkpoint (has that stage been trained?)");
  std::string tried;
  for (const auto& f : files) {
    try {
      loadTrainCheckpoint(f, model, nullptr, /*restore_rng=*/false);
      return f;
    } catch (const core::FileError& e) {
      tried += std::string(tried.empty() ? "" : "; ") + e.what();
    }
  }
  throw core::FileError(checkpointDir(run), "no checkpoint could be loaded: " + tried);
}

void pruneCheckpoints(const fs::path& run, int keep) {
  const auto files = listCheckpoints(run);
  std::error_code ec;
  for (std::size_t i = static_cast<std::size_t>(std::max(keep, 1)); i < files.size(); ++i) fs::remove(files[i], ec);
}

}  // namespace rgbdsod::training
