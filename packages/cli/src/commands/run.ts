import { printResolved } from "@lrs/compiler"
import { dirname } from "node:path"
import type { RemoteHosts } from "@lrs/runtime/remote"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import { RunFailed, UsageError } from "../errors.ts"
import { format, replicaCluster, set, specFile, threads, trial } from "../flags.ts"
import { stderrColor } from "../report.ts"
import { loadSpec } from "../spec.ts"

const backend = Flag.Literals("backend", ["auto", "gpu", "wasm", "cpu"]).pipe(
  Flag.withDescription("Compute backend. gpu: tfjs-node-gpu, else WebGPU (Dawn); auto: those on a hardware GPU, else wasm, else cpu; the choice and the reason are printed"),
  Flag.withDefault("auto")
)
const out = Flag.String("out").pipe(
  Flag.withDescription("Write the run to exactly this directory (default: runs/<experiment>-<id>/)"),
  Flag.optional
)
const runs = Flag.String("runs").pipe(
  Flag.withDescription("Parent directory of run directories when --out is not given"),
  Flag.withDefault("runs")
)

export const run = Command.make(
  "run",
  { spec: specFile, set, backend, out, runs, format, trial, threads, cluster: replicaCluster },
  Effect.fn("lrs.run")(function*({ spec, set, backend, out, runs, format, trial, threads, cluster }) {
    if (Option.isSome(threads) && threads.value < 1) return yield* new UsageError({ message: `--threads must be at least 1, got ${threads.value}` })
    if (Option.isSome(threads) && Option.isSome(cluster)) return yield* new UsageError({ message: "--threads and --cluster both say where an ensemble's replicas run; give one" })
    const { text, ir, origins, sweep } = yield* loadSpec(spec, set, { format, json: "stderr", color: stderrColor() }, Option.getOrUndefined(trial))
    if (Option.isSome(cluster) && ir.ensemble === undefined) {
      return yield* new UsageError({ message: `--cluster trains an ensemble's replicas on the cluster's workers, and ${spec} has no ensemble (ensemble = hdet(...)); run a sweep's trials there with lrs sweep --cluster` })
    }
    // A sweep is never dropped silently: say what runs when no trial is chosen.
    if (sweep !== undefined && Option.isNone(trial)) {
      yield* Console.log(`note: ${spec} declares a sweep of ${sweep.size} trials; this run uses the base values (choose one with --trial N, list them with lrs resolve --sweep)`)
    }
    // Loaded here, not at the top: `lrs check` and `--help` must not load TensorFlow.js.
    const runtime = yield* Effect.promise(() => import("@lrs/runtime"))
    const layer = Layer.mergeAll(
      runtime.Backend.layer(backend, runtime.backendHints(ir)),
      runtime.RunStore.layer,
      runtime.Reporter.layer({ tty: process.stdout.isTTY === true, write: (s) => void process.stdout.write(s), columns: process.stdout.columns ?? 80 })
    )
    const train = (replicaHosts: RemoteHosts | undefined) =>
      runtime.train({
        ir,
        spec: text,
        resolved: printResolved(ir, origins),
        destination: Option.isSome(out) ? { out: out.value } : { root: runs },
        // Data paths in a spec are relative to the spec; LRS_DATA_DIR is where datasets are looked for first.
        data: { baseDir: dirname(spec), ...(process.env["LRS_DATA_DIR"] ? { dataDir: process.env["LRS_DATA_DIR"] } : {}) },
        ...(Option.isSome(threads) ? { threads: threads.value } : {}),
        ...(replicaHosts === undefined ? {} : { replicaHosts })
      })
    // Loaded on demand, as for lrs sweep: the cluster modules would slow every other run's start.
    const trained = Option.isNone(cluster)
      ? train(undefined)
      : Effect.flatMap(Effect.promise(() => import("../cluster/replicas.ts")), (m) => m.withClusterHosts(cluster.value, train))
    const summary = yield* trained.pipe(
      Effect.provide(layer),
      Effect.catchTags({
        BackendUnavailable: (e) => Effect.fail(new UsageError({ message: `backend ${backend}${e.backend === backend ? "" : ` (${e.backend})`} is unavailable: ${e.message}\n  help: ${e.help}` })),
        TrainingError: (e) => Effect.fail(new RunFailed({ message: e.report })),
        DataError: (e) => Effect.fail(new RunFailed({ message: e.report })),
        RunStoreError: (e) => Effect.fail(new RunFailed({ message: `cannot write the run directory ${e.path}: ${e.message}` }))
      })
    )
    const metrics = Object.entries(summary.final).flatMap(([split, values]) => Object.entries(values).map(([k, v]) => `${split} ${k} ${v.toFixed(4)}`)).join(", ")
    yield* Console.log(
      `done: ${summary.steps} steps in ${summary.wallSeconds.toFixed(1)}s (${summary.msPerStep.toFixed(2)} ms/step) on ${summary.backend}; final ${metrics}`
    )
    if (summary.continual !== undefined) yield* Console.log(runtime.describeContinual(summary.continual))
    yield* Console.log(`run directory: ${summary.runDir}`)
  })
).pipe(
  Command.withDescription(
    "Compile a spec and run it: progress on the terminal (plain lines when not a TTY), then a run directory with spec.lrs, resolved.lrs, ir.json, metrics.jsonl and summary.json."
  ),
  Command.withExamples([
    { command: "lrs run examples/quickstart.lrs", description: "Train the quickstart" },
    { command: "lrs run examples/quickstart.lrs --set steps=300 --backend cpu --out /tmp/q", description: "A short run on the cpu backend into /tmp/q" }
  ])
)
