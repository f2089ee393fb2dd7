#pragma once
// `rgbdsod infer`: predictions of a trained run on datasets, written the way evaluation toolboxes
// read them (8-bit PNG named after the sample, at the GT's original size). Torch-free.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "rgbdsod/core/progress.h"

namespace rgbdsod::training {

struct InferRequest {
  std::filesystem::path run;   // a run folder (config.json + checkpoints)
  std::filesystem::path data;  // a dataset folder, or a folder of datasets
  std::filesystem::path out;   // <out>/<name>.png for one dataset, <out>/<dataset>/<name>.png for several
  // Also <out>[/<dataset>]/sides/<name>_<tag>.png: _side<N> (combined side outputs when the network
  // has them, else the raw ones), _side<N>_raw (raw ones beside combined ones), _side_fused, _fg,
  // _bg, and branch maps (_rgb_level3, _depth_level3).
  bool sides = false;
  bool depth_as_rgb = false;   // RGB-only networks: predict from the depth map (zero-shot baseline)
  // Only these sample names; empty = all. A name that no dataset holds is a core::FileError
  // naming it and the data folder. ({} keeps aggregate initialisers with fewer fields warning-free.)
  std::vector<std::string> samples{};
  std::string device{"auto"};  // auto (CUDA when there is one), cpu, cuda, cuda:N
};

struct InferSummary {
  std::size_t images = 0;
  std::filesystem::path checkpoint;             // the checkpoint used (newest loadable)
  std::vector<std::filesystem::path> folders;   // written prediction folders
};

// Reports progress as stage "infer"; honours cancellation (throws core::Cancelled). Throws
// core::FileError for a missing run, config or dataset.
InferSummary runInference(const InferRequest& request, const core::JobContext& job = {});

}  // namespace rgbdsod::training
