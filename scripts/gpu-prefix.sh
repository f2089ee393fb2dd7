#!/usr/bin/env bash
# Prepares .gpu-prefix/: the C++ libraries rgbdsod needs besides LibTorch (OpenCV core, imgproc and
# imgcodecs, spdlog, fmt, nlohmann-json, CLI11, GoogleTest, zlib) from Debian 12's .deb files,
# unpacked with dpkg -x, for scripts/gpu-check.sh on a GPU machine that has a PyTorch but no apt.
# Run it on Debian 12 (x86-64); the folder is git-ignored and travels with the tree
# (the device tool: carry [".gpu-prefix"]).
#
# What goes in: the -dev packages (headers, CMake configs) and the runtime libraries of their whole
# dependency closure, except glibc, libstdc++ and libgcc_s (the target's own, newer ones must win:
# the build there links against them). Left out: OpenBLAS (reference BLAS/LAPACK instead, 9 MiB
# instead of 43), and GDAL and GDCM, which libopencv_imgcodecs links for GIS rasters and DICOM,
# formats rgbdsod never reads: their closure is ~160 MiB. The loader still needs their libraries
# (imgcodecs is linked with -z now), so small stubs stand in, one function per symbol imgcodecs
# imports from them, each aborting with a message if ever called (OpenCV calls them only for
# IMREAD_LOAD_GDAL or a DICOM file). OpenCV's own CMake config needs every module's files, so a
# small config for the three modules is written instead; prefix.cmake (cmake -C) points CMake at
# everything. Usage: scripts/gpu-prefix.sh [PREFIX]   (default: <tree>/.gpu-prefix)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=${1:-$here/.gpu-prefix}
arch=x86_64-linux-gnu
max_mib=${GPU_PREFIX_MAX_MIB:-48}  # the device tool carries 64 MiB per call, the tree included

dev_pkgs=(libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libcli11-dev libgtest-dev zlib1g-dev)
# The runtime closure of the above without glibc / libstdc++ / libgcc_s, OpenBLAS, GDAL and GDCM;
# checked below (every NEEDED entry must resolve inside the prefix).
runtime_pkgs=(libopencv-core406 libopencv-imgproc406 libopencv-imgcodecs406 libspdlog1.10 libfmt9
  libtbb12 libblas3 liblapack3 libgfortran5 libquadmath0
  libglx0 libglvnd0 libx11-6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0
  libjpeg62-turbo libpng16-16 libtiff6 libwebp7 libopenjp2-7 libopenexr-3-1-30 libimath-3-1-29
  libzstd1 liblzma5 liblerc4 libjbig0 libdeflate0 zlib1g)
stubbed=(libgdal.so.32 libgdcmMSFF.so.3.0 libgdcmDSED.so.3.0)
base_libs=" libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 ld-linux-x86-64.so.2 libresolv.so.2 libstdc++.so.6 libgcc_s.so.1 "

