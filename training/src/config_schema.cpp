// The schema of every stage's keys: one table, walked along stageDefaults(stage) so that the keys
// and their defaults come from one place (config.cpp) and only kinds, ranges and help live here.
// The ranges are those the stages check when they read a key (configNumber / configChoice in
// stage_*.cpp); config.cpp checks every value against them when a config is resolved.
#include "rgbdsod/training/config_schema.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "rgbdsod/training/config.h"

namespace rgbdsod::training {

using nlohmann::json;

const char* toString(KeyKind kind) {
  switch (kind) {
    case KeyKind::Bool: return "bool";
    case KeyKind::Integer: return "integer";
    case KeyKind::Number: return "number";
    case KeyKind::String: return "string";
    case KeyKind::Choice: return "choice";
    case KeyKind::Path: return "path";
    case KeyKind::RunLink: return "run";
  }
  return "?";
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kSteps = static_cast<double>(INT64_C(1) << 40);  // "any count of steps"
// The largest double below 2^63: values are range-checked as doubles, and INT64_MAX as a double is
// 2^63, which does not fit an int64 (--set seed=9223372036854775807 was undefined behaviour).
constexpr double kMaxSeed = 9223372036854774784.0;
const std::vector<std::string> kPretrainStages{"contrast-intra", "contrast-inter", "contrast"};
const std::vector<std::string> kContrastStages = kPretrainStages;
const std::vector<std::string> kLsfStages{"teacher", "distill", "fuse"};

// A key's spec, for the stages in `only` (empty: every stage that has the key). The first row that
// matches a stage's key wins, so stage-specific rows come before the general one.
struct Row {
  std::string key;
  KeyKind kind = KeyKind::String;
  double min = -kInf, max = kInf;
  int multiple_of = 0;
  std::vector<std::string> choices, links;
  std::string help;
  std::vector<std::string> only;
};

Row num(std::string key, double min, double max, std::string help) {
  return {std::move(key), KeyKind::Number, min, max, 0, {}, {}, std::move(help), {}};
}
Row integer(std::string key, double min, double max, std::string help, int multiple_of = 0) {
  return {std::move(key), KeyKind::Integer, min, max, multiple_of, {}, {}, std::move(help), {}};
}
Row choice(std::string key, std::vector<std::string> choices, std::string help) {
  return {std::move(key), KeyKind::Choice, -kInf, kInf, 0, std::move(choices), {}, std::move(help), {}};
}
Row flag(std::string key, std::string help) {
  return {std::move(key), KeyKind::Bool, -kInf, kInf, 0, {}, {}, std::move(help), {}};
}
Row path(std::string key, std::string help) {
  return {std::move(key), KeyKind::Path, -kInf, kInf, 0, {}, {}, std::move(help), {}};
}
Row link(std::string key, std::vector<std::string> stages, std::string help) {
  return {std::move(key), KeyKind::RunLink, -kInf, kInf, 0, {}, std::move(stages), std::move(help), {}};
}
Row in(std::vector<std::string> stages, Row row) {
  row.only = std::move(stages);
  return row;
}

std::vector<std::string> deviceChoices() {
  std::vector<std::string> names{"auto", "cpu", "cuda"};
  for (int i = 0; i < 16; ++i) names.push_back("cuda:" + std::to_string(i));
  return names;
}

const std::vector<Row>& table() {
  static const std::vector<Row> rows{
      // Keys of every stage.
      // Its one choice is the stage itself (walk fills it in): a config cannot change it.
      choice("stage", {}, "The stage these keys configure: chosen with --stage, not with --set."),
      integer("seed", 0, kMaxSeed, "Random seed of the run."),
      integer("data.size", 32, 4096, "Square training resolution in pixels; a multiple of 32 (the VGG trunk has stride 32).",
              32),
      in(kContrastStages, integer("data.batch_size", 1, 4096, "Samples per optimiser step; ours 8, the paper's 64.")),
      integer("data.batch_size", 1, 4096, "Samples per optimiser step."),
      integer("data.workers", 0, 64, "Threads building batches; 0 builds them on the training thread."),
      integer("data.prefetch", 1, 256, "Batches built ahead of the training step, at most."),
      // The parser also takes the spellings raw1, depth and depth3 (case-insensitive).
      choice("data.depth", {"raw", "raw3", "disparity", "hha"},
             "Depth input: raw (normalised, 1 channel), raw3 (the same on 3 channels), disparity (HHA's disparity "
             "channel) or hha (3 channels)."),
      choice("data.polarity", {"auto", "near-bright", "near-dark"},
             "Which end of the depth range is near; auto detects it per dataset."),
      num("data.augment.crop_min_scale", 0.05, 1.0,
          "Random resized crop: the area share is drawn in [crop_min_scale, 1]; 1 = resize only."),
      flag("data.augment.hflip", "Random horizontal flip."),
      num("data.augment.grayscale_p", 0.0, 1.0, "Probability of turning the RGB image grey."),
      in(kContrastStages, num("data.augment.jitter", 0.0, 0.9,
                              "Colour jitter factors in [1 - j, 1 + j]; 0: the paper lists crop, grayscale and flip "
                              "only (MoCo v2's 0.4 is an option).")),
      num("data.augment.jitter", 0.0, 0.9, "Brightness, contrast and saturation factors drawn in [1 - j, 1 + j]; 0 = off."),
      in({"cas"}, choice("optim.name", {"sgd", "adam"}, "Optimiser; the CAS paper's Adam (Sec. 6).")),
      choice("optim.name", {"sgd", "adam"}, "Optimiser: SGD (with optim.momentum) or Adam (optim.beta1, optim.beta2)."),
      in({"teacher", "fuse"},
         num("optim.lr", 1e-12, 10.0,
             "Base learning rate (new layers). The paper's rates are for Caffe losses summed over pixels; this loss "
             "averages its BCE, so they do not apply.")),
      in({"distill"}, num("optim.lr", 1e-12, 10.0,
                          "Base learning rate; the paper's 1e-6 (Sec. 4.2), which fits Eq. 3 summed over pixels.")),
      in({"contrast-intra"}, num("optim.lr", 1e-12, 10.0, "Base learning rate; the paper's 0.03 for the intra stage.")),
      in({"contrast-inter"}, num("optim.lr", 1e-12, 10.0, "Base learning rate; the paper's 0.05 for the inter stage.")),
      in({"contrast"}, num("optim.lr", 1e-12, 10.0, "Base learning rate; the paper's 0.07 for the one-stage variant.")),
      in({"cas"}, num("optim.lr", 1e-12, 10.0, "Base learning rate; the CAS paper's 1e-3 with Adam (Sec. 6).")),
      num("optim.lr", 1e-12, 10.0, "Base learning rate (new layers; the backbone's is lr * optim.backbone_lr_mult)."),
      in(kContrastStages, num("optim.momentum", 0.0, 0.999999, "SGD momentum; the paper's 0.9.")),
      num("optim.momentum", 0.0, 0.999999, "SGD momentum."),
      in(kContrastStages, num("optim.weight_decay", 0.0, 1.0, "Weight decay; the paper's 0.0002.")),
      in({"cas"}, num("optim.weight_decay", 0.0, 1.0, "Weight decay; 0: the CAS paper names none.")),
      num("optim.weight_decay", 0.0, 1.0, "Weight decay."),
      num("optim.beta1", 0.0, 0.999999, "Adam's beta1."),
      num("optim.beta2", 0.0, 0.999999, "Adam's beta2."),
      num("optim.backbone_lr_mult", 0.0, 1000.0, "The backbone's learning rate is optim.lr times this; new layers get optim.lr."),
      in({"cas"}, num("optim.poly_power", 0.0, 10.0,
                      "Poly schedule lr * (1 - step / steps)^power; 0 (a constant rate): the CAS paper names no schedule.")),
      num("optim.poly_power", 0.0, 10.0, "Poly schedule lr * (1 - step / steps)^power; 0 = a constant rate."),
      num("optim.clip_norm", 0.0, 1e9, "Maximum global gradient norm; 0 = no clipping."),
      integer("run.steps", 1, kSteps, "Optimiser steps to train."),
      integer("run.checkpoint_every", 1, kSteps, "A checkpoint every N steps (and at the last step)."),
      integer("run.keep_checkpoints", 2, 100, "The newest checkpoints kept in the run folder."),
      integer("run.log_every", 1, kSteps, "A metrics line every N steps (and at the last step)."),
      integer("run.threads", 0, 1024, "LibTorch intra-op threads; 0 = all cores (shared by the local ranks)."),
      choice("run.device", deviceChoices(),
             "Where the network trains: auto (CUDA when there is one, else the CPU), cpu, cuda (under torchrun: "
             "the rank's LOCAL_RANK GPU) or cuda:N."),
      choice("run.precision", {"fp32", "bf16", "fp16"},
             "Arithmetic: fp32, or autocast to bf16 / fp16 on CUDA (fp16 with dynamic loss scaling)."),
      in({"cas"}, integer("val.every", 0, kSteps,
                          "Validate every N steps (and at the end); the saliency channel is chosen on the validation "
                          "split (Sec. 4.2).")),
      integer("val.every", 0, kSteps, "Validate every N steps (and at the end); 0 = never."),
      num("val.fraction", 0.0, 0.9, "Share of the training samples held out for validation (when val.every > 0)."),
      integer("val.max_images", 1, 1000000, "Validation images evaluated, at most."),
      integer("debug.nan_at_step", 0, kSteps, "Fault injection for tests: this step's loss becomes NaN; 0 = off."),
      integer("debug.sigkill_at_step", 0, kSteps,
              "Fault injection for tests: the process SIGKILLs itself after this step; 0 = off."),

      // Networks.
      num("model.width", 1.0 / 64, 1.0, "Channel widths as a share of the full network; 1 = full width."),
      integer("model.level6_kernel", 1, 15,
              "Kernel of the level-6 global convolution, odd; the paper's 13 (\"a new 512 13x13 convolutional "
              "layer\", Sec. 4.2)."),
      in({"recnet"}, path("model.pretrained",
                          "A torchvision ResNet-50 weights archive (rgbdsod weights import) for the backbone; empty = "
                          "random initialisation.")),
      in({"downstream"}, link("model.pretrained", kPretrainStages,
                              "The contrastive pre-training run whose frozen encoders the decoder learns on.")),
      path("model.pretrained",
           "A torchvision VGG-16 weights archive (rgbdsod weights import) for the backbone; empty = random "
           "initialisation."),
      in({"distill"}, link("model.teacher", {"teacher"}, "The trained teacher run, frozen while the student learns.")),
      in({"fuse"}, link("model.teacher", {"teacher"},
                        "The teacher run: its trunk becomes the RGB stream (model.init streams or rgb).")),
      link("model.teacher", {"teacher"}, "The teacher run whose RGB network supervises the depth trunk."),
      choice("model.student_init", {"teacher", "random"},
             "The depth student's start: the teacher's weights (first conv summed over channels) or random."),
      in({"fuse"}, choice("model.init", {"streams", "rgb", "random"},
                          "Start of the fusion network: streams (the paper's: teacher and distilled student), or "
                          "Table 3's rgb (both trunks from the teacher) and random.")),
      link("model.init", kPretrainStages,
           "An earlier pre-training run to start from; the two-stage schedule's inter stage needs its contrast-intra run."),
      link("model.student", {"distill"}, "The distill run whose depth student becomes the depth stream (model.init streams)."),
      choice("model.mode", {"select", "concat"},
             "select: the paper's CA-Fuse selectors (Fig. 3(c)); concat: plain concatenation (Table 4 \"F3(b)\")."),
      flag("model.branch_supervision", "The R-b / D-b branch heads; false is Table 4's \"F3(c)-LR-LD\"."),
      flag("model.cross_level", "The cross-level transitions; false is Table 4's \"F3(c)-F~^{m+1}_{m,RD}\"."),
      choice("model.variant", {"recnet", "backbone+foreground", "backbone+two-branches", "background-ram", "foreground-ram"},
             "A Table 2 row; recnet is the full model."),
      choice("model.attention_index", {"danet", "printed"},
             "danet: Eqs. 2-3 summed over Eq. 1's softmax index; printed: x_ji literally as printed (ours)."),
      choice("model.depth_input", {"none", "early"},
             "none: RGB only; early: depth concatenated to RGB as extra input channels of conv1."),
      choice("model.tap", {"conv3", "conv4", "pool5"},
             "The RGB network's layer the depth trunk learns to reproduce; the paper's pool5."),
      choice("model.depth_init", {"teacher", "random"},
             "The depth trunk's start: random (the paper's \"from random initialization\") or the teacher's weights."),
      integer("model.embedding_dim", 2, 4096, "Size of the contrastive embeddings."),
      integer("model.projection_hidden", 8, 16384, "Hidden layer of the projection heads, before width scaling."),
      integer("model.attention_reduction", 1, 256, "Channel reduction of the fusion encoder's attention."),
      integer("model.queue_size", 1, 1 << 20, "Negative keys queued per objective; the paper's 16384."),
      num("model.momentum", 0.0, 1.0, "EMA of the key encoders; MoCo's 0.999 (the paper gives none)."),
      num("model.mask_ratio", 0.0, 0.95, "Share of the RGB channels zeroed; the paper's 50% (Table 3)."),
      choice("model.inter", {"fusion", "alignment"},
             "The inter-modal objective: the paper's fusion encoder, or Table 4's cross-modal alignment baseline."),
      integer("model.decoder_channels", 1, 4096, "Decoder channels, before width scaling."),
      flag("model.use_fusion", "Add the frozen fusion encoder's map (mask ratio 0) at layer4."),
      integer("model.classes", 2, 16, "M, the output channels; loss.name bce needs 2."),
      path("model.selection_data",
           "A dataset folder (RGB/ and GT/) whose GT picks the saliency channel (ours); empty = the validation split "
           "(Sec. 4.2)."),

      // Losses.
      in({"downstream"}, num("loss.side_weight", 0.0, 100.0, "Weight of the side outputs' BCE, added to the final map's.")),
      num("loss.side_weight", 0.0, 100.0, "Weight of the raw side outputs P_i (ours; 0 = not trained)."),
      in({"fuse"}, num("loss.combined_weight", 0.0, 100.0, "Eq. 6: weight of the combined joint predictions.")),
      num("loss.combined_weight", 0.0, 100.0, "Eq. 9: weight of the combined side outputs."),
      num("loss.branch_weight", 0.0, 100.0, "Eq. 6: weight of the RGB and depth branch predictions."),
      num("loss.fused_weight", 0.0, 100.0, "Weight of the fused prediction's term."),
      flag("loss.on_probabilities", "Compare sigmoid(P~_i) instead of the logits (ours)."),
      in({"transfer"}, choice("loss.reduction", {"mean", "sum"},
                              "mean: ||x - y||^2 / (C*H*W), only a scale (SGD at lr 0.01 diverges on the sum); sum: "
                              "as the paper writes it.")),
      choice("loss.reduction", {"sum", "mean"},
             "sum: Eq. 3 summed over pixels, which the paper's rate 1e-6 fits; mean: per level the mean (ours)."),
      flag("loss.cooperative", "Eq. 5's cooperative loss; false is Table 2's \"RecNet w/o cooperative loss\"."),
      num("loss.cooperative_weight", 0.0, 100.0, "Weight of Eq. 5 against Eq. 4."),
      choice("loss.kl_direction", {"target-first", "prediction-first"},
             "D_KL(prediction, target) as KL(target || prediction) or KL(prediction || target)."),
      num("loss.overlap_epsilon", 1e-12, 0.49, "The overlap's 0 taken as this with kl_direction prediction-first."),
      num("loss.lambda_intra", 0.0, 100.0, "lambda1 of Eq. 8, the weight of L_intra; the paper's 0.5."),
      in({"contrast-intra"},
         num("loss.lambda_inter", 0.0, 100.0, "lambda2 of Eq. 8, the weight of L_inter; 0 in the intra stage.")),
      num("loss.lambda_inter", 0.0, 100.0, "lambda2 of Eq. 8, the weight of L_inter; the paper's 0.5."),
      num("loss.tau_intra", 1e-4, 10.0, "Temperature of L_intra; the paper's 0.1."),
      num("loss.tau_inter", 1e-4, 10.0, "Temperature of L_inter on the fused embedding; the paper's 0.04."),
      num("loss.tau_alignment", 1e-4, 10.0, "Temperature of the alignment baseline's inter term; the paper's 0.1."),
      choice("loss.name", {"cas", "cace", "bce"},
             "cas: Eq. 1; cace: the class-agnostic CE baseline; bce: channel 1 against channel 0."),
      num("loss.alpha", 0.0, 1.0, "Eq. 1: alpha on the uniformer, 1 - alpha on the discriminator; the paper's 0.1."),
      choice("loss.uniformer", {"paper", "relative"}, "paper: Eq. 1's uniformer; relative: a scale-free one (ours)."),
      flag("loss.connected_components", "A region per 4-connected component of a label value, not per value."),
  };
  return rows;
}

bool appliesTo(const Row& row, const std::string& stage) {
  if (row.only.empty()) return true;
  for (const auto& s : row.only)
    if (s == stage) return true;
  return false;
}

void walk(const json& node, const std::string& prefix, const std::string& stage, std::vector<KeySpec>& out) {
  for (const auto& [k, v] : node.items()) {
    const std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.is_object()) {
      walk(v, key, stage, out);
      continue;
    }
    const Row* row = nullptr;
    for (const auto& r : table())
      if (r.key == key && appliesTo(r, stage)) {
        row = &r;
        break;
      }
    // A default without a row is a bug here, not a user's mistake: the schema test catches it.
    if (!row) throw std::logic_error("config schema: no spec for key " + key + " of stage " + stage);
    out.push_back({key, row->kind, v, row->min, row->max, row->multiple_of, row->choices, row->links, row->help});
    if (key == "stage") out.back().choices = {stage};
  }
}

}  // namespace

