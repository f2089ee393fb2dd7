#include "rgbdsod/training/config.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "rgbdsod/core/input_limits.h"
#include "rgbdsod/core/depth.h"
#include "rgbdsod/core/spelling.h"
#include "rgbdsod/training/config_schema.h"

namespace rgbdsod::training {

using nlohmann::json;

ConfigError::ConfigError(std::string key, const std::string& origin, const std::string& problem)
    : core::Error(fmt::format("{}: {}: {}", origin, key, problem)), key_(std::move(key)) {}

namespace {

const char* kDefaultOrigin = "defaults";

// Keys shared by every stage. Floats are written as floats so that "1" is accepted for them.
json baseDefaults() {
  return json{
      {"seed", 1},
      {"data",
       {{"size", 128}, {"batch_size", 8}, {"workers", 2}, {"prefetch", 4}, {"depth", "raw"},
        {"polarity", "auto"},
        {"augment", {{"crop_min_scale", 0.6}, {"hflip", true}, {"grayscale_p", 0.0}, {"jitter", 0.2}}}}},
      {"optim",
       {{"name", "sgd"}, {"lr", 0.01}, {"momentum", 0.9}, {"weight_decay", 5e-4}, {"beta1", 0.9},
        {"beta2", 0.999}, {"backbone_lr_mult", 1.0}, {"poly_power", 0.9}, {"clip_norm", 0.0}}},
      {"run", {{"steps", 2000}, {"checkpoint_every", 200}, {"keep_checkpoints", 3}, {"log_every", 10}, {"threads", 0},
               {"device", "auto"}, {"precision", "fp32"}}},
      {"val", {{"every", 0}, {"fraction", 0.1}, {"max_images", 64}}},
      {"debug", {{"nan_at_step", 0}, {"sigkill_at_step", 0}}},
  };
}

std::string typeName(const json& v) {
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  return "null";
}

// Overlays `src` onto `dst` (which holds the defaults): only known keys, same types.
void overlay(json& dst, const json& src, const std::string& prefix, const std::string& origin,
             std::map<std::string, std::string>& origins) {
  for (const auto& [k, v] : src.items()) {
    const std::string key = prefix.empty() ? k : prefix + "." + k;
    if (!dst.contains(k)) {
      std::vector<std::string> known;
      for (const auto& [name, value] : dst.items()) known.push_back(prefix.empty() ? name : prefix + "." + name);
      throw ConfigError(key, origin, "unknown key" + core::didYouMean(key, known));
    }
    json& d = dst[k];
    if (d.is_object()) {
      if (!v.is_object()) throw ConfigError(key, origin, "expected an object, got " + typeName(v));
      overlay(d, v, key, origin, origins);
      continue;
    }
    const bool ok = (d.is_boolean() && v.is_boolean()) || (d.is_string() && v.is_string()) ||
                    (d.is_number_float() && v.is_number()) ||
                    (d.is_number_integer() && v.is_number_integer());
    if (!ok) {
      std::string want = typeName(d);
      if (d.is_number_integer() && v.is_number_float()) want = "a whole number";
      throw ConfigError(key, origin, fmt::format("expected {}, got {}", want, v.dump()));
    }
    d = d.is_number_float() ? json(v.get<double>()) : v;
    origins[key] = origin;
  }
}

}  // namespace

const json* findKey(const json& root, const std::string& dotted) {
  const json* node = &root;
  std::stringstream ss(dotted);
  std::string part;
  while (std::getline(ss, part, '.')) {
    if (!node->is_object() || !node->contains(part)) return nullptr;
    node = &(*node)[part];
  }
  return node;
}

namespace {

std::string originOf(const TrainConfig& c, const std::string& key) {
  const auto it = c.origins.find(key);
  return it == c.origins.end() ? kDefaultOrigin : it->second;
}

double number(const TrainConfig& c, const std::string& key, double min, double max) {
  const json* v = findKey(c.resolved, key);
  if (!v || !v->is_number()) throw ConfigError(key, originOf(c, key), "missing or not a number");
  const double x = v->get<double>();
  if (!std::isfinite(x) || x < min || x > max)
    throw ConfigError(key, originOf(c, key), fmt::format("must be in [{}, {}], got {}", min, max, x));
  return x;
}

// Every leaf value against the stage's schema (its ranges and choices), so that `--set`, a config
// file, a run's config.json and the studio's form refuse the same values with the same message.
void checkAgainstSchema(const TrainConfig& c, const std::vector<KeySpec>& schema) {
  for (const auto& s : schema) {
    if (s.kind == KeyKind::Integer || s.kind == KeyKind::Number) {
      const double x = number(c, s.key, s.min, s.max);
      if (s.multiple_of > 0 && std::fmod(x, s.multiple_of) != 0.0)
        throw ConfigError(s.key, originOf(c, s.key), fmt::format("must be a multiple of {}", s.multiple_of));
    } else if (s.kind == KeyKind::Choice && s.key != "data.depth") {
      // data.depth is parsed below: the core parser also takes other spellings (raw1, depth3).
      configChoice(c, s.key, s.choices);
    }
  }
}

TrainConfig typed(json resolved, std::map<std::string, std::string> origins) {
  TrainConfig c;
  c.resolved = std::move(resolved);
  c.origins = std::move(origins);
  c.stage = c.resolved.at("stage").get<std::string>();
  const std::vector<KeySpec> schema = configSchema(c.stage);
  checkAgainstSchema(c, schema);
  // The reads below take their ranges and choices from the schema (checked above already).
  const auto spec = [&schema](const std::string& key) -> const KeySpec& {
    const KeySpec* s = findKeySpec(schema, key);
    if (!s) throw std::logic_error("config: no schema entry for " + key);
    return *s;
  };
  const auto num = [&](const std::string& key) { return number(c, key, spec(key).min, spec(key).max); };
  const auto whole = [&](const std::string& key) { return static_cast<std::int64_t>(num(key)); };
  const auto pick = [&](const std::string& key) { return configChoice(c, key, spec(key).choices); };
  // Range-checked above; read exactly, as a double skips integers above 2^53.
  c.seed = c.resolved.at("seed").get<std::uint64_t>();

  auto& d = c.data;
  d.size = static_cast<int>(whole("data.size"));
  d.batch_size = static_cast<int>(whole("data.batch_size"));
  d.workers = static_cast<int>(whole("data.workers"));
  d.prefetch = static_cast<int>(whole("data.prefetch"));
  const std::string depth = configString(c, "data.depth");
  const auto modality = core::parseDepthModality(depth);
  if (!modality)
    throw ConfigError("data.depth", originOf(c, "data.depth"),
                      "expected raw, raw3, disparity or hha, got '" + depth + "'");
  d.depth = *modality;
  d.polarity = pick("data.polarity");
  d.augment.crop_min_scale = num("data.augment.crop_min_scale");
  d.augment.hflip = c.resolved["data"]["augment"]["hflip"].get<bool>();
  d.augment.grayscale_p = num("data.augment.grayscale_p");
  d.augment.jitter = num("data.augment.jitter");

  auto& o = c.optim;
  o.kind = pick("optim.name") == "adam" ? OptimizerKind::Adam : OptimizerKind::Sgd;
  o.lr = num("optim.lr");
  o.momentum = num("optim.momentum");
  o.weight_decay = num("optim.weight_decay");
  o.beta1 = num("optim.beta1");
  o.beta2 = num("optim.beta2");
  o.backbone_lr_mult = num("optim.backbone_lr_mult");
  o.poly_power = num("optim.poly_power");
  o.clip_norm = num("optim.clip_norm");

  auto& r = c.run;
  r.steps = whole("run.steps");
  r.checkpoint_every = whole("run.checkpoint_every");
  r.keep_checkpoints = static_cast<int>(whole("run.keep_checkpoints"));
  r.log_every = whole("run.log_every");
  r.threads = static_cast<int>(whole("run.threads"));
  r.device = pick("run.device");
  r.precision = pick("run.precision");

  c.val.every = whole("val.every");
  c.val.fraction = num("val.fraction");
  c.val.max_images = static_cast<int>(whole("val.max_images"));
  c.debug.nan_at_step = whole("debug.nan_at_step");
  c.debug.sigkill_at_step = whole("debug.sigkill_at_step");
  c.model = c.resolved.at("model");
  c.loss = c.resolved.at("loss");
  return c;
}

json parseOverrideValue(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const json::exception&) {
    return json(text);  // a bare word: a string value (optim.name=adam)
  }
}

}  // namespace

