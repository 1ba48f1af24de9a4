import { evaluateSchedule, type ScheduleIR } from "@lrs/compiler"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import { basename } from "node:path"
import { UsageError } from "../errors.ts"
import { readRun, stepAxis } from "../runs/read.ts"
import { set, specFile } from "../flags.ts"
import { phaseBoundaries } from "../plot/boundaries.ts"
import { chartSpec, type Line } from "../plot/chart.ts"
import { loadSchedules, noteAdaptive, pick } from "../plot/load.ts"
import { runCurves, runLines, taskBoundaries } from "../plot/run.ts"
import { sampleSchedule } from "../plot/sample.ts"
import { chartFormat, writeChart } from "../plot/write.ts"
import { steps } from "./schedule.ts"

const names = Flag.String("name").pipe(
  Flag.withDescription("Only these schedules, comma-separated (e.g. lr,optimizer.beta1); default: every schedule of the file and every optimizer setting that changes"),
  Flag.withMetavar("a,b"),
  Flag.optional
)

const log = Flag.Boolean("log").pipe(
  Flag.withDescription("Log scale on the value axis (every value drawn must be positive)"),
  Flag.withDefault(false)
)

const output = Flag.String("output").pipe(
  Flag.withAlias("o"),
  Flag.withDescription("Where to write the chart; .svg or .png, by its extension"),
  Flag.withMetavar("chart.svg|chart.png")
)

/** A schedule's structure without its source spans: two names for the same curve draw one line. */
const shape = (ir: ScheduleIR): string => JSON.stringify(ir, (k, v) => (k === "span" ? undefined : v))

export const plot = Command.make(
  "plot",
  { spec: specFile, names, steps, set, log, output },
  Effect.fn("lrs.plot")(function*({ spec, names, steps, set, log, output }) {
    yield* chartFormat(output)
    const fs = yield* FileSystem.FileSystem
    const kind = yield* fs.stat(spec).pipe(Effect.map((info) => info.type), Effect.orElseSucceed(() => undefined))
    if (kind === "Directory") {
      // A run directory: what it logged, against steps.
      const curves = yield* runCurves(spec)
      const lines = yield* runLines(spec, curves, Option.isSome(names) ? names.value.split(",").map((n) => n.trim()).filter((n) => n !== "") : undefined, yield* taskBoundaries(spec))
      if (log) {
        const bad = lines.find((l) => l.values.some((v) => !(v > 0)))
        if (bad !== undefined) return yield* new UsageError({ message: `--log draws positive values only, and \`${bad.name}\` has values that are not; plot it without --log` })
      }
      const last = Math.max(...lines.flatMap((l) => l.steps)) + 1
      const run = yield* readRun(spec)
      const axis = run === undefined ? undefined : stepAxis(run.ir)
      yield* writeChart(chartSpec(lines, { title: `${basename(spec)}: logged values`, steps: last, log, series: "logged", ...(axis === undefined ? {} : { axis }) }), output)
      yield* Console.log(`wrote ${output}`)
      return
    }
    const loaded = yield* loadSchedules(spec, set, Option.getOrUndefined(steps))
    // By default a constant optimizer setting (beta2 = 0.999) is left out: it would only squash the scheduled lines.
    const wanted = Option.isSome(names)
      ? names.value.split(",").map((n) => n.trim()).filter((n) => n !== "")
      : [...loaded.schedules].filter(([n, ir]) => !(n.startsWith("optimizer.") && ir.kind === "constant")).map(([n]) => n)
    if (wanted.length === 0) return yield* new UsageError({ message: `${spec} defines no schedule to plot` })
    // Names for the same curve (`lr` and `optimizer.lr = lr`) share one line: `lr = optimizer.lr`.
    const groups = new Map<string, { names: Array<string>; ir: ScheduleIR }>()
    for (const n of wanted) {
      const ir = yield* pick(spec, loaded.schedules, n)
      const key = shape(ir)
      const group = groups.get(key)
      if (group === undefined) groups.set(key, { names: [n], ir })
      else if (!group.names.includes(n)) group.names.push(n)
    }
    const n = loaded.steps
    yield* noteAdaptive([...groups.values()].map((g) => g.ir))
    const lines: Array<Line> = []
    for (const { names: label, ir } of groups.values()) {
      const boundaries = phaseBoundaries(ir, n)
      const sampled = sampleSchedule((t) => evaluateSchedule(ir, t), n, boundaries.at)
      const name = label.join(" = ")
      if (log && sampled.nonPositive !== undefined) {
        const { step, value } = sampled.nonPositive
        return yield* new UsageError({
          message: `--log draws positive values only, but \`${label[0]}\` is ${value} at step ${step}; plot it without --log${groups.size > 1 ? ", or leave it out with --name" : ""}`
        })
      }
      // Dozens of rules would hide the lines: past 64, only the line shows the phases.
      lines.push({ name, steps: sampled.steps, values: sampled.values, boundaries: boundaries.at.length > 64 ? [] : boundaries.at })
    }
    const chart = chartSpec(lines, { title: `${basename(spec)}, ${n.toLocaleString("en-US")} steps`, steps: n, log })
    yield* writeChart(chart, output)
    yield* Console.log(`wrote ${output}`)
  })
).pipe(
  Command.withDescription(
    "Draw a file's schedules against steps (one line each, phase boundaries as dashed rules) and write the chart as SVG or PNG (-o chart.svg / chart.png). A spec's schedules are drawn over its budget, a file of schedules over --steps; long schedules are downsampled to ~2,000 points a line without losing jumps or spikes. Given a run directory, it draws what the run logged instead (--name lr,curriculum.fraction,test.accuracy; default: the lr and the curriculum's curves)."
  ),
  Command.withExamples([
    { command: "lrs plot examples/quickstart.lrs --name lr -o lr.png", description: "The quickstart's learning rate" },
    { command: "lrs plot schedules.lrs --steps 100000 --log -o schedules.svg", description: "Every schedule of a file of schedules, log scale" },
    { command: "lrs plot runs/bandit-curriculum-abc --name curriculum.p0,curriculum.p3 -o arms.png", description: "A run's logged arm probabilities against steps" }
  ])
)
