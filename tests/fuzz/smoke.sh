#!/usr/bin/env bash
# The test suite's fuzz smoke (issue 15 item 6): a fuzz target built without libFuzzer
# (smoke_main.cpp) replays its seed corpus (seed_corpus.sh) and the findings kept for it
# (findings/<target without fuzz_>-*), then runs a fixed number of deterministic mutations of them.
# Seconds per target, no Clang build; scripts/fuzz.sh does the real, coverage-guided runs.
# Usage: tests/fuzz/smoke.sh TARGET SMOKE_BINARY [MUTATIONS]
# A failing input is kept as ./fuzz-smoke-TARGET-failure.bin (ctest runs in the build folder).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
target=$1
binary=$2
mutations=${3:-2000}
work=$(mktemp -d "${TMPDIR:-/tmp}/rgbdsod-fuzz-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT

max_len=$(bash "$here/tests/fuzz/seed_corpus.sh" "$target" "$work/corpus" "$binary" | tail -n 1)
shopt -s nullglob
findings=("$here/tests/fuzz/findings/${target#fuzz_}"-*)
echo "$target: $(find "$work/corpus" -type f | wc -l) seeds, ${#findings[@]} kept findings, $mutations mutations"
"$binary" --mutations "$mutations" --max-len "$max_len" --last "$work/last-input" \
  "$work/corpus" "${findings[@]}" &
pid=$!
status=0
wait "$pid" || status=$?
# The targets' scratch files and folders are named after their process (rgbdsod-fuzz-[KIND-]PID[.EXT]).
for dir in /dev/shm "${TMPDIR:-/tmp}"; do
  rm -rf "$dir/rgbdsod-fuzz-$pid" "$dir/rgbdsod-fuzz-$pid".* "$dir"/rgbdsod-fuzz-*-"$pid" "$dir"/rgbdsod-fuzz-*-"$pid".*
done
if [[ $status -ne 0 ]]; then
  if [[ -f "$work/last-input" ]]; then
    cp "$work/last-input" "fuzz-smoke-$target-failure.bin"
    echo "$target failed on the input kept as $PWD/fuzz-smoke-$target-failure.bin" >&2
  fi
  exit 1
fi
