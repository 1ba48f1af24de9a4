import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import { availableParallelism } from "node:os"
import { resolve } from "node:path"
import { RunFailed, UsageError } from "../errors.ts"
import { set, specFile } from "../flags.ts"
import { stderrColor } from "../report.ts"
import { better, type RunInfo, readRun } from "../runs/read.ts"
import { loadSpec } from "../spec.ts"
import { Pruner } from "../sweep/prune.ts"
import { prunerRows } from "../sweep/prunerRows.ts"
import { nextAction, runTrial } from "../sweep/runTrial.ts"
import { cell, summaryTable } from "../sweep/summary.ts"
import { sweepTrials, type Trial } from "../sweep/trials.ts"

const parallel = Flag.Int("parallel").pipe(Flag.withDescription("Trials run at once, each in its own process (default: the machine's cores)"), Flag.optional)
const backend = Flag.Literals("backend", ["auto", "gpu", "wasm", "cpu"]).pipe(Flag.withDescription("Compute backend of every trial"), Flag.withDefault("auto"))
const runs = Flag.String("runs").pipe(Flag.withDescription("Parent directory of the sweep's folder (default: runs)"), Flag.withDefault("runs"))
const cluster = Flag.String("cluster").pipe(
  Flag.withDescription("Run the trials on the workers of this cluster (PostgreSQL URL, e.g. postgres://lrs@127.0.0.1:5432/lrs; start workers with lrs worker --cluster URL) instead of in local processes"),
  Flag.optional
)
const summaryOnly = Flag.Boolean("summary").pipe(Flag.withDescription("Print the table of trials (best first) without running anything"), Flag.withDefault(false))

