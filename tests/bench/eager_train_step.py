#!/usr/bin/python3
"""Issue 16 item 5 (partial): the PyTorch-eager half of the eager-vs-rgbdsod comparison.

Re-implements, layer for layer, the networks and losses of two rgbdsod stages (read from
models/src/*.cpp and training/src/stage_*.cpp; not imported from there) and times them exactly as
tests/bench/bench_train_step.cpp times the C++ ones:
  teacher  Learn-Select-Fuse RGB stream: VGG-16 (torchvision layout, width multiplier) + the 13x13
           global conv on pool5, Table 1 side heads of levels 2..6, BPDC, the fused term; loss Eq. 9
           (BCE of every combined side output + BCE of the fused map; the final map's BCE is
           computed and detached, as the stage logs it).
  recnet   RecNet: dilated ResNet-50 (output stride 8), two feature-integration blocks, the
           reciprocal attention module (DANet index), two saliency heads; loss Eq. 4 + Eq. 5
           (target-first KL), cooperative weight 1.
Optimiser as the stage defaults: SGD momentum 0.9, weight decay 5e-4, lr 0.01 (teacher) /
0.005 (recnet), two parameter groups (backbone., the rest), poly schedule power 0.9.

Usage: eager_train_step.py <teacher|recnet> <width> <size> <batch> <threads> <steps> [warmup]
Prints one JSON line with the same keys as the C++ bench.
"""
import json
import math
import statistics
import sys
import time

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


# ----------------------------------------------------------------------------------------------
# Learn-Select-Fuse teacher (models/src/vgg16.cpp, lsf_stream.cpp, losses_lsf.cpp)
VGG_D = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]
LEVEL_END = [4, 9, 16, 23, 30]
POOL5_END = 31
# (kernel, channels, layers) of levels 2..6: Table 1's adaptation column.
TABLE1 = [(3, 128, 2), (3, 192, 2), (3, 384, 2), (1, 384, 1), (1, 0, 0)]


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


