import type { RunIR } from "@lrs/compiler"
import type { RemoteHosts } from "@lrs/runtime/remote"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Argument, Command, Flag } from "effect/cli"
import { join } from "node:path"
import { RunFailed, UsageError } from "../errors.ts"
import { replicaCluster, threads } from "../flags.ts"

const runDir = Argument.String("run").pipe(Argument.withDescription("The run directory to continue"))
const backend = Flag.Literals("backend", ["auto", "gpu", "wasm", "cpu"]).pipe(
  Flag.withDescription("Compute backend (use the run's own for bit-for-bit equality with an uninterrupted run)"),
  Flag.withDefault("auto")
)

export const resume = Command.make(
  "resume",
  { run: runDir, backend, threads, cluster: replicaCluster },
  Effect.fn("lrs.resume")(function*({ run, backend, threads, cluster }) {
    if (Option.isSome(threads) && threads.value < 1) return yield* new UsageError({ message: `--threads must be at least 1, got ${threads.value}` })
    if (Option.isSome(threads) && Option.isSome(cluster)) return yield* new UsageError({ message: "--threads and --cluster both say where an ensemble's replicas run; give one" })
    const fs = yield* FileSystem.FileSystem
    const read = (name: string) =>
      fs.readFileString(join(run, name)).pipe(Effect.mapError(() => new UsageError({ message: `${run} is not a run directory (cannot read ${name})` })))
    // The runtime never re-reads the spec: a run directory's IR is the whole run.
    const parse = (name: string, text: string) =>
      Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => new UsageError({ message: `${join(run, name)} is not valid JSON: the run directory is damaged` }) })
    const ir = (yield* parse("ir.json", yield* read("ir.json"))) as RunIR
    // Runs made before streams had per-task budgets hold `stepsPerTask` instead.
    if (ir.stream !== undefined && !Array.isArray((ir.stream as { taskSteps?: unknown }).taskSteps)) {
      return yield* new UsageError({ message: `${run} was made by an older lrs, whose stream IR this one cannot resume; run its spec.lrs again with lrs run` })
    }
    const options = (yield* parse("run.json", yield* read("run.json").pipe(Effect.orElseSucceed(() => "{}")))) as { data?: { baseDir?: string; dataDir?: string } }
    const runtime = yield* Effect.promise(() => import("@lrs/runtime"))
    const layer = Layer.mergeAll(
      runtime.Backend.layer(backend, runtime.backendHints(ir)),
      runtime.RunStore.layer,
      runtime.Reporter.layer({ tty: process.stdout.isTTY === true, write: (s) => void process.stdout.write(s), columns: process.stdout.columns ?? 80 })
    )
    if (Option.isSome(cluster) && ir.ensemble === undefined) {
      return yield* new UsageError({ message: `--cluster trains an ensemble's replicas on the cluster's workers, and the run in ${run} has no ensemble; resume it without --cluster` })
    }
    const train = (replicaHosts: RemoteHosts | undefined) =>
      runtime.train({ ir, runDir: run, data: options.data ?? {}, ...(Option.isSome(threads) ? { threads: threads.value } : {}), ...(replicaHosts === undefined ? {} : { replicaHosts }) })
    const trained = Option.isNone(cluster)
      ? train(undefined)
      : Effect.flatMap(Effect.promise(() => import("../cluster/replicas.ts")), (m) => m.withClusterHosts(cluster.value, train))
    const summary = yield* trained.pipe(
      Effect.provide(layer),
      Effect.catchTags({
        BackendUnavailable: (e) => Effect.fail(new UsageError({ message: `backend ${backend}${e.backend === backend ? "" : ` (${e.backend})`} is unavailable: ${e.message}\n  help: ${e.help}` })),
        TrainingError: (e) => Effect.fail(new RunFailed({ message: e.report })),
        DataError: (e) => Effect.fail(new RunFailed({ message: e.report })),
        RunStoreError: (e) => Effect.fail(new RunFailed({ message: `cannot use the run directory ${e.path}: ${e.message}` }))
      })
    )
    yield* Console.log(`done: ${summary.steps} steps on ${summary.backend}; run directory: ${summary.runDir}`)
    if (summary.continual !== undefined) yield* Console.log(runtime.describeContinual(summary.continual))
  })
).pipe(
  Command.withDescription(
    "Continue a run from its last checkpoint (after a crash or a kill): weights, optimizer state, data order and signals are restored, metrics.jsonl is cut back to the checkpoint (a torn last line is dropped), and training goes on to the end, ending with the same weights as a run that was never interrupted."
  ),
  Command.withExamples([{ command: "lrs resume runs/quickstart-2686e4ccf0", description: "Finish an interrupted run" }])
)