const std::vector<std::string>& stageNames() {
  static const std::vector<std::string> names{"teacher", "distill", "fuse", "recnet", "transfer", "contrast-intra",
                                              "contrast-inter", "contrast", "downstream", "cas"};
  return names;
}

namespace {

// Learn-Select-Fuse streams: VGG-16 (+ level-6 global conv) at a width, side heads, BPDC.
// level6_kernel 13: the paper's "new 512 13x13 convolutional layer" (Sec. 4.2).
json lsfModel() { return {{"width", 0.125}, {"level6_kernel", 13}}; }

json contrastiveModel() {
  return {{"width", 0.125},         {"embedding_dim", 128}, {"projection_hidden", 2048},
          {"attention_reduction", 16}};
}

}  // namespace

json stageDefaults(const std::string& stage) {
  json d = baseDefaults();
  d["stage"] = stage;
  d["loss"] = json::object();
  if (stage == "teacher") {
    // Learn-Select-Fuse RGB teacher: VGG-16 + side heads + BPDC, Eq. 9 (combined side outputs and
    // their fused term; side_weight, the raw P_i, is ours). The paper's learning rates (1e-7,
    // 1e-6, 2e-9) are for Caffe losses summed over pixels: ours averages BCE, so only distill's fits.
    d["model"] = lsfModel();
    d["model"]["pretrained"] = "";  // torchvision VGG-16 archive (rgbdsod weights import)
    d["loss"] = {{"side_weight", 0.0}, {"combined_weight", 1.0}, {"fused_weight", 1.0}};
  } else if (stage == "distill") {
    // Hierarchical cross-modal distillation (Eq. 3): unlabeled RGB-D pairs, the teacher frozen.
    d["model"] = lsfModel();
    d["model"]["teacher"] = "";             // run folder of the trained teacher
    d["model"]["student_init"] = "teacher"; // "teacher" (its weights, first conv summed) or "random"
    // Eq. 3: g(x, y) = ||x - y||_2^2 on the logits, summed over pixels ("mean" and
    // on_probabilities are ours); with that sum the paper's rate 1e-6 (Sec. 4.2) applies.
    d["loss"] = {{"on_probabilities", false}, {"reduction", "sum"}};
    d["optim"]["lr"] = 1e-6;
  } else if (stage == "fuse") {
    // CA-Fuse RGB-D fusion (Eq. 6); init "streams" is the paper's, "rgb" / "random" its Table 3 rows.
    d["model"] = lsfModel();
    d["model"].update({{"init", "streams"}, {"teacher", ""}, {"student", ""}, {"mode", "select"},
                       {"branch_supervision", true}, {"cross_level", true}});
    // Eq. 6: branches, combined joint predictions and the fused term (side_weight: ours).
    d["loss"] = {{"side_weight", 0.0}, {"combined_weight", 1.0}, {"branch_weight", 1.0}, {"fused_weight", 1.0}};
  } else if (stage == "recnet") {
    // RecNet: variant = a Table 2 row ("recnet", "backbone+foreground", "backbone+two-branches",
    // "background-ram", "foreground-ram"); attention_index "danet" (Eqs. 2-3 summed over Eq. 1's
    // softmax index) or "printed" (x_ji literally); loss = Eq. 4 + Eq. 5 (cooperative = false: "RecNet
    // w/o cooperative loss"), D_KL(prediction, target) as KL(target || prediction) ("target-first")
    // or KL(prediction || target) ("prediction-first", the overlap's 0 taken as overlap_epsilon).
    d["model"] = {{"width", 0.125}, {"variant", "recnet"}, {"attention_index", "danet"}, {"depth_input", "none"},
                  {"pretrained", ""}};
    d["loss"] = {{"cooperative", true}, {"cooperative_weight", 1.0}, {"kl_direction", "target-first"},
                 {"overlap_epsilon", 1e-6}};
    d["optim"]["lr"] = 0.005;
  } else if (stage == "transfer") {
    // Supervision transfer: the depth trunk learns the RGB network's mid-level feature (L2).
    d["model"] = lsfModel();
    // The paper: pool5, the depth layers "from random initialization", f = ||x - y||^2. Reduction
    // "mean" (f / (C*H*W), only a scale: SGD at lr 0.01 diverges on the sum) or "sum" (f as written).
    d["model"].update({{"teacher", ""}, {"tap", "pool5"}, {"depth_init", "random"}});
    d["loss"] = {{"reduction", "mean"}};
  } else if (stage == "contrast-intra" || stage == "contrast-inter" || stage == "contrast") {
    // Modality-balanced contrastive pre-training. Two-stage schedule: contrast-intra (MoCo per
    // modality), then contrast-inter (+ the fusion encoder's L_inter) from it; "contrast" is the
    // one-stage variant (both terms from the start).
    // The paper's values: queue 16384, 50% mask (Table 3), tau_intra 0.1, tau_inter 0.04 (0.1 for
    // the alignment baseline), lambda1 = lambda2 = 0.5 (Eq. 8; lambda2 = 0 in the intra stage),
    // SGD momentum 0.9, weight decay 0.0002, lr 0.03 (intra stage) / 0.05 (inter stage) / 0.07
    // (one-stage), augmentations "random clipping, grayscale transformation and random flip".
    // Ours: the key-encoder EMA (MoCo's 0.999, the paper gives none), batch 8 (paper 64).
    d["model"] = contrastiveModel();
    d["model"].update({{"queue_size", 16384}, {"momentum", 0.999}, {"mask_ratio", 0.5}, {"inter", "fusion"},
                       {"init", ""}});
    const bool intra_only = stage == "contrast-intra";
    d["loss"] = {{"lambda_intra", 0.5}, {"lambda_inter", intra_only ? 0.0 : 0.5}, {"tau_intra", 0.1},
                 {"tau_inter", 0.04}, {"tau_alignment", 0.1}};
    d["optim"]["lr"] = intra_only ? 0.03 : stage == "contrast-inter" ? 0.05 : 0.07;
    d["optim"]["weight_decay"] = 2e-4;
    d["optim"]["poly_power"] = 0.0;
    d["data"]["augment"]["grayscale_p"] = 0.2;
    d["data"]["augment"]["jitter"] = 0.0;  // no colour jitter in the paper's list (MoCo v2's 0.4: an option)
    d["data"]["augment"]["crop_min_scale"] = 0.2;
  } else if (stage == "downstream") {
    // Saliency from the frozen pre-trained encoders; only the decoder learns.
    d["model"] = contrastiveModel();
    d["model"].update({{"pretrained", ""}, {"decoder_channels", 64}, {"use_fusion", true}});
    d["loss"] = {{"side_weight", 1.0}};
  } else if (stage == "cas") {
    // Class-agnostic segmentation (CAS paper): M-channel output; the saliency channel is the one
    // correlating best with the GT of the validation split (Sec. 4.2), or of model.selection_data
    // (ours) when set. Eq. 1 with the paper's alpha = 0.1 on the uniformer ("paper"; "relative" is
    // ours). Sec. 6: "The learning rate was 1e-3 with Adam"; it names no weight decay or schedule,
    // so none (PyTorch's Adam defaults, a constant rate).
    d["model"] = lsfModel();
    d["model"].update({{"classes", 2}, {"pretrained", ""}, {"selection_data", ""}});
    d["loss"] = {{"name", "cas"}, {"alpha", 0.1}, {"uniformer", "paper"}, {"connected_components", false}};
    d["optim"]["name"] = "adam";
    d["optim"]["lr"] = 1e-3;
    d["optim"]["weight_decay"] = 0.0;
    d["optim"]["poly_power"] = 0.0;
    d["val"]["every"] = 500;
  } else {
    std::string known;
    for (const auto& n : stageNames()) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError("stage", "--stage",
                      "unknown stage '" + stage + "'" + core::didYouMean(stage, stageNames()) + " (known: " + known + ")");
  }
  return d;
}

