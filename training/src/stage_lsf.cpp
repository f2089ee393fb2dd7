// Learn-Select-Fuse (H. Chen, Y. Li), its three stages:
//   teacher  the RGB stream (VGG-16 + global layer + Table 1 side heads + BPDC), Eq. 9: the
//            combined side outputs and their fused combination;
//   distill  hierarchical cross-modal distillation (Eq. 3, squared L2 between the combined side
//            outputs): a depth student learns the frozen teacher's on unlabeled RGB-D pairs;
//   fuse     the CA-Fuse network (Eq. 6) from the teacher's and student's trunks and adaptation
//            layers (Table 3 RD-(C); "rgb" and "random" are its other starts).
#include <torch/nn/module.h>

#include "rgbdsod/models/losses_lsf.h"
#include "rgbdsod/models/lsf_fusion.h"
#include "rgbdsod/models/lsf_stream.h"
#include "rgbdsod/models/weights.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/stage.h"
#include "rgbdsod/training/stage_sources.h"

namespace rgbdsod::training {
namespace {

// The trained teacher of the run named by `key`, architecture checked against ours.
models::LsfStream loadTeacher(const TrainConfig& c, const std::string& key) {
  const SourceRun src = sourceRun(c, key, {"teacher"});
  requireSameValue(c, "model.width", src);
  requireSameValue(c, "model.level6_kernel", src);
  models::LsfStream teacher(lsfStreamOptions(c, 3));
  loadRunWeights(src.folder, *teacher);
  return teacher;
}

class TeacherStage : public Stage {
 public:
  TeacherStage(const TrainConfig& c, StageBuild build) {
    loss_.side_weight = configNumber(c, "loss.side_weight", 0.0, 100.0);
    loss_.combined_weight = configNumber(c, "loss.combined_weight", 0.0, 100.0);
    loss_.fused_weight = configNumber(c, "loss.fused_weight", 0.0, 100.0);
    net_ = models::LsfStream(lsfStreamOptions(c, 3));
    const std::string pretrained = configString(c, "model.pretrained");
    if (build == StageBuild::Fresh && !pretrained.empty())
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

class DistillStage : public Stage {
 public:
  DistillStage(const TrainConfig& c, StageBuild build) {
    loss_.on_probabilities = configBool(c, "loss.on_probabilities");
    loss_.reduction = configChoice(c, "loss.reduction", {"sum", "mean"}) == "mean" ? models::HcdReduction::Mean
                                                                                  : models::HcdReduction::Sum;
    const std::string init = configChoice(c, "model.student_init", {"teacher", "random"});
    models::LsfStream student(lsfStreamOptions(c, core::channels(c.data.depth)));
    models::LsfStream teacher{nullptr};
    if (build == StageBuild::Fresh) {
      teacher = loadTeacher(c, "model.teacher");
      if (init == "teacher") initialiseAcrossChannels(*teacher, *student);
    } else {
      teacher = models::LsfStream(lsfStreamOptions(c, 3));
    }
    net_ = models::LsfDistillation(teacher, student);
  }

  std::string name() const override { return "distill"; }
  StageNeeds needs() const override { return {.depth = true, .two_views = false, .gt = false, .saliency = true}; }
  torch::nn::Module& model() override { return *net_; }
  ParamGroups parameterGroups() override { return splitParameters(*net_, "student.backbone."); }

  LossTerms loss(const Batch& batch) override {
    const auto out = net_->forward({batch.rgb, batch.depth});
    LossTerms t;
    t.total = models::hcdLoss(out.student, out.teacher, loss_);
    t.terms.emplace_back("hcd", t.total.detach());
    return t;
  }

  // The student alone, on depth: what the distillation produced.
  models::Prediction predict(const models::NetworkInput& input) override { return net_->student->forward(input.depth); }

 private:
  models::LsfDistillation net_{nullptr};
  models::HcdLossOptions loss_;
};

class FuseStage : public Stage {
 public:
  FuseStage(const TrainConfig& c, StageBuild build) {
    loss_.side_weight = configNumber(c, "loss.side_weight", 0.0, 100.0);
    loss_.combined_weight = configNumber(c, "loss.combined_weight", 0.0, 100.0);
    loss_.branch_weight = configNumber(c, "loss.branch_weight", 0.0, 100.0);
    loss_.fused_weight = configNumber(c, "loss.fused_weight", 0.0, 100.0);
    const std::int64_t depth_channels = core::channels(c.data.depth);
    models::LsfFusionOptions o;
    o.rgb = lsfStreamOptions(c, 3).backbone;
    o.depth = lsfStreamOptions(c, depth_channels).backbone;
    o.mode = configChoice(c, "model.mode", {"select", "concat"}) == "concat" ? models::CaFuseMode::Concat
                                                                              : models::CaFuseMode::Select;
    o.branch_supervision = configBool(c, "model.branch_supervision");
    o.cross_level = configBool(c, "model.cross_level");
    net_ = models::LsfFusionNet(o);
    const std::string init = configChoice(c, "model.init", {"streams", "rgb", "random"});
    if (build != StageBuild::Fresh || init == "random") return;
    models::LsfStream teacher = loadTeacher(c, "model.teacher");
    models::LsfStream depth_stream(lsfStreamOptions(c, depth_channels));
    if (init == "streams") {
      const SourceRun src = sourceRun(c, "model.student", {"distill"});
      for (const char* key : {"model.width", "model.level6_kernel", "data.depth"}) requireSameValue(c, key, src);
      models::LsfDistillation distilled(models::LsfStream(lsfStreamOptions(c, 3)), depth_stream);
      loadRunWeights(src.folder, *distilled);
    } else {
      initialiseAcrossChannels(*teacher, *depth_stream);  // both trunks from the RGB weights
    }
    net_->loadStreams(teacher, depth_stream);
  }

  std::string name() const override { return "fuse"; }
  StageNeeds needs() const override { return {.depth = true}; }
  torch::nn::Module& model() override { return *net_; }
  ParamGroups parameterGroups() override { return splitParameters(*net_, std::vector<std::string>{"rgb.", "depth."}); }

  LossTerms loss(const Batch& batch) override {
    const models::Prediction p = net_->forward({batch.rgb, batch.depth});
    LossTerms t;
    t.total = models::lsfJointLoss(p, batch.gt, loss_);
    t.terms.emplace_back("final_bce", models::saliencyBce(p.final, batch.gt).detach());
    return t;
  }

  models::Prediction predict(const models::NetworkInput& input) override { return net_->forward(input); }

 private:
  models::LsfFusionNet net_{nullptr};
  models::JointLossOptions loss_;
};

}  // namespace

std::unique_ptr<Stage> makeTeacherStage(const TrainConfig& c, StageBuild b) { return std::make_unique<TeacherStage>(c, b); }
std::unique_ptr<Stage> makeDistillStage(const TrainConfig& c, StageBuild b) { return std::make_unique<DistillStage>(c, b); }
std::unique_ptr<Stage> makeFuseStage(const TrainConfig& c, StageBuild b) { return std::make_unique<FuseStage>(c, b); }

}  // namespace rgbdsod::training
