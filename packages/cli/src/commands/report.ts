import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import { Argument, Command, Flag } from "effect/cli"
import { join } from "node:path"
import { RunFailed, UsageError } from "../errors.ts"
import { chartSpec, type Line, renderPng, renderSvg } from "../plot/chart.ts"
import { runCurves, taskBoundaries } from "../plot/run.ts"
import { escapeHtml, type ReportChart, reportHtml } from "../report/html.ts"
import { readRun, stepAxis } from "../runs/read.ts"

const dirs = Argument.String("run").pipe(Argument.withDescription("Run directories; several are overlaid in one chart per curve"), Argument.atLeast(1))

const output = Flag.String("output").pipe(Flag.withAlias("o"), Flag.withDescription("The HTML file to write"), Flag.withMetavar("report.html"), Flag.withDefault("report.html"))

const png = Flag.String("png").pipe(Flag.withDescription("Also write every chart as a PNG file into this directory"), Flag.withMetavar("DIR"), Flag.optional)

/** Curves in reading order: the loss, the lr, other train columns, evaluations, then the rest (curriculum, search, ensemble). */
const rank = (name: string): number =>
  name === "loss" ? 0 : name === "lr" ? 1 : name.startsWith("curriculum.") ? 4 : /^(test|validation)\./.test(name) ? 3 : 2

export const report = Command.make(
  "report",
  { dirs, output, png },
  Effect.fn("lrs.report")(function*({ dirs, output, png }) {
    const runs = []
    for (const dir of dirs) {
      const run = yield* readRun(dir)
      if (run === undefined) return yield* new UsageError({ message: `${dir} is not a run directory (no ir.json)` })
      runs.push({ run, curves: yield* runCurves(dir), boundaries: yield* taskBoundaries(dir) })
    }
    const names = [...new Set(runs.flatMap((r) => [...r.curves.keys()]))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    const charts: Array<ReportChart & { spec: ReturnType<typeof chartSpec> }> = []
    for (const name of names) {
      // A continual stream's task ends are marked in its own colour.
      const lines: Array<Line> = runs.flatMap(({ run, curves, boundaries }) => {
        const c = curves.get(name)
        return c === undefined ? [] : [{ name: run.name, steps: c.steps, values: c.values, boundaries }]
      })
      const steps = Math.max(...runs.map(({ run }) => run.ir.steps))
      // One clock for every run: its name; runs on different clocks: say which counts what.
      const axes = [...new Set(runs.map(({ run }) => stepAxis(run.ir) ?? "updates"))]
      const axis = axes.length === 1 ? (axes[0] === "updates" ? undefined : axes[0]) : `step (${axes.join(" or ")}, by run)`
      const spec = chartSpec(lines, { title: name, steps: steps + 1, log: false, series: "run", measure: name, ...(axis === undefined ? {} : { axis }) })
      const svg = yield* Effect.tryPromise({ try: () => renderSvg(spec), catch: (e) => new RunFailed({ message: `cannot draw ${name}: ${String(e)}` }) })
      charts.push({ name, svg, spec })
    }
    const fs = yield* FileSystem.FileSystem
    const write = (path: string, f: Effect.Effect<void, unknown>) => f.pipe(Effect.mapError(() => new UsageError({ message: `cannot write ${path}` })))
    yield* write(output, fs.writeFileString(output, reportHtml(runs.map((r) => r.run), charts)))
    yield* Console.log(`wrote ${output} (${runs.length} run${runs.length === 1 ? "" : "s"}, ${charts.length} charts)`)
    if (Option.isSome(png)) {
      yield* write(png.value, fs.makeDirectory(png.value, { recursive: true }))
      for (const c of charts) {
        const bytes = yield* Effect.tryPromise({ try: () => renderPng(c.svg), catch: (e) => new RunFailed({ message: `cannot draw ${c.name} as PNG: ${String(e)}` }) })
        const file = join(png.value, `${c.name.replace(/[^A-Za-z0-9._-]+/g, "_")}.png`)
        yield* write(file, fs.writeFile(file, bytes))
      }
      yield* Console.log(`wrote ${charts.length} PNG files to ${escapeHtml(png.value)}`)
    }
  })
).pipe(
  Command.withDescription(
    "Write one self-contained HTML report of one or more runs: each run's summary, final and best metrics and resolved spec, and a chart per logged curve (loss, lr, schedules, signals, evaluations, curriculum, search) with the runs overlaid. No network is needed to open it. --png DIR also writes every chart as a PNG."
  ),
  Command.withExamples([
    { command: "lrs report runs/quickstart-2686e4ccf0", description: "report.html for one run" },
    { command: "lrs report runs/a runs/b -o compare.html --png charts", description: "Two runs overlaid, and the charts as PNGs" }
  ])
)
