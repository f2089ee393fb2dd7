// Stage `cas`: class-agnostic segmentation (Sharma et al., ../shared/papers/cas-loss.md). An
// M-channel network trained with the CAS loss (Eq. 1, models/losses_cas.h) or, for comparison on the
// same labels, class-agnostic CE (CACE) or plain BCE. The paper's optimiser is the stage default
// (Sec. 6: "The learning rate was 1e-3 with Adam", config.cpp). Nothing tells the network which
// channel is "salient": calibrate() applies the paper's rule (Sec. 4.2, "calculating the correlation
// of the output channels with the saliency map on the validation set and selecting the channel with
// maximum correlation", models::SaliencyChannelSelector) on the run's validation split (val.every > 0,
// the stage default: val.fraction of the training folder held out). model.selection_data (ours)
// names another labeled folder instead, e.g. clean labels while training on noisy ones, since a
// split of a noisy training set carries the same noise. With neither, the channel stays as it is.
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/nn/functional/loss.h>
#include <torch/utils.h>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/models/cas_net.h"
#include "rgbdsod/models/losses_cas.h"
#include "rgbdsod/models/weights.h"
#include "rgbdsod/training/augment.h"
#include "rgbdsod/training/data_source.h"
#include "rgbdsod/training/stage.h"
#include "rgbdsod/training/stage_sources.h"

namespace rgbdsod::training {
namespace {

enum class CasObjective { Cas, Cace, Bce };

class CasStage : public Stage {
 public:
  CasStage(const TrainConfig& c, StageBuild build) : config_(c) {
    const std::string loss = configChoice(c, "loss.name", {"cas", "cace", "bce"});
    objective_ = loss == "cas" ? CasObjective::Cas : loss == "cace" ? CasObjective::Cace : CasObjective::Bce;
    // Eq. 1: alpha on the uniformer, 1 - alpha on the discriminator.
    loss_.alpha = configNumber(c, "loss.alpha", 0.0, 1.0);
    loss_.connected_components = configBool(c, "loss.connected_components");
    // "paper": Eq. 1's uniformer; "relative": ours (see models/losses_cas.h).
    loss_.uniformer = configChoice(c, "loss.uniformer", {"paper", "relative"}) == "relative"
                          ? models::CasUniformer::Relative
                          : models::CasUniformer::Paper;
    models::CasNetOptions o;
    o.backbone = lsfStreamOptions(c, 3).backbone;
    o.classes = static_cast<std::int64_t>(configNumber(c, "model.classes", 2, 16));
    if (objective_ == CasObjective::Bce && o.classes != 2)
      throw ConfigError("model.classes", "config", "loss.name bce trains channel 1 against channel 0: needs 2");
    net_ = models::CasNet(o);
    // Checked before training, not when the channel is picked after the last step.
    const std::string selection = configString(c, "model.selection_data");
    if (build == StageBuild::Fresh && !selection.empty() && !core::isDatasetFolder(selection))
      throw ConfigError("model.selection_data", "config", "'" + selection + "' is not a dataset folder (RGB/ and GT/)");
    const std::string pretrained = configString(c, "model.pretrained");
    if (build == StageBuild::Fresh && !pretrained.empty())
      models::importParameters(*net_, models::readTensorArchive(pretrained),
                               models::vgg16TorchvisionMapping("backbone."));
  }

  std::string name() const override { return "cas"; }
  StageNeeds needs() const override { return {}; }
  torch::nn::Module& model() override { return *net_; }
  ParamGroups parameterGroups() override { return splitParameters(*net_, "backbone."); }

  LossTerms loss(const Batch& batch) override {
    const torch::Tensor logits = net_->logits(batch.rgb);
    LossTerms t;
    if (objective_ == CasObjective::Bce) {
      // Two-channel softmax CE with channel 1 = salient, i.e. BCE on the logit difference.
      const torch::Tensor diff = logits.narrow(1, 1, 1) - logits.narrow(1, 0, 1);
      t.total = torch::nn::functional::binary_cross_entropy_with_logits(diff, batch.gt);
      t.terms.emplace_back("bce", t.total.detach());
    } else if (objective_ == CasObjective::Cace) {
      t.total = models::caceLoss(logits, batch.gt, loss_);
      t.terms.emplace_back("cace", t.total.detach());
    } else {
      const models::CasLossTerms r = models::casLoss(logits, batch.gt, loss_);
      t.total = r.total;
      t.terms.emplace_back("uniformer", r.uniformer.detach());
      t.terms.emplace_back("discriminator", r.discriminator.detach());
    }
    return t;
  }

  models::Prediction predict(const models::NetworkInput& input) override { return net_->forward(input.rgb); }

  void calibrate(const SampleSource* validation, int size, std::size_t max_images) override {
    if (objective_ == CasObjective::Bce) return;  // channel 1 was trained as the salient one
    const SampleSource* source = validation;
    const std::string selection = configString(config_, "model.selection_data");
    if (!selection.empty()) {
      if (!selection_)
        selection_ = std::make_unique<SampleSource>(core::openDataset(selection), std::vector<std::size_t>{},
                                                    config_.data.depth, config_.data.polarity, false);
      source = selection_.get();
    }
    if (source == nullptr) {
      spdlog::warn("cas: no validation split and no model.selection_data: the saliency channel stays {}",
                   net_->saliencyChannel());
      return;
    }
    models::SaliencyChannelSelector selector(net_->options().classes);
    torch::NoGradGuard no_grad;
    net_->eval();
    for (std::size_t i = 0; i < std::min(max_images, source->size()); ++i) {
      const LoadedSample s = source->load(i);
      if (s.gt.empty()) continue;
      std::vector<torch::Tensor> rgb, depth, gt;
      appendTensors(resizeOnly(s, size), rgb, depth, gt);
      selector.add(torch::softmax(net_->logits(rgb[0].unsqueeze(0)), 1), gt[0]);
    }
    net_->train();
    const std::int64_t best = selector.best();
    if (best < 0) {
      spdlog::warn("cas: no labeled selection samples; the saliency channel stays {}", net_->saliencyChannel());
      return;
    }
    std::string all;
    const std::vector<double> r = selector.correlations();
    for (std::size_t c = 0; c < r.size(); ++c)
      all += fmt::format("{}channel {}: r = {:.3f}", all.empty() ? "" : ", ", c, r[c]);
    net_->setSaliencyChannel(best);
    spdlog::info("cas: saliency channel {} ({})", best, all);
  }

 private:
  TrainConfig config_;
  CasObjective objective_ = CasObjective::Cas;
  models::CasLossOptions loss_;
  models::CasNet net_{nullptr};
  std::unique_ptr<SampleSource> selection_;
};

}  // namespace

std::unique_ptr<Stage> makeCasStage(const TrainConfig& c, StageBuild b) { return std::make_unique<CasStage>(c, b); }

}  // namespace rgbdsod::training
