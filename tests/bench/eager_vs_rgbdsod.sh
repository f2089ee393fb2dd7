#!/usr/bin/env bash
# Issue 16 item 5 (partial): the same network in PyTorch eager (Debian's python3-torch) and in
# rgbdsod (C++ LibTorch), same threads, same shapes, interleaved rounds (C++, eager, C++, ...).
# Each run prints the median of its timed steps; the table shows the median over the rounds.
#   train: forward + loss + backward + SGD step, model.train();  infer: NoGradGuard forward, eval.
# Environment: RGBDSOD_BUILD_DIR (a configured build folder: the bench is built there with
#   cmake --build; unset: scripts/build.sh rgbdsod_bench_train_step), ROUNDS (5), THREADS (nproc),
#   NETWORKS ("teacher recnet"), PYTHON (/usr/bin/python3). About 3-4 minutes on 2 idle cores.
# Run it on an otherwise idle machine: with THREADS equal to the cores and another process busy on
# one of them, LibTorch's OpenMP barriers stall (measured: 25x slower teacher steps at 1/8 width
# while a fuzzer held one of 2 cores), and the numbers say nothing about either side.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rounds=${ROUNDS:-5}
threads=${THREADS:-$(nproc)}
networks=${NETWORKS:-teacher recnet}
python=${PYTHON:-/usr/bin/python3}

if [[ -n "${RGBDSOD_BUILD_DIR:-}" ]]; then
  build_dir=$RGBDSOD_BUILD_DIR
  cmake --build "$build_dir" --target rgbdsod_bench_train_step -j 1 >/dev/null
else
  build_dir=$here/build
  bash "$here/scripts/build.sh" rgbdsod_bench_train_step >/dev/null
fi
cpp=$build_dir/tests/bench/rgbdsod_bench_train_step
py=$here/tests/bench/eager_train_step.py
[[ -x "$cpp" ]] || { echo "missing $cpp" >&2; exit 1; }

# width size batch steps warmup, per configuration (sized for the whole script to take ~3-4 minutes on 2 cores).
configs=(
  "0.125 128 8 10 3"
  "0.5 256 2 5 2"
)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for net in $networks; do
  for cfg in "${configs[@]}"; do
    read -r width size batch steps warmup <<<"$cfg"
    tag="$net-$width-$size-$batch"
    for ((r = 1; r <= rounds; ++r)); do
      # Alternate which side goes first, so a drift in machine load hits both alike.
      if ((r % 2 == 1)); then order="cpp eager"; else order="eager cpp"; fi
      for impl in $order; do
        if [[ $impl == cpp ]]; then
          "$cpp" "$net" "$width" "$size" "$batch" "$threads" "$steps" "$warmup" >>"$out/$tag.cpp"
        else
          "$python" "$py" "$net" "$width" "$size" "$batch" "$threads" "$steps" "$warmup" >>"$out/$tag.eager"
        fi
      done
      echo "  $tag round $r/$rounds done" >&2
    done
  done
done

"$python" - "$out" "$threads" "$rounds" <<'EOF'
import glob, json, os, statistics, subprocess, sys
out, threads, rounds = sys.argv[1], sys.argv[2], sys.argv[3]
model = "?"
for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
    if line.startswith("Model name:"):
        model = line.split(":", 1)[1].strip()
print(f"machine: {model}; {os.cpu_count()} logical CPUs; threads used: {threads}; rounds: {rounds} "
      "(interleaved; medians of per-run medians)")
hdr = ("network", "width", "size", "batch", "params C++/eager", "train ms C++", "train ms eager",
       "eager/C++", "infer ms C++", "infer ms eager", "eager/C++")
rows, bad = [], False
for cpp_file in sorted(glob.glob(os.path.join(out, "*.cpp"))):
    c = [json.loads(l) for l in open(cpp_file) if l.strip()]
    e = [json.loads(l) for l in open(cpp_file[:-4] + ".eager") if l.strip()]
    pc, pe = c[0]["params"], e[0]["params"]
    if pc != pe or c[0]["param_tensors"] != e[0]["param_tensors"]:
        bad = True
    tc = statistics.median(x["train_ms"] for x in c); te = statistics.median(x["train_ms"] for x in e)
    ic = statistics.median(x["infer_ms"] for x in c); ie = statistics.median(x["infer_ms"] for x in e)
    rows.append((c[0]["network"], f"1/{round(1 / c[0]['width'])}", c[0]["size"], c[0]["batch"], f"{pc}/{pe}",
                 f"{tc:.1f}", f"{te:.1f}", f"{te / tc:.2f}", f"{ic:.1f}", f"{ie:.1f}", f"{ie / ic:.2f}"))
w = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
for r in [hdr] + rows:
    print("  ".join(str(v).rjust(w[i]) for i, v in enumerate(r)))
print("ratio > 1: C++ faster")
if bad:
    print("ERROR: parameter counts differ between C++ and eager: not the same network", file=sys.stderr)
    sys.exit(1)
EOF
