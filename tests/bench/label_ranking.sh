#!/usr/bin/env bash
# How well `rgbdsod labels rank` finds wrong labels, and how many wrong pixels `rgbdsod labels
# apply` fixes, on the synthetic demo data: COUNT scenes, their training split binarised (`noise
# --p 0`: the clean labels) and given region-level label noise (`noise --p P`: the noisy labels);
# a `cas` run and a `teacher` run trained on the noisy labels rank them (--run), and so does the
# clean GT itself (--pred, the oracle: a perfect predictor). Per ranker it prints
#   - the number of suggested regions, and Spearman's rank correlation between the image score and the image's true label error
#     (MAE between the noisy and the clean GT, i.e. the share of flipped pixels),
#   - the share of wrong pixels (noisy != clean) fixed by applying the top K suggestions, for
#     K = 10, 50, 100: (wrong before - wrong after) / wrong before, wrong after = corrected != clean
#     (negative when the suggestions break more than they fix).
# Not part of the test suite: it trains two networks (about STEPS x 2 steps on the CPU).
#
# Usage: tests/bench/label_ranking.sh [WORK_DIR]     (default: <build>/label-ranking)
# Environment: STEPS (per run, default 300), COUNT (scenes, default 300), SIZE (training px,
#              default 96), WIDTH (default 0.125), P (noise, default 0.3), KS (default "10 50 100"),
#              THREADS (default: all cores), RGBDSOD_BUILD_DIR (default: build; built when
#              rgbdsod is missing there). Needs /usr/bin/python3 with numpy and PIL (Pillow).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${RGBDSOD_BUILD_DIR:-$here/build}
work=${1:-$build_dir/label-ranking}
steps=${STEPS:-300}
count=${COUNT:-300}
size=${SIZE:-96}
width=${WIDTH:-0.125}
p=${P:-0.3}
read -r -a ks <<< "${KS:-10 50 100}"
threads=${THREADS:-$(nproc)}
python=/usr/bin/python3

if ! "$python" -c 'import numpy, PIL' 2>/dev/null; then
  echo "label_ranking.sh: $python with numpy and PIL (Pillow) is needed to score the labels" >&2
  exit 2
fi
cli="$build_dir/app/rgbdsod"
if [[ ! -x $cli || ! -x $build_dir/app/rgbdsod-engine ]]; then bash "$here/scripts/build.sh" rgbdsod >/dev/null; fi
rm -rf "$work"
mkdir -p "$work"
start=$(date +%s)

"$cli" -q synth --out "$work/demo" --count "$count" --size 256x256 --seed 1
"$cli" -q noise --data "$work/demo/train" --out "$work/clean" --p 0              # binarised: the reference
"$cli" -q noise --data "$work/clean" --out "$work/noisy" --p "$p" --seed 1
clean="$work/clean" noisy="$work/noisy"

common=(--set "data.size=$size" --set "run.steps=$steps" --set "model.width=$width" --set "run.threads=$threads"
        --set run.checkpoint_every=100000 --set data.workers=1 --set optim.name=adam --set optim.lr=0.001)
train() { "$cli" -q train --data "$noisy" --out "$work/runs/$1" "${@:2}" "${common[@]}"; }
echo "== training cas and teacher on the noisy labels ($steps steps each)"
# As tests/bench/train_results.sh: the CAS saliency channel is chosen on clean labels of training images.
train cas --stage cas --set "model.selection_data=$clean" --set val.every=0 --set val.max_images=64
train teacher --stage teacher --set val.every=0

# score.py spearman REPORT NOISY CLEAN (-> rho, regions) | score.py fixed NOISY CLEAN CORRECTIONS
cat > "$work/score.py" <<'EOF'
import json, os, sys
import numpy as np
from PIL import Image

def mask(path):
    return np.asarray(Image.open(path).convert("L")) >= 128

