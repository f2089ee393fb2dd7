#!/usr/bin/env bash
# Issue 16 item 5: the same network in PyTorch eager and in rgbdsod (C++ LibTorch), same threads,
# same shapes, same device and precision, interleaved rounds (C++, eager, eager, C++, ...). Each
# run prints the median of its timed steps; the table shows the median over the rounds.
#   train: forward + loss + backward + SGD step, model.train();  infer: NoGradGuard forward, eval.
# Environment:
#   RGBDSOD_BUILD_DIR  a configured build folder: the bench is built there with cmake --build
#                      (unset: scripts/build.sh rgbdsod_bench_train_step); CPP=path skips building
#   NETWORKS           "teacher fuse recnet contrast" (default)
#   CONFIGS            "width size batch steps warmup" sets separated by ';'
#                      (default "0.125 128 8 10 3;0.5 256 2 5 2": the stages' width, then 1/2)
#   ROUNDS (5), THREADS (nproc), PYTHON (/usr/bin/python3)
#   DEVICE             cpu (default), cuda or cuda:N;  PRECISIONS "fp32" (default) or "fp32 bf16"
#   DEADLINE           epoch seconds after which no further run starts (left out of the table);
#   RUN_TIMEOUT        seconds per process (default 900);  RESULTS  file to append the JSON lines to
# About 12 minutes for the defaults on 2 idle cores (ROUNDS=3: 7). Run it on an otherwise idle
# machine: with THREADS equal to the cores and another process busy on one of them, LibTorch's
# OpenMP barriers stall (measured: 25x slower teacher steps at 1/8 width while a fuzzer held one
# of 2 cores), and the numbers say nothing about either side.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rounds=${ROUNDS:-5}
threads=${THREADS:-$(nproc)}
networks=${NETWORKS:-teacher fuse recnet contrast}
python=${PYTHON:-/usr/bin/python3}
device=${DEVICE:-cpu}
precisions=${PRECISIONS:-fp32}
deadline=${DEADLINE:-0}
run_timeout=${RUN_TIMEOUT:-900}
IFS=';' read -r -a configs <<<"${CONFIGS:-0.125 128 8 10 3;0.5 256 2 5 2}"

if [[ -n "${CPP:-}" ]]; then
  cpp=$CPP
elif [[ -n "${RGBDSOD_BUILD_DIR:-}" ]]; then
  cmake --build "$RGBDSOD_BUILD_DIR" --target rgbdsod_bench_train_step -j 1 >/dev/null
  cpp=$RGBDSOD_BUILD_DIR/tests/bench/rgbdsod_bench_train_step
else
  bash "$here/scripts/build.sh" rgbdsod_bench_train_step >/dev/null
  cpp=$here/build/tests/bench/rgbdsod_bench_train_step
fi
py=$here/tests/bench/eager_train_step.py
[[ -x "$cpp" ]] || { echo "missing $cpp" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# One process; its JSON line goes to FILE, a failure or a timeout is reported and skipped.
run_one() {
  local file=$1
  shift
  if ((deadline > 0 && $(date +%s) >= deadline)); then
    echo "  skipped (time budget): $*" >&2
    return 0
  fi
  local line
  if line=$(timeout "$run_timeout" "$@" 2>"$out/stderr"); then
    echo "$line" >>"$file"
    [[ -n "${RESULTS:-}" ]] && echo "$line" >>"$RESULTS"
  else
    echo "  FAILED ($?): $* :: $(tail -n 3 "$out/stderr" | tr '\n' ' ')" >&2
  fi
  return 0
}

for ((r = 1; r <= rounds; ++r)); do
  for net in $networks; do
    for cfg in "${configs[@]}"; do
      read -r width size batch steps warmup <<<"$cfg"
      for prec in $precisions; do
        tag="$net-$width-$size-$batch-$prec"
        flags=(--device "$device" --precision "$prec")
        # Alternate which side goes first, so a drift in machine load hits both alike.
        if ((r % 2 == 1)); then order="cpp eager"; else order="eager cpp"; fi
        for impl in $order; do
          if [[ $impl == cpp ]]; then
            run_one "$out/$tag.cpp" "$cpp" "$net" "$width" "$size" "$batch" "$threads" "$steps" "$warmup" "${flags[@]}"
          else
            run_one "$out/$tag.eager" "$python" "$py" "$net" "$width" "$size" "$batch" "$threads" "$steps" "$warmup" \
              "${flags[@]}"
          fi
        done
        echo "  $tag round $r/$rounds done" >&2
      done
    done
  done
done

"$python" "$here/tests/bench/eager_vs_rgbdsod_table.py" "$out" "$threads" "$rounds"
