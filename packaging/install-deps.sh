#!/usr/bin/env bash
# Installs rgbdsod's build and test dependencies from Debian 12's archive.
# Idempotent: when every package is already installed it does nothing (no apt-get call).
# Usage: packaging/install-deps.sh [--no-gui] [--fuzz]
set -euo pipefail

core_pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  libopencv-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev zlib1g-dev
  libtorch-dev libopenblas0-openmp
  libgloo-dev  # the headers of c10d's Gloo process group (data-parallel training over torchrun)
  libgtest-dev libgmock-dev
)
# Python's torch and torchvision (same libtorch 1.13 as the C++ build): tests/interop checks that
# torchvision's VGG-16 / ResNet-50 weights give the same features in rgbdsod and the reverse
# (about 30 MB to download on top of libtorch-dev). Only that test uses them; it skips without.
# libspng: only tests/bench/bench_png_decoders.cpp (the own grey-PNG decoder against it).
# numpy and PIL: tests/bench/label_ranking.sh and eager_train_step.py (torchvision pulls both in; named
# so that the benchmarks do not depend on that).
test_pkgs=(python3-torch python3-torchvision python3-numpy python3-pil libspng-dev)
gui_pkgs=(
  qt6-base-dev qt6-svg-dev libqcustomplot-dev libqcustomplot2.1-qt6
  libgl-dev xvfb xauth
)

# Clang and its libFuzzer runtime: only scripts/fuzz.sh (--fuzz).
fuzz_pkgs=(clang libclang-rt-14-dev)

pkgs=("${core_pkgs[@]}" "${test_pkgs[@]}")
gui=1
for arg in "$@"; do
  case "$arg" in
    --no-gui) gui=0 ;;
    --fuzz) pkgs+=("${fuzz_pkgs[@]}") ;;
  esac
done
if [[ $gui == 1 ]]; then
  pkgs+=("${gui_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "rgbdsod: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
apt_opts=(-o DPkg::Lock::Timeout=300 -y --no-install-recommends)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
"${sudo_cmd[@]}" apt-get "${apt_opts[@]}" install -qq "${missing[@]}" >/dev/null
