#pragma once
// What the torch-free front end and rgbdsod-plot share to predict with a run: `rgbdsod-engine
// infer` run as a child process (`rgbdsod figure` columns, `rgbdsod labels rank --run`), and the
// one-dataset argument both commands take. Torch-free.
#include <filesystem>
#include <string>
#include <vector>

#include "commands.h"
#include "rgbdsod/core/dataset.h"

namespace rgbdsod::cli {

struct EngineInfer {
  std::filesystem::path run, data, out;
  std::vector<std::string> samples;  // empty: every sample
  std::string context;               // prefixed to every message, e.g. "column 'CA-Fuse': "
  std::string needs;                 // what needs the engine, for the message when it is missing
  std::string alternative;           // what to give instead, for that message
};

// A private temporary folder (<tmp>/rgbdsod-<tag>-XXXXXX) for the engine's maps, removed with its
// content when it goes out of scope (errors and Ctrl-C included: the interrupt handler only sets a
// flag). Throws core::FileError when it cannot be created.
class ScratchFolder {
 public:
  explicit ScratchFolder(const std::string& tag);
  ~ScratchFolder();
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `rgbdsod-engine infer --run RUN --data DATA --out OUT [--samples a,b,c]` and waits for it;
// its output goes to stderr (stdout is the caller's report). Throws core::Error naming the run
// when the engine is missing, cannot start, is killed or fails; core::Cancelled after Ctrl-C.
void runEngineInfer(const EngineInfer& job, const GlobalOptions& globals);

// The dataset folder `data`, which must be one dataset (not a collection such as demo/ with
// train/ and test/: then the message lists them, after `why_one`). Throws core::FileError.
core::Dataset openSingleDataset(const std::filesystem::path& data, const std::string& why_one);

}  // namespace rgbdsod::cli
