#!/usr/bin/env bash
# Issue 16 item 2: the CUDA build and its figures on a GPU machine that has PyTorch but no apt
# (a typical GPU box or container; the device tool's H200 machine), in one run of a few minutes:
#   1. finds a python3 with torch and takes the LibTorch bundled with it (Torch_DIR from
#      torch.utils.cmake_prefix_path); a LibTorch of the old C++ ABI is refused (see below);
#   2. configures a headless CUDA build in build-gpucheck/ against it and the Debian libraries of
#      .gpu-prefix/ (scripts/gpu-prefix.sh, run on Debian 12; it travels with the tree) and builds
#      the engine, the CLI and the benchmark with all cores;
#   3. runs `rgbdsod runtime` (LibTorch, devices, the own kernel on a torch CUDA tensor);
#   4. runs tests/bench/eager_vs_rgbdsod.sh on CUDA: the LSF fusion net and RecNet at full width,
#      352 px, fp32 and bf16, rgbdsod against the same networks in that PyTorch's eager mode:
#      training steps/s and inference images/s.
# Everything lands in $OUT (the device tool's folder) or ./gpu-check-out: summary.md (the result),
# results.jsonl (every run), build.log and runtime.txt. A hard time budget stops it in time.
# Environment: GPU_CHECK_BUDGET_S (480: the whole run), GPU_CHECK_JOBS (nproc), GPU_CHECK_BATCH (8),
#   GPU_CHECK_STEPS (20) / GPU_CHECK_WARMUP (5) per run, GPU_CHECK_ROUNDS (2), GPU_CHECK_NETWORKS
#   ("fuse recnet"), GPU_CHECK_WIDTH (1), GPU_CHECK_SIZE (352), PYTHON, GPU_PREFIX (.gpu-prefix),
#   GPU_CHECK_BUILD_DIR (build-gpucheck), GPU_CHECK_TORCH_DIR (another LibTorch's share/cmake/Torch).
#   GPU_CHECK_ALLOW_CPU=1: the same flow without a GPU (a dry run: CPU, fp32, the settings above
#   shrunk unless set), e.g. on Debian with GPU_CHECK_TORCH_DIR=/usr/lib/x86_64-linux-gnu/cmake/Torch.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${OUT:-$here/gpu-check-out}
mkdir -p "$out"
summary=$out/summary.md
: >"$summary"
start=$(date +%s)
deadline=$((start + ${GPU_CHECK_BUDGET_S:-480}))
allow_cpu=${GPU_CHECK_ALLOW_CPU:-0}
prefix=${GPU_PREFIX:-$here/.gpu-prefix}
build=${GPU_CHECK_BUILD_DIR:-$here/build-gpucheck}
jobs=${GPU_CHECK_JOBS:-$(nproc)}

say() { echo "$*" | tee -a "$summary"; }
stop() {
  say ""
  say "**STOPPED**: $*"
  exit 1
}
left() { echo $((deadline - $(date +%s))); }

say "# gpu-check $(date -u '+%Y-%m-%d %H:%M UTC')"
say ""
say "- machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores," \
  "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); glibc $(ldd --version 2>/dev/null | head -n 1 | grep -o '[0-9.]*$')"
if command -v nvidia-smi >/dev/null 2>&1; then
  say "- GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -n 1)"
else
  say "- GPU: no nvidia-smi"
fi

# 1. PyTorch and its LibTorch.
probe_py='
import sys, torch, torch.utils
cuda = torch.cuda.is_available()
print("version=" + torch.__version__)
print("cuda=" + str(torch.version.cuda or ""))
print("cuda_available=" + str(int(cuda)))
print("abi=" + str(int(bool(torch._C._GLIBCXX_USE_CXX11_ABI))))
print("cmake=" + torch.utils.cmake_prefix_path)
print("lib=" + __import__("os").path.join(__import__("os").path.dirname(torch.__file__), "lib"))
print("arch=" + ("%d%d" % torch.cuda.get_device_capability(0) if cuda else ""))
print("python=" + sys.executable)
try:
    import nvidia.cudnn, os
    print("cudnn=" + list(nvidia.cudnn.__path__)[0])
except Exception:
    print("cudnn=")
'
python=""
# PYTHON, when set, is the only one tried.
for cand in ${PYTHON:-python3 /opt/torch/.venv/bin/python3 /usr/bin/python3}; do
  if info=$(timeout 120 "$cand" -c "$probe_py" 2>/dev/null); then
    python=$cand
    break
  fi
done
[[ -n $python ]] || stop "no python3 with torch found (tried ${PYTHON:-python3 /opt/torch/.venv/bin/python3 /usr/bin/python3}): this machine has no PyTorch, so there is no LibTorch to build against and nothing to compare with; set PYTHON to one that has it"
get() { sed -n "s/^$1=//p" <<<"$info"; }
torch_version=$(get version)
say "- PyTorch: $torch_version ($(get python)), CUDA '$(get cuda)', GPU visible: $(get cuda_available)," \
  "C++11 ABI: $(get abi)"
