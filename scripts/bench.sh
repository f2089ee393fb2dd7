#!/usr/bin/env bash
# Builds and runs the benchmarks under tests/bench (never part of ctest). Each prints its machine.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${RGBDSOD_BUILD_DIR:-$here/build}
# The default list is the fast ones. `scripts/bench.sh inspect [samples=10] [repeats=7] [widths=0.125,0.5]`
# runs only the Inspect benchmark (GUI builds; trains two small Learn-Select-Fuse runs first: ~1-2 min).
benches=(rgbdsod_bench_eval rgbdsod_bench_hha rgbdsod_bench_dataset rgbdsod_bench_mask_edit)
# The Labels canvas (Qt, offscreen): only in builds with the studio.
if [[ "${RGBDSOD_CMAKE_ARGS:-}" != *RGBDSOD_BUILD_GUI=OFF* ]]; then benches+=(rgbdsod_bench_labels_canvas); fi
# The decoder comparison needs libspng (packaging installs libspng-dev; built only when found).
if [ -f /usr/include/spng.h ]; then benches+=(rgbdsod_bench_png_decoders); fi
args=()
if [ "${1:-}" = inspect ]; then
  benches=(rgbdsod_bench_inspect)
  shift
  args=("$@")
fi
bash "$here/scripts/build.sh" "${benches[@]}"
for b in "${benches[@]}"; do
  echo "== $b"
  "$build_dir/tests/bench/$b" "${args[@]}"
done
