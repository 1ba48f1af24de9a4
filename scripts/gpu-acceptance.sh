#!/usr/bin/env bash
# Issue 11's acceptance check, run by .ci/run after the tests: `examples/fashion-mlp.lrs` trains on
# the software GPU (Mesa llvmpipe through Dawn's OpenGL ES backend) to wasm's test accuracy within
# 0.5 points. About 4 minutes on 2 cores (llvmpipe, ~107 ms a step). Prints one line starting
# `gpu acceptance:` and exits 0 (passed), 1 (failed) or 2 (skipped: no dataset or no Mesa EGL).
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ -z "${LRS_DATA_DIR:-}" ]; then
  echo "gpu acceptance: skipped (Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist)"
  exit 2
fi
if ! ls /usr/lib/*/libEGL.so.1 >/dev/null 2>&1 || ! ls /usr/lib/*/dri/swrast_dri.so >/dev/null 2>&1; then
  echo "gpu acceptance: skipped (no Mesa EGL / llvmpipe: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri)"
  exit 2
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
lrs() { node packages/cli/bin/lrs.js "$@"; }
accuracy() { node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(s.final.test.accuracy, s.backend, s.msPerStep.toFixed(1))' "$1/summary.json"; }

if ! lrs run examples/fashion-mlp.lrs --backend wasm --out "$out/wasm" >"$out/wasm.log" 2>&1; then
  tail -5 "$out/wasm.log"; echo "gpu acceptance: failed (the wasm run failed)"; exit 1
fi
if ! LRS_ALLOW_SOFTWARE_GPU=1 lrs run examples/fashion-mlp.lrs --backend gpu --out "$out/gpu" >"$out/gpu.log" 2>&1; then
  tail -5 "$out/gpu.log"; echo "gpu acceptance: failed (the gpu run failed)"; exit 1
fi
grep -m1 "^backend:" "$out/gpu.log"
read -r wasm_acc _ wasm_ms <<<"$(accuracy "$out/wasm")"
read -r gpu_acc gpu_backend gpu_ms <<<"$(accuracy "$out/gpu")"
verdict="$(node -e 'const [w, g] = process.argv.slice(1).map(Number); console.log(Math.abs(w - g) <= 0.005 ? "passed" : "failed")' "$wasm_acc" "$gpu_acc")"
echo "gpu acceptance: $verdict (fashion-mlp test accuracy: $gpu_backend $gpu_acc at $gpu_ms ms/step, wasm $wasm_acc at $wasm_ms ms/step; within 0.5 points required)"
[ "$verdict" = passed ]