if [[ $(get abi) != 1 && -z ${GPU_CHECK_TORCH_DIR:-} ]]; then
  stop "this PyTorch is built with _GLIBCXX_USE_CXX11_ABI=0 (the old C++ ABI): its LibTorch cannot be linked with the Debian C++ libraries of the prefix (OpenCV, spdlog, fmt, built with the C++11 ABI). Use a PyTorch >= 2.7 wheel, or point GPU_CHECK_TORCH_DIR at a cxx11-ABI LibTorch (Python then only runs the eager side)."
fi
# A venv's cmake and ninja (pip packages) sit beside its python.
PATH="$(dirname "$(get python)"):$PATH"
command -v cmake >/dev/null || stop "no cmake (PATH, or beside $(get python))"
torch_dir=${GPU_CHECK_TORCH_DIR:-$(get cmake)/Torch}
[[ -f $torch_dir/TorchConfig.cmake ]] || stop "no TorchConfig.cmake in $torch_dir"
device=cuda
if [[ -z $(get cuda) || $(get cuda_available) != 1 ]]; then
  [[ $allow_cpu == 1 ]] || stop "PyTorch $torch_version has no usable CUDA (torch.version.cuda '$(get cuda)', GPU visible $(get cuda_available)); GPU_CHECK_ALLOW_CPU=1 runs the flow on the CPU"
  device=cpu
  say "- no GPU: dry run on the CPU (GPU_CHECK_ALLOW_CPU=1)"
fi

# 2. nvcc, the prefix, and whether the prefix's libraries can run here.
nvcc=${CUDACXX:-}
for cand in /usr/local/cuda/bin/nvcc "$(command -v nvcc 2>/dev/null)"; do
  [[ -z $nvcc && -n $cand && -x $cand ]] && nvcc=$cand
done
if [[ -z $nvcc ]]; then
  [[ $device == cpu ]] || stop "no nvcc (CUDACXX, /usr/local/cuda/bin/nvcc, PATH): the CUDA build needs it"
  say "- nvcc: none; building without CUDA kernels"
else
  say "- nvcc: $nvcc ($("$nvcc" --version | grep -o 'release [0-9.]*'))"
fi
[[ -f $prefix/prefix.cmake ]] || stop "no Debian prefix at $prefix: run scripts/gpu-prefix.sh on Debian 12 and carry .gpu-prefix with the tree"
libdir=$prefix/usr/lib/x86_64-linux-gnu
need_glibc=$(sed -n 's/^glibc_needed //p' "$prefix/MANIFEST")
have_glibc=$(ldd --version 2>/dev/null | head -n 1 | grep -o '[0-9.]*$')
if [[ -n $need_glibc && -n $have_glibc && $(printf '%s\n' "$need_glibc" "$have_glibc" | sort -V | head -n 1) != "$need_glibc" ]]; then
  stop "the prefix's Debian 12 libraries need glibc >= $need_glibc, this machine has $have_glibc"
fi
say "- prefix: $prefix ($(du -sm "$prefix" | cut -f1) MiB, $(grep -c '^Package:' "$prefix/MANIFEST") Debian packages)"

