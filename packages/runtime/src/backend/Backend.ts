import * as tf from "@tensorflow/tfjs"
import { Context, Effect, Layer, Schema } from "effect"
import { describeAdapter, type GpuAdapter } from "./gpuAdapter.ts"
import { installWasmFallbacks } from "./wasmFallbacks.ts"
import { installWasmMatMulFix } from "./wasmMatMulFix.ts"
import { installWebGpuAddNFix } from "./webgpuAddN.ts"
import { allowSoftwareEnv, currentGpuAdapter, GpuMissing, guardSyncReads, prepareWebGpu, softwareAllowed } from "./webgpu.ts"

/** The tfjs backends the runtime knows how to start, fastest first. */
export type BackendName = "tfjs-node-gpu" | "webgpu" | "wasm" | "cpu"

/** What the user asked for; `gpu` tries tfjs-node-gpu, then WebGPU; `auto` tries those, then wasm, then cpu. */
export type BackendRequest = "auto" | "gpu" | "wasm" | "cpu"

export const backendRequests: ReadonlyArray<BackendRequest> = ["auto", "gpu", "wasm", "cpu"]

/** Backends on a GPU: every tensor read waits for the device, and webgpu cannot read synchronously at all. */
export const isGpuBackend = (name: BackendName): boolean => name === "tfjs-node-gpu" || name === "webgpu"

/** An explicitly requested backend could not be started (`gpu`: neither GPU backend could). */
export class BackendUnavailable extends Schema.TaggedError<BackendUnavailable>()("BackendUnavailable", {
  backend: Schema.Literals(["tfjs-node-gpu", "webgpu", "gpu", "wasm", "cpu"]),
  /** Why it failed (the loader's own error, first line). */
  message: Schema.String,
  /** What to install or do instead. */
  help: Schema.String
}) {}

const help: Record<BackendName, string> = {
  "tfjs-node-gpu": "@tensorflow/tfjs-node-gpu needs libtensorflow 2.9.1 for CUDA 11.2/cuDNN 8.1: run its install "
    + "script (`pnpm approve-builds`, then reinstall) on a machine with network access, or use --backend wasm",
  // Replaced by GpuMissing's own help, which names the missing piece; this is the fallback.
  webgpu: "WebGPU needs the `webgpu` package (Dawn) and a Vulkan/Metal/D3D12 GPU driver; see docs/gpu.md",
  wasm: "@tensorflow/tfjs-backend-wasm 4.22.0 must be installed with its dist/*.wasm files; or use --backend cpu",
  cpu: "@tensorflow/tfjs 4.22.0 must be installed (its cpu backend is pure JavaScript)"
}

// Kept in a variable so neither TypeScript nor a bundler resolves the optional dependency
// statically: importing this module must work where tfjs-node-gpu is absent or broken.
const tfjsNodeGpu = "@tensorflow/tfjs-node-gpu"

const firstLine = (cause: unknown): string => {
  const text = cause instanceof Error ? cause.message : String(cause)
  return text.split("\n")[0]!.trim()
}

const activate = async (tfName: string): Promise<void> => {
  // setBackend resolves to false (and only warns) when the backend's init fails.
  if (!(await tf.setBackend(tfName))) throw new Error(`tf.setBackend("${tfName}") failed`)
  await tf.ready()
  // The cpu backend prints a "you are running TensorFlow.js in Node.js" banner on its first tensor;
  // lrs already says which backend it picked and why, so the banner is switched off.
  if (tfName === "cpu") (tf.backend() as unknown as { firstUse: boolean }).firstUse = false
}

/** Starts a backend by name in this thread (the trainer's Backend layer, and worker threads that must match it). */
export const starters: Record<BackendName, () => Promise<void>> = {
  // Registers the "tensorflow" backend (libtensorflow via N-API) on import.
  "tfjs-node-gpu": async () => {
    await import(tfjsNodeGpu)
    await activate("tensorflow")
  },
  // In Node the package's main entry (tf-backend-wasm.node.js) finds its .wasm files next to
  // itself, so no setWasmPaths is needed. SIMD is detected; threads are off in Node.
  wasm: async () => {
    await import("@tensorflow/tfjs-backend-wasm")
    installWasmMatMulFix()
    installWasmFallbacks()
    await activate("wasm")
  },
  // Dawn's adapter exposed as navigator.gpu first; the software rasterizer only with LRS_ALLOW_SOFTWARE_GPU=1.
  webgpu: async () => {
    await prepareWebGpu({ allowSoftware: softwareAllowed() })
    await activate("webgpu")
    guardSyncReads()
    installWebGpuAddNFix()
  },
  cpu: () => activate("cpu")
}

/** tfjs-node-gpu's own errors are long paths; say what they mean instead. */
const explain = (name: BackendName, message: string): string =>
  name !== "tfjs-node-gpu"
    ? message
    : message.includes("tfjs_binding.node")
    ? "its native addon is not built (the package's install script, which downloads libtensorflow, has not run)"
    : /Cannot find (module|package)/.test(message)
    ? "the package is not installed"
    : message

const start = (name: BackendName, run: () => Promise<void> = starters[name]): Effect.Effect<void, BackendUnavailable> =>
  Effect.tryPromise({
    try: run,
    catch: (cause) =>
      new BackendUnavailable({
        backend: name,
        message: explain(name, firstLine(cause)),
        help: cause instanceof GpuMissing ? cause.help : help[name]
      })
  })