[[ "$(uname -m)" == x86_64 ]] || { echo "gpu-prefix: needs x86-64 (the GPU machine is x86-64)" >&2; exit 2; }
grep -q '^VERSION_ID="12"' /etc/os-release 2>/dev/null || echo "gpu-prefix: warning: not Debian 12" >&2
for tool in apt-get dpkg dpkg-deb readelf nm objdump cc; do
  command -v "$tool" >/dev/null || { echo "gpu-prefix: needs $tool" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/root"
apt_opts=()
# As root, apt downloads as _apt, which cannot write into a mktemp folder: stay root (no warning).
[[ $(id -u) == 0 ]] && apt_opts=(-o APT::Sandbox::User=root)
echo "gpu-prefix: downloading ${#dev_pkgs[@]} + ${#runtime_pkgs[@]} packages" >&2
if ! (cd "$work/debs" && apt-get "${apt_opts[@]}" download "${dev_pkgs[@]}" "${runtime_pkgs[@]}" >/dev/null); then
  if [[ $(id -u) == 0 ]]; then
    apt-get update -qq
    (cd "$work/debs" && apt-get "${apt_opts[@]}" download "${dev_pkgs[@]}" "${runtime_pkgs[@]}" >/dev/null)
  else
    echo "gpu-prefix: apt-get download failed; run 'sudo apt-get update' and retry" >&2
    exit 1
  fi
fi
for deb in "$work"/debs/*.deb; do
  dpkg -x "$deb" "$work/root"
  dpkg-deb -f "$deb" Package Version | paste -sd' ' >>"$work/packages.txt"
done

root=$work/root
lib=$root/usr/lib/$arch
# Debian 12 still ships some libraries in /lib: merge them into /usr/lib, as a merged-/usr system
# has them, so that every path inside the prefix has one spelling.
if [[ -d $root/lib ]]; then
  cp -a "$root/lib/." "$root/usr/lib/"
  rm -rf "${root:?}/lib"
fi
# Absolute symlinks (libz.so -> /lib/.../libz.so.1.2.13) would point out of the prefix.
while IFS= read -r link; do
  target=$(readlink "$link")
  [[ $target == /* ]] || continue
  if [[ $target == /lib/* ]]; then target=/usr$target; fi
  ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root$target")" "$link"
done < <(find "$root" -type l)
# BLAS and LAPACK (with their Fortran runtime) go to a folder of their own, which gpu-check.sh puts
# on the library path only where the machine has none: the reference BLAS would otherwise shadow
# an optimised one (OpenBLAS under Debian's LibTorch made C++ steps 3x slower in the dry run).
fallback=$lib/blas-fallback
mkdir -p "$fallback"
ln -sfn ../blas/libblas.so.3 "$fallback/libblas.so.3"
ln -sfn ../lapack/liblapack.so.3 "$fallback/liblapack.so.3"
for f in "$lib"/libgfortran.so.5* "$lib"/libquadmath.so.0*; do mv "$f" "$fallback/"; done
# Nothing the build reads: documentation, and OpenCV's static archives (only GoogleTest links static).
rm -rf "${root:?}/usr/share/doc" "$root/usr/share/man" "$root/usr/share/lintian" "$root/usr/share/bug" "$root/usr/src" \
  "${root:?}/etc"
find "$lib" -name '*.a' ! -name 'libgtest*.a' -delete

# The stubs of GDAL and GDCM: the symbols libopencv_imgcodecs imports from them, nothing else.
mapfile -t symbols < <(nm -D --undefined-only "$lib/libopencv_imgcodecs.so.406" | awk '{print $NF}' |
  grep -E 'GDAL|gdcm' | sort -u)
((${#symbols[@]} > 0)) || { echo "gpu-prefix: found no GDAL/GDCM symbols in libopencv_imgcodecs" >&2; exit 1; }
{
  echo '/* Generated by scripts/gpu-prefix.sh: stand-ins for GDAL and GDCM, never called by rgbdsod. */'
  echo '#include <stdio.h>'
  echo '#include <stdlib.h>'
  echo 'static void unavailable(const char* what) {'
  echo '  fprintf(stderr, "rgbdsod GPU prefix: %s is a stub (GDAL/GDCM image formats are not available)\n", what);'
  echo '  abort();'
  echo '}'
  i=0
  for s in "${symbols[@]}"; do
    echo "void rgbdsod_stub_$i(void) __asm__(\"$s\");"
    echo "void rgbdsod_stub_$i(void) { unavailable(\"$s\"); }"
    i=$((i + 1))
  done
} >"$work/stubs.c"
for soname in "${stubbed[@]}"; do
  cc -shared -fPIC -O2 -Wl,-soname,"$soname" -o "$lib/$soname" "$work/stubs.c"
done

