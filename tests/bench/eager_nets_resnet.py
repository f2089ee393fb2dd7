"""ResNet-50 networks in PyTorch eager, for tests/bench/eager_train_step.py.

Re-implemented layer for layer from models/src/resnet50.cpp, recnet.cpp, losses_recnet.cpp,
contrastive_fusion.cpp, contrastive_pretrain.cpp, momentum.cpp and losses_infonce.cpp (not
imported from there), so that parameter counts match rgbdsod's to the tensor:
  RecNet          dilated ResNet-50 (output stride 8), two feature-integration blocks, the
                  reciprocal attention module (DANet index), two saliency heads; loss Eq. 4 +
                  Eq. 5 (target-first KL), cooperative weight 1.
  ContrastiveNet  modality-balanced contrastive pre-training, one-stage ("contrast"): RGB and depth
                  dilated ResNet-50 encoders with MoCo projections, the fusion encoder with its 50 %
                  attentive mask, momentum copies of all five, three key queues of 16384; loss
                  0.5 * L_intra (tau 0.1) + 0.5 * L_inter (tau 0.04).
"""
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from eager_nets_lsf import resize, scaled
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
# Modality-balanced contrastive pre-training (contrastive_fusion.cpp, contrastive_pretrain.cpp)
class ProjectionMlp(nn.Module):
    def __init__(self, cin, hidden, out):
        super().__init__()
        self.fc1 = nn.Linear(cin, hidden)
        self.fc2 = nn.Linear(hidden, out)

    def forward(self, x):
        return F.normalize(self.fc2(torch.relu(self.fc1(x))), dim=1)


