#!/usr/bin/env bash
# Builds and runs the benchmarks under tests/bench (never part of ctest).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${RGBDSOD_BUILD_DIR:-$here/build}
bash "$here/scripts/build.sh" rgbdsod_bench_dataset
"$build_dir/tests/bench/rgbdsod_bench_dataset" "$@"
