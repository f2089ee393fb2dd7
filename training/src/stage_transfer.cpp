// Stage `transfer`: supervision transfer (Gupta, Hoffman, Malik, CVPR 2016). A depth trunk learns
// to reproduce a mid-level feature (model.tap, pool5 as in the paper) of the trained, frozen RGB
// teacher on paired images through a 1x1 adaptation layer and the L2 loss ||x - y||^2, by default
// divided by the C*H*W elements of the map (loss.reduction "mean": only a scale, see
// TransferReduction; "sum" is the paper's form as written); no depth labels. The depth trunk starts
// at random as in the paper (model.depth_init "teacher" copies the RGB weights first: ours).
// predict() is the franken network (depth trunk below the tap, the teacher above it): zero-shot
// saliency on depth.
#include <torch/nn/module.h>

#include "rgbdsod/models/supervision_transfer.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/stage.h"
#include "rgbdsod/training/stage_sources.h"

namespace rgbdsod::training {
namespace {

models::VggTap tapOf(const std::string& name) {
  if (name == "conv3") return models::VggTap::Conv3;
  if (name == "conv4") return models::VggTap::Conv4;
  return models::VggTap::Pool5;
}

class TransferStage : public Stage {
 public:
  TransferStage(const TrainConfig& c, StageBuild build) {
    models::SupervisionTransferOptions o;
    o.tap = tapOf(configChoice(c, "model.tap", {"conv3", "conv4", "pool5"}));
    o.depth = lsfStreamOptions(c, core::channels(c.data.depth)).backbone.backbone;
    const std::string init = configChoice(c, "model.depth_init", {"teacher", "random"});
    reduction_ = configChoice(c, "loss.reduction", {"mean", "sum"}) == "sum" ? models::TransferReduction::Sum
                                                                              : models::TransferReduction::Mean;
    models::LsfStream rgb(lsfStreamOptions(c, 3));
    if (build == StageBuild::Fresh) {
      const SourceRun src = sourceRun(c, "model.teacher", {"teacher"});
      requireSameValue(c, "model.width", src);
      requireSameValue(c, "model.level6_kernel", src);
      loadRunWeights(src.folder, *rgb);
    }
    net_ = models::SupervisionTransfer(rgb, o);
    if (build == StageBuild::Fresh && init == "teacher") initialiseAcrossChannels(*rgb->backbone, *net_->depth);
  }

  std::string name() const override { return "transfer"; }
  StageNeeds needs() const override { return {.depth = true, .two_views = false, .gt = false, .saliency = true}; }
  torch::nn::Module& model() override { return *net_; }
  ParamGroups parameterGroups() override { return splitParameters(*net_, "depth."); }

  LossTerms loss(const Batch& batch) override {
    const auto out = net_->forward({batch.rgb, batch.depth});
    LossTerms t;
    t.total = models::transferL2Loss(out.adapted, out.target, reduction_);
    t.terms.emplace_back("l2", t.total.detach());
    return t;
  }

  models::Prediction predict(const models::NetworkInput& input) override { return net_->franken(input.depth); }

 private:
  models::SupervisionTransfer net_{nullptr};
  models::TransferReduction reduction_ = models::TransferReduction::Mean;
};

}  // namespace

std::unique_ptr<Stage> makeTransferStage(const TrainConfig& c, StageBuild b) {
  return std::make_unique<TransferStage>(c, b);
}

}  // namespace rgbdsod::training
