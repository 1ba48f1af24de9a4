import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import { spawn } from "node:child_process"
import { metricsRows } from "@lrs/compiler"
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { RunFailed, UsageError } from "../errors.ts"
import { set, specFile } from "../flags.ts"
import { stderrColor } from "../report.ts"
import { type RunInfo, readRun } from "../runs/read.ts"
import { loadSpec } from "../spec.ts"
import { Pruner } from "../sweep/prune.ts"
import { sweepTrials, type Trial } from "../sweep/trials.ts"

const parallel = Flag.Int("parallel").pipe(Flag.withDescription("Trials run at once, each in its own process (default: the machine's cores)"), Flag.optional)
const backend = Flag.Literals("backend", ["auto", "gpu", "wasm", "cpu"]).pipe(Flag.withDescription("Compute backend of every trial"), Flag.withDefault("auto"))
const runs = Flag.String("runs").pipe(Flag.withDescription("Parent directory of the sweep's folder (default: runs)"), Flag.withDefault("runs"))
const summaryOnly = Flag.Boolean("summary").pipe(Flag.withDescription("Print the table of trials (best first) without running anything"), Flag.withDefault(false))

const bin = fileURLToPath(new URL("../bin.ts", import.meta.url))

/** What a trial needs: nothing (finished, or running in another process), a resume (a checkpoint to go on from), or a run from the start. */
const nextAction = (info: RunInfo | undefined): "skip" | "busy" | "resume" | "run" =>
  info === undefined
    ? "run"
    : info.status === "finished" || info.status === "stopped" || info.status === "pruned"
    ? "skip"
    : info.status === "running"
    ? "busy"
    : info.status === "resumable"
    ? "resume"
    : "run"

/**
 * Runs one trial in a child `lrs` process, its output in `<trial>.log`; resolves with the exit code.
 * `judge` sees the trial's metrics rows as they are written (every 250 ms) and may stop it: then
 * `pruned.json` records why and the code is `"pruned"`.
 */
const runTrial = (
  spec: string,
  trial: Trial,
  action: "run" | "resume",
  backend: string,
  sets: ReadonlyArray<string>,
  judge: (rows: ReadonlyArray<Readonly<Record<string, unknown>>>) => object | undefined
) =>
  Effect.callback<number | "pruned">((resume) => {
    const log = openSync(`${trial.dir}.log`, "a")
    const args = action === "resume"
      ? [bin, "resume", trial.dir, "--backend", backend, "--threads", "1"]
      : [bin, "run", spec, "--trial", String(trial.index), "--out", trial.dir, "--backend", backend, "--threads", "1", ...sets.flatMap((s) => ["--set", s])]
    // Children share the sweep's process group: stopping the sweep (Ctrl-C, a kill of the group) stops them.
    const child = spawn(process.execPath, args, { stdio: ["ignore", log, log] })
    let pruned = false
    const watch = setInterval(() => {
      let text: string
      try {
        text = readFileSync(join(trial.dir, "metrics.jsonl"), "utf8")
      } catch {
        return
      }
      const parsed = metricsRows(text)
      const verdict = "rows" in parsed ? judge(parsed.rows.map((r) => r.row)) : undefined
      if (verdict !== undefined && !pruned) {
        pruned = true
        writeFileSync(join(trial.dir, "pruned.json"), JSON.stringify(verdict) + "\n")
        child.kill("SIGTERM")
      }
    }, 250)
    child.on("exit", (code) => {
      clearInterval(watch)
      closeSync(log)
      resume(Effect.succeed(pruned ? "pruned" : code ?? 1))
    })
    return Effect.sync(() => {
      clearInterval(watch)
      child.kill("SIGTERM")
    })
  })

const cell = (r: RunInfo | undefined): string => (r?.best === undefined ? "-" : `${r.best.metric} ${r.best.value.toFixed(4)}`)

/** The trials, best first (by the evaluated metric), as an aligned table. */
const summaryTable = (trials: ReadonlyArray<Trial>, infos: ReadonlyArray<RunInfo | undefined>): string => {
  const order = trials.map((t, i) => ({ t, info: infos[i] })).sort((a, b) => {
    const va = a.info?.best
    const vb = b.info?.best
    if (va === undefined || vb === undefined) return va === undefined ? (vb === undefined ? a.t.index - b.t.index : 1) : -1
    return va.metric.endsWith("accuracy") ? vb.value - va.value : va.value - vb.value
  })
  const rows = [["trial", "sets", "status", "steps", "best"], ...order.map(({ t, info }) => [String(t.index), t.assignments.map((a) => `${a.name}=${a.value}`).join(" "), info?.status ?? "not started", info === undefined ? "-" : `${info.steps}/${info.ir.steps}`, cell(info)])]
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows.map((r) => r.map((x, c) => (c === r.length - 1 ? x : x.padEnd(widths[c]!))).join("  ")).join("\n")
}

export const sweep = Command.make(
  "sweep",
  { spec: specFile, parallel, backend, runs, set, summary: summaryOnly },
  Effect.fn("lrs.sweep")(function*({ spec, parallel, backend, runs, set, summary }) {
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
    if (pruner !== undefined) before.forEach((info, i) => info !== undefined && pruner.report(trials[i]!.index, info.rows, info.ir.steps))
    let done = trials.length - todo.length
    let failed = 0
    let prunedCount = 0
    let best: (NonNullable<RunInfo["best"]> & { readonly trial: number }) | undefined
    const one = Effect.fnUntraced(function*({ t, action }: { t: Trial; action: "run" | "resume" }) {
      // A run that died before its first checkpoint starts again from scratch.
      if (action === "run") yield* fs.remove(t.dir, { recursive: true }).pipe(Effect.ignore)
      const code = yield* runTrial(spec, t, action, backend, set, (rows) => pruner?.report(t.index, rows, base.ir.steps))
      const info = yield* readRun(t.dir)
      if (code === 0 && info?.best !== undefined && (best === undefined || (info.best.metric.endsWith("accuracy") ? info.best.value > best.value : info.best.value < best.value))) {
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
    "Run every trial of a spec's sweep, each a normal run directory under runs/<experiment>-sweep/ named by what it sets, --parallel at a time in their own processes. Rerun the same command after a kill: finished trials are skipped and interrupted ones resume from their last checkpoint. --summary prints the table of trials, best first."
  ),
  Command.withExamples([
    { command: "lrs sweep examples/lr-sweep.lrs --parallel 2", description: "The ten trials of the lr sweep, two at a time" },
    { command: "lrs sweep examples/lr-sweep.lrs --summary", description: "Where the sweep stands, best trial first" }
  ])
)
