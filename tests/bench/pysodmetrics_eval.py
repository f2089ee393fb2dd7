#!/usr/bin/env python3
"""The reference side of tests/bench/startup.sh: PySODMetrics over a GT and a prediction folder,
as the field's evaluation scripts run it (one process, images read with cv2, every metric that
`rgbdsod eval` computes). PySODMetrics is not a dependency of rgbdsod: point PYTHONPATH at a
folder holding its py_sod_metrics package (v1.6.2) to run this.

Usage: pysodmetrics_eval.py GT_DIR PRED_DIR
"""
import os
import sys

import cv2
import py_sod_metrics as M


def main(gt_dir, pred_dir):
    metrics = [M.MAE(), M.Smeasure(), M.WeightedFmeasure(), M.Fmeasure(), M.Emeasure()]
    names = sorted(os.listdir(gt_dir))
    for name in names:
        gt = cv2.imread(os.path.join(gt_dir, name), cv2.IMREAD_GRAYSCALE)
        pred = cv2.imread(os.path.join(pred_dir, name), cv2.IMREAD_GRAYSCALE)
        for m in metrics:
            m.step(pred=pred, gt=gt)
    mae, sm, wfm, fm, em = (m.get_results() for m in metrics)
    print("images %d  MAE %.4f  S %.4f  wF %.4f  maxF %.4f  maxE %.4f"
          % (len(names), mae["mae"], sm["sm"], wfm["wfm"], fm["fm"]["curve"].max(), em["em"]["curve"].max()))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
