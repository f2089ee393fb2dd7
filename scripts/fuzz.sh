#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, Clang, ASan + UBSan) and runs them on corpora seeded
# from the test fixtures (tests/fuzz/seed_corpus.sh). Usage: scripts/fuzz.sh [TARGET|all] [SECONDS per target, default 600]
# Corpora grow in build-fuzz/corpus/<target>/; crashes are written to build-fuzz/findings/<target>/
# (keep each as a regression test). Never part of the test command.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${RGBDSOD_FUZZ_BUILD_DIR:-$here/build-fuzz}
target=${1:-all}
seconds=${2:-600}
targets=(fuzz_png_gray8 fuzz_evaluation_image fuzz_label_sidecar fuzz_depth_config fuzz_aliases fuzz_eval_cache
         fuzz_dataset_reader fuzz_intrinsics fuzz_train_config fuzz_recipe fuzz_checkpoint)
if [[ "$target" != all ]]; then targets=("$target"); fi

bash "$here/packaging/install-deps.sh" --no-gui --fuzz
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
CC=clang CXX=clang++ cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRGBDSOD_BUILD_GUI=OFF -DRGBDSOD_BUILD_TESTS=OFF -DRGBDSOD_FUZZ=ON -DRGBDSOD_SANITIZE=address,undefined \
  "${launcher[@]}" >/dev/null
build_args=()
for t in "${targets[@]}"; do build_args+=(--target "$t"); done
cmake --build "$build_dir" -j "$(nproc)" "${build_args[@]}"

export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
for t in "${targets[@]}"; do
  corpus="$build_dir/corpus/$t"
  findings="$build_dir/findings/$t"
  mkdir -p "$corpus" "$findings"
  max_len=$(bash "$here/tests/fuzz/seed_corpus.sh" "$t" "$corpus" "$build_dir/tests/fuzz/$t" | tail -n 1)
  echo "== $t for ${seconds} s"
  "$build_dir/tests/fuzz/$t" "$corpus" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 \
    -artifact_prefix="$findings/" -print_final_stats=1
done
