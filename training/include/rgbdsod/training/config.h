#pragma once
// The typed configuration of a training stage. A run's configuration is the stage's defaults,
// overlaid with a JSON file and then with `--set key=value` overrides (dotted keys). Every key must
// exist in the defaults and keep its type, so a typo or a bad value stops the run before it starts,
// naming the key and where it came from. The resolved JSON is written into the run folder, which
// is what `resume` and `infer` rebuild the model from. Torch-free.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rgbdsod/core/depth_modality.h"
#include "rgbdsod/core/errors.h"

namespace rgbdsod::training {

// A rejected key or value. what() reads "<origin>: <key>: <problem>".
class ConfigError : public core::Error {
 public:
  ConfigError(std::string key, const std::string& origin, const std::string& problem);
  const std::string& key() const noexcept { return key_; }

 private:
  std::string key_;
};

struct AugmentConfig {
  double crop_min_scale = 0.6;  // random resized crop: area share in [crop_min_scale, 1]; 1 = resize only
  bool hflip = true;
  double grayscale_p = 0.0;     // probability of turning the RGB image grey
  double jitter = 0.2;          // brightness / contrast / saturation factors in [1 - j, 1 + j]
};

struct DataConfig {
  int size = 128;        // square training resolution (multiple of 32: the VGG trunk has stride 32)
  int batch_size = 8;
  int workers = 2;       // 0: batches are built on the training thread
  int prefetch = 4;      // batches built ahead, at most
  core::DepthModality depth = core::DepthModality::Raw1;
  std::string polarity = "auto";  // "auto" (detect per dataset), "near-bright", "near-dark"
  AugmentConfig augment;
};

enum class OptimizerKind { Sgd, Adam };

struct OptimConfig {
  OptimizerKind kind = OptimizerKind::Sgd;
  double lr = 0.01;
  double momentum = 0.9;       // SGD
  double weight_decay = 5e-4;
  double beta1 = 0.9, beta2 = 0.999;  // Adam
  double backbone_lr_mult = 1.0;      // lr of the backbone group = lr * mult (new layers: lr)
  double poly_power = 0.9;            // lr * (1 - step / steps)^power; 0 = constant
  double clip_norm = 0.0;             // max global gradient norm; 0 = no clipping
};

struct RunConfig {
  std::int64_t steps = 2000;
  std::int64_t checkpoint_every = 200;
  int keep_checkpoints = 3;
  std::int64_t log_every = 10;  // metrics line every N steps (and at the last step)
  int threads = 0;              // LibTorch intra-op threads; 0 = all cores
  std::string device = "auto";  // auto (CUDA when there is one), cpu, cuda, cuda:N
  std::string precision = "fp32";  // fp32, or bf16 / fp16 autocast on CUDA
};

struct ValConfig {
  std::int64_t every = 0;   // validate every N steps (and at the end); 0 = never
  double fraction = 0.1;    // share of the training samples held out for validation (when every > 0)
  int max_images = 64;
};

// Fault injection for the tests of the failure paths; 0 = off. Not applied on --resume.
struct DebugConfig {
  std::int64_t nan_at_step = 0;      // the loss of this step (1-based) becomes NaN
  std::int64_t sigkill_at_step = 0;  // the process SIGKILLs itself after this step
};

struct TrainConfig {
  std::string stage;
  std::uint64_t seed = 1;
  DataConfig data;
  OptimConfig optim;
  RunConfig run;
  ValConfig val;
  DebugConfig debug;
  nlohmann::json model;  // stage-specific sections, type-checked here, read by the stage
  nlohmann::json loss;
  nlohmann::json resolved;  // the full resolved JSON (written to the run folder)
  std::map<std::string, std::string> origins;  // key -> where its value came from
};

// The stages that can be built ("teacher", "distill", "fuse", ...).
const std::vector<std::string>& stageNames();
// The defaults of a stage (all keys, with their types). Throws ConfigError for an unknown stage.
nlohmann::json stageDefaults(const std::string& stage);

// defaults + file (optional, empty path = none) + overrides ("a.b=value"; the value is JSON, or a
// string when it does not parse). Throws ConfigError naming the key and the file / override.
TrainConfig resolveConfig(const std::string& stage, const std::filesystem::path& file,
                          const std::vector<std::string>& overrides);
// A resolved JSON (the run folder's config.json) back into a TrainConfig, validated again.
TrainConfig configFromResolved(const nlohmann::json& resolved, const std::string& origin);

// The value at a dotted key ("model.width") of a JSON object, or null when a part is missing.
const nlohmann::json* findKey(const nlohmann::json& root, const std::string& dotted);

// Typed reads for the stage sections: the value at `key` (dotted, e.g. "model.width") of the
// resolved config, range-checked; ConfigError names the key and its origin.
double configNumber(const TrainConfig& c, const std::string& key, double min, double max);
std::string configChoice(const TrainConfig& c, const std::string& key, const std::vector<std::string>& choices);
std::string configString(const TrainConfig& c, const std::string& key);
bool configBool(const TrainConfig& c, const std::string& key);

}  // namespace rgbdsod::training
