import { metricsRows, type RunIR } from "@lrs/compiler"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { readFileSync } from "node:fs"
import { basename, join } from "node:path"
import { lastTaskSteps } from "./streamSteps.ts"

/** What `lrs runs` and `lrs report` know of a run directory. */
/** Whether a larger value of `metric` is better (accuracies, top-5, RL returns) or a smaller one (losses). */
export const higherIsBetter = (metric: string): boolean => /(accuracy|top5|return)$/.test(metric)

/** Whether `a` beats `b` on `metric`. */
export const better = (metric: string, a: number, b: number): boolean => (higherIsBetter(metric) ? a > b : a < b)

/** What a run's `step` column counts, for a chart's x axis: undefined for updates (a supervised run). */
export const stepAxis = (ir: RunIR): string | undefined =>
  ir.rl === undefined ? undefined : ir.rl.clock === "iterations" ? "iterations" : "environment steps"

export interface RunInfo {
  readonly dir: string
  readonly name: string
  readonly ir: RunIR
  /** `finished` (or `stopped` by `until`), `pruned` (stopped by a sweep's prune rule), `running` (its process holds run.lock), `resumable` (a checkpoint to go on from), `crashed` (none). */
  readonly status: "finished" | "stopped" | "pruned" | "running" | "resumable" | "crashed"
  readonly summary: Readonly<Record<string, unknown>> | undefined
  /** Updates done: the summary's, else the last logged step + 1. */
  readonly steps: number
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>
  /** The evaluated split's best accuracy (or lowest loss when accuracy is not evaluated); for a stream, once every task is seen. */
  readonly best: { readonly metric: string; readonly value: number; readonly step: number } | undefined
  readonly resolved: string | undefined
}

/** Whether a process runs: it exists and, where /proc says, is not a zombie (a killed child nobody reaped). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ...", the state after the command's closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return true
  }
}

/** Reads a run directory; undefined when it is not one (no ir.json). */
export const readRun = Effect.fn("readRun")(function*(dir: string) {
  const fs = yield* FileSystem.FileSystem
  const text = (name: string) => fs.readFileString(join(dir, name)).pipe(Effect.orElseSucceed(() => undefined))
  const json = (t: string | undefined): unknown => {
    if (t === undefined) return undefined
    try {
      return JSON.parse(t)
    } catch {
      return undefined
    }
  }
  const ir = json(yield* text("ir.json")) as RunIR | undefined
  if (ir === undefined || typeof ir.steps !== "number") return undefined
  const summary = json(yield* text("summary.json")) as Record<string, unknown> | undefined
  const parsed = metricsRows((yield* text("metrics.jsonl")) ?? "")
  const rows = "rows" in parsed ? parsed.rows.map((r) => r.row) : []
  const lock = Number((yield* text("run.lock"))?.trim())
  const checkpoints = (yield* fs.readDirectory(join(dir, "checkpoints")).pipe(Effect.orElseSucceed(() => [] as Array<string>))).filter((n) => /^step-\d{8}$/.test(n))
  const pruned = (yield* text("pruned.json")) !== undefined
  const status: RunInfo["status"] = summary !== undefined
    ? summary["status"] === "stopped" ? "stopped" : "finished"
    : pruned
    ? "pruned"
    : Number.isInteger(lock) && lock > 0 && alive(lock)
    ? "running"
    : checkpoints.length > 0
    ? "resumable"
    : "crashed"
  const trainSteps = rows.filter((r) => r["kind"] === "train").map((r) => r["step"] as number)
  const steps = typeof summary?.["steps"] === "number" ? summary["steps"] : trainSteps.length === 0 ? 0 : Math.max(...trainSteps) + 1
  const split = ir.evaluation.split
  // A stream's metric is the mean over the tasks seen so far: only once every task is seen (its last
  // task) is it comparable across runs; before, the first task alone would look best.
  const from = ir.stream === undefined || ir.stream.joint ? 0 : ir.steps - lastTaskSteps(ir.stream, ir.steps) + 1
  const evals = rows.filter((r) => r["kind"] === "eval" && r["split"] === split && r["weights"] === undefined && r["task"] === undefined && r["class"] === undefined && (r["step"] as number) >= from)
  const metric = ir.evaluation.metrics.includes("accuracy") ? "accuracy" : "loss"
  let best: RunInfo["best"]
  // An RL run has no evaluation split: its best is the highest mean return of the last 100 episodes.
  if (ir.rl !== undefined) {
    for (const r of rows) {
      const v = r["return"]
      if (r["kind"] === "train" && typeof v === "number" && (best === undefined || v > best.value)) best = { metric: "train.return", value: v, step: r["step"] as number }
    }
  }
  for (const r of ir.rl === undefined ? evals : []) {
    const v = r[metric]
    if (typeof v !== "number") continue
    if (best === undefined || better(metric, v, best.value)) best = { metric: `${split}.${metric}`, value: v, step: r["step"] as number }
  }
  return { dir, name: basename(dir), ir, status, summary, steps, rows, best, resolved: yield* text("resolved.lrs") } satisfies RunInfo
})

/** The run directories directly under `root` (or `root` itself when it is one), by name. */
export const readRuns = Effect.fn("readRuns")(function*(root: string) {
  const fs = yield* FileSystem.FileSystem
  const self = yield* readRun(root)
  if (self !== undefined) return [self]
  const names = (yield* fs.readDirectory(root).pipe(Effect.orElseSucceed(() => [] as Array<string>))).sort()
  const runs: Array<RunInfo> = []
  for (const name of names) {
    const run = yield* readRun(join(root, name))
    if (run !== undefined) runs.push(run)
  }
  return runs
})
