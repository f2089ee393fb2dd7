#pragma once
// ModelCore: the one way the studio and the CLI run a trained network on a sample. It loads run
// folders (any stage or recipe step) from their config and newest loadable checkpoint, owns the
// device and the thread count, and serves inference requests in its own worker thread, one at a
// time, newest first. Results are plain data (every map of the network's Prediction as images at
// the sample's original size), so this header is torch-free and Qt translation units include it.
//
// Lives in training/, not models/ as DESIGN.md first drew it: building a network from a run's
// config is the stages' knowledge (training/stage.h), and models/ must not depend on training/.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/training/data_source.h"

namespace rgbdsod::training {

// One map of a prediction, by name and level. Names:
//   "final"                       the saliency map (RecNet: the fused map relu(F - B))
//   "side/level<N>"               raw level-specific side output P_N (paper's level numbers)
//   "side_combined/level<N>"      after dense backward combination P~_N (Learn-Select-Fuse)
//   "side_fused"                  the learned combination of the combined side outputs
//   "foreground", "background"    RecNet's two branches
//   "<modality>/level<N>"         per-modality branch maps, e.g. "rgb/level3", "depth/level3"
//   "zero_shot/<name>"            the same maps of an RGB-only network fed the depth map
struct InspectMap {
  std::string name;
  std::string group;   // "final", "side", "side_combined", "side_fused", "fg_bg", "branch", "zero_shot"
  int level = 0;       // the paper's level; 0 when the map has none
  cv::Mat probability; // CV_32FC1 in [0,1] at the sample's original size
  cv::Mat image;       // CV_8UC1, what `rgbdsod infer` writes (probability x 255, truncated as there)
};

struct ModelDescription {
  std::filesystem::path run;
  std::string stage;                                      // config "stage": teacher, fuse, recnet, ...
  std::vector<std::pair<std::string, std::string>> keys;  // the architecture keys (model.*, data.depth, data.size)
  std::filesystem::path checkpoint;                       // the checkpoint in use
  std::int64_t step = -1;                                 // its training step
  std::string device;                                     // "cpu", "cuda:0"
  int input_size = 0;                                     // data.size: the network's input side
  bool takes_depth = false;                               // the network reads the depth map
  bool predicts_saliency = true;                          // false for pre-training stages
  bool zero_shot = false;                                 // an RGB-only network: can be fed depth
  std::vector<std::string> warnings;                      // e.g. a corrupt newest checkpoint skipped
};

struct ModelCoreOptions {
  std::string device = "auto";  // "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:N"
  int threads = 0;              // LibTorch intra-op threads; <= 0: all cores
};

using RunId = int;
using Ticket = std::uint64_t;

struct InspectRequest {
  RunId run = -1;
  std::filesystem::path dataset;  // a dataset folder (RGB/, depth/, GT/)
  std::string sample;             // the sample's name (file stem) in that dataset
  bool zero_shot = false;         // also the maps of the depth fed to an RGB-only network
  // Requests of one lane supersede each other: a newer one drops the older pending ones of the
  // same lane (browsing fast must not pile up work). Different lanes (two runs compared side by
  // side, a figure being built) do not drop each other.
  std::string lane = "default";
};

enum class InspectStatus { Done, Failed, Cancelled, Superseded };

struct InspectResult {
  Ticket ticket = 0;
  RunId run = -1;
  std::string sample;
  InspectStatus status = InspectStatus::Done;
  std::string error;            // for Failed: the message, naming the file
  cv::Size original;            // the sample's original size (the GT's, else the RGB's)
  std::vector<InspectMap> maps; // "final" first, then in the order of the list above
  std::int64_t checkpoint_step = -1;
  double seconds = 0;           // time of the forward pass and map conversion

  const InspectMap* find(const std::string& name) const;
};

using InspectCallback = std::function<void(const InspectResult&)>;

struct ModelCoreStats {
  std::uint64_t submitted = 0;
  std::uint64_t run = 0;         // requests that started
  std::uint64_t superseded = 0;  // dropped before they started
  std::uint64_t cancelled = 0;
};

class ModelCore {
 public:
  explicit ModelCore(ModelCoreOptions options = {});
  ~ModelCore();  // cancels what is pending, finishes the running request, joins the worker
  ModelCore(const ModelCore&) = delete;
  ModelCore& operator=(const ModelCore&) = delete;

  // Loads a run in the caller's thread (the studio calls it from a worker). Throws core::FileError
  // naming the folder or file, ConfigError for a bad config, core::Error when the device is absent.
  RunId load(const std::filesystem::path& run);
  void unload(RunId run);
  // Loads the newest loadable checkpoint again; safe while a request of this run is running (it
  // finishes on the weights it started with). Returns the new description.
  ModelDescription reload(RunId run);
  ModelDescription describe(RunId run) const;  // throws core::Error for an unknown id
  std::vector<RunId> runs() const;
  std::string device() const;

  // Queues a request; `done` is called once, from the worker thread, with every outcome
  // (Done, Failed, Cancelled, Superseded).
  Ticket submit(InspectRequest request, InspectCallback done);
  void cancel(Ticket ticket);  // pending: dropped; running: its result is reported Cancelled
  // Blocks until nothing is pending or running (tests, the screenshot mode, the CLI).
  bool waitIdle(std::chrono::milliseconds timeout = std::chrono::milliseconds(60000));
  ModelCoreStats stats() const;

  // The same computation in the caller's thread, for the CLI's `infer` (one prediction path).
  InspectResult inspectNow(RunId run, const LoadedSample& sample, bool zero_shot = false);
  // The run's sample of `dataset` named `sample`, loaded as the run's config wants it (depth
  // modality and polarity), cached per run and dataset.
  LoadedSample loadSample(RunId run, const std::filesystem::path& dataset, const std::string& sample);

  struct State;  // the loaded runs, the queue and the worker (model_core.cpp)

 private:
  std::shared_ptr<State> state_;
};

const char* toString(InspectStatus status);

}  // namespace rgbdsod::training
