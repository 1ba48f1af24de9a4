#!/usr/bin/env bash
# GPU device check, one command. On a Linux x64 machine with an NVIDIA GPU (no network, maybe no
# Node): copy dist/device-check/ there (built by scripts/device-check/build.sh, < 64 MiB) and run
#   bash device-check.sh
# It unpacks its payload (Node 22, the check and CLI bundles, dawn.node, a Vulkan loader), checks
# for the NVIDIA driver and its Vulkan ICD, then prints the adapter, the gpu-vs-cpu relative error of
# the Fashion MLP and CNN (forward and gradients), their ms/step and samples/s on gpu and on wasm,
# trains the quickstart through the CLI with --backend gpu, then the start of two RL examples
# (cartpole-ppo's first 2,048 env steps, digit-sum-grpo's first 3,000 tokens) on gpu and on wasm:
# the same returns on both, and ms per env step. In the repository (no payload
# beside it) it runs the same check from the sources with the node on PATH.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

echo "== machine"
uname -srm
[ -r /proc/driver/nvidia/version ] && head -1 /proc/driver/nvidia/version || echo "no NVIDIA kernel driver loaded (/proc/driver/nvidia/version missing)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

if [ -f "$here/payload.tar.xz" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  tar -C "$work" -xJf "$here/payload.tar.xz" || { echo "cannot unpack payload.tar.xz (needs tar with xz)"; exit 1; }
  node="$work/node"
  check=("$node" "$work/check.mjs")
  lrs=("$node" "$work/lrs.mjs")
  examples="$work/examples"
else
  repo=$(cd "$here/.." && pwd)
  node=$(command -v node) || { echo "no payload.tar.xz beside this script and no node on PATH: build it with scripts/device-check/build.sh"; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  check=("$node" "$repo/packages/runtime/bench/device-check.ts")
  lrs=("$node" "$repo/packages/cli/src/bin.ts")
  examples="$repo/examples"
fi
echo "node $("$node" --version)"

echo "== vulkan"
# The Vulkan loader, and libglvnd's dispatch library that the NVIDIA ICD links against.
missing=$(for lib in libvulkan.so.1 libGLdispatch.so.0; do ldconfig -p 2>/dev/null | grep -q "$lib " || echo "$lib"; done | tr '\n' ' ')
if [ -n "$missing" ]; then
  if [ -d "${work}/vulkan" ]; then
    export LD_LIBRARY_PATH="$work/vulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "not installed: ${missing}- using the bundled copies"
  else
    echo "not installed: ${missing}- and none bundled"
  fi
else
  echo "Vulkan loader: $(ldconfig -p | grep -m1 'libvulkan.so.1 ' | sed 's/.*=> //')"
fi
# /usr/local/nvidia/...: where containers that mount the driver put its manifest.
icd=$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)
if [ -n "$icd" ]; then
  echo "NVIDIA Vulkan ICD: $icd"
  export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
else
  # The driver's Vulkan implementation lives in libGLX_nvidia.so.0; containers often mount the
  # library without the ICD manifest, so point the loader at it with a manifest of our own.
  glx=$(ldconfig -p 2>/dev/null | grep -m1 'libGLX_nvidia.so.0 ' | sed 's/.*=> //')
  [ -z "$glx" ] && glx=$(ls /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 2>/dev/null | head -1)
  if [ -n "$glx" ]; then
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$glx" > "$work/nvidia_icd.json"
    export VK_ICD_FILENAMES="$work/nvidia_icd.json" VK_DRIVER_FILES="$work/nvidia_icd.json"
    echo "no nvidia_icd.json installed; using one written for $glx"
  else
    echo "no NVIDIA Vulkan ICD (nvidia_icd.json) and no libGLX_nvidia.so.0: the driver's Vulkan part is missing"
    echo "  (in a container: NVIDIA_DRIVER_CAPABILITIES must include graphics); the gpu steps will fail"
  fi
fi

status=0
# LRS_DEVICE_SECTIONS (default "check quickstart rl") picks what runs, e.g. "rl" for a quick try.
sections=" ${LRS_DEVICE_SECTIONS:-check quickstart rl} "

if [[ $sections == *" check "* ]]; then
  echo "== check (Fashion-MNIST MLP and CNN, batch 128)"
  "${check[@]}" || status=1
fi

if [[ $sections == *" quickstart "* ]]; then
  echo "== CLI: quickstart, 500 steps, --backend gpu"
  "${lrs[@]}" run "$examples/quickstart.lrs" --set steps=500 --backend gpu --out "$work/run" || status=1
fi

# RL on the GPU: each run's last lines (its backend, ms per env step, final return or accuracy),
# the same spec on wasm beside it. Each is bounded so a slow backend cannot eat the whole lease.
rl_run() { # name, backend, seconds, args...
  local name=$1 backend=$2 limit=$3
  shift 3
  echo "-- $name on $backend"
  timeout "$limit" "${lrs[@]}" run "$@" --backend "$backend" --out "$work/$name-$backend" 2>&1 | grep -E "^(backend|done|stopped|lrs:|error)" || echo "($name on $backend: no result within ${limit}s)"
}
if [[ $sections == *" rl "* ]]; then
  # Short: on the H100 (2026-11-27) an env step took 19.5 ms (cartpole) and 5.0 ms (digit-sum) on webgpu.
  echo "== RL: cartpole-ppo (2,048 env steps), digit-sum-grpo (3,000 tokens)"
  for backend in gpu wasm; do
    rl_run cartpole-ppo "$backend" 120 "$examples/cartpole-ppo.lrs" --set steps=2048
    rl_run digit-sum-grpo "$backend" 120 "$examples/digit-sum-grpo.lrs" --trial 0 --set steps=3000
  done
fi
exit $status
