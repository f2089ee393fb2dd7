#!/usr/bin/env bash
# The test command of the README: sets everything up, builds, and runs the whole suite.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${RGBDSOD_BUILD_DIR:-$here/build}
bash "$here/scripts/build.sh"
# Widget tests need no display: Qt renders offscreen.
export QT_QPA_PLATFORM=offscreen
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" "$@"
