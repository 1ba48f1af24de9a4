import { metricsRows } from "@lrs/compiler"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { join } from "node:path"
import { UsageError } from "../errors.ts"
import type { Line } from "./chart.ts"
import { type StreamSteps, streamTaskEnds } from "../runs/streamSteps.ts"

/** Columns that are not curves: the row's kind and step, and the evaluation's split and weights. */
const notCurves = new Set(["kind", "step", "split", "weights", "task", "class"])

/**
 * The curves a run logged, by name: every numeric column of its train rows (`lr`, `loss`, named
 * schedules, signals, `curriculum.fraction`, ...) against their steps, and its evaluations as
 * `<split>.<metric>` (`test.average.accuracy` for averaged weights, `test.task2.accuracy` for a
 * stream's task 2).
 */
export const runCurves = Effect.fn("runCurves")(function*(dir: string) {
  const fs = yield* FileSystem.FileSystem
  const file = join(dir, "metrics.jsonl")
  const text = yield* fs.readFileString(file).pipe(Effect.mapError(() => new UsageError({ message: `${dir} is not a run directory (cannot read metrics.jsonl)` })))
  const parsed = metricsRows(text)
  if ("badLine" in parsed) return yield* new UsageError({ message: `${file}:${parsed.badLine} is not JSON: the run directory is damaged` })
  const curves = new Map<string, { steps: Array<number>; values: Array<number> }>()
  for (const { row } of parsed.rows) {
    const step = row["step"]
    if (typeof step !== "number" || (row["kind"] !== "train" && row["kind"] !== "eval")) continue
    const prefix = row["kind"] === "eval"
      ? `${String(row["split"])}.${typeof row["task"] === "number" ? `task${row["task"]}.` : ""}${typeof row["class"] === "number" ? `class${row["class"]}.` : ""}${row["weights"] === "average" ? "average." : ""}`
      : ""
    for (const [key, value] of Object.entries(row)) {
      if (notCurves.has(key) || typeof value !== "number") continue
      const name = prefix + key
      const curve = curves.get(name) ?? { steps: [], values: [] }
      curve.steps.push(step)
      curve.values.push(value)
      curves.set(name, curve)
    }
  }
  return curves
})

/** The steps a continual stream's tasks end at (drawn as rules), from the run's ir.json. */
export const taskBoundaries = Effect.fn("taskBoundaries")(function*(dir: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(join(dir, "ir.json")).pipe(Effect.orElseSucceed(() => "{}"))
  try {
    const ir = JSON.parse(text) as { steps?: number; stream?: StreamSteps }
    // A SCoLe sequence's hundreds of short tasks would hide the curves behind their rules.
    if (ir.stream === undefined || typeof ir.steps !== "number" || ir.stream.tasks?.kind === "scole") return []
    return streamTaskEnds(ir.stream, ir.steps).slice(0, -1)
  } catch {
    return []
  }
})

/** The lines to draw: the named curves, or by default the lr and every curriculum curve; a stream's task ends are marked. */
export const runLines = (dir: string, curves: ReadonlyMap<string, { steps: Array<number>; values: Array<number> }>, names: ReadonlyArray<string> | undefined, boundaries: ReadonlyArray<number> = []) => {
  const wanted = names ?? [...curves.keys()].filter((n) => n === "lr" || n.startsWith("curriculum."))
  const lines: Array<Line> = []
  for (const name of wanted) {
    const curve = curves.get(name)
    if (curve === undefined) {
      return Effect.fail(new UsageError({ message: `${dir} logged no \`${name}\` (it logged: ${[...curves.keys()].map((k) => `\`${k}\``).join(", ")})` }))
    }
    lines.push({ name, steps: curve.steps, values: curve.values, boundaries: lines.length === 0 ? boundaries : [] })
  }
  if (lines.length === 0) return Effect.fail(new UsageError({ message: `${dir}: choose the curves with --name (it logged: ${[...curves.keys()].join(", ")})` }))
  return Effect.succeed(lines)
}