/** `auto` never takes a software adapter, whatever LRS_ALLOW_SOFTWARE_GPU says: wasm beats it. */
const startHardwareWebGpu = async (): Promise<void> => {
  await prepareWebGpu({ allowSoftware: false })
  await activate("webgpu")
  guardSyncReads()
  installWebGpuAddNFix()
}

interface Selected {
  readonly name: BackendName
  readonly reason: string
}

const ready = (name: BackendName): string => {
  const adapter = name === "webgpu" ? currentGpuAdapter() : undefined
  if (adapter === undefined) return `${name} ready`
  const allowed = adapter.software ? ` (allowed by ${allowSoftwareEnv}=1)` : ""
  return `webgpu ready on ${describeAdapter(adapter)}${allowed}`
}

const describeFailure = (e: BackendUnavailable): string => `${e.backend} unavailable: ${e.message}`

/** Tries `candidates` in order; the first that starts wins, and the reason lists the ones that did not. */
const firstOf = Effect.fnUntraced(function*(candidates: ReadonlyArray<readonly [BackendName, Effect.Effect<void, BackendUnavailable>]>) {
  const failures: Array<BackendUnavailable> = []
  for (const [name, starting] of candidates) {
    const failed = yield* starting.pipe(
      Effect.as(undefined),
      Effect.catchTag("BackendUnavailable", (e) => Effect.succeed(e))
    )
    if (failed === undefined) return { selected: { name, reason: [...failures.map(describeFailure), ready(name)].join("; ") } as Selected, failures }
    failures.push(failed)
  }
  return { selected: undefined, failures }
})

/**
 * What `auto` knows of the run. `webGpuPays: false` keeps it off WebGPU: on an NVIDIA H100
 * (docs/gpu.md, 2026-11-27) a WebGPU step cost about the same for the Fashion MLP as for the CNN
 * (78 vs 67 ms: dispatch-bound), so only convolutions ran faster there than on wasm (10x); the MLP
 * ran 5x and PPO's CartPole 28x slower. `--backend gpu` still takes it.
 */
export interface BackendHints {
  readonly webGpuPays?: boolean
  /** Said in the reason when WebGPU is not tried, e.g. "an mlp model". */
  readonly workload?: string
}

const select = Effect.fnUntraced(function*(request: BackendRequest, hints: BackendHints = {}) {
  switch (request) {
    case "gpu": {
      const { selected, failures } = yield* firstOf([["tfjs-node-gpu", start("tfjs-node-gpu")], ["webgpu", start("webgpu")]])
      if (selected !== undefined) return { name: selected.name, reason: `requested: gpu: ${selected.reason}` }
      // WebGPU's help names the missing driver/file/package; tfjs-node-gpu's is the same every time.
      return yield* new BackendUnavailable({
        backend: "gpu",
        message: failures.map(describeFailure).join("; "),
        help: failures.at(-1)!.help
      })
    }
    case "wasm":
      yield* start("wasm")
      return { name: "wasm", reason: "requested: wasm ready (BatchMatMul transpose fix installed)" } as const
    case "cpu":
      yield* start("cpu")
      return { name: "cpu", reason: "requested: cpu ready" } as const
    case "auto": {
      const skipWebGpu = hints.webGpuPays === false
      const { selected, failures } = yield* firstOf([
        ["tfjs-node-gpu", start("tfjs-node-gpu")],
        ...(skipWebGpu ? [] : [["webgpu", start("webgpu", startHardwareWebGpu)] as const]),
        ["wasm", start("wasm")],
        ["cpu", start("cpu")]
      ])
      const skipped = skipWebGpu && selected?.name !== "tfjs-node-gpu"
        ? `; webgpu not tried: ${hints.workload ?? "this run"} is faster on wasm than on WebGPU, which pays for convolutions only (docs/gpu.md; --backend gpu takes it anyway)`
        : ""
      if (selected !== undefined) return { name: selected.name, reason: `auto: ${selected.reason}${skipped}` }
      // cpu is part of @tensorflow/tfjs itself; reaching here means tfjs is unusable.
      return yield* new BackendUnavailable({ backend: "cpu", message: failures.map(describeFailure).join("; "), help: help.cpu })
    }
  }
})

/**
 * The tfjs backend the run executes on. tfjs keeps one active backend per process, so build at
 * most one `Backend` layer at a time.
 *
 * Prod mode is left off: `tf.enableProdMode()` only silences tfjs warnings (e.g. a backend falling
 * back), which we want to see. tfjs's per-op NaN check (`DEBUG`) is also off because it syncs after
 * every kernel; the trainer checks the loss for NaN instead.
 */
export class Backend extends Context.Service<Backend, {
  readonly name: BackendName
  /** Why this backend was picked, for logs and `env.json`. */
  readonly reason: string
  /** A GPU backend: the trainer reads tensors asynchronously and only every few steps. */
  readonly gpu: boolean
  /** The WebGPU adapter, on the webgpu backend. */
  readonly adapter?: GpuAdapter
}>()("@lrs/runtime/backend/Backend") {
  static layer(request: BackendRequest, hints: BackendHints = {}): Layer.Layer<Backend, BackendUnavailable> {
    return Layer.effect(
      Backend,
      Effect.acquireRelease(
        select(request, hints).pipe(Effect.map(({ name, reason }) => {
          const adapter = name === "webgpu" ? currentGpuAdapter() : undefined
          return Backend.of({ name, reason, gpu: isGpuBackend(name), ...(adapter === undefined ? {} : { adapter }) })
        })),
        // Variables created on this backend die with the layer's scope.
        () => Effect.sync(() => tf.disposeVariables())
      )
    )
  }
}