# Every NEEDED entry of every library must resolve inside the prefix, or be glibc / libstdc++.
missing=""
for f in "$lib"/*.so.* "$lib"/blas/*.so.* "$lib"/lapack/*.so.* "$fallback"/*.so.*; do
  [[ -f $f && ! -L $f ]] || continue
  for need in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    [[ $base_libs == *" $need "* || -e $lib/$need || -e $fallback/$need ]] ||
      missing+=" $need (needed by $(basename "$f"))"
  done
done
[[ -z $missing ]] || { echo "gpu-prefix: unresolved libraries:$missing" >&2; exit 1; }

# The newest glibc / libstdc++ symbol versions the prefix needs, for gpu-check.sh to compare.
versions() { find "$lib" -name '*.so*' -type f -exec objdump -T {} + 2>/dev/null | grep -o "$1_[0-9.]*" |
  sed "s/$1_//" | sort -uV | tail -n 1; }
glibc_needed=$(versions GLIBC)
glibcxx_needed=$(versions GLIBCXX)

# OpenCV: a config for the three modules (Debian's own wants every module's files).
cvdir=$lib/cmake/opencv4
mkdir -p "$cvdir"
cat >"$cvdir/OpenCVConfig.cmake" <<'EOF'
# Written by scripts/gpu-prefix.sh: Debian's OpenCV 4.6 core, imgproc and imgcodecs in this prefix.
get_filename_component(_cv_usr "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)
set(_cv_lib "${_cv_usr}/lib/x86_64-linux-gnu")
set(OpenCV_VERSION 4.6.0)
set(OpenCV_VERSION_MAJOR 4)
set(OpenCV_VERSION_MINOR 6)
set(OpenCV_VERSION_PATCH 0)
set(OpenCV_INCLUDE_DIRS "${_cv_usr}/include/opencv4")
set(_cv_deps_core "")
set(_cv_deps_imgproc opencv_core)
set(_cv_deps_imgcodecs "opencv_imgproc;opencv_core")
foreach(_cv_m core imgproc imgcodecs)
  if(NOT TARGET opencv_${_cv_m})
    add_library(opencv_${_cv_m} SHARED IMPORTED)
    set_target_properties(opencv_${_cv_m} PROPERTIES
      IMPORTED_LOCATION "${_cv_lib}/libopencv_${_cv_m}.so.4.6.0"
      IMPORTED_SONAME "libopencv_${_cv_m}.so.406"
      INTERFACE_INCLUDE_DIRECTORIES "${OpenCV_INCLUDE_DIRS}"
      INTERFACE_LINK_LIBRARIES "${_cv_deps_${_cv_m}}")
  endif()
endforeach()
set(OpenCV_LIBS opencv_core opencv_imgproc opencv_imgcodecs)
set(OpenCV_FOUND TRUE)
foreach(_cv_c ${OpenCV_FIND_COMPONENTS})
  if(NOT _cv_c IN_LIST OpenCV_LIBS AND NOT "opencv_${_cv_c}" IN_LIST OpenCV_LIBS)
    set(OpenCV_FOUND FALSE)
    set(OpenCV_NOT_FOUND_MESSAGE "module ${_cv_c} is not in this prefix (core, imgproc, imgcodecs only)")
  endif()
endforeach()
EOF
cat >"$cvdir/OpenCVConfig-version.cmake" <<'EOF'
set(PACKAGE_VERSION 4.6.0)
if(PACKAGE_FIND_VERSION_MAJOR EQUAL 4 AND NOT PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION VERSION_EQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
else()
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
endif()
EOF
cat >"$root/prefix.cmake" <<'EOF'
# Initial cache for `cmake -C <prefix>/prefix.cmake`: rgbdsod's dependencies from this prefix
# (written by scripts/gpu-prefix.sh). Paths follow this file, so the prefix can move.
set(_p "${CMAKE_CURRENT_LIST_DIR}/usr")
set(_l "${_p}/lib/x86_64-linux-gnu")
set(CMAKE_PREFIX_PATH "${_p}" CACHE STRING "")
set(OpenCV_DIR "${_l}/cmake/opencv4" CACHE PATH "")
set(spdlog_DIR "${_l}/cmake/spdlog" CACHE PATH "")
set(fmt_DIR "${_l}/cmake/fmt" CACHE PATH "")
set(GTest_DIR "${_l}/cmake/GTest" CACHE PATH "")
set(nlohmann_json_DIR "${_p}/share/cmake/nlohmann_json" CACHE PATH "")
set(CLI11_DIR "${_p}/share/cmake/CLI11" CACHE PATH "")
set(ZLIB_INCLUDE_DIR "${_p}/include" CACHE PATH "")
set(ZLIB_LIBRARY "${_l}/libz.so" CACHE FILEPATH "")
# The linker resolves the libraries' own dependencies (libjpeg under imgcodecs, ...) here too.
set(CMAKE_EXE_LINKER_FLAGS "-Wl,-rpath-link,${_l}:${_l}/blas-fallback" CACHE STRING "")
set(CMAKE_SHARED_LINKER_FLAGS "-Wl,-rpath-link,${_l}:${_l}/blas-fallback" CACHE STRING "")
EOF
{
  echo "# Debian packages unpacked by scripts/gpu-prefix.sh on $(date -u +%Y-%m-%d)"
  echo "arch $arch"
  echo "glibc_needed $glibc_needed"
  echo "glibcxx_needed $glibcxx_needed"
  echo "stubbed ${stubbed[*]} (${#symbols[@]} symbols)"
  sort "$work/packages.txt"
} >"$root/MANIFEST"

rm -rf "$prefix"
mkdir -p "$(dirname "$prefix")"
mv "$root" "$prefix"
size=$(du -sb "$prefix" | cut -f1)
echo "gpu-prefix: $prefix: $((size / 1048576)) MiB, $(find "$prefix" -type f | wc -l) files;" \
  "needs glibc >= $glibc_needed, libstdc++ >= GLIBCXX_$glibcxx_needed" >&2
if ((size > max_mib * 1048576)); then
  echo "gpu-prefix: larger than $max_mib MiB: it would not travel with the tree" >&2
  exit 1
fi