def gt(root, name):
    return mask(os.path.join(root, "GT", name + ".png"))

def ranks(a):  # average ranks of ties, 1-based
    a = np.asarray(a, dtype=float)
    order = np.argsort(a, kind="mergesort")
    r = np.empty(len(a))
    s = a[order]
    i = 0
    while i < len(a):
        j = i
        while j + 1 < len(a) and s[j + 1] == s[i]:
            j += 1
        r[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return r

def names(root):
    return sorted(os.path.splitext(f)[0] for f in os.listdir(os.path.join(root, "GT")) if f.endswith(".png"))

if sys.argv[1] == "spearman":
    report, noisy, clean = sys.argv[2:5]
    images = json.load(open(report))["images"]
    score = [im["score"] for im in images]
    error = [np.mean(gt(noisy, im["name"]) != gt(clean, im["name"])) for im in images]
    rx, ry = ranks(score), ranks(error)
    rho = float("nan") if rx.std() == 0 or ry.std() == 0 else float(np.corrcoef(rx, ry)[0, 1])
    print(f"{rho:.3f} {sum(len(im['regions']) for im in images)}")
else:
    noisy, clean, fixed = sys.argv[2:5]
    before = after = 0
    for n in names(noisy):
        c = gt(clean, n)
        old = gt(noisy, n)
        path = os.path.join(fixed, n + ".png")
        new = mask(path) if os.path.exists(path) else old
        before += int(np.sum(old != c))
        after += int(np.sum(new != c))
    print(f"{(before - after) / before:.3f}" if before else "nan")
EOF

wrong=$("$python" - "$noisy" "$clean" <<'EOF'
import os, sys
import numpy as np
from PIL import Image
noisy, clean = sys.argv[1:3]
w = n = bad = 0
for f in os.listdir(os.path.join(noisy, "GT")):
    a = np.asarray(Image.open(os.path.join(noisy, "GT", f)).convert("L")) >= 128
    b = np.asarray(Image.open(os.path.join(clean, "GT", f)).convert("L")) >= 128
    w += int(np.sum(a != b)); n += 1; bad += int(np.any(a != b))
print(f"{w} wrong pixels in {bad} of {n} images")
EOF
)

header=$(printf '%-32s %9s %8s' ranker spearman regions)
for k in "${ks[@]}"; do header+=$(printf ' %10s' "fixed@$k"); done
rows=()
rank_and_apply() {  # ID LABEL RANK-ARGS...
  local name=$1 report="$work/reports/$1.json" row
  mkdir -p "$work/reports"
  "$cli" -q labels rank --data "$noisy" "${@:3}" --json "$report"
  local rho regions
  read -r rho regions < <("$python" "$work/score.py" spearman "$report" "$noisy" "$clean")
  row=$(printf '%-32s %9s %8s' "$2" "$rho" "$regions")
  for k in "${ks[@]}"; do
    local out="$work/fixed/$name-top$k"
    "$cli" -q labels apply --data "$noisy" --report "$report" --top "$k" --out "$out" || true  # 1: some skipped
    row+=$(printf ' %10s' "$("$python" "$work/score.py" fixed "$noisy" "$clean" "$out")")
  done
  rows+=("$row")
}
echo "== ranking and applying"
rank_and_apply oracle "oracle (clean GT as --pred)" --pred "$clean/GT"
rank_and_apply cas "cas ($steps steps)" --run "$work/runs/cas"
rank_and_apply teacher "teacher ($steps steps)" --run "$work/runs/teacher"
minutes=$(( ($(date +%s) - start + 59) / 60 ))

echo
echo "Noisy labels: $(basename "$noisy") of $count synthetic scenes, p $p ($wrong); runs at width $width, $size px,"
echo "$steps steps, $threads threads; ${minutes} min in all. fixed@K: share of wrong pixels fixed by the top K regions."
echo
echo "$header"
printf '%s\n' "${rows[@]}"
