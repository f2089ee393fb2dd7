// Stage `teacher`: the Learn-Select-Fuse RGB stream (VGG-16 + side heads + BPDC) trained with
// Eq. 9, deep supervision of every level-specific and every combined side output.
#include <torch/nn/module.h>

#include "rgbdsod/models/losses_lsf.h"
#include "rgbdsod/models/lsf_stream.h"
#include "rgbdsod/models/weights.h"
#include "rgbdsod/training/stage.h"

namespace rgbdsod::training {
namespace {

class TeacherStage : public Stage {
 public:
  explicit TeacherStage(const TrainConfig& c) {
    models::LsfStreamOptions o;
    o.backbone.backbone.width = configNumber(c, "model.width", 1.0 / 64, 1.0);
    o.backbone.backbone.in_channels = 3;
    o.backbone.level6_kernel = static_cast<int64_t>(configNumber(c, "model.level6_kernel", 1, 15));
    if (o.backbone.level6_kernel % 2 == 0)
      throw ConfigError("model.level6_kernel", "config", "must be odd (the layer keeps its map size)");
    loss_.side_weight = configNumber(c, "loss.side_weight", 0.0, 100.0);
    loss_.combined_weight = configNumber(c, "loss.combined_weight", 0.0, 100.0);
    net_ = models::LsfStream(o);
    const std::string pretrained = configString(c, "model.pretrained");
    if (!pretrained.empty())
      models::importParameters(*net_, models::readTensorArchive(pretrained),
                               models::vgg16TorchvisionMapping("backbone."));
  }

  std::string name() const override { return "teacher"; }
  StageNeeds needs() const override { return {}; }
  torch::nn::Module& model() override { return *net_; }
  ParamGroups parameterGroups() override { return splitParameters(*net_, "backbone."); }

  LossTerms loss(const Batch& batch) override {
    const models::Prediction p = net_->forward(batch.rgb);
    LossTerms t;
    t.total = models::lsfTeacherLoss(p, batch.gt, loss_);
    // The final map's own BCE is reported (not optimised separately) to follow convergence.
    t.terms.emplace_back("final_bce", models::saliencyBce(p.final, batch.gt).detach());
    return t;
  }

  models::Prediction predict(const models::NetworkInput& input) override { return net_->forward(input.rgb); }

 private:
  models::LsfStream net_{nullptr};
  models::TeacherLossOptions loss_;
};

}  // namespace

std::unique_ptr<Stage> makeTeacherStage(const TrainConfig& config) { return std::make_unique<TeacherStage>(config); }

}  // namespace rgbdsod::training
