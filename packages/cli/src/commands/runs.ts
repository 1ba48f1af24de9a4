import { diffRuns } from "@lrs/compiler"
import { runId } from "@lrs/runtime/identity"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { Argument, Command, Flag } from "effect/cli"
import { UsageError } from "../errors.ts"
import { type RunInfo, readRun, readRuns } from "../runs/read.ts"

const dirs = Argument.String("dir").pipe(Argument.withDescription("A directory of runs (default: runs) or one run directory; with --diff, the two runs to compare"), Argument.atLeast(0))

const diffFlag = Flag.Boolean("diff").pipe(
  Flag.withDescription("Compare two run directories, A and B: what their specs run differently, and their final metrics"),
  Flag.withDefault(false)
)

const format = Flag.Literals("format", ["table", "json"]).pipe(Flag.withDescription("table: aligned columns; json: one document"), Flag.withDefault("table"))

const seconds = (s: unknown): string => (typeof s !== "number" ? "-" : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${s.toFixed(1)}s`)

/** The columns of `lrs runs`, one row per run. */
const tableRow = (r: RunInfo): Array<string> => [
  r.name,
  runId(r.ir),
  r.status,
  `${r.steps}/${r.ir.steps}`,
  r.best === undefined ? "-" : `${r.best.metric} ${r.best.value.toFixed(4)} @${r.best.step}`,
  seconds(r.summary?.["wallSeconds"]),
  typeof r.summary?.["backend"] === "string" ? r.summary["backend"] : "-"
]

const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ")).join("\n")
}

/** Final metrics: the summary's, or for a run without one its last evaluation. */
const finalMetrics = (r: RunInfo): Record<string, number> => {
  const out: Record<string, number> = {}
  const final = r.summary?.["final"] as Record<string, Record<string, number>> | undefined
  if (final !== undefined) {
    for (const [split, metrics] of Object.entries(final)) for (const [k, v] of Object.entries(metrics)) out[`${split}.${k}`] = v
    return out
  }
  const last = r.rows.filter((row) => row["kind"] === "eval").at(-1)
  if (last !== undefined) for (const [k, v] of Object.entries(last)) if (typeof v === "number" && k !== "step") out[`${String(last["split"])}.${k}`] = v
  return out
}

export const runs = Command.make(
  "runs",
  { dirs, diff: diffFlag, format },
  Effect.fn("lrs.runs")(function*({ dirs, diff, format }) {
    if (diff) {
      const [a, b, ...rest] = dirs
      if (a === undefined || b === undefined || rest.length > 0) return yield* new UsageError({ message: `--diff compares two run directories: lrs runs --diff A B (got ${dirs.length})` })
      const left = yield* readRun(a)
      const right = yield* readRun(b)
      if (left === undefined || right === undefined) return yield* new UsageError({ message: `${left === undefined ? a : b} is not a run directory (no ir.json)` })
      const differences = diffRuns(left.ir, right.ir)
      const ma = finalMetrics(left)
      const mb = finalMetrics(right)
      if (format === "json") {
        yield* Console.log(JSON.stringify({ spec: differences, metrics: Object.fromEntries([...new Set([...Object.keys(ma), ...Object.keys(mb)])].map((k) => [k, { a: ma[k] ?? null, b: mb[k] ?? null }])) }))
        return
      }
      // A long value (a refined schedule's table) is cut: `lrs resolve` prints it whole.
      const shown = (v: string | undefined) => (v === undefined ? "(absent)" : v.length > 240 ? `${v.slice(0, 240)}... (${v.length} characters)` : v)
      yield* Console.log(differences.length === 0 ? "the specs run the same" : differences.map((d) => `${d.path}:\n  - ${shown(d.left)}\n  + ${shown(d.right)}`).join("\n"))
      const keys = [...new Set([...Object.keys(ma), ...Object.keys(mb)])]
      const cell = (v: number | undefined) => (v === undefined ? "-" : v.toFixed(4))
      const delta = (k: string) => (ma[k] === undefined || mb[k] === undefined ? "" : `${mb[k]! - ma[k]! >= 0 ? "+" : ""}${(mb[k]! - ma[k]!).toFixed(4)}`)
      yield* Console.log("\n" + table([["metric", left.name, right.name, "difference"], ...keys.map((k) => [k, cell(ma[k]), cell(mb[k]), delta(k)])]))
      return
    }
    if (dirs.length > 1) return yield* new UsageError({ message: `lrs runs lists one directory of runs; to compare two runs: lrs runs --diff ${dirs.slice(0, 2).join(" ")}` })
    const root = dirs[0] ?? "runs"
    const all = yield* readRuns(root)
    if (format === "json") {
      yield* Console.log(JSON.stringify(all.map((r) => ({ name: r.name, id: runId(r.ir), status: r.status, steps: r.steps, budget: r.ir.steps, best: r.best ?? null, wallSeconds: r.summary?.["wallSeconds"] ?? null, backend: r.summary?.["backend"] ?? null, dir: r.dir }))))
      return
    }
    if (all.length === 0) {
      yield* Console.log(`no runs in ${root}`)
      return
    }
    yield* Console.log(table([["name", "id", "status", "steps", "best", "wall", "backend"], ...all.map(tableRow)]))
  })
).pipe(
  Command.withDescription(
    "List run directories: name, id, status (finished, stopped, running, resumable, crashed), steps done of the budget, the best evaluation (accuracy, else loss), wall time, backend. --diff A B compares two runs: how their specs differ and their final metrics side by side."
  ),
  Command.withExamples([
    { command: "lrs runs", description: "Every run under runs/" },
    { command: "lrs runs --diff runs/a-123 runs/b-456", description: "What two runs did differently, and what came of it" }
  ])
)
