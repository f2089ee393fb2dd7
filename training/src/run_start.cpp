#include "run_start.h"

#include <fstream>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/training/checkpoint_files.h"
#include "rgbdsod/training/run_folder.h"

namespace rgbdsod::training {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The first key where two resolved configs differ ("" when equal), fault injection aside.
std::string firstDifference(const json& a, const json& b, const std::string& prefix = "") {
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : a.items()) {
      if (prefix.empty() && key == "debug") continue;
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      if (!b.contains(key)) return path;
      if (std::string d = firstDifference(value, b.at(key), path); !d.empty()) return d;
    }
    for (const auto& [key, value] : b.items())
      if (!a.contains(key) && !(prefix.empty() && key == "debug")) return prefix.empty() ? key : prefix + "." + key;
    return {};
  }
  return a == b ? std::string() : (prefix.empty() ? std::string("(the whole config)") : prefix);
}

TrainConfig newRun(const TrainRequest& req, const RunPaths& paths) {
  TrainConfig config = resolveConfig(req.stage, req.config_file, req.overrides);
  if (!listCheckpoints(req.run).empty())
    throw core::FileError(req.run, "already holds checkpoints: use --resume to continue it, or another --out");
  fs::create_directories(req.run);
  core::writeFileAtomic(paths.config(), config.resolved.dump(2) + "\n");
  return config;
}

TrainConfig savedRun(const TrainRequest& req, const RunPaths& paths) {
  json resolved;
  try {
    resolved = json::parse(core::readJsonFile(paths.config()));
  } catch (const json::exception& e) {
    throw core::FileError(paths.config(), std::string("not valid JSON: ") + e.what());
  }
  TrainConfig config = configFromResolved(resolved, paths.config().string());
  if (!req.stage.empty() && req.stage != config.stage)
    throw ConfigError("stage", "--stage", "the run was trained as '" + config.stage + "', not '" + req.stage + "'");
  // A resumed run keeps its configuration: anything else would not continue "exactly". The same
  // keys again (a launcher repeating its command) are fine.
  if (!req.config_file.empty() || !req.overrides.empty()) {
    const TrainConfig asked = resolveConfig(config.stage, req.config_file, req.overrides);
    if (const std::string key = firstDifference(asked.resolved, config.resolved); !key.empty())
      throw core::Error("--config and --set cannot change a run on --resume (its config.json is used): " + key +
                        " differs from " + paths.config().string());
  }
  config.debug = DebugConfig{};  // fault injection belongs to the process that asked for it
  return config;
}

}  // namespace

RunStart decideRunStart(const TrainRequest& req) {
  const RunPaths paths{req.run};
  RunStart start;
  if (!req.resume) {
    start.config = newRun(req, paths);
    return start;
  }
  if (!fs::exists(paths.config())) {
    if (req.stage.empty())
      throw core::FileError(paths.config(), "cannot open: nothing to resume (give --stage to start the run, or start "
                                            "without --resume)");
    // A launcher's first attempt: nothing was written yet.
    start.config = newRun(req, paths);
    return start;
  }
  start.config = savedRun(req, paths);
  start.from_checkpoint = !listCheckpoints(req.run).empty();
  return start;
}

}  // namespace rgbdsod::training