TrainConfig resolveConfig(const std::string& stage, const std::filesystem::path& file,
                          const std::vector<std::string>& overrides) {
  json resolved = stageDefaults(stage);
  std::map<std::string, std::string> origins;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) throw core::FileError(file, "cannot open the config file");
    json j;
    try {
      j = json::parse(core::readJsonFile(file));  // size and nesting limits first
    } catch (const json::exception& e) {
      throw core::FileError(file, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object()) throw core::FileError(file, "the config must be a JSON object");
    if (j.contains("stage") && j["stage"] != stage)
      throw ConfigError("stage", file.string(), "the file is for stage " + j["stage"].dump() + ", not '" + stage + "'");
    j.erase("stage");
    overlay(resolved, j, "", file.string(), origins);
  }
  for (const auto& item : overrides) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError(item, "--set", "expected key=value");
    const std::string key = item.substr(0, eq);
    if (key == "stage") throw ConfigError(key, "--set " + item, "use --stage");
    // Build {"a": {"b": value}} from "a.b" and overlay it like a file.
    json patch = parseOverrideValue(item.substr(eq + 1));
    try {
      (void)patch.dump();  // a bare word is any bytes: the run's config.json must be able to hold it
    } catch (const json::type_error&) {
      throw ConfigError(key, "--set " + item, "the value is not valid UTF-8");
    }
    std::string rest = key;
    for (auto dot = rest.rfind('.'); ; dot = rest.rfind('.')) {
      const std::string leaf = dot == std::string::npos ? rest : rest.substr(dot + 1);
      if (leaf.empty()) throw ConfigError(key, "--set " + item, "empty key component");
      patch = json{{leaf, patch}};
      if (dot == std::string::npos) break;
      rest = rest.substr(0, dot);
    }
    overlay(resolved, patch, "", "--set " + item, origins);
  }
  return typed(std::move(resolved), std::move(origins));
}