# 3. Configure and build.
cuda_args=(-DRGBDSOD_WITH_CUDA=OFF)
if [[ -n $nvcc ]]; then
  cuda_args=(-DRGBDSOD_WITH_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc" -DCUDAToolkit_ROOT="$(dirname "$(dirname "$nvcc")")")
  [[ -n $(get arch) ]] && cuda_args+=(-DCMAKE_CUDA_ARCHITECTURES="$(get arch)")
fi
cudnn=$(get cudnn)
if [[ -n $cudnn && -d $cudnn/include ]]; then
  lib_cudnn=$(compgen -G "$cudnn/lib/libcudnn.so*" | head -n 1)
  cuda_args+=(-DCUDNN_INCLUDE_PATH="$cudnn/include" ${lib_cudnn:+-DCUDNN_LIBRARY_PATH="$lib_cudnn"})
fi
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# No LD_LIBRARY_PATH while building: the compiler and linker would load the prefix's libzstd and
# others instead of their own. The linker finds the prefix libraries by -rpath-link (prefix.cmake).
t0=$(date +%s)
if ! CUDA_HOME=${CUDA_HOME:-${nvcc:+$(dirname "$(dirname "$nvcc")")}} timeout "$(left)" cmake -S "$here" -B "$build" "${generator[@]}" -C "$prefix/prefix.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DTorch_DIR="$torch_dir" -DRGBDSOD_BUILD_GUI=OFF "${cuda_args[@]}" "${launcher[@]}" \
  >"$out/build.log" 2>&1; then
  tail -n 40 "$out/build.log" >&2
  stop "cmake configure failed (build.log)"
fi
grep -E 'rgbdsod: CUDA|Found Torch|Caffe2: CUDA|cuDNN|CUDA' "$out/build.log" | sed 's/^/    /' | head -n 8 | tee -a "$summary" >/dev/null
build_targets() {
  timeout "$(left)" cmake --build "$build" -j "$jobs" --target rgbdsod rgbdsod-engine rgbdsod_bench_train_step \
    >>"$out/build.log" 2>&1
}
if ! build_targets; then
  # The NCCL path of training/src/distributed.cpp has only been compiled where LibTorch has NCCL;
  # without it the data-parallel path reduces CUDA tensors with Gloo, and the benchmarks still run.
  if grep -q 'distributed\.cpp' "$out/build.log"; then
    say "- the NCCL path did not compile (build.log); building again with -DRGBDSOD_WITH_NCCL=OFF"
    cmake -S "$here" -B "$build" -DRGBDSOD_WITH_NCCL=OFF >>"$out/build.log" 2>&1 || true
  fi
  if ! build_targets; then
    grep -E 'error|Error' "$out/build.log" | head -n 20 >&2
    stop "build failed or ran out of time after $(($(date +%s) - t0)) s (build.log)"
  fi
fi
grep -E 'rgbdsod: data-parallel|rgbdsod: no nccl' "$out/build.log" | sed 's/^/    /' | head -n 2 | tee -a "$summary" >/dev/null
say "- configure + build: $(($(date +%s) - t0)) s with $jobs jobs"

# 4. Run: the prefix libraries on LD_LIBRARY_PATH for our binaries only (Python keeps its own).
run_path=$libdir:$(get lib)
for d in "$(dirname "$(get lib)")"/../nvidia/*/lib; do [[ -d $d ]] && run_path+=:$d; done
# The prefix's reference BLAS / LAPACK only where the machine has none of its own.
# (The cache is read first: grep -q ending a pipe early fails it under pipefail.)
system_libs=$(ldconfig -p 2>/dev/null)
if ! grep -q 'libblas\.so\.3 ' <<<"$system_libs" || ! grep -q 'liblapack\.so\.3 ' <<<"$system_libs"; then
  run_path+=:$libdir/blas-fallback
fi
wrap=$build/with-prefix.sh
# shellcheck disable=SC2016  # $LD_LIBRARY_PATH and $@ are for the wrapper to expand
printf '#!/bin/sh\nLD_LIBRARY_PATH="%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$@"\n' "$run_path" >"$wrap"
chmod +x "$wrap"
unresolved=$("$wrap" ldd "$build/app/rgbdsod-engine" 2>&1 | grep 'not found')
[[ -z $unresolved ]] || stop "rgbdsod-engine has unresolved libraries: $unresolved"
"$wrap" "$build/app/rgbdsod" runtime >"$out/runtime.txt" 2>&1
say ""
say "## rgbdsod runtime"
say '```'
tee -a "$summary" <"$out/runtime.txt"
say '```'

# 5. The benchmarks, C++ and eager interleaved, stopped by the deadline.
if [[ $device == cuda ]]; then
  precisions="fp32 bf16"
  batch=${GPU_CHECK_BATCH:-8} steps=${GPU_CHECK_STEPS:-20} warmup=${GPU_CHECK_WARMUP:-5}
  width=${GPU_CHECK_WIDTH:-1} size=${GPU_CHECK_SIZE:-352} rounds=${GPU_CHECK_ROUNDS:-2}
  threads=$(nproc)
else
  threads=1  # a CPU shared with anything else stalls in OpenMP's barriers at all cores
  precisions=fp32
  batch=${GPU_CHECK_BATCH:-1} steps=${GPU_CHECK_STEPS:-2} warmup=${GPU_CHECK_WARMUP:-1}
  width=${GPU_CHECK_WIDTH:-0.0625} size=${GPU_CHECK_SIZE:-64} rounds=${GPU_CHECK_ROUNDS:-1}
fi
cat >"$build/bench-with-prefix.sh" <<EOF
#!/bin/sh
exec "$wrap" "$build/tests/bench/rgbdsod_bench_train_step" "\$@"
EOF
chmod +x "$build/bench-with-prefix.sh"
say ""
say "## rgbdsod vs PyTorch eager ($device; width $width, $size px, batch $batch, $steps timed steps after $warmup)"
say '```'
CPP=$build/bench-with-prefix.sh PYTHON=$python DEVICE=$device PRECISIONS=$precisions ROUNDS=$rounds \
  NETWORKS=${GPU_CHECK_NETWORKS:-fuse recnet} CONFIGS="$width $size $batch $steps $warmup" THREADS=$threads \
  DEADLINE=$((deadline - 15)) RUN_TIMEOUT=$(($(left) > 30 ? $(left) - 15 : 15)) RESULTS=$out/results.jsonl \
  bash "$here/tests/bench/eager_vs_rgbdsod.sh" 2>"$out/bench.log" | tee -a "$summary"
say '```'
grep -E 'FAILED|skipped' "$out/bench.log" | head -n 10 | tee -a "$summary"
say ""
say "total: $(($(date +%s) - start)) s"