def channel_attention(c, reduction):
    mid = max(1, c // reduction)
    return nn.Sequential(nn.Linear(c, mid), nn.ReLU(), nn.Linear(mid, c), nn.Sigmoid())


def attentive_mask(scores, ratio):
    with torch.no_grad():
        c = scores.shape[1]
        k = int(math.floor(ratio * c + 1e-9))
        mask = torch.ones_like(scores)
        if k == 0:
            return mask
        top = scores.topk(k, dim=1, largest=True, sorted=False)[1]
        return mask.scatter_(1, top, 0.0)


class FusionEncoder(nn.Module):
    def __init__(self, c, reduction, hidden, embedding):
        super().__init__()
        self.rgb_attention = channel_attention(c, reduction)
        self.depth_attention = channel_attention(c, reduction)
        self.fuse = nn.Sequential(nn.Conv2d(2 * c, c, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU())
        self.projector = ProjectionMlp(c, hidden, embedding)

    def forward(self, rgb, depth, mask_ratio):
        a_rgb = self.rgb_attention(rgb.mean((2, 3)))
        a_depth = self.depth_attention(depth.mean((2, 3)))
        mask = attentive_mask(a_rgb.detach(), mask_ratio)
        w_rgb = (a_rgb * mask)[:, :, None, None]
        return self.fuse(torch.cat([rgb * w_rgb, depth * a_depth[:, :, None, None]], 1))

    def embed(self, fused):
        return self.projector(fused.mean((2, 3)))


class FeatureQueue(nn.Module):
    def __init__(self, size, dim):
        super().__init__()
        self.register_buffer("queue", F.normalize(torch.randn(size, dim), dim=1))
        self.register_buffer("ptr", torch.zeros(1, dtype=torch.long))

    @torch.no_grad()
    def enqueue(self, keys):
        k, n = self.queue.shape[0], keys.shape[0]
        start = int(self.ptr.item())
        rows = torch.remainder(torch.arange(start, start + n, dtype=torch.long), k).to(self.queue.device)
        src = keys.detach().to(self.queue.dtype)
        if n <= k:
            self.queue.index_copy_(0, rows, src)
        else:
            self.queue.index_copy_(0, rows[n - k:], src[n - k:])
        self.ptr.fill_((start + n) % k)


def info_nce(q, k, queue, temperature):
    positive = (q * k.detach()).sum(1, keepdim=True)
    negatives = torch.mm(q, queue.detach().t())
    logits = torch.cat([positive, negatives], 1) / temperature
    labels = torch.zeros(logits.shape[0], dtype=torch.long, device=q.device)
    return F.cross_entropy(logits, labels)


class ContrastiveNet(nn.Module):
    """The one-stage `contrast` defaults: queue 16384, momentum 0.999, mask 0.5, lambdas 0.5."""

    ONLINE = ("rgb_encoder", "depth_encoder", "rgb_projector", "depth_projector", "fusion")

    def __init__(self, width, depth_channels=1, embedding=128, hidden=2048, reduction=16, queue=16384):
        super().__init__()
        hidden = scaled(hidden, width)
        self.rgb_encoder = ResNet50(width, 3)
        self.depth_encoder = ResNet50(width, depth_channels)
        c = self.rgb_encoder.channels[4]
        self.rgb_projector = ProjectionMlp(c, hidden, embedding)
        self.depth_projector = ProjectionMlp(c, hidden, embedding)
        self.fusion = FusionEncoder(c, reduction, hidden, embedding)
        for name in self.ONLINE:  # MoCo: key encoders start as copies that get no gradient
            key = copy.deepcopy(getattr(self, name))
            for p in key.parameters():
                p.requires_grad_(False)
            setattr(self, name + "_m", key)
        self.rgb_queue = FeatureQueue(queue, embedding)
        self.depth_queue = FeatureQueue(queue, embedding)
        self.fusion_queue = FeatureQueue(queue, embedding)
        self.mask_ratio, self.momentum = 0.5, 0.999

    @torch.no_grad()
    def momentum_step(self):
        m = self.momentum
        for name in self.ONLINE:
            online = dict(getattr(self, name).named_parameters())
            for n, p in getattr(self, name + "_m").named_parameters():
                p.mul_(m).add_(online[n], alpha=1.0 - m)

    def forward(self, rgb, depth, rgb2, depth2):
        fr = self.rgb_encoder(rgb)[4]
        fd = self.depth_encoder(depth)[4]
        q_rgb = self.rgb_projector(fr.mean((2, 3)))
        q_depth = self.depth_projector(fd.mean((2, 3)))
        with torch.no_grad():
            kr = self.rgb_encoder_m(rgb2)[4]
            kd = self.depth_encoder_m(depth2)[4]
            k_rgb = self.rgb_projector_m(kr.mean((2, 3)))
            k_depth = self.depth_projector_m(kd.mean((2, 3)))
        loss = torch.zeros((), dtype=q_rgb.dtype, device=q_rgb.device)
        intra = info_nce(q_rgb, k_rgb, self.rgb_queue.queue, 0.1) + \
            info_nce(q_depth, k_depth, self.depth_queue.queue, 0.1)
        loss = loss + 0.5 * intra
        q_fusion = self.fusion.embed(self.fusion(fr, fd, self.mask_ratio))
        with torch.no_grad():
            k_fusion = self.fusion_m.embed(self.fusion_m(kr, kd, 0.0))
        loss = loss + 0.5 * info_nce(q_fusion, k_fusion, self.fusion_queue.queue, 0.04)
        self._keys = (k_rgb, k_depth, k_fusion)
        return loss

    def enqueue(self):
        for queue, keys in zip((self.rgb_queue, self.depth_queue, self.fusion_queue), self._keys):
            queue.enqueue(keys)
        self._keys = None

    def embed(self, rgb, depth):
        """Inference: the online encoders' embeddings of a batch (the fusion one unmasked)."""
        fr = self.rgb_encoder(rgb)[4]
        fd = self.depth_encoder(depth)[4]
        return (self.rgb_projector(fr.mean((2, 3))), self.depth_projector(fd.mean((2, 3))),
                self.fusion.embed(self.fusion(fr, fd, 0.0)))
