#!/usr/bin/python3
"""Issue 16 item 5: the PyTorch-eager half of the eager-vs-rgbdsod comparison.

The networks and losses of four rgbdsod stages, re-implemented in eager_nets_lsf.py and
eager_nets_resnet.py, timed exactly as tests/bench/bench_train_step.cpp times the C++ ones:
  teacher   Learn-Select-Fuse RGB stream, loss Eq. 9;
  fuse      Learn-Select-Fuse CA-Fuse fusion net (RGB + 1-channel depth), loss Eq. 6;
  recnet    RecNet, loss Eq. 4 + Eq. 5;
  contrast  the contrastive encoder, one-stage MoCo step (momentum update, two views, loss Eq. 8,
            backward, SGD, enqueue); inference = the online encoders' three embeddings.
Optimiser as the stage defaults: SGD momentum 0.9, two parameter groups (the trunks, the rest),
poly schedule power 0.9; lr / weight decay 0.01 / 5e-4 (teacher, fuse), 0.005 / 5e-4 (recnet),
0.07 / 2e-4 and no schedule (contrast).

Usage: eager_train_step.py <teacher|fuse|recnet|contrast> <width> <size> <batch> <threads> <steps>
           [warmup] [--device cpu|cuda|cuda:N] [--precision fp32|bf16]
On CUDA: cudnn.benchmark, channels-last weights and inputs, bf16 by torch.autocast around forward
and loss, and the clocks are read after torch.cuda.synchronize(). Prints one JSON line with the
same keys as the C++ bench.
"""
import contextlib
import json
import statistics
import sys
import time

import torch

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (it travels to the GPU machine)
from eager_nets_lsf import LsfFusionNet, LsfStream, joint_loss, teacher_loss
from eager_nets_resnet import ContrastiveNet, RecNet, recnet_loss

NETWORKS = ("teacher", "fuse", "recnet", "contrast")


def split_flags(argv):
    """Positional arguments and the --device / --precision flags (either order)."""
    flags, rest, i = {"device": "cpu", "precision": "fp32"}, [], 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--") and a[2:].split("=")[0] in flags:
            key, _, value = a[2:].partition("=")
            if not value:
                i += 1
                value = argv[i] if i < len(argv) else ""
            flags[key] = value
        else:
            rest.append(a)
        i += 1
    return rest, flags


def build(network, width):
    """(net, loss(net, inputs) -> scalar, infer(net, inputs) -> scalar tensor, lr, wd, poly, trunks)."""
    prob = torch.sigmoid
    if network == "teacher":
        return (LsfStream(width), lambda n, x: teacher_loss(n(x["rgb"]), x["gt"]),
                lambda n, x: prob(n(x["rgb"])["final"]).sum(), 0.01, 5e-4, 0.9, ("backbone.",))
    if network == "fuse":
        return (LsfFusionNet(width), lambda n, x: joint_loss(n(x["rgb"], x["depth"]), x["gt"]),
                lambda n, x: prob(n(x["rgb"], x["depth"])["final"]).sum(), 0.01, 5e-4, 0.9, ("rgb.", "depth."))
    if network == "recnet":
        return (RecNet(width), lambda n, x: recnet_loss(n(x["rgb"]), x["gt"]),
                lambda n, x: n(x["rgb"])["final"].sum(), 0.005, 5e-4, 0.9, ("backbone.",))
    return (ContrastiveNet(width), lambda n, x: n(x["rgb"], x["depth"], x["rgb2"], x["depth2"]),
            lambda n, x: sum(e.float().sum() for e in n.embed(x["rgb"], x["depth"])), 0.07, 2e-4, 0.0,
            ("rgb_encoder.", "depth_encoder."))


def main(argv):
    args, flags = split_flags(argv[1:])
    if len(args) < 6 or args[0] not in NETWORKS or flags["precision"] not in ("fp32", "bf16"):
        print(__doc__, file=sys.stderr)
        return 2
    network, width, size, batch, threads, steps = (
        args[0], float(args[1]), int(args[2]), int(args[3]), int(args[4]), max(1, int(args[5])))
    warmup = max(0, int(args[6])) if len(args) > 6 else 2
    device = torch.device(flags["device"])
    cuda = device.type == "cuda"
    if cuda and not torch.cuda.is_available():
        print(f"device {device}: torch {torch.__version__} reports no CUDA", file=sys.stderr)
        return 1
    if flags["precision"] == "bf16" and not cuda:
        print("precision bf16 needs a CUDA device; use fp32 on the CPU", file=sys.stderr)
        return 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)

    net, loss_fn, infer_fn, lr, wd, poly, trunks = build(network, width)
    named = list(net.named_parameters())
    params = sum(p.numel() for _, p in named)
    if cuda:
        torch.backends.cudnn.benchmark = True
        net = net.to(device, memory_format=torch.channels_last)
    trainable = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
    backbone = [p for n, p in trainable if n.startswith(trunks)]
    head = [p for n, p in trainable if not n.startswith(trunks)]
    opt = torch.optim.SGD([{"params": g, "lr": lr} for g in (backbone, head) if g], lr=lr, momentum=0.9,
                          weight_decay=wd)
    base = [g["lr"] for g in opt.param_groups]

    def place(t):
        t = t.to(device)
        return t.contiguous(memory_format=torch.channels_last) if cuda else t

    inputs = {"rgb": place(torch.randn(batch, 3, size, size)),
              "depth": place(torch.rand(batch, 1, size, size)),
              "gt": place((torch.rand(batch, 1, size, size) > 0.5).float())}
    if network == "contrast":
        inputs["rgb2"] = place(torch.randn(batch, 3, size, size))
        inputs["depth2"] = place(torch.rand(batch, 1, size, size))
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if flags["precision"] == "bf16" \
        else contextlib.nullcontext
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    total = warmup + steps
    train_ms, last_loss = [], 0.0
    sync()
    for step in range(total):
        t0 = time.perf_counter()
        net.train()
        f = (1.0 - min(1.0, step / total)) ** poly if poly > 0 else 1.0
        for g, b0 in zip(opt.param_groups, base):
            g["lr"] = b0 * f
        if network == "contrast":
            net.momentum_step()
        with autocast():
            loss = loss_fn(net, inputs)
        last_loss = loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if network == "contrast":
            net.enqueue()
        sync()
        if step >= warmup:
            train_ms.append((time.perf_counter() - t0) * 1e3)

    infer_ms = []
    net.eval()
    with torch.no_grad():
        for i in range(total):
            t0 = time.perf_counter()
            with autocast():
                value = infer_fn(net, inputs)
            value.item()
            if i >= warmup:
                infer_ms.append((time.perf_counter() - t0) * 1e3)

    train, infer = statistics.median(train_ms), statistics.median(infer_ms)
    print(json.dumps({"impl": "eager", "network": network, "width": width, "size": size, "batch": batch,
                      "threads": torch.get_num_threads(), "steps": steps, "device": str(device),
                      "precision": flags["precision"], "torch": torch.__version__, "params": params,
                      "param_tensors": len(named), "train_ms": round(train, 3), "infer_ms": round(infer, 3),
                      "train_steps_per_s": round(1e3 / train, 3), "infer_images_per_s": round(batch * 1e3 / infer, 2),
                      "last_loss": last_loss}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
