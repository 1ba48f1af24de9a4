import { metricsRows, type RunIR } from "@lrs/compiler"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { join } from "node:path"
import { UsageError } from "./errors.ts"

/** One logged column of a run's train rows, and the lr each logged row reports. */
export interface RunTrace {
  readonly ir: RunIR
  /** `column` after `step` updates, from `skip` on, in step order. */
  readonly points: ReadonlyArray<{ readonly step: number; readonly loss: number }>
  /** The `lr` column of every train row (what update `step` used), in step order. */
  readonly loggedLr: ReadonlyArray<{ readonly step: number; readonly lr: number }>
}

/**
 * Reads a run directory's IR and one column of its metrics.jsonl for `lrs fit`. A torn last line
 * (a killed run) is skipped, as `lrs resume` does; every other problem is a usage error that names
 * the file and says what to do.
 */
export const readRunTrace = Effect.fn("readRunTrace")(function*(dir: string, column: string, skip: number) {
  const fs = yield* FileSystem.FileSystem
  const exists = (path: string) => fs.exists(path).pipe(Effect.orElseSucceed(() => false))
  if (!(yield* exists(dir))) {
    return yield* new UsageError({ message: `${dir} does not exist; pass a run directory written by \`lrs run SPEC --out DIR\`` })
  }
  const read = (name: string, missing: string) =>
    fs.readFileString(join(dir, name)).pipe(Effect.mapError(() => new UsageError({ message: `${dir} is not a run directory (cannot read ${name}); ${missing}` })))
  const irFile = join(dir, "ir.json")
  const irText = yield* read("ir.json", "pass the directory `lrs run` wrote (it holds ir.json and metrics.jsonl)")
  const ir = yield* Effect.try({
    try: () => JSON.parse(irText) as RunIR,
    catch: () => new UsageError({ message: `${irFile} is not valid JSON: the run directory is damaged` })
  })
  if (typeof ir.steps !== "number" || typeof ir.optimizer?.lr !== "object") {
    return yield* new UsageError({ message: `${irFile} is not the IR of a run (no steps or optimizer.lr): the run directory is damaged` })
  }
  const metricsFile = join(dir, "metrics.jsonl")
  const text = yield* read("metrics.jsonl", "the run has logged nothing yet")
  const parsed = metricsRows(text)
  if ("badLine" in parsed) return yield* new UsageError({ message: `${metricsFile}:${parsed.badLine} is not JSON: the run directory is damaged` })
  const points: Array<{ step: number; loss: number }> = []
  const loggedLr: Array<{ step: number; lr: number }> = []
  const columns = new Set<string>()
  for (const { line, row } of parsed.rows) {
    const step = row["step"]
    if (row["kind"] !== "train" || typeof step !== "number") continue
    for (const key of Object.keys(row)) if (key !== "kind" && key !== "step") columns.add(key)
    if (typeof row["lr"] === "number") loggedLr.push({ step, lr: row["lr"] })
    if (step < skip || !(column in row)) continue
    const v = row[column]
    // JSON has no NaN or Infinity: the runtime writes a non-finite value as null.
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      return yield* new UsageError({
        message: `${metricsFile}:${line}: \`${column}\` is ${JSON.stringify(v)} at step ${step}; the law is fitted to the log of the loss, so every value must be a positive finite number\n  help: fit the steps after it with --skip ${step + 1}, or another column with --column`
      })
    }
    points.push({ step, loss: v })
  }
  if (points.length === 0 && !columns.has(column)) {
    const logged = [...columns].map((c) => `\`${c}\``).join(", ")
    return yield* new UsageError({
      message: `${metricsFile} has no train rows with \`${column}\` (its columns: ${logged || "none"})\n  help: choose one with --column, or log it in the spec (\`log every 1 steps [${column}]\`) and run it again`
    })
  }
  points.sort((a, b) => a.step - b.step)
  loggedLr.sort((a, b) => a.step - b.step)
  return { ir, points, loggedLr } satisfies RunTrace
})
