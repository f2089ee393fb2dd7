"""Learn-Select-Fuse in PyTorch eager, for tests/bench/eager_train_step.py.

Re-implemented layer for layer from models/src/vgg16.cpp, lsf_stream.cpp, lsf_fusion.cpp and
losses_lsf.cpp (not imported from there), so that parameter counts match rgbdsod's to the tensor:
  LsfStream     the RGB teacher: VGG-16 (torchvision layout, width multiplier) + the 13x13 global
                conv on pool5, Table 1 side heads of levels 2..6, BPDC, the fused term.
  LsfFusionNet  CA-Fuse: an RGB and a depth trunk, one CA-Fuse block per level 2..6 (Table 1
                adaptation, 1x1 selectors, R-b / D-b heads, joint head, transition to the level
                below), BPDC over the joint predictions and the fused term of Eq. 6.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def scaled(full, width):
    """scaledChannels(): lround(full * width), at least 1."""
    return max(1, int(math.floor(full * width + 0.5)))


def resize(x, size):
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=list(size), mode="bilinear", align_corners=False)


def kaiming_convs(module):
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


VGG_D = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]
LEVEL_END = [4, 9, 16, 23, 30]
POOL5_END = 31
# Table 1, levels 2..6: (kernel, channels, layers) of the adaptation, channels of the transition.
TABLE1 = [(3, 128, 2), (3, 192, 2), (3, 384, 2), (1, 384, 1), (1, 0, 0)]
TRANSITION = [0, 128, 256, 384, 384]


class Vgg16(nn.Module):
    def __init__(self, width, in_channels=3, level6_kernel=13, level6_channels=512):
        super().__init__()
        layers, self.level_channels = [], []
        c = in_channels
        for full in VGG_D:
            if full == 0:
                layers.append(nn.MaxPool2d(2, 2))
                self.level_channels.append(c)
                continue
            out = scaled(full, width)
            layers += [nn.Conv2d(c, out, 3, padding=1), nn.ReLU(inplace=True)]
            c = out
        self.features = nn.Sequential(*layers)
        c6 = scaled(level6_channels, width)
        self.conv6 = nn.Conv2d(c, c6, level6_kernel, padding=level6_kernel // 2)
        self.level_channels.append(c6)
        kaiming_convs(self)

    def forward(self, x):
        levels, begin = [], 0
        for end in LEVEL_END:
            for i in range(begin, end):
                x = self.features[i](x)
            levels.append(x)
            begin = end
        for i in range(begin, POOL5_END):
            x = self.features[i](x)
        levels.append(F.relu(self.conv6(x)))
        return levels


def adaptation(in_channels, spec, width):
    """lsfAdaptation(): `layers` convs + ReLU; returns the Sequential and its output channels."""
    kernel, channels, layers = spec
    seq, c = [], in_channels
    for _ in range(layers):
        out = scaled(channels, width)
        seq += [nn.Conv2d(c, out, kernel, padding=kernel // 2), nn.ReLU(inplace=True)]
        c = out
    return nn.Sequential(*seq), c


class SideHead(nn.Module):
    def __init__(self, in_channels, spec, width):
        super().__init__()
        self.adaptation, c = adaptation(in_channels, spec, width)
        self.predict = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        if len(self.adaptation) > 0:
            x = self.adaptation(x)
        return self.predict(x)


class Bpdc(nn.Module):
    def __init__(self, levels=5):
        super().__init__()
        self.levels = levels
        ws = []
        for i in range(levels - 1):
            coarser = levels - 1 - i
            w = torch.full((coarser + 1,), 0.5 / coarser)
            w[0] = 0.5
            ws.append(nn.Parameter(w))
        self.weights = nn.ParameterList(ws)

    def forward(self, sides):
        total = self.levels
        combined = [None] * total
        combined[-1] = sides[-1]
        for i in range(total - 2, -1, -1):
            w = self.weights[i]
            acc = w[0] * sides[i]
            for k in range(i + 1, total):
                acc = acc + w[k - i] * resize(combined[k], sides[i].shape[-2:])
            combined[i] = acc
        return combined


def side_fusion(weights, combined, size):
    """LsfSideFusion: sum_i w~_i P~_i at the input size."""
    fused = None
    for i, c in enumerate(combined):
        term = weights[i] * resize(c, size)
        fused = term if fused is None else fused + term
    return fused


class LsfStream(nn.Module):
    def __init__(self, width, in_channels=3):
        super().__init__()
        self.backbone = Vgg16(width, in_channels)
        ch = self.backbone.level_channels
        self.heads = nn.ModuleDict(
            {f"level{lv}": SideHead(ch[lv - 1], TABLE1[lv - 2], width) for lv in range(2, 7)})
        self.bpdc = Bpdc(5)
        self.side_fusion_weights = nn.Parameter(torch.full((5,), 1.0 / 5))

    def forward(self, image):
        out_size = image.shape[-2:]
        levels = self.backbone(image)
        sides = [self.heads[f"level{lv}"](levels[lv - 1]) for lv in range(2, 7)]
        combined = self.bpdc(sides)
        return {"sides": sides, "combined": combined,
                "fused": side_fusion(self.side_fusion_weights, combined, out_size),
                "final": resize(combined[0], out_size)}


class CaFuseBlock(nn.Module):
    def __init__(self, rgb_channels, depth_channels, spec, width, upper, transition):
        super().__init__()
        self.adapt_rgb, c = adaptation(rgb_channels, spec, width)
        self.adapt_depth, _ = adaptation(depth_channels, spec, width)
        self.select_depth_to_rgb = nn.Conv2d(c, c, 1)
        self.select_rgb_to_depth = nn.Conv2d(c, c, 1)
        self.rgb_head = nn.Conv2d(c, 1, 1)
        self.depth_head = nn.Conv2d(c, 1, 1)
        rd = 2 * c + upper
        self.upper = upper
        self.joint_head = nn.Conv2d(rd, 1, 1)
        self.transition = (nn.Sequential(nn.Conv2d(rd, transition, 1), nn.ReLU(inplace=True))
                           if transition > 0 else None)

    def forward(self, rgb, depth, upper):
        r = self.adapt_rgb(rgb) if len(self.adapt_rgb) > 0 else rgb
        d = self.adapt_depth(depth) if len(self.adapt_depth) > 0 else depth
        # Both selectors read the features before either residual is added.
        r, d = r + self.select_depth_to_rgb(d), d + self.select_rgb_to_depth(r)
        parts = [r, d]
        if self.upper > 0:
            parts.append(resize(upper, r.shape[-2:]))
        rep = torch.cat(parts, 1)
        down = self.transition(rep) if self.transition is not None else None
        return {"joint": self.joint_head(rep), "rgb": self.rgb_head(r), "depth": self.depth_head(d),
                "down": down}


class LsfFusionNet(nn.Module):
    def __init__(self, width, depth_channels=1):
        super().__init__()
        self.rgb = Vgg16(width, 3)
        self.depth = Vgg16(width, depth_channels)
        transitions = [scaled(t, width) if j > 0 and t > 0 else 0 for j, t in enumerate(TRANSITION)]
        blocks = {}
        for j, level in enumerate(range(2, 7)):
            upper = transitions[j + 1] if j + 1 < len(transitions) else 0
            blocks[f"level{level}"] = CaFuseBlock(self.rgb.level_channels[level - 1],
                                                  self.depth.level_channels[level - 1], TABLE1[j], width,
                                                  upper, transitions[j])
        self.blocks = nn.ModuleDict(blocks)
        self.bpdc = Bpdc(5)
        self.side_fusion_weights = nn.Parameter(torch.full((5,), 1.0 / 5))

    def forward(self, rgb, depth):
        fr, fd = self.rgb(rgb), self.depth(depth)
        sides, branches, upper = [None] * 5, [], None
        for level in range(6, 1, -1):  # top-down: each block gets the transition of the one above
            out = self.blocks[f"level{level}"](fr[level - 1], fd[level - 1], upper)
            sides[level - 2] = out["joint"]
            branches += [out["rgb"], out["depth"]]
            upper = out["down"]
        size = rgb.shape[-2:]
        combined = self.bpdc(sides)
        return {"sides": sides, "combined": combined, "branches": branches,
                "fused": side_fusion(self.side_fusion_weights, combined, size),
                "final": resize(combined[0], size)}


def saliency_bce(logits, mask):
    r = resize(logits, mask.shape[-2:])
    return F.binary_cross_entropy_with_logits(r, mask.to(r.dtype))


def teacher_loss(p, mask):
    # lsfTeacherLoss with side_weight 0, combined_weight 1, fused_weight 1.
    total = torch.zeros((), dtype=torch.float32, device=mask.device)
    ds = torch.zeros((), dtype=torch.float32, device=mask.device)
    for c in p["combined"]:
        ds = ds + 1.0 * saliency_bce(c, mask)
    total = total + 1.0 * ds
    total = total + 1.0 * saliency_bce(p["fused"], mask)
    saliency_bce(p["final"], mask).detach()  # logged by the stage, not optimised
    return total


def joint_loss(p, mask):
    # lsfJointLoss (Eq. 6) with side_weight 0, combined_weight 1, branch_weight 1, fused_weight 1.
    total = torch.zeros((), dtype=torch.float32, device=mask.device)
    ds = torch.zeros((), dtype=torch.float32, device=mask.device)
    for c in p["combined"]:
        ds = ds + 1.0 * saliency_bce(c, mask)
    total = total + 1.0 * ds
    for b in p["branches"]:
        total = total + 1.0 * saliency_bce(b, mask)
    total = total + 1.0 * saliency_bce(p["fused"], mask)
    saliency_bce(p["final"], mask).detach()  # logged by the stage, not optimised
    return total
