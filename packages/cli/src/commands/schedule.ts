import { evaluateSchedule } from "@lrs/compiler"
import { observationsOf, replaySchedule } from "@lrs/runtime/replay"
import * as FileSystem from "effect/FileSystem"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import { UsageError } from "../errors.ts"
import { set, specFile } from "../flags.ts"
import { loadSchedules, noteAdaptive, only, pick } from "../plot/load.ts"

const name = Flag.String("name").pipe(
  Flag.withDescription("Which schedule: a name in the file, or optimizer.lr, optimizer.momentum, ... in a spec (may be left out when there is only one)"),
  Flag.optional
)

export const steps = Flag.Int("steps").pipe(
  Flag.withDescription("Evaluate steps 0..N-1 (default: the spec's budget; a file of schedules alone needs it)"),
  Flag.optional
)

const output = Flag.Literals("format", ["csv", "json"]).pipe(
  Flag.withDescription("csv: `step,value` then one row per step, values with 17 significant digits (they read back exactly); json: one document {name, steps, values}"),
  Flag.withDefault("csv")
)

const signals = Flag.String("signals").pipe(
  Flag.withDescription("Replay a run's metrics.jsonl through the schedule's adaptive parts (plateau): the values it would have produced with those observations"),
  Flag.optional
)

/** 17 significant digits: always enough to read the same double back (`Number(s) === v`). */
export const formatValue = (v: number): string => v.toPrecision(17)

/** Rows per write: a million steps are printed without building one huge string. */
const chunk = 8192

export const schedule = Command.make(
  "schedule",
  { spec: specFile, name, steps, set, format: output, signals },
  Effect.fn("lrs.schedule")(function*({ spec, name, steps, set, format, signals }) {
    const loaded = yield* loadSchedules(spec, set, Option.getOrUndefined(steps))
    const [chosen, ir] = Option.isSome(name)
      ? [name.value, yield* pick(spec, loaded.schedules, name.value)] as const
      : yield* only(spec, loaded.schedules)
    const n = loaded.steps
    let valueAt = (t: number) => evaluateSchedule(ir, t)
    if (Option.isSome(signals)) {
      const file = signals.value
      const text = yield* (yield* FileSystem.FileSystem).readFileString(file).pipe(
        Effect.mapError((e) => new UsageError({ message: `cannot read ${file}: ${e.message}` }))
      )
      const trace = observationsOf(text)
      if ("bad" in trace) return yield* new UsageError({ message: `${file}: ${trace.bad}; --signals takes a run's metrics.jsonl` })
      const replayed = replaySchedule(ir, n, trace.observations)
      valueAt = (t) => replayed[t]!
    } else {
      yield* noteAdaptive([ir])
    }
    if (format === "json") {
      const values = Array.from({ length: n }, (_, t) => valueAt(t))
      // JSON numbers are written as the shortest text that reads back as the same double; a
      // non-finite value (a division by zero) has no JSON number and is written as null.
      yield* Console.log(JSON.stringify({ name: chosen, steps: n, values }))
      return
    }
    yield* Console.log("step,value")
    for (let start = 0; start < n; start += chunk) {
      const rows: Array<string> = []
      for (let t = start; t < Math.min(start + chunk, n); t++) rows.push(`${t},${formatValue(valueAt(t))}`)
      yield* Console.log(rows.join("\n"))
    }
  })
).pipe(
  Command.withDescription(
    "Print a schedule's value at every step 0..N-1, as CSV (step,value; 17 significant digits) or JSON. Evaluates one of a spec's schedules (or optimizer.lr, ...) over its budget, or a schedule of a file that holds only params and schedules over --steps."
  ),
  Command.withExamples([
    { command: "lrs schedule examples/quickstart.lrs --name lr", description: "The quickstart's learning rate at each of its 3000 steps" },
    { command: "lrs schedule schedules.lrs --name warm --steps 1000 --format json", description: "A schedule of a file of schedules, over 1000 steps" },
    { command: "lrs schedule spec.lrs --name optimizer.lr --signals runs/spec-abc/metrics.jsonl", description: "What a plateau lr would have done with the signals that run recorded" }
  ])
)
