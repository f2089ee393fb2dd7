#!/usr/bin/env bash
# Builds and runs the benchmarks under tests/bench (never part of ctest). Each prints its machine.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${RGBDSOD_BUILD_DIR:-$here/build}
# `scripts/bench.sh inspect` runs the Inspect benchmark (trains two small runs first: ~1-2 min).
benches=(rgbdsod_bench_eval rgbdsod_bench_hha rgbdsod_bench_dataset rgbdsod_bench_png_decoders)
if [ "${1:-}" = inspect ]; then benches=(rgbdsod_bench_inspect); fi
bash "$here/scripts/build.sh" "${benches[@]}"
for b in "${benches[@]}"; do
  echo "== $b"
  "$build_dir/tests/bench/$b"
done