class SideHead(nn.Module):
    def __init__(self, in_channels, spec, width):
        super().__init__()
        kernel, channels, layers = spec
        channels = scaled(channels, width) if layers > 0 else 0
        seq, c = [], in_channels
        for _ in range(layers):
            seq += [nn.Conv2d(c, channels, kernel, padding=kernel // 2), nn.ReLU(inplace=True)]
            c = channels
        self.adaptation = nn.Sequential(*seq)
        self.predict = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        if len(self.adaptation) > 0:
            x = self.adaptation(x)
        return self.predict(x)


class Bpdc(nn.Module):
    def __init__(self, levels=5, first_level_number=2):
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


class LsfStream(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.backbone = Vgg16(width)
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
        fused = None
        for i, c in enumerate(combined):
            term = self.side_fusion_weights[i] * resize(c, out_size)
            fused = term if fused is None else fused + term
        return {"sides": sides, "combined": combined, "fused": fused,
                "final": resize(combined[0], out_size)}


def saliency_bce(logits, mask):
    r = resize(logits, mask.shape[-2:])
    return F.binary_cross_entropy_with_logits(r, mask)


def teacher_loss(p, mask):
    # lsfTeacherLoss with side_weight 0, combined_weight 1, fused_weight 1.
    total = torch.zeros((), dtype=mask.dtype)
    ds = torch.zeros((), dtype=mask.dtype)
    for c in p["combined"]:
        ds = ds + 1.0 * saliency_bce(c, mask)
    total = total + 1.0 * ds
    total = total + 1.0 * saliency_bce(p["fused"], mask)
    saliency_bce(p["final"], mask).detach()  # logged by the stage, not optimised
    return total


# ----------------------------------------------------------------------------------------------
# RecNet (models/src/resnet50.cpp, recnet.cpp, losses_recnet.cpp)
def conv_nb(i, o, k, stride=1, pad=0, dilation=1):
    return nn.Conv2d(i, o, k, stride=stride, padding=pad, dilation=dilation, bias=False)


class Bottleneck(nn.Module):
    def __init__(self, cin, mid, cout, stride, dilation):
        super().__init__()
        self.conv1 = conv_nb(cin, mid, 1)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = conv_nb(mid, mid, 3, stride, dilation, dilation)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = conv_nb(mid, cout, 1)
        self.bn3 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(conv_nb(cin, cout, 1, stride), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = self.downsample(x) if self.downsample is not None else x
        return torch.relu(out + identity)


class ResNet50(nn.Module):
    def __init__(self, width, in_channels=3, dilated=True):
        super().__init__()
        self.width = width
        c = scaled(64, width)
        self.channels = [c]
        self.conv1 = conv_nb(in_channels, c, 7, 2, 3)
        self.bn1 = nn.BatchNorm2d(c)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self._in, self._dil = c, 1
        self.layer1 = self._make(64, 3, 1, False)
        self.layer2 = self._make(128, 4, 2, False)
        self.layer3 = self._make(256, 6, 2, dilated)
        self.layer4 = self._make(512, 3, 2, dilated)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def _make(self, planes, blocks, stride, dilate):
        previous = self._dil
        if dilate:
            self._dil *= stride
            stride = 1
        mid, out = scaled(planes, self.width), scaled(planes * 4, self.width)
        layers = [Bottleneck(self._in, mid, out, stride, previous)]
        self._in = out
        for _ in range(1, blocks):
            layers.append(Bottleneck(out, mid, out, 1, self._dil))
        self.channels.append(out)
        return nn.Sequential(*layers)

    def forward(self, x):
        stem = torch.relu(self.bn1(self.conv1(x)))
        l1 = self.layer1(self.maxpool(stem))
        l2 = self.layer2(l1)
        l3 = self.layer3(l2)
        l4 = self.layer4(l3)
        return [stem, l1, l2, l3, l4]


def conv_b(i, o, k, stride=1):
    return nn.Conv2d(i, o, k, stride=stride, padding=k // 2)


class FeatureIntegration(nn.Module):
    STRIDES = [(2, 2), (2, 1), (1, 1), (1, 1), (1, 1)]

    def __init__(self, level_channels, out):
        super().__init__()
        self.out_channels = out * 5
        self.levels = nn.ModuleList([
            nn.Sequential(conv_b(level_channels[i], out, 3, s0), nn.ReLU(), conv_b(out, out, 3, s1), nn.ReLU(),
                          conv_b(out, out, 1), nn.ReLU())
            for i, (s0, s1) in enumerate(self.STRIDES)])

    def forward(self, feats):
        h, w = feats[4].shape[-2:]
        return torch.cat([resize(m(f), (h, w)) for m, f in zip(self.levels, feats)], 1)


class ReciprocalAttention(nn.Module):
    def __init__(self, c, qk):
        super().__init__()
        self.f2 = conv_b(c, qk, 1)
        self.b1 = conv_b(c, c, 1)
        self.b2 = conv_b(c, qk, 1)
        self.beta = nn.Parameter(torch.zeros(1))
        self.f1 = conv_b(c, c, 1)
        self.alpha = nn.Parameter(torch.zeros(1))

    def forward(self, fg, bg):
        b2 = self.b2(bg).flatten(2)
        f2 = self.f2(fg).flatten(2)
        x = torch.softmax(torch.bmm(b2.transpose(1, 2), f2), 1)
        shape = fg.shape
        f_plus = self.beta * torch.bmm(self.b1(bg).flatten(2), x).view(shape) + fg
        b_plus = self.alpha * torch.bmm(self.f1(fg).flatten(2), x).view(shape) + bg
        return f_plus, b_plus


class SaliencyHead(nn.Module):
    def __init__(self, cin, mid):
        super().__init__()
        self.conv1 = conv_b(cin, mid, 3)
        self.conv2 = conv_b(mid, mid, 3)
        self.conv3 = conv_b(mid, 1, 1)

    def forward(self, x):
        return self.conv3(torch.relu(self.conv2(torch.relu(self.conv1(x)))))


class RecNet(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.backbone = ResNet50(width)
        per, mid = scaled(256, width), scaled(128, width)
        self.fg_integration = FeatureIntegration(self.backbone.channels, per)
        self.fg_head = SaliencyHead(per * 5, mid)
        self.bg_integration = FeatureIntegration(self.backbone.channels, per)
        self.bg_head = SaliencyHead(per * 5, mid)
        self.attention = ReciprocalAttention(per * 5, scaled(512, width))

    def forward(self, x):
        h, w = x.shape[-2:]
        feats = self.backbone(x)
        fg = self.fg_integration(feats)
        bg = self.bg_integration(feats)
        fg, bg = self.attention(fg, bg)
        f = resize(self.fg_head(fg), (h, w))
        b = resize(self.bg_head(bg), (h, w))
        return {"foreground": f, "background": b, "final": torch.relu(torch.sigmoid(f) - torch.sigmoid(b))}


def bernoulli_kl(a, b):
    la, lna, lb, lnb = F.logsigmoid(a), F.logsigmoid(-a), F.logsigmoid(b), F.logsigmoid(-b)
    return la.exp() * (la - lb) + lna.exp() * (lna - lnb)


def recnet_loss(p, mask):
    g = mask
    f = resize(p["foreground"], mask.shape[-2:])
    b = resize(p["background"], mask.shape[-2:])
    total = F.binary_cross_entropy_with_logits(f, g) + F.binary_cross_entropy_with_logits(b, 1.0 - g)
    kl_c = bernoulli_kl(-b, f).mean()
    log_not_p = torch.logaddexp(F.logsigmoid(-f), F.logsigmoid(f) + F.logsigmoid(-b))
    kl_o = (-log_not_p).mean()
    return total + 1.0 * (kl_c + kl_o)


# ----------------------------------------------------------------------------------------------
def main(argv):
    if len(argv) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    network, width, size, batch, threads, steps = (
        argv[1], float(argv[2]), int(argv[3]), int(argv[4]), int(argv[5]), max(1, int(argv[6])))
    warmup = max(0, int(argv[7])) if len(argv) > 7 else 2
    torch.set_num_threads(threads)
    torch.manual_seed(1)

    if network == "teacher":
        net, loss_fn, lr, prob = LsfStream(width), teacher_loss, 0.01, lambda p: torch.sigmoid(p["final"])
    elif network == "recnet":
        net, loss_fn, lr, prob = RecNet(width), recnet_loss, 0.005, lambda p: p["final"]
    else:
        print("network must be teacher or recnet", file=sys.stderr)
        return 2

    named = list(net.named_parameters())
    params = sum(p.numel() for _, p in named)
    backbone = [p for n, p in named if n.startswith("backbone.")]
    head = [p for n, p in named if not n.startswith("backbone.")]
    groups = [{"params": g, "lr": lr} for g in (backbone, head) if g]
    opt = torch.optim.SGD(groups, lr=lr, momentum=0.9, weight_decay=5e-4)
    base = [g["lr"] for g in opt.param_groups]

    rgb = torch.randn(batch, 3, size, size)
    gt = (torch.rand(batch, 1, size, size) > 0.5).float()

    total = warmup + steps
    train_ms, last_loss = [], 0.0
    for step in range(total):
        t0 = time.perf_counter()
        net.train()
        f = (1.0 - min(1.0, step / total)) ** 0.9
        for g, b0 in zip(opt.param_groups, base):
            g["lr"] = b0 * f
        loss = loss_fn(net(rgb), gt)
        last_loss = loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step >= warmup:
            train_ms.append((time.perf_counter() - t0) * 1e3)

    infer_ms = []
    net.eval()
    with torch.no_grad():
        for i in range(total):
            t0 = time.perf_counter()
            prob(net(rgb)).sum().item()
            if i >= warmup:
                infer_ms.append((time.perf_counter() - t0) * 1e3)

    print(json.dumps({"impl": "eager", "network": network, "width": width, "size": size, "batch": batch,
                      "threads": torch.get_num_threads(), "steps": steps, "params": params,
                      "param_tensors": len(named), "train_ms": round(statistics.median(train_ms), 3),
                      "infer_ms": round(statistics.median(infer_ms), 3), "last_loss": last_loss}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
