import { evaluateSchedule, predictLoss } from "@lrs/compiler"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import { basename } from "node:path"
import { UsageError } from "../errors.ts"
import { readFitFile } from "../fitFile.ts"
import { set, specFile } from "../flags.ts"
import { chartSpec } from "../plot/chart.ts"
import { loadSchedules, noteAdaptive, pick } from "../plot/load.ts"
import { sampleSchedule } from "../plot/sample.ts"
import { chartFormat, writeChart } from "../plot/write.ts"
import { formatValue } from "./schedule.ts"

const fitFile = Flag.String("fit").pipe(Flag.withDescription("The fit to predict with, written by lrs fit"), Flag.withMetavar("fit.json"))

const every = Flag.Int("every").pipe(
  Flag.withDescription("Print the prediction every N steps, and at the last step (default: about 100 rows)"),
  Flag.optional
)

const format = Flag.Literals("format", ["csv", "json"]).pipe(
  Flag.withDescription("csv: `step,predicted_loss` then one row per printed step (17 significant digits); json: one document {fit, steps, rows: [{step, predicted_loss}]}"),
  Flag.withDefault("csv")
)

const output = Flag.String("output").pipe(
  Flag.withAlias("o"),
  Flag.withDescription("Also draw the predicted curve at every step, as SVG or PNG by the extension"),
  Flag.withMetavar("chart.svg|chart.png"),
  Flag.optional
)

/** Rows printed when --every is not given. */
const defaultRows = 100

export const predict = Command.make(
  "predict",
  { spec: specFile, fit: fitFile, every, format, output, set },
  Effect.fn("lrs.predict")(function*({ spec, fit, every, format, output, set }) {
    if (Option.isSome(every) && every.value < 1) return yield* new UsageError({ message: `--every must be a positive number of steps, got ${every.value}` })
    if (Option.isSome(output)) yield* chartFormat(output.value)
    const law = yield* readFitFile(fit)
    const loaded = yield* loadSchedules(spec, set, undefined)
    const lr = yield* pick(spec, loaded.schedules, "optimizer.lr")
    yield* noteAdaptive([lr])
    const n = loaded.steps
    // predicted[s] is the loss after s updates, s = 1..n (the law says nothing at s = 0).
    const predicted = predictLoss(law, Array.from({ length: n }, (_, t) => evaluateSchedule(lr, t)), law.lambda)
    const stride = Option.getOrElse(every, () => Math.max(1, Math.ceil(n / defaultRows)))
    const printed = Array.from({ length: Math.floor(n / stride) }, (_, k) => (k + 1) * stride)
    if (printed[printed.length - 1] !== n) printed.push(n)
    if (format === "json") {
      yield* Console.log(JSON.stringify({ fit, steps: n, rows: printed.map((s) => ({ step: s, predicted_loss: predicted[s]! })) }))
    } else {
      yield* Console.log(["step,predicted_loss", ...printed.map((s) => `${s},${formatValue(predicted[s]!)}`)].join("\n"))
    }
    if (Option.isSome(output)) {
      const sampled = sampleSchedule((s) => predicted[s]!, n + 1, [])
      const line = { name: `predicted loss (fit ${basename(fit)})`, steps: sampled.steps, values: sampled.values, boundaries: [] }
      yield* writeChart(chartSpec([line], { title: `${basename(spec)}: predicted loss, ${n.toLocaleString("en-US")} steps`, steps: n + 1, log: false, series: "curve", measure: "loss" }), output.value)
      yield* Console.error(`wrote ${output.value}`)
    }
    yield* Console.error(`predicted final loss ${predicted[n]!.toPrecision(4)} at step ${n}`)
  })
).pipe(
  Command.withDescription(
    "Predict the loss curve of a spec's lr schedule from a fit of another run of the same model, data and optimizer (lrs fit): the loss after each update by the scaling law of Tissue et al., as CSV (step,predicted_loss) or JSON, optionally drawn as a chart; the predicted final loss is printed on stderr."
  ),
  Command.withExamples([
    { command: "lrs predict wsd.lrs --fit runs/refinement-baseline/fit.json", description: "The loss a WSD schedule would reach, from the baseline's fit" },
    { command: "lrs predict cosine.lrs --fit fit.json --every 1 --format json -o predicted.png", description: "Every step as JSON, and the curve as a chart" }
  ])
)
