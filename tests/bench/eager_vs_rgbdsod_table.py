#!/usr/bin/python3
"""The table of tests/bench/eager_vs_rgbdsod.sh: medians over rounds of the per-run medians.

Usage: eager_vs_rgbdsod_table.py DIR THREADS ROUNDS   (DIR holds <tag>.cpp / <tag>.eager JSON lines)
Exit 1 when a network's parameter counts differ between the two sides (not the same network).
"""
import glob
import json
import os
import statistics
import subprocess
import sys


def machine():
    model = "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return model


def load(path):
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.strip()]


def fraction(w):
    return f"1/{round(1 / w)}" if w < 1 else f"{w:g}"


def main(argv):
    out, threads, rounds = argv[1], argv[2], argv[3]
    print(f"machine: {machine()}; {os.cpu_count()} logical CPUs; threads used: {threads}; rounds: {rounds} "
          "(interleaved; medians of per-run medians)")
    hdr = ("network", "width", "size", "batch", "device", "prec", "params C++/eager", "runs", "train ms C++",
           "train ms eager", "eager/C++", "infer ms C++", "infer ms eager", "eager/C++", "img/s C++", "img/s eager")
    rows, bad, missing = [], [], []
    for cpp_file in sorted(glob.glob(os.path.join(out, "*.cpp"))):
        c, e = load(cpp_file), load(cpp_file[:-4] + ".eager")
        if not c or not e:
            missing.append(os.path.basename(cpp_file)[:-4])
            continue
        x = c[0]
        if x["params"] != e[0]["params"] or x["param_tensors"] != e[0]["param_tensors"]:
            bad.append(x["network"])
        tc = statistics.median(r["train_ms"] for r in c)
        te = statistics.median(r["train_ms"] for r in e)
        ic = statistics.median(r["infer_ms"] for r in c)
        ie = statistics.median(r["infer_ms"] for r in e)
        b = x["batch"]
        rows.append((x["network"], fraction(x["width"]), x["size"], b, x.get("device", "cpu"),
                     x.get("precision", "fp32"), f"{x['params']}/{e[0]['params']}", f"{len(c)}/{len(e)}",
                     f"{tc:.1f}", f"{te:.1f}", f"{te / tc:.2f}", f"{ic:.1f}", f"{ie:.1f}", f"{ie / ic:.2f}",
                     f"{b * 1e3 / ic:.1f}", f"{b * 1e3 / ie:.1f}"))
    if rows:
        w = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
        for r in [hdr] + rows:
            print("  ".join(str(v).rjust(w[i]) for i, v in enumerate(r)))
        print("ratio > 1: C++ faster; img/s: inference images per second")
    for tag in missing:
        print(f"not compared (a side has no result): {tag}")
    if bad:
        print(f"ERROR: parameter counts differ between C++ and eager for {', '.join(sorted(set(bad)))}: "
              "not the same network", file=sys.stderr)
        return 1
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
