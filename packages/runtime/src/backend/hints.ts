import type { RunIR } from "@lrs/compiler"
import type { BackendHints } from "./Backend.ts"

/**
 * What `--backend auto` should know of a run: only a convolutional model was measured faster on
 * WebGPU than on wasm (docs/gpu.md, an H100); lrs's MLPs, PPO's networks and the GRU decoder, which
 * dispatch many small kernels, were slower, so auto leaves WebGPU out for them.
 */
export const backendHints = (ir: RunIR): BackendHints =>
  ir.model.kind === "cnn" ? { webGpuPays: true } : { webGpuPays: false, workload: `a run of ${ir.model.kind === "gru" ? "a gru" : `an ${ir.model.kind}`}` }
