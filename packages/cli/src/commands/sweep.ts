import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import { spawn } from "node:child_process"
import { closeSync, openSync } from "node:fs"
import { availableParallelism } from "node:os"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { RunFailed, UsageError } from "../errors.ts"
import { set, specFile } from "../flags.ts"
import { stderrColor } from "../report.ts"
import { type RunInfo, readRun } from "../runs/read.ts"
import { loadSpec } from "../spec.ts"
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
    : info.status === "finished" || info.status === "stopped"
    ? "skip"
    : info.status === "running"
    ? "busy"
    : info.status === "resumable"
    ? "resume"
    : "run"

/** Runs one trial in a child `lrs` process, its output in `<trial>.log`; resolves with the exit code. */
const runTrial = (spec: string, trial: Trial, action: "run" | "resume", backend: string, sets: ReadonlyArray<string>) =>
  Effect.callback<number>((resume) => {
    const log = openSync(`${trial.dir}.log`, "a")
    const args = action === "resume"
      ? [bin, "resume", trial.dir, "--backend", backend, "--threads", "1"]
      : [bin, "run", spec, "--trial", String(trial.index), "--out", trial.dir, "--backend", backend, "--threads", "1", ...sets.flatMap((s) => ["--set", s])]
    // Children share the sweep's process group: stopping the sweep (Ctrl-C, a kill of the group) stops them.
    const child = spawn(process.execPath, args, { stdio: ["ignore", log, log] })
    child.on("exit", (code) => {
      closeSync(log)
      resume(Effect.succeed(code ?? 1))
    })
    return Effect.sync(() => void child.kill("SIGTERM"))
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
    yield* Console.log(`sweep ${root}: ${trials.length} trials, ${trials.length - todo.length} finished already, ${todo.length} to run, ${Math.min(n, Math.max(todo.length, 1))} at a time`)
    let done = trials.length - todo.length
    let failed = 0
    let best: (NonNullable<RunInfo["best"]> & { readonly trial: number }) | undefined
    const one = Effect.fnUntraced(function*({ t, action }: { t: Trial; action: "run" | "resume" }) {
      // A run that died before its first checkpoint starts again from scratch.
      if (action === "run") yield* fs.remove(t.dir, { recursive: true }).pipe(Effect.ignore)
      const code = yield* runTrial(spec, t, action, backend, set)
      const info = yield* readRun(t.dir)
      if (code === 0 && info?.best !== undefined && (best === undefined || (info.best.metric.endsWith("accuracy") ? info.best.value > best.value : info.best.value < best.value))) {
        best = { ...info.best, trial: t.index }
      }
      if (code === 0) done++
      else failed++
      const sets = t.assignments.map((a) => `${a.name}=${a.value}`).join(" ")
      yield* Console.log(`trial ${t.index} (${sets}) ${code === 0 ? `done: ${cell(info)}` : `FAILED (exit ${code}; see ${t.dir}.log)`}  [${done}/${trials.length} done, ${failed} failed${best === undefined ? "" : `; best ${best.metric} ${best.value.toFixed(4)} (trial ${best.trial})`}]`)
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
