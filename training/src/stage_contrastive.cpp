// Modality-balanced contrastive pre-training and its downstream saliency network:
//   contrast-intra  MoCo within each modality (L_intra);
//   contrast-inter  + the fusion encoder's L_inter, started from a contrast-intra run (two-stage);
//   contrast        both terms from the start (the one-stage variant);
//   downstream      a decoder trained on saliency over the frozen pre-trained encoders.
// MoCo's step order: momentum update of the key encoders, forward, backward + optimiser step,
// then this batch's keys join the queues (Stage::beforeStep / afterStep).
#include <torch/nn/module.h>

#include "rgbdsod/models/contrastive_pretrain.h"
#include "rgbdsod/models/contrastive_sod.h"
#include "rgbdsod/models/losses_lsf.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/stage.h"
#include "rgbdsod/training/stage_sources.h"

namespace rgbdsod::training {
namespace {

const std::vector<std::string> kPretrainStages{"contrast-intra", "contrast-inter", "contrast"};
// The keys that fix the shapes of the encoders, the fusion encoder and the projections.
const std::vector<std::string> kArchitectureKeys{"model.width", "model.embedding_dim", "model.projection_hidden",
                                                 "model.attention_reduction", "data.depth"};

models::ContrastivePretrainOptions pretrainOptions(const TrainConfig& c) {
  models::ContrastivePretrainOptions o;
  o.width = configNumber(c, "model.width", 1.0 / 64, 1.0);
  o.depth_channels = core::channels(c.data.depth);
  o.embedding_dim = static_cast<std::int64_t>(configNumber(c, "model.embedding_dim", 2, 4096));
  o.projection_hidden = static_cast<std::int64_t>(configNumber(c, "model.projection_hidden", 8, 16384));
  o.attention_reduction = static_cast<std::int64_t>(configNumber(c, "model.attention_reduction", 1, 256));
  if (c.resolved["model"].contains("queue_size")) {
    o.queue_size = static_cast<std::int64_t>(configNumber(c, "model.queue_size", 1, 1 << 20));
    o.momentum = configNumber(c, "model.momentum", 0.0, 1.0);
    // One temperature per term (the paper: 0.1 intra, 0.04 fusion inter, 0.1 alignment inter).
    o.tau_intra = configNumber(c, "loss.tau_intra", 1e-4, 10.0);
    o.tau_inter = configNumber(c, "loss.tau_inter", 1e-4, 10.0);
    o.tau_alignment = configNumber(c, "loss.tau_alignment", 1e-4, 10.0);
    o.mask_ratio = configNumber(c, "model.mask_ratio", 0.0, 0.95);
    o.inter = configChoice(c, "model.inter", {"fusion", "alignment"}) == "alignment"
                  ? models::InterObjective::Alignment
                  : models::InterObjective::Fusion;
    o.lambda_intra = configNumber(c, "loss.lambda_intra", 0.0, 100.0);
    o.lambda_inter = configNumber(c, "loss.lambda_inter", 0.0, 100.0);
  }
  return o;
}

class ContrastStage : public Stage {
 public:
  ContrastStage(const TrainConfig& c, StageBuild build) : stage_(c.stage) {
    const models::ContrastivePretrainOptions o = pretrainOptions(c);
    if (o.lambda_intra == 0.0 && o.lambda_inter == 0.0)
      throw ConfigError("loss.lambda_intra", "config", "and loss.lambda_inter are both 0: nothing to learn");
    net_ = models::ContrastivePretrainNet(o);
    const std::string init = configString(c, "model.init");
    if (stage_ == "contrast-inter" && init.empty())
      throw ConfigError("model.init", "config",
                        "the second stage of the two-stage schedule starts from a contrast-intra run: set it "
                        "(or train the one-stage variant, stage contrast)");
    if (build == StageBuild::Fresh && !init.empty()) {
      const SourceRun src = sourceRun(c, "model.init", kPretrainStages);
      for (const auto& key : kArchitectureKeys) requireSameValue(c, key, src);
      requireSameValue(c, "model.queue_size", src);
      loadRunWeights(src.folder, *net_);
    }
  }