TrainConfig configFromResolved(const json& resolved, const std::string& origin) {
  if (!resolved.is_object() || !resolved.contains("stage") || !resolved["stage"].is_string())
    throw ConfigError("stage", origin, "missing");
  json full = stageDefaults(resolved["stage"].get<std::string>());
  std::map<std::string, std::string> origins;
  json rest = resolved;
  rest.erase("stage");
  overlay(full, rest, "", origin, origins);
  return typed(std::move(full), std::move(origins));
}

double configNumber(const TrainConfig& c, const std::string& key, double min, double max) {
  return number(c, key, min, max);
}

std::string configString(const TrainConfig& c, const std::string& key) {
  const json* v = findKey(c.resolved, key);
  if (!v || !v->is_string()) throw ConfigError(key, originOf(c, key), "missing or not a string");
  return v->get<std::string>();
}

bool configBool(const TrainConfig& c, const std::string& key) {
  const json* v = findKey(c.resolved, key);
  if (!v || !v->is_boolean()) throw ConfigError(key, originOf(c, key), "missing or not a boolean");
  return v->get<bool>();
}

std::string configChoice(const TrainConfig& c, const std::string& key, const std::vector<std::string>& choices) {
  const std::string v = configString(c, key);
  std::string list;
  for (const auto& ch : choices) {
    if (ch == v) return v;
    list += (list.empty() ? "" : ", ") + ch;
  }
  throw ConfigError(key, originOf(c, key), "expected one of " + list + ", got '" + v + "'");
}

}  // namespace rgbdsod::training
