#!/usr/bin/env bash
# Builds rgbdsod with sanitizers in its own folder and runs the tests there (never part of CI's
# test command: a sanitizer build of the whole tree takes far longer than the normal one).
# Usage: scripts/sanitize.sh [address,undefined|thread] [ctest -R regex]
#   address,undefined (default): the whole suite unless a regex is given.
#   thread: the threaded parts that do not load LibTorch (core_tests: the evaluator's workers, the
#           HHA cache, validation; ui_session_threads_tests: the dataset session and thumbnail
#           model), because LibTorch's OpenMP runtime is not TSan-instrumented.
# Environment: RGBDSOD_SANITIZE_BUILD_DIR (default build-<sanitizer>), RGBDSOD_SANITIZE_TARGETS
# (cmake targets to build; default all, or those two for thread).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
san=${1:-address,undefined}
filter=${2:-}
build_dir=${RGBDSOD_SANITIZE_BUILD_DIR:-$here/build-${san//,/-}}
targets=${RGBDSOD_SANITIZE_TARGETS:-}
if [[ "$san" == thread && -z "$targets" ]]; then
  targets="core_tests ui_session_threads_tests"; filter=${filter:-^(core_tests|ui_session_threads_tests)$}
fi

bash "$here/packaging/install-deps.sh"
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRGBDSOD_SANITIZE="$san" \
  "${launcher[@]}" >/dev/null
build_args=()
for t in $targets; do build_args+=(--target "$t"); done
cmake --build "$build_dir" -j "$(nproc)" "${build_args[@]}"

supp="$here/tests/sanitizers"
# Leak checking is off: LibTorch and Qt keep process-lifetime singletons that LSan reports as leaks.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
# die_after_fork=0: a validation test forks a child that only exits.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:die_after_fork=0:suppressions=$supp/tsan.supp"
ctest_args=(--test-dir "$build_dir" --output-on-failure -j "$(nproc)")
if [[ -n "$filter" ]]; then ctest_args+=(-R "$filter"); fi
ctest "${ctest_args[@]}"
