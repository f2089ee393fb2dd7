#!/usr/bin/env bash
# Seeds a fuzz target's corpus folder from the test fixtures: what scripts/fuzz.sh starts libFuzzer
# on and what the test suite's fuzz smoke (tests/fuzz/smoke.sh) replays and mutates.
# Usage: tests/fuzz/seed_corpus.sh TARGET DIR BINARY
#   BINARY: the target's executable (libFuzzer or smoke build); fuzz_checkpoint writes its seed with it.
# Prints the largest input length the target should be given (libFuzzer's -max_len).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
t=$1
corpus=$2
binary=$3
mkdir -p "$corpus"

# The image readers: every image of the test fixtures (evaluation edge cases, masks and maps).
case "$t" in
  fuzz_png_gray8 | fuzz_evaluation_image)
    find "$here/tests/core/fixtures" -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.bmp' \) \
      -exec cp -n {} "$corpus/" \; 2>/dev/null || true ;;
esac
# The sidecar target: valid and broken labels.json texts.
if [[ "$t" == fuzz_label_sidecar ]]; then
  printf '%s' '{"format": "rgbdsod-labels", "version": 1, "dataset": "/d", "images": {"a": {"status": "corrected", "edits": 2, "kinds": {"brush": 1, "flip": 1}, "saved": "2026-12-04T01:02:03Z"}, "b": {"status": "reviewed"}}}' > "$corpus/seed-valid.json"
  printf '%s' '{"format": "foo", "version": 1, "images": {}}' > "$corpus/seed-foreign.json"
fi
# The dataset target: small dataset folders ("path\n" + bytes, files split by "\n%%\n") of
# fixture masks, one complete, one with a depth.json, a duplicate and a stray.
if [[ "$t" == fuzz_dataset_reader ]]; then
  fx="$here/tests/core/fixtures/eval/edge"
  { printf 'RGB/1.png\n'; cat "$fx/pred/perfect_pred.png"; printf '\n%%%%\ndepth/1.png\n'; cat "$fx/pred/two_level_pred.png"
    printf '\n%%%%\nGT/1_GT.png\n'; cat "$fx/GT/perfect_pred.png"; } > "$corpus/seed-dataset.bin"
  { printf 'a/images/0086.png\n'; cat "$fx/pred/tiny_2x2.png"; printf '\n%%%%\na/Depth/0086_depth.png\n'; cat "$fx/pred/tiny_2x2.png"
    printf '\n%%%%\na/depth/0086.png\n'; cat "$fx/pred/one_pixel.png"; printf '\n%%%%\na/masks/0086.png\n'; cat "$fx/GT/tiny_2x2.png"
    printf '\n%%%%\na/masks/notes.txt\nx\n%%%%\na/depth.json\n{"encoding": "uint16-mm"}'; } > "$corpus/seed-collection.bin"
fi
# The intrinsics target: each accepted form, and broken ones.
if [[ "$t" == fuzz_intrinsics ]]; then
  printf '# K\nfx = 518.8\nfy: 519.4\ncx 325.5\ncy = 253.7\nk1 = 0.1\n' > "$corpus/seed-named.txt"
  printf 'fx_rgb = 5.1885790117450188e+02;\nfy_rgb = 5.19e+02;\ncx_rgb = 3.25e+02; cy_rgb = 2.53e+02;\nfx_d = 5.8e+02;\n%% depth\n' > "$corpus/seed-nyu.m"
  printf '[500, 0, 319.5;\n 0, 510, 239.5;\n 0, 0, 1]\n' > "$corpus/seed-matrix.txt"
  printf '500 510 319.5 239.5\n' > "$corpus/seed-four.txt"
  printf 'fx -5\nfy 1e999\ncx nan\ncy\n' > "$corpus/seed-bad.txt"
fi
# The training readers: a stage byte, a --config text and --set values ("\n%%\n" between them),
# and recipe.json manifests.
if [[ "$t" == fuzz_train_config ]]; then
  printf '\000{"optim": {"lr": 0.001, "name": "adam"}, "run": {"steps": 10}}\n%%%%\nseed=3\n%%%%\ndata.depth=hha' > "$corpus/seed-teacher.bin"
  printf '\002{"stage": "fuse", "model": {"mode": "select"}}\n%%%%\nmodel.teacher="/runs/t"\n%%%%\nrun.device=cuda:1' > "$corpus/seed-fuse.bin"
  printf '\011\n%%%%\nloss.alpha=0.2\n%%%%\noptim.lr=7e772555\n%%%%\nval.every=1.5' > "$corpus/seed-cas.bin"
  printf '\003{"stage": "recnet", "seed": 5, "run": {"precision": "bf16"}}' > "$corpus/seed-resolved.bin"
  printf '\000\n%%%%\nseed=9223372036854775807\n%%%%\nrun.steps=1099511627776' > "$corpus/seed-limits.bin"
fi
if [[ "$t" == fuzz_recipe ]]; then
  printf '%s' '{"recipe": "learn-select-fuse", "overrides": ["run.steps=2", "distill.optim.lr=1e-5", "fuse.model.mode=\"select\""]}' > "$corpus/seed-lsf.json"
  printf '%s' '{"recipe": "contrastive", "overrides": []}' > "$corpus/seed-contrastive.json"
  printf '%s' '{"recipe": "cas", "overrides": ["loss.alpha=2", "nope=1"]}' > "$corpus/seed-bad.json"
fi
# The checkpoint target: a valid checkpoint of its tiny teacher, written by the target itself.
max_len=65536
if [[ "$t" == fuzz_checkpoint ]]; then
  RGBDSOD_FUZZ_WRITE_SEED="$corpus/seed-teacher.pt" "$binary"
  max_len=131072  # the seed is about 90 KB (LibTorch's archive of 197 entries)
fi
# The JSON readers: the JSON files of the test tree (configs, fixtures) as seeds.
case "$t" in
  fuzz_depth_config | fuzz_aliases | fuzz_eval_cache | fuzz_train_config | fuzz_recipe)
    find "$here/tests" -type f \( -name '*.json' -o -name '*.txt' \) -size -64k -exec cp -n {} "$corpus/" \; 2>/dev/null || true ;;
esac
echo "$max_len"
