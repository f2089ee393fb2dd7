#include "rgbdsod/models/resnet50.h"

#include <torch/nn/init.h>

namespace rgbdsod::models {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride = 1, int64_t pad = 0,
                int64_t dilation = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).dilation(dilation).bias(false));
}

}  // namespace

BottleneckImpl::BottleneckImpl(int64_t in_channels, int64_t mid_channels, int64_t out_channels,
                               int64_t stride, int64_t dilation) {
  conv1 = register_module("conv1", conv(in_channels, mid_channels, 1));
  bn1 = register_module("bn1", nn::BatchNorm2d(mid_channels));
  // padding = dilation keeps the spatial size of the 3x3 conv (torchvision does the same).
  conv2 = register_module("conv2", conv(mid_channels, mid_channels, 3, stride, dilation, dilation));
  bn2 = register_module("bn2", nn::BatchNorm2d(mid_channels));
  conv3 = register_module("conv3", conv(mid_channels, out_channels, 1));
  bn3 = register_module("bn3", nn::BatchNorm2d(out_channels));
  if (stride != 1 || in_channels != out_channels) {
    downsample = register_module(
        "downsample", nn::Sequential(conv(in_channels, out_channels, 1, stride), nn::BatchNorm2d(out_channels)));
  }
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
  auto out = torch::relu(bn1(conv1(x)));
  out = torch::relu(bn2(conv2(out)));
  out = bn3(conv3(out));
  const auto identity = downsample ? downsample->forward(x) : x;
  return torch::relu(out + identity);
}

ResNet50Impl::ResNet50Impl(ResNet50Options options) : options_(options) {
  const double w = options_.backbone.width;
  int64_t in = scaledChannels(64, w);
  channels_[0] = in;
  conv1 = register_module("conv1", conv(options_.backbone.in_channels, in, 7, 2, 3));
  bn1 = register_module("bn1", nn::BatchNorm2d(in));
  maxpool = register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  int64_t dilation = 1;
  layer1 = register_module("layer1", makeLayer(in, 64, 3, 1, false, dilation));
  channels_[1] = in;
  layer2 = register_module("layer2", makeLayer(in, 128, 4, 2, false, dilation));
  channels_[2] = in;
  layer3 = register_module("layer3", makeLayer(in, 256, 6, 2, options_.dilated, dilation));
  channels_[3] = in;
  layer4 = register_module("layer4", makeLayer(in, 512, 3, 2, options_.dilated, dilation));
  channels_[4] = in;

  // torchvision's initialisation: He (fan_out) for convs, BN weight 1 and bias 0.
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* c = m->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    } else if (auto* b = m->as<nn::BatchNorm2d>()) {
      nn::init::ones_(b->weight);
      nn::init::zeros_(b->bias);
    }
  }
}

// torchvision's _make_layer: with `dilate`, the stride becomes dilation and the first block of
// the stage keeps the previous dilation.
nn::Sequential ResNet50Impl::makeLayer(int64_t& in_channels, int64_t planes, int64_t blocks,
                                       int64_t stride, bool dilate, int64_t& dilation) {
  const double w = options_.backbone.width;
  const int64_t previous = dilation;
  if (dilate) {
    dilation *= stride;
    stride = 1;
  }
  const int64_t mid = scaledChannels(planes, w);
  const int64_t out = scaledChannels(planes * 4, w);
  nn::Sequential layer;
  layer->push_back(Bottleneck(in_channels, mid, out, stride, previous));
  in_channels = out;
  for (int64_t i = 1; i < blocks; ++i) layer->push_back(Bottleneck(in_channels, mid, out, 1, dilation));
  return layer;
}

ResNet50Features ResNet50Impl::forward(const torch::Tensor& x) {
  ResNet50Features f;
  f.stem = torch::relu(bn1(conv1(x)));
  f.layer1 = layer1->forward(maxpool(f.stem));
  f.layer2 = layer2->forward(f.layer1);
  f.layer3 = layer3->forward(f.layer2);
  f.layer4 = layer4->forward(f.layer3);
  return f;
}

int64_t ResNet50Impl::channels(int level) const { return channels_.at(static_cast<size_t>(level)); }

}  // namespace rgbdsod::models