export const sweep = Command.make(
  "sweep",
  { spec: specFile, parallel, backend, runs, set, summary: summaryOnly, cluster },
  Effect.fn("lrs.sweep")(function*({ spec, parallel, backend, runs, set, summary, cluster }) {
    const n = Option.getOrElse(parallel, () => availableParallelism())
    if (n < 1) return yield* new UsageError({ message: `--parallel must be at least 1, got ${n}` })
    const base = yield* loadSpec(spec, set, { format: "human", json: "stderr", color: stderrColor() })
    if (base.sweep === undefined) return yield* new UsageError({ message: `${spec} declares no sweep; run it with lrs run` })
    const prune = base.sweep.prune
    if (prune !== undefined && !base.ir.evaluation.metrics.some((m) => `${base.ir.evaluation.split}.${m}` === prune.metric)) {
      const evaluated = base.ir.evaluation.metrics.map((m) => `${base.ir.evaluation.split}.${m}`).join(", ")
      return yield* new UsageError({ message: `${spec}: the sweep prunes on ${prune.metric}, which the experiment does not evaluate (it evaluates ${evaluated}); change the prune metric or the evaluate statement` })
    }
    const root = resolve(runs, `${base.ir.experiment}-sweep`)
    const trials = sweepTrials(base.sweep, root)
    const fs = yield* FileSystem.FileSystem
    const infos = () => Effect.forEach(trials, (t) => readRun(t.dir))
    if (summary) {
      yield* Console.log(summaryTable(trials, yield* infos()))
      return
    }
    yield* fs.makeDirectory(root, { recursive: true }).pipe(Effect.mapError(() => new UsageError({ message: `cannot create ${root}` })))
    if (Option.isSome(cluster)) {
      if (Option.isSome(parallel)) return yield* new UsageError({ message: "--parallel is the local sweep's; on a cluster each worker sets its own (lrs worker --parallel N)" })
      // Loaded on demand: the cluster modules (sharding, SQL, sockets) would slow every other command's start.
      const { clusterSweep } = yield* Effect.promise(() => import("../cluster/submit.ts"))
      return yield* clusterSweep({
        cluster: cluster.value,
        spec: resolve(spec),
        root,
        trials,
        backend,
        sets: set,
        prune: prune === undefined ? undefined : JSON.stringify(prune),
        budget: base.ir.steps
      })
    }
    const before = yield* infos()
    const busy = trials.filter((_, i) => nextAction(before[i]) === "busy")
    for (const t of busy) yield* Console.log(`trial ${t.index} is running in another process (its run.lock); left to it`)
    const todo = trials.flatMap((t, i) => {
      const action = nextAction(before[i])
      return action === "skip" || action === "busy" ? [] : [{ t, action }]
    })
    const prunedBefore = before.filter((i) => i?.status === "pruned").length
    yield* Console.log(
      `sweep ${root}: ${trials.length} trials, ${trials.length - todo.length - prunedBefore - busy.length} finished already${prunedBefore > 0 ? `, ${prunedBefore} pruned` : ""}, ${todo.length} to run, ${Math.min(n, Math.max(todo.length, 1))} at a time`
    )
    // The prune rule learns from every trial that has reported, those finished before included.
    const pruner = base.sweep.prune === undefined ? undefined : new Pruner(base.sweep.prune)
    if (pruner !== undefined) before.forEach((info, i) => info !== undefined && pruner.report(trials[i]!.index, prunerRows(trials[i]!.dir), info.ir.steps))
    let done = trials.length - todo.length
    let failed = 0
    let prunedCount = 0
    let best: (NonNullable<RunInfo["best"]> & { readonly trial: number }) | undefined
    const one = Effect.fnUntraced(function*({ t, action }: { t: Trial; action: "run" | "resume" }) {
      // A run that died before its first checkpoint starts again from scratch.
      if (action === "run") yield* fs.remove(t.dir, { recursive: true }).pipe(Effect.ignore)
      const code = yield* runTrial({ spec, backend, sets: set }, t, action, (rows) => pruner?.report(t.index, rows, base.ir.steps))
      const info = yield* readRun(t.dir)
      if (code === 0 && info?.best !== undefined && (best === undefined || better(info.best.metric, info.best.value, best.value))) {
        best = { ...info.best, trial: t.index }
      }
      if (code === 0) done++
      else if (code === "pruned") prunedCount++
      else failed++
      const sets = t.assignments.map((a) => `${a.name}=${a.value}`).join(" ")
      const outcome = code === 0 ? `done: ${cell(info)}` : code === "pruned" ? `pruned: ${cell(info)}, below what the prune rule keeps` : `FAILED (exit ${code}; see ${t.dir}.log)`
      yield* Console.log(`trial ${t.index} (${sets}) ${outcome}  [${done}/${trials.length} done, ${prunedCount} pruned, ${failed} failed${best === undefined ? "" : `; best ${best.metric} ${best.value.toFixed(4)} (trial ${best.trial})`}]`)
    })
    yield* Effect.forEach(todo, one, { concurrency: n, discard: true })
    yield* Console.log(summaryTable(trials, yield* infos()))
    if (failed > 0) return yield* new RunFailed({ message: `${failed} trial${failed === 1 ? "" : "s"} failed; rerun the same command to retry them` })
  })
).pipe(
  Command.withDescription(
    "Run every trial of a spec's sweep, each a normal run directory under runs/<experiment>-sweep/ named by what it sets, --parallel at a time in their own processes. Rerun the same command after a kill: finished trials are skipped and interrupted ones resume from their last checkpoint. --cluster URL runs the trials on the workers started with lrs worker --cluster URL instead (docs/sweeps.md). --summary prints the table of trials, best first."
  ),
  Command.withExamples([
    { command: "lrs sweep examples/lr-sweep.lrs --parallel 2", description: "The ten trials of the lr sweep, two at a time" },
    { command: "lrs sweep examples/lr-sweep.lrs --cluster postgres://lrs@127.0.0.1:5432/lrs", description: "The same trials on the cluster's workers" },
    { command: "lrs sweep examples/lr-sweep.lrs --summary", description: "Where the sweep stands, best trial first" }
  ])
)
