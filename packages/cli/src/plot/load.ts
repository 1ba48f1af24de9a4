import { closest, compileSchedules, type PlateauIR, type ScheduleIR } from "@lrs/compiler"
import { plateausIn } from "@lrs/runtime/replay"
import { formatSpan, renderDiagnostic } from "@lrs/dsl"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { SpecInvalid, UsageError } from "../errors.ts"
import { report, stderrColor } from "../report.ts"
import { fileHost, parseSets } from "../spec.ts"

/** What `lrs schedule` and `lrs plot` work on: a file's schedules by name, and the steps to evaluate them over. */
export interface Schedules {
  readonly schedules: ReadonlyMap<string, ScheduleIR>
  readonly steps: number
}

/**
 * Reads a spec or a schedule file and compiles its schedules over `steps` (default: the spec's
 * budget). Problems are printed as `lrs check` prints them (source excerpts on stderr) and an
 * invalid file fails with SpecInvalid (exit 1); warnings are printed and the schedules returned.
 */
export const loadSchedules = Effect.fn("loadSchedules")(function*(file: string, sets: ReadonlyArray<string>, steps: number | undefined) {
  if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) {
    return yield* new UsageError({ message: `--steps must be a positive whole number of steps, got ${steps}` })
  }
  const fs = yield* FileSystem.FileSystem
  const overrides = yield* parseSets(sets)
  const text = yield* fs.readFileString(file).pipe(
    Effect.mapError((e) => new UsageError({ message: `cannot read ${file}: ${e.message}` }))
  )
  const set = compileSchedules(text, { file, overrides, host: fileHost, ...(steps === undefined ? {} : { steps }) })
  const color = stderrColor()
  if (set.schedules === undefined || set.steps === undefined) {
    yield* report(file, { diagnostics: set.diagnostics, sources: set.sources }, { format: "human", json: "stderr", color })
    return yield* new SpecInvalid({ errors: set.diagnostics.filter((d) => d.severity === "error").length })
  }
  // Warnings only: printed as `report` prints them, without its `N errors` line.
  for (const d of set.diagnostics) yield* Console.error(renderDiagnostic(d, set.sources, { color }) + "\n")
  return { schedules: set.schedules, steps: set.steps } satisfies Schedules
})

const list = (names: Iterable<string>) => [...names].map((n) => `\`${n}\``).join(", ")

/** The schedule called `name`, or a usage error that names the closest one and lists them all. */
export const pick = (file: string, schedules: ReadonlyMap<string, ScheduleIR>, name: string): Effect.Effect<ScheduleIR, UsageError> => {
  const found = schedules.get(name)
  if (found !== undefined) return Effect.succeed(found)
  if (schedules.size === 0) return Effect.fail(new UsageError({ message: `${file} defines no schedule` }))
  const near = closest(name, schedules.keys())
  const hint = near.length > 0 ? `; did you mean \`${near[0]}\`?` : ""
  return Effect.fail(new UsageError({ message: `${file} has no schedule named \`${name}\`${hint} (its schedules: ${list(schedules.keys())})` }))
}

/** The one schedule of a file when `--name` is not given; with several, a usage error that lists them. */
export const only = (file: string, schedules: ReadonlyMap<string, ScheduleIR>): Effect.Effect<[string, ScheduleIR], UsageError> => {
  const all = [...schedules]
  if (all.length === 1) return Effect.succeed(all[0]!)
  if (all.length === 0) return Effect.fail(new UsageError({ message: `${file} defines no schedule` }))
  return Effect.fail(new UsageError({ message: `${file} has ${all.length} schedules; choose one with --name: ${list(schedules.keys())}` }))
}

/** The first `plateau` node of these schedules: its reductions depend on the run. */
export const firstPlateau = (irs: ScheduleIR | ReadonlyArray<ScheduleIR>): PlateauIR | undefined =>
  ("kind" in irs ? [irs] : irs).flatMap((ir) => plateausIn(ir))[0]

/** Says on stderr that a `plateau` is shown before any reduction: what it reduces depends on the run. */
export const noteAdaptive = Effect.fn("noteAdaptive")(function*(irs: ReadonlyArray<ScheduleIR>) {
  const found = firstPlateau(irs)
  if (found === undefined) return
  yield* Console.error(`note: the plateau at ${formatSpan(found.span)} is shown before any reduction; when it reduces depends on what the run observes`)
})
