import * as tf from "@tensorflow/tfjs"
import { Context, Effect, Layer, Schema } from "effect"
import { installWasmFallbacks } from "./wasmFallbacks.ts"
import { installWasmMatMulFix } from "./wasmMatMulFix.ts"

/** The tfjs backends the runtime knows how to start, fastest first. */
export type BackendName = "tfjs-node-gpu" | "wasm" | "cpu"

/** What the user asked for; `auto` tries gpu, then wasm, then cpu. */
export type BackendRequest = "auto" | "gpu" | "wasm" | "cpu"

export const backendRequests: ReadonlyArray<BackendRequest> = ["auto", "gpu", "wasm", "cpu"]

/** An explicitly requested backend could not be started. */
export class BackendUnavailable extends Schema.TaggedError<BackendUnavailable>()("BackendUnavailable", {
  backend: Schema.Literals(["tfjs-node-gpu", "wasm", "cpu"]),
  /** Why it failed (the loader's own error, first line). */
  message: Schema.String,
  /** What to install or do instead. */
  help: Schema.String
}) {}

const help: Record<BackendName, string> = {
  "tfjs-node-gpu": "@tensorflow/tfjs-node-gpu needs libtensorflow 2.9.1 for CUDA 11.2/cuDNN 8.1: run its install "
    + "script (`pnpm approve-builds`, then reinstall) on a machine with network access, or use --backend wasm",
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

const start = (name: BackendName): Effect.Effect<void, BackendUnavailable> =>
  Effect.tryPromise({
    try: starters[name],
    catch: (cause) => new BackendUnavailable({ backend: name, message: explain(name, firstLine(cause)), help: help[name] })
  })

const describeFailure = (e: BackendUnavailable): string => `${e.backend} unavailable: ${e.message}`

const select = Effect.fnUntraced(function*(request: BackendRequest) {
  switch (request) {
    case "gpu":
      yield* start("tfjs-node-gpu")
      return { name: "tfjs-node-gpu", reason: "requested: gpu ready" } as const
    case "wasm":
      yield* start("wasm")
      return { name: "wasm", reason: "requested: wasm ready (BatchMatMul transpose fix installed)" } as const
    case "cpu":
      yield* start("cpu")
      return { name: "cpu", reason: "requested: cpu ready" } as const
    case "auto": {
      const failures: Array<string> = []
      for (const name of ["tfjs-node-gpu", "wasm", "cpu"] as const) {
        const failed = yield* start(name).pipe(
          Effect.as(undefined),
          Effect.catchTag("BackendUnavailable", (e) => Effect.succeed(e))
        )
        if (failed === undefined) {
          return { name, reason: `auto: ${[...failures, `${name} ready`].join("; ")}` }
        }
        failures.push(describeFailure(failed))
      }
      // cpu is part of @tensorflow/tfjs itself; reaching here means tfjs is unusable.
      return yield* new BackendUnavailable({ backend: "cpu", message: failures.join("; "), help: help.cpu })
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
}>()("@lrs/runtime/backend/Backend") {
  static layer(request: BackendRequest): Layer.Layer<Backend, BackendUnavailable> {
    return Layer.effect(
      Backend,
      Effect.acquireRelease(
        select(request).pipe(Effect.map((selected) => Backend.of(selected))),
        // Variables created on this backend die with the layer's scope.
        () => Effect.sync(() => tf.disposeVariables())
      )
    )
  }
}
