"""Shared by the interop scripts: the level features that rgbdsod's trunks return, computed with
torchvision's own modules, and the comparison rule. Run with Debian's /usr/bin/python3
(python3-torch 1.13, python3-torchvision 0.14; packaging/install-deps.sh installs them)."""
import sys

# Exit status 77 = "not installed": torchvision_interop_test.cpp then skips instead of failing.
NOT_INSTALLED = 77
try:
    import torch
    import torchvision
    from torchvision.models import vgg
except ImportError as e:
    print(f"ImportError: {e}")
    sys.exit(NOT_INSTALLED)

# max |ours - torchvision| / max |torchvision| per feature map. Both sides run the same
# libtorch kernels (Debian's python3-torch links Debian's libtorch 1.13): measured 0 (bit-identical).
# The bound leaves room for a different thread count or kernel choice (float32 summation order
# moves results by ~1e-7 relative); a wrong or missing tensor gives differences of order 1.
REL_TOLERANCE = 1e-5

# Exclusive end index in vgg16().features of conv1_2 .. conv5_3 (after their ReLU) and of pool5:
# the same table as models/src/vgg16.cpp (kLevelEnd, kPool5End).
VGG_LEVEL_ENDS = {"conv1_2": 4, "conv2_2": 9, "conv3_3": 16, "conv4_3": 23, "conv5_3": 30, "pool5": 31}
RESNET_LEVELS = ("stem", "layer1", "layer2", "layer3", "layer4")


def vgg16_features():
    """torchvision's VGG-16 conv trunk, built as vgg16() builds its .features (make_layers of
    configuration "D", then VGG.__init__'s conv init) but without the 500 MB classifier, whose
    construction alone would cost ~1.5 s per script."""
    features = vgg.make_layers(vgg.cfgs["D"], batch_norm=False)
    for m in features.modules():
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            torch.nn.init.constant_(m.bias, 0)
    return features


def resnet50(dilated):
    """torchvision's ResNet-50; dilated = rgbdsod's default (layer3/layer4 dilated, stride 8)."""
    return torchvision.models.resnet50(
        weights=None, replace_stride_with_dilation=[False, dilated, dilated])


@torch.no_grad()
def vgg16_levels(features, x):
    """{name: tensor} at each VGG_LEVEL_ENDS entry, running `features` once."""
    out, h, begin = {}, x, 0
    for name, end in VGG_LEVEL_ENDS.items():
        for i in range(begin, end):
            h = features[i](h)
        out[name] = h.clone()  # the next module may be an in-place ReLU
        begin = end
    return out


@torch.no_grad()
def resnet50_levels(model, x):
    """rgbdsod's ResNet50Features: stem (relu(bn1(conv1)), before the max-pool), layer1..4."""
    stem = model.relu(model.bn1(model.conv1(x)))
    l1 = model.layer1(model.maxpool(stem))
    l2 = model.layer2(l1)
    l3 = model.layer3(l2)
    l4 = model.layer4(l3)
    return dict(zip(RESNET_LEVELS, (stem, l1, l2, l3, l4)))


def rel_diff(ours, reference):
    if ours.shape != reference.shape:
        raise ValueError(f"shape {tuple(ours.shape)} != reference {tuple(reference.shape)}")
    scale = reference.abs().max().item()
    return (ours - reference).abs().max().item() / (scale if scale > 0 else 1.0)
