#include "rgbdsod/models/contrastive_pretrain.h"

#include "rgbdsod/models/losses_infonce.h"

namespace rgbdsod::models {
namespace {

torch::Tensor pooled(const torch::Tensor& x) { return x.mean({2, 3}); }

ResNet50 makeEncoder(double width, int64_t in_channels) {
  ResNet50Options o;
  o.backbone.width = width;
  o.backbone.in_channels = in_channels;
  o.dilated = true;
  return ResNet50(o);
}

}  // namespace

ContrastivePretrainNetImpl::ContrastivePretrainNetImpl(ContrastivePretrainOptions options) : options_(options) {
  const double w = options_.width;
  const int64_t hidden = scaledChannels(options_.projection_hidden, w);
  rgb_encoder = register_module("rgb_encoder", makeEncoder(w, 3));
  depth_encoder = register_module("depth_encoder", makeEncoder(w, options_.depth_channels));
  const int64_t c = rgb_encoder->channels(4);
  rgb_projector = register_module("rgb_projector", ProjectionMlp(c, hidden, options_.embedding_dim));
  depth_projector = register_module("depth_projector", ProjectionMlp(c, hidden, options_.embedding_dim));
  FusionEncoderOptions fo;
  fo.rgb_channels = c;
  fo.depth_channels = depth_encoder->channels(4);
  fo.fused_channels = c;
  fo.reduction = options_.attention_reduction;
  fo.projection_hidden = hidden;
  fo.embedding_dim = options_.embedding_dim;
  fusion = register_module("fusion", FusionEncoder(fo));

  rgb_encoder_m = register_module("rgb_encoder_m", makeEncoder(w, 3));
  depth_encoder_m = register_module("depth_encoder_m", makeEncoder(w, options_.depth_channels));
  rgb_projector_m = register_module("rgb_projector_m", ProjectionMlp(c, hidden, options_.embedding_dim));
  depth_projector_m = register_module("depth_projector_m", ProjectionMlp(c, hidden, options_.embedding_dim));
  fusion_m = register_module("fusion_m", FusionEncoder(fo));
  // MoCo starts the key encoders as exact copies that receive no gradient.
  const std::pair<torch::nn::Module*, torch::nn::Module*> pairs[] = {
      {rgb_encoder.get(), rgb_encoder_m.get()},         {depth_encoder.get(), depth_encoder_m.get()},
      {rgb_projector.get(), rgb_projector_m.get()},     {depth_projector.get(), depth_projector_m.get()},
      {fusion.get(), fusion_m.get()}};
  for (const auto& [online, key] : pairs) {
    copyState(*online, *key);
    freeze(*key);
  }

  rgb_queue = register_module("rgb_queue", FeatureQueue(options_.queue_size, options_.embedding_dim));
  depth_queue = register_module("depth_queue", FeatureQueue(options_.queue_size, options_.embedding_dim));
  fusion_queue = register_module("fusion_queue", FeatureQueue(options_.queue_size, options_.embedding_dim));
}

ContrastiveOutput ContrastivePretrainNetImpl::forward(const NetworkInput& view1, const NetworkInput& view2) {
  TORCH_CHECK(view1.rgb.defined() && view1.depth.defined() && view2.rgb.defined() && view2.depth.defined(),
              "contrastive pre-training needs RGB and depth for both views");
  const bool need_fusion = options_.lambda_inter > 0.0 && options_.inter == InterObjective::Fusion;
  ContrastiveOutput out;

  const auto fr = rgb_encoder->forward(view1.rgb).layer4;
  const auto fd = depth_encoder->forward(view1.depth).layer4;
  const auto q_rgb = rgb_projector->forward(pooled(fr));
  const auto q_depth = depth_projector->forward(pooled(fd));

  torch::Tensor kr, kd;  // view-2 layer4 maps of the momentum encoders
  {
    torch::NoGradGuard no_grad;
    kr = rgb_encoder_m->forward(view2.rgb).layer4;
    kd = depth_encoder_m->forward(view2.depth).layer4;
    out.key_rgb = rgb_projector_m->forward(pooled(kr));
    out.key_depth = depth_projector_m->forward(pooled(kd));
  }

  // Eq. 8: J = lambda1 * L_intra + lambda2 * L_inter.
  out.loss = torch::zeros({}, q_rgb.options());
  if (options_.lambda_intra > 0.0) {
    // Eq. 4: L_intra = L(q^r, k+^r, k_i^r) + L(q^d, k+^d, k_i^d), each Eq. 3 at tau_intra.
    const double t = options_.tau_intra;
    out.intra = infoNceLoss(q_rgb, out.key_rgb, rgb_queue->keys(), t) +
                infoNceLoss(q_depth, out.key_depth, depth_queue->keys(), t);
    out.loss = out.loss + options_.lambda_intra * out.intra;
  }
  if (options_.lambda_inter > 0.0 && options_.inter == InterObjective::Alignment) {
    // Baseline: the two modalities of one image are the positive pair (keys from the other
    // modality's momentum encoder on the same view 2), negatives from that modality's queue;
    // Table 4's temperature for it (0.1), not the fusion's.
    const double t = options_.tau_alignment;
    out.inter = infoNceLoss(q_rgb, out.key_depth, depth_queue->keys(), t) +
                infoNceLoss(q_depth, out.key_rgb, rgb_queue->keys(), t);
    out.loss = out.loss + options_.lambda_inter * out.inter;
  }
  if (need_fusion) {
    const auto fused = fusion->forward(fr, fd, options_.mask_ratio);
    out.attention_rgb = fused.attention_rgb;
    out.mask_rgb = fused.mask_rgb;
    const auto q_fusion = fusion->embed(fused);
    {
      // The key sees both modalities unmasked: the masked query must recover it.
      torch::NoGradGuard no_grad;
      out.key_fusion = fusion_m->embed(fusion_m->forward(kr, kd, 0.0));
    }
    // Eq. 7 at tau_inter (0.04).
    out.inter = infoNceLoss(q_fusion, out.key_fusion, fusion_queue->keys(), options_.tau_inter);
    out.loss = out.loss + options_.lambda_inter * out.inter;
  }
  return out;
}

void ContrastivePretrainNetImpl::momentumStep() {
  const double m = options_.momentum;
  momentumUpdate(*rgb_encoder, *rgb_encoder_m, m);
  momentumUpdate(*depth_encoder, *depth_encoder_m, m);
  momentumUpdate(*rgb_projector, *rgb_projector_m, m);
  momentumUpdate(*depth_projector, *depth_projector_m, m);
  momentumUpdate(*fusion, *fusion_m, m);
}

void ContrastivePretrainNetImpl::enqueue(const ContrastiveOutput& out) {
  if (out.key_rgb.defined()) rgb_queue->enqueue(out.key_rgb);
  if (out.key_depth.defined()) depth_queue->enqueue(out.key_depth);
  if (out.key_fusion.defined()) fusion_queue->enqueue(out.key_fusion);
}

}  // namespace rgbdsod::models
