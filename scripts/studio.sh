#!/usr/bin/env bash
# The studio command of the README: sets everything up, builds, and starts rgbdsod-studio on the
# built-in demo dataset (generated once into ~/.cache/rgbdsod). Extra arguments go to the studio,
# e.g. a dataset folder instead of the demo, or --screenshot FILE.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${RGBDSOD_BUILD_DIR:-$here/build}
bash "$here/scripts/build.sh" rgbdsod-studio rgbdsod
if [[ $# -eq 0 ]]; then set -- --demo; fi
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
  if [[ " $* " == *" --screenshot "* ]]; then
    export QT_QPA_PLATFORM=offscreen  # a screenshot needs no screen
  else
    echo "rgbdsod: no display (DISPLAY/WAYLAND_DISPLAY unset). Run this on a desktop session," >&2
    echo "or render the window to a file: scripts/studio.sh --demo --screenshot studio.png" >&2
    exit 1
  fi
fi
exec "$build_dir/app/studio/rgbdsod-studio" "$@"
