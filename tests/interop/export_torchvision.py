#!/usr/bin/python3
"""Writes torchvision VGG-16 and ResNet-50 weights and their reference features for
torchvision_interop_test.cpp (which imports the weights into rgbdsod's trunks).

Usage: export_torchvision.py OUTDIR

Random init under a fixed seed (no downloads here). ResNet-50's BatchNorm statistics and affine
parameters are randomised too: at torchvision's init (mean 0, var 1, weight 1, bias 0) an import
that dropped them would still match. VGG's conv biases (zero at init) likewise.
Writes, each with torch.save of a plain dict name -> tensor (readTensorArchive reads a dict, not an
OrderedDict):
  tv_vgg16.pt     the state_dict of vgg16()'s .features as "features.<i>.<weight|bias>" (the
                  classifier, 500 MB, is not imported by rgbdsod and is not built: see
                  interop_common.vgg16_features)
  tv_resnet50.pt  resnet50().state_dict() without fc (same weights for the dilated variant)
  tv_reference.pt "input" [1,3,64,64] and, in eval mode, "vgg16.<conv1_2..conv5_3|pool5>",
                  "resnet50.<stem|layer1..4>", "resnet50_dilated.<stem|layer1..4>"
"""
import os
import sys
import time

import interop_common as ic  # first: exits 77 when torch or torchvision is missing
import torch


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: export_torchvision.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    start = time.time()
    torch.manual_seed(20240613)

    vgg = ic.vgg16_features().eval()
    with torch.no_grad():
        for m in vgg.modules():
            if isinstance(m, torch.nn.Conv2d):
                m.bias.uniform_(-0.1, 0.1)

    resnet = ic.resnet50(dilated=False).eval()
    with torch.no_grad():
        for m in resnet.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.num_batches_tracked.fill_(7)
    resnet_sd = {k: v for k, v in resnet.state_dict().items() if not k.startswith("fc.")}
    dilated = ic.resnet50(dilated=True).eval()
    dilated.load_state_dict(resnet.state_dict())

    x = torch.randn(1, 3, 64, 64)
    reference = {"input": x}
    for name, t in ic.vgg16_levels(vgg, x).items():
        reference["vgg16." + name] = t
    for tag, model in (("resnet50", resnet), ("resnet50_dilated", dilated)):
        for name, t in ic.resnet50_levels(model, x).items():
            reference[f"{tag}.{name}"] = t

    torch.save({"features." + k: v for k, v in vgg.state_dict().items()},
               os.path.join(out, "tv_vgg16.pt"))
    torch.save(resnet_sd, os.path.join(out, "tv_resnet50.pt"))
    torch.save(reference, os.path.join(out, "tv_reference.pt"))
    print(f"export_torchvision: wrote tv_vgg16.pt ({len(vgg.state_dict())} tensors), "
          f"tv_resnet50.pt ({len(resnet_sd)}), tv_reference.pt ({len(reference)}) to {out} "
          f"in {time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