std::vector<KeySpec> configSchema(const std::string& stage) {
  const json defaults = stageDefaults(stage);  // throws ConfigError for an unknown stage
  std::vector<KeySpec> out;
  walk(defaults, "", stage, out);
  return out;
}

const KeySpec* findKeySpec(const std::vector<KeySpec>& schema, const std::string& key) {
  for (const auto& s : schema)
    if (s.key == key) return &s;
  return nullptr;
}

json schemaToJson(const std::vector<KeySpec>& schema) {
  json out = json::array();
  for (const auto& s : schema) {
    json j{{"key", s.key}, {"kind", toString(s.kind)}, {"default", s.value}, {"help", s.help}};
    // Integer bounds as integers where they fit (seed's maximum does not).
    const auto bound = [&s](double b) {
      return s.kind == KeyKind::Integer && std::fabs(b) < 9e18 ? json(static_cast<std::int64_t>(b)) : json(b);
    };
    if (std::isfinite(s.min)) j["min"] = bound(s.min);
    if (std::isfinite(s.max)) j["max"] = bound(s.max);
    if (s.multiple_of > 0) j["multiple_of"] = s.multiple_of;
    if (!s.choices.empty()) j["choices"] = s.choices;
    if (!s.link_stages.empty()) j["link_stages"] = s.link_stages;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace rgbdsod::training
