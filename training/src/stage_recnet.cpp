// Stage `recnet`: the reciprocal attention network (foreground and background branches) trained
// with L_CE (Eq. 4) + L_KL (Eq. 5, the cooperative loss). model.variant names RecNet's Table 2
// settings; loss.cooperative = false is its "RecNet w/o cooperative loss".
#include <torch/nn/module.h>

#include "rgbdsod/models/losses_recnet.h"
#include "rgbdsod/models/recnet.h"
#include "rgbdsod/models/weights.h"
#include "rgbdsod/training/stage.h"

namespace rgbdsod::training {
namespace {

// Table 2's row names, lower-cased and hyphenated.
models::RecNetVariant variantOf(const std::string& v) {
  if (v == "backbone+foreground") return models::RecNetVariant::BackboneForeground;
  if (v == "backbone+two-branches") return models::RecNetVariant::BackboneTwoBranches;
  if (v == "background-ram") return models::RecNetVariant::BackgroundRam;
  if (v == "foreground-ram") return models::RecNetVariant::ForegroundRam;
  return models::RecNetVariant::Full;
}

class RecNetStage : public Stage {
 public:
  RecNetStage(const TrainConfig& c, StageBuild build) {
    models::RecNetOptions o;
    o.width = configNumber(c, "model.width", 1.0 / 64, 1.0);
    o.variant = variantOf(configChoice(c, "model.variant",
                                       {"recnet", "backbone+foreground", "backbone+two-branches", "background-ram",
                                        "foreground-ram"}));
    o.attention_index = configChoice(c, "model.attention_index", {"danet", "printed"}) == "printed"
                            ? models::RecNetAttentionIndex::Printed
                            : models::RecNetAttentionIndex::Danet;
    early_ = configChoice(c, "model.depth_input", {"none", "early"}) == "early";
    o.depth_input = early_ ? models::RecNetDepthInput::EarlyFusion : models::RecNetDepthInput::None;
    o.depth_channels = core::channels(c.data.depth);
    loss_.cooperative = configBool(c, "loss.cooperative");
    loss_.cooperative_weight = configNumber(c, "loss.cooperative_weight", 0.0, 100.0);
    loss_.kl_direction = configChoice(c, "loss.kl_direction", {"target-first", "prediction-first"}) == "prediction-first"
                             ? models::RecNetKlDirection::PredictionFirst
                             : models::RecNetKlDirection::TargetFirst;
    loss_.overlap_epsilon = configNumber(c, "loss.overlap_epsilon", 1e-12, 0.49);
    net_ = models::RecNet(o);
    const std::string pretrained = configString(c, "model.pretrained");
    if (build == StageBuild::Fresh && !pretrained.empty())
      models::importParameters(*net_, models::readTensorArchive(pretrained),
                               models::resnet50TorchvisionMapping("backbone."));
  }

  std::string name() const override { return "recnet"; }
  StageNeeds needs() const override { return {early_, false}; }
  torch::nn::Module& model() override { return *net_; }
  ParamGroups parameterGroups() override { return splitParameters(*net_, "backbone."); }

  LossTerms loss(const Batch& batch) override {
    const models::Prediction p = net_->forward({batch.rgb, batch.depth});
    const models::RecNetLossTerms r = models::recnetLoss(p, batch.gt, loss_);
    LossTerms t;
    t.total = r.total;
    t.terms.emplace_back("fg_ce", r.foreground_ce.detach());
    if (r.background_ce.defined()) t.terms.emplace_back("bg_ce", r.background_ce.detach());
    // Logged also without the cooperative loss, so Table 2's two RecNet rows can be compared.
    if (r.kl_complement.defined()) t.terms.emplace_back("kl_complement", r.kl_complement.detach());
    if (r.kl_overlap.defined()) t.terms.emplace_back("kl_overlap", r.kl_overlap.detach());
    return t;
  }

  models::Prediction predict(const models::NetworkInput& input) override { return net_->forward(input); }

 private:
  models::RecNet net_{nullptr};
  models::RecNetLossOptions loss_;
  bool early_ = false;
};

}  // namespace

std::unique_ptr<Stage> makeRecNetStage(const TrainConfig& config, StageBuild build) {
  return std::make_unique<RecNetStage>(config, build);
}

}  // namespace rgbdsod::training
