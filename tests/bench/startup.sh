#!/usr/bin/env bash
# Whole-process timings of the command line (issue 14): start-up of a torch-free command, `eval` on
# 10 and on 500 pairs of 352x352 PNGs (cache off: every run decodes and evaluates), `hha` of one
# 640x480 frame, and `runtime` (the one that loads LibTorch). Median wall time of RUNS runs each.
#
# Usage: tests/bench/startup.sh [BUILD_DIR]
#   RUNS=7                       runs per figure
#   RGBDSOD_BASELINE_CLI=PATH    an older rgbdsod to time beside this one (e.g. one built before the
#                                front end / engine split), same commands, same files
#   PYSODMETRICS=DIR             a folder holding PySODMetrics' py_sod_metrics package: times
#                                tests/bench/pysodmetrics_eval.py on the same 500 pairs (needs
#                                python3-numpy, -opencv, -scipy, -skimage, -sklearn)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$here/build}
cli=$build/app/rgbdsod
runs=${RUNS:-7}
[[ -x $cli ]] || { echo "startup.sh: no $cli; build first (scripts/build.sh)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Median wall time in milliseconds of running "$@" $runs times (output discarded).
median_ms() {
  local times=() t0 t1
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
"$build/tests/bench/rgbdsod_bench_eval" 10 352 >/dev/null 2>&1 || true  # warms the page cache of the libraries
RGBDSOD_BENCH_KEEP=1 "$build/tests/bench/rgbdsod_bench_eval" 500 352 1 > "$work/bench.txt"
pairs500=$(sed -n 's/^kept: *//p' "$work/bench.txt")
trap 'rm -rf "$work" "$pairs500"' EXIT
mkdir -p "$work/p10/GT" "$work/p10/pred"
for i in $(seq 0 9); do cp "$pairs500/GT/$i.png" "$work/p10/GT/"; cp "$pairs500/pred/$i.png" "$work/p10/pred/"; done
"$cli" -q synth --out "$work/frame" --count 1 --test-fraction 0 --size 640x480 --seed 1
frame=$(dirname "$(find "$work/frame" -type d -name depth | head -n 1)")

row() {  # label, then the command without the binary
  local label=$1; shift
  local now base="-"
  now=$(median_ms "$cli" "$@")
  [[ -n ${RGBDSOD_BASELINE_CLI:-} ]] && base=$(median_ms "$RGBDSOD_BASELINE_CLI" "$@")
  printf '%-28s %10s %12s\n' "$label" "$now" "$base"
}
printf '%-28s %10s %12s\n' "command (median ms)" "this build" "baseline"
row "--version" --version
row "eval, 10 pairs" eval --no-cache -q --metrics all --gt "$work/p10/GT" --pred "$work/p10/pred"
row "eval, 500 pairs" eval --no-cache -q --metrics all --gt "$pairs500/GT" --pred "$pairs500/pred"
row "hha, one 640x480 frame" hha --force -q --data "$frame"
printf '%-28s %10s\n' "runtime (loads LibTorch)" "$(median_ms "$cli" runtime)"

if [[ -n ${PYSODMETRICS:-} ]]; then
  py_runs=${PY_RUNS:-3}
  ref=$(runs=$py_runs median_ms env PYTHONPATH="$PYSODMETRICS" /usr/bin/python3 "$here/tests/bench/pysodmetrics_eval.py" "$pairs500/GT" "$pairs500/pred")
  ours=$(median_ms "$cli" eval --no-cache -q --metrics all --gt "$pairs500/GT" --pred "$pairs500/pred")
  echo "PySODMetrics, 500 pairs, whole process: ${ref} ms; rgbdsod eval: ${ours} ms; ratio $(awk -v a="$ref" -v b="$ours" 'BEGIN {printf "%.1fx", a / b}')"
fi
