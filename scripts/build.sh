#!/usr/bin/env bash
# Installs the dependencies (packaging/install-deps.sh, idempotent), configures and builds.
# Usage: scripts/build.sh [cmake targets...]   (default: everything)
# Environment: RGBDSOD_BUILD_DIR (default build), RGBDSOD_CMAKE_ARGS (extra configure flags).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${RGBDSOD_BUILD_DIR:-$here/build}

bash "$here/packaging/install-deps.sh"

launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# shellcheck disable=SC2086
cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRGBDSOD_WERROR=ON \
  "${launcher[@]}" ${RGBDSOD_CMAKE_ARGS:-} >/dev/null

targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}"