  std::string name() const override { return stage_; }
  StageNeeds needs() const override { return {.depth = true, .two_views = true, .gt = false, .saliency = false}; }
  torch::nn::Module& model() override { return *net_; }
  ParamGroups parameterGroups() override { return splitParameters(*net_, std::vector<std::string>{"rgb_encoder.", "depth_encoder."}); }

  void beforeStep() override { net_->momentumStep(); }
  void afterStep() override {
    if (last_.loss.defined()) {
      if (gather_)
        for (torch::Tensor* k : {&last_.key_rgb, &last_.key_depth, &last_.key_fusion})
          if (k->defined()) *k = gather_(*k);
      net_->enqueue(last_);
    }
    last_ = {};
  }
  void setBatchGather(BatchGather gather) override { gather_ = std::move(gather); }

  LossTerms loss(const Batch& batch) override {
    last_ = net_->forward({batch.rgb, batch.depth}, {batch.rgb2, batch.depth2});
    LossTerms t;
    t.total = last_.loss;
    if (last_.intra.defined()) t.terms.emplace_back("intra", last_.intra.detach());
    if (last_.inter.defined()) t.terms.emplace_back("inter", last_.inter.detach());
    return t;
  }

  models::Prediction predict(const models::NetworkInput&) override {
    throw core::Error("stage " + stage_ + " is pre-training and predicts no saliency: train `downstream` on it");
  }

 private:
  std::string stage_;
  models::ContrastivePretrainNet net_{nullptr};
  models::ContrastiveOutput last_;
  BatchGather gather_;  // set under data-parallel training
};

class DownstreamStage : public Stage {
 public:
  DownstreamStage(const TrainConfig& c, StageBuild build) {
    side_weight_ = configNumber(c, "loss.side_weight", 0.0, 100.0);
    models::ContrastiveSodOptions so;
    so.decoder_channels = static_cast<std::int64_t>(configNumber(c, "model.decoder_channels", 1, 4096));
    so.use_fusion = configBool(c, "model.use_fusion");
    models::ContrastivePretrainOptions po = pretrainOptions(c);
    po.queue_size = 1;  // the queues are not part of the downstream network
    if (build != StageBuild::Fresh) {
      models::ContrastivePretrainNet shapes(po);  // the run's checkpoint supplies every value
      net_ = models::ContrastiveSodNet(*shapes, so);
      return;
    }
    const SourceRun src = sourceRun(c, "model.pretrained", kPretrainStages);
    for (const auto& key : kArchitectureKeys) requireSameValue(c, key, src);
    po.queue_size = static_cast<std::int64_t>(configNumber(src.config, "model.queue_size", 1, 1 << 20));
    models::ContrastivePretrainNet pretrained(po);
    loadRunWeights(src.folder, *pretrained);
    net_ = models::ContrastiveSodNet(*pretrained, so);
  }

  std::string name() const override { return "downstream"; }
  StageNeeds needs() const override { return {.depth = true}; }
  torch::nn::Module& model() override { return *net_; }
  ParamGroups parameterGroups() override { return splitParameters(*net_, "rgb_encoder."); }

  LossTerms loss(const Batch& batch) override {
    const models::Prediction p = net_->forward({batch.rgb, batch.depth});
    LossTerms t;
    const torch::Tensor final_bce = models::saliencyBce(p.final, batch.gt);
    t.total = final_bce + side_weight_ * models::deepSupervisionLoss(p.sides, batch.gt);
    t.terms.emplace_back("final_bce", final_bce.detach());
    return t;
  }

  models::Prediction predict(const models::NetworkInput& input) override { return net_->forward(input); }

 private:
  models::ContrastiveSodNet net_{nullptr};
  double side_weight_ = 1.0;
};

}  // namespace

std::unique_ptr<Stage> makeContrastStage(const TrainConfig& c, StageBuild b) {
  return std::make_unique<ContrastStage>(c, b);
}
std::unique_ptr<Stage> makeDownstreamStage(const TrainConfig& c, StageBuild b) {
  return std::make_unique<DownstreamStage>(c, b);
}

}  // namespace rgbdsod::training
