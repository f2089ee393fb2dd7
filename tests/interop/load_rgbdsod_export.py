#!/usr/bin/python3
"""Loads weights written by rgbdsod (C++) into torchvision's modules and checks that torchvision
computes the same features as rgbdsod did. Exits 1 with a message on any mismatch.

Usage: load_rgbdsod_export.py OUTDIR

Reads from OUTDIR (written by torchvision_interop_test.cpp):
  cpp_vgg16.pt       exportParameters(Vgg16): torch.load(..., weights_only=False) gives a dict
                     "features.<i>.weight" ..., plus rgbdsod's own "conv6.*" (not in torchvision)
  cpp_resnet50.pt    exportParameters(ResNet50, dilated): torchvision's resnet50() names minus fc
  cpp_checkpoint.pt  saveCheckpoint(ResNet50, Adam): a TorchScript archive; torch.jit.load reads it,
                     the weights are the submodule "model" ("model.layer1.0.conv1.weight", ...),
                     "model_format" an int attribute, the optimiser state the submodule "optimizer"
  cpp_outputs.pt     torch::pickle_save dict: "input" and rgbdsod's features
                     "vgg16.<conv1_2..conv5_3|pool5>", "resnet50_dilated.<stem|layer1..4>"
"""
import os
import sys

import interop_common as ic  # first: exits 77 when torch or torchvision is missing
import torch

failures = []


def compare(tag, ours, reference):
    """ours: torchvision's features on rgbdsod's weights; reference: rgbdsod's own output."""
    for name, tv in ours.items():
        key = f"{tag}.{name}"
        if key not in reference:
            failures.append(f"{key}: missing from cpp_outputs.pt")
            continue
        try:
            d = ic.rel_diff(tv, reference[key])
        except ValueError as e:
            failures.append(f"{key}: {e}")
            continue
        verdict = "ok" if d < ic.REL_TOLERANCE else "MISMATCH"
        print(f"  {key:28s} {tuple(tv.shape)!s:20s} rel diff {d:.2e} {verdict}")
        if d >= ic.REL_TOLERANCE:
            failures.append(f"{key}: rel diff {d:.3e} >= {ic.REL_TOLERANCE:g}")


def load_into(module, exported, what, skip_prefix=None):
    """Loads `exported` into `module`; every torchvision tensor (but skip_prefix.*) must be there."""
    wanted = {k for k in module.state_dict() if not (skip_prefix and k.startswith(skip_prefix))}
    missing = sorted(wanted - exported.keys())
    extra = sorted(exported.keys() - wanted)
    if missing:
        failures.append(f"{what}: torchvision names absent from the export: {missing[:6]}")
        return False
    module.load_state_dict({k: exported[k] for k in wanted}, strict=False)
    print(f"{what}: {len(wanted)} tensors loaded into torchvision"
          + (f"; not torchvision's (rgbdsod's own, not compared): {extra}" if extra else ""))
    return True


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: load_rgbdsod_export.py OUTDIR")
    out = sys.argv[1]
    torch.set_grad_enabled(False)
    cpp = torch.load(os.path.join(out, "cpp_outputs.pt"), weights_only=False)
    x = cpp["input"]

    vgg_sd = torch.load(os.path.join(out, "cpp_vgg16.pt"), weights_only=False)
    vgg = ic.vgg16_features().eval()  # its names are "<i>.weight": strip "features."
    if load_into(vgg, {k.removeprefix("features."): v for k, v in vgg_sd.items()
                       if k.startswith("features.")}, "cpp_vgg16.pt"):
        compare("vgg16", ic.vgg16_levels(vgg, x), cpp)
    others = sorted(k for k in vgg_sd if not k.startswith("features."))
    if others:
        print(f"cpp_vgg16.pt: not torchvision's (rgbdsod's own, not compared): {others}")

    resnet = ic.resnet50(dilated=True).eval()
    resnet_sd = torch.load(os.path.join(out, "cpp_resnet50.pt"), weights_only=False)
    if load_into(resnet, resnet_sd, "cpp_resnet50.pt", "fc."):
        compare("resnet50_dilated", ic.resnet50_levels(resnet, x), cpp)

    ckpt_path = os.path.join(out, "cpp_checkpoint.pt")
    ckpt = torch.jit.load(ckpt_path, map_location="cpu")
    model = ckpt.model
    ckpt_sd = dict(model.named_parameters())
    ckpt_sd.update(dict(model.named_buffers()))
    print(f"cpp_checkpoint.pt: torch.jit.load ok, model_format {getattr(ckpt, 'model_format', None)}, "
          f"{len(ckpt_sd)} tensors under 'model' (e.g. {sorted(ckpt_sd)[0]}), "
          f"optimizer state {'present' if hasattr(ckpt, 'optimizer') else 'absent'}")
    for k, v in resnet_sd.items():
        if k not in ckpt_sd or not torch.equal(ckpt_sd[k], v):
            failures.append(f"cpp_checkpoint.pt: model.{k} absent or differs from cpp_resnet50.pt")
            break
    from_ckpt = ic.resnet50(dilated=True).eval()
    if load_into(from_ckpt, ckpt_sd, "cpp_checkpoint.pt", "fc."):
        compare("resnet50_dilated", ic.resnet50_levels(from_ckpt, x), cpp)

    if failures:
        print("load_rgbdsod_export: FAILED\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"load_rgbdsod_export: all features match (rel tolerance {ic.REL_TOLERANCE:g})")


if __name__ == "__main__":
    main()
