#!/usr/bin/env bash
# Issue 16: data-parallel scaling on this machine. The same `rgbdsod train` stage as one process
# (THREADS intra-op threads) and as 2 ranks on loopback (THREADS/2 each), gradients all-reduced
# during the backward pass (overlap) or after it, launched with exactly torchrun's environment.
# Prints the median samples/s (global batch) over the logged steps after WARMUP, per variant, and
# the ratio to one process, and how far each variant's logged losses are from one process's (the
# same global batches: they agree to float rounding). On one machine with few cores the ranks share them, so this measures
# the overhead of c10d and the split batch, not a speed-up.
# Environment: RGBDSOD_BUILD_DIR (default build), STAGE (teacher), WIDTH (0.125), SIZE (128),
#   BATCH (8, the global batch), STEPS (30), WARMUP (5), THREADS (nproc), ROUNDS (2).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${RGBDSOD_BUILD_DIR:-$here/build}
cli=$build/app/rgbdsod
[[ -x $cli ]] || { echo "ddp_scaling: build the CLI first ($cli is missing)" >&2; exit 2; }
stage=${STAGE:-teacher}; width=${WIDTH:-0.125}; size=${SIZE:-128}; batch=${BATCH:-8}
steps=${STEPS:-30}; warmup=${WARMUP:-5}; threads=${THREADS:-$(nproc)}; rounds=${ROUNDS:-2}
work=$(mktemp -d /tmp/rgbdsod-ddp-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$cli" -q synth --out "$work/data" --count 120 --size 160x128 >/dev/null

sets() {  # $1 threads
  echo --stage "$stage" --data "$work/data" --set model.width="$width" --set data.size="$size" \
    --set data.batch_size="$batch" --set run.steps="$steps" --set run.log_every=1 \
    --set run.checkpoint_every="$steps" --set run.threads="$1"
}

median_rate() {  # $1 run folder: median samples/s after the warm-up steps
  /usr/bin/python3 - "$1/metrics.jsonl" "$warmup" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l]
print(statistics.median(r["samples_per_s"] for r in rows[int(sys.argv[2]):]))
PY
}

one() {  # $1 run folder
  "$cli" -q train --out "$1" $(sets "$threads") >/dev/null
}

ranks() {  # $1 run folder, $2 extra flag
  local port=$((29000 + RANDOM % 2000)) per=$((threads / 2 > 0 ? threads / 2 : 1)) pids=()
  for r in 0 1; do
    RANK=$r LOCAL_RANK=$r WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
      "$cli" -q train --out "$1" $(sets "$per") ${2:-} >/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
}

loss_gap() {  # $1 $2 run folders: the largest relative difference of their logged losses
  /usr/bin/python3 - "$1/metrics.jsonl" "$2/metrics.jsonl" <<'PY'
import json, sys
a, b = ([json.loads(l)["loss"] for l in open(f) if '"loss"' in l] for f in sys.argv[1:3])
print(max(abs(x - y) / abs(x) for x, y in zip(a, b)))
PY
}

declare -A rate gap
for ((round = 0; round < rounds; ++round)); do
  one "$work/one$round";               rate[one]+="$(median_rate "$work/one$round") "
  ranks "$work/two$round";             rate[overlap]+="$(median_rate "$work/two$round") "
  ranks "$work/sync$round" --dist-no-overlap; rate[after]+="$(median_rate "$work/sync$round") "
  gap[overlap]+="$(loss_gap "$work/one$round" "$work/two$round") "
  gap[after]+="$(loss_gap "$work/one$round" "$work/sync$round") "
done
/usr/bin/python3 - "${rate[one]}" "${rate[overlap]}" "${rate[after]}" "0" "${gap[overlap]}" "${gap[after]}" <<PY
import statistics, sys
one, ov, af = (statistics.median(float(x) for x in a.split()) for a in sys.argv[1:4])
gaps = [max(float(x) for x in a.split()) for a in sys.argv[4:7]]
print("stage $stage, width $width, ${size} px, global batch $batch, $threads threads in all, $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))")
print(f"{'variant':<36}{'samples/s':>10}{'vs 1 process':>14}{'loss gap':>11}")
for (name, v), g in zip((("1 process", one), ("2 ranks, all-reduce during backward", ov),
                         ("2 ranks, all-reduce after backward", af)), gaps):
    print(f"{name:<36}{v:>10.2f}{v / one:>13.2f}x{g:>11.1e}")
PY
