#!/usr/bin/env bash
# GPU device check, one command. On a Linux x64 machine with an NVIDIA GPU (no network, maybe no
# Node): copy dist/device-check/ there (built by scripts/device-check/build.sh, < 64 MiB) and run
#   bash device-check.sh
# It unpacks its payload (Node 22, the check and CLI bundles, dawn.node, a Vulkan loader), checks
# for the NVIDIA driver and its Vulkan ICD, then prints the adapter, the gpu-vs-cpu relative error of
# the Fashion MLP and CNN (forward and gradients), their ms/step and samples/s on gpu and on wasm,
# and trains the quickstart through the CLI with --backend gpu. In the repository (no payload
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
  quickstart="$work/examples/quickstart.lrs"
else
  repo=$(cd "$here/.." && pwd)
  node=$(command -v node) || { echo "no payload.tar.xz beside this script and no node on PATH: build it with scripts/device-check/build.sh"; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  check=("$node" "$repo/packages/runtime/bench/device-check.ts")
  lrs=("$node" "$repo/packages/cli/src/bin.ts")
  quickstart="$repo/examples/quickstart.lrs"
fi
echo "node $("$node" --version)"

echo "== vulkan"
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  if [ -d "${work}/vulkan" ]; then
    export LD_LIBRARY_PATH="$work/vulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "no system Vulkan loader: using the bundled libvulkan.so.1"
  else
    echo "no Vulkan loader (libvulkan.so.1) and none bundled"
  fi
else
  echo "Vulkan loader: $(ldconfig -p | grep -m1 'libvulkan.so.1 ' | sed 's/.*=> //')"
fi
icd=$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)
if [ -n "$icd" ]; then
  echo "NVIDIA Vulkan ICD: $icd"
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

echo "== check (Fashion-MNIST MLP and CNN, batch 128)"
"${check[@]}"
status=$?

echo "== CLI: quickstart, 500 steps, --backend gpu"
"${lrs[@]}" run "$quickstart" --set steps=500 --backend gpu --out "$work/run" || status=1
exit $status
