import { evaluateSchedule, fitLossCurve } from "@lrs/compiler"
import { formatSpan } from "@lrs/dsl"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import { Argument, Command, Flag } from "effect/cli"
import { join } from "node:path"
import { UsageError } from "../errors.ts"
import { type FitFile, lawName } from "../fitFile.ts"
import { firstPlateau } from "../plot/load.ts"
import { readRunTrace } from "../runDir.ts"

const runDir = Argument.String("run").pipe(Argument.withDescription("The run directory to fit (written by lrs run; best logged at every step: `log every 1 steps`)"))

const output = Flag.String("output").pipe(
  Flag.withAlias("o"),
  Flag.withDescription("Where to write the fit (default: RUN_DIR/fit.json)"),
  Flag.withMetavar("fit.json"),
  Flag.optional
)

const lambda = Flag.Finite("lambda").pipe(
  Flag.withDescription("How slowly a fall of the lr takes effect: the decay of the annealing momentum, 0 <= lambda < 1 (the paper's 0.999)"),
  Flag.withDefault(0.999)
)

const column = Flag.String("column").pipe(
  Flag.withDescription("The logged column to fit: loss (the batch loss), or a logged signal such as ema(loss, 0.99)"),
  Flag.withDefault("loss")
)

const skip = Flag.Int("skip").pipe(
  Flag.withDescription("Leave out the rows of the first N steps (a transient at the start that the law does not describe)"),
  Flag.withDefault(0)
)

/** Fewer points than this leave four parameters barely determined. */
const minPoints = 8

const fmt = (v: number) => v.toPrecision(4)

export const fit = Command.make(
  "fit",
  { run: runDir, output, lambda, column, skip },
  Effect.fn("lrs.fit")(function*({ run, output, lambda, column, skip }) {
    if (!(lambda >= 0 && lambda < 1)) return yield* new UsageError({ message: `--lambda must be in [0, 1), got ${lambda}` })
    if (skip < 0) return yield* new UsageError({ message: `--skip must be a number of steps >= 0, got ${skip}` })
    const { ir, points, loggedLr } = yield* readRunTrace(run, column, skip)
    const metricsFile = join(run, "metrics.jsonl")
    // Step 0 is before any update: the law has S1 = 0 there and says nothing.
    const usable = points.filter((p) => p.step > 0)
    if (usable.length < minPoints) {
      return yield* new UsageError({
        message: `${metricsFile} has \`${column}\` at ${usable.length} step${usable.length === 1 ? "" : "s"} from step ${Math.max(skip, 1)} on; the fit needs at least ${minPoints}\n  help: log more often (\`log every 1 steps\`)${skip > 0 ? " or lower --skip" : ""}`
      })
    }
    const plateau = firstPlateau(ir.optimizer.lr)
    let lrs: Array<number>
    if (plateau === undefined) {
      lrs = Array.from({ length: ir.steps }, (_, t) => evaluateSchedule(ir.optimizer.lr, t))
    } else {
      // What a plateau reduced depends on the run: take the lr it logged, held between logged rows.
      yield* Console.error(`note: the lr has a plateau (${formatSpan(plateau.span)}), so the fit uses the lr the run logged, held constant between logged rows`)
      const last = usable[usable.length - 1]!.step
      lrs = []
      let k = 0
      for (let t = 0; t < last; t++) {
        while (k + 1 < loggedLr.length && loggedLr[k + 1]!.step <= t) k++
        lrs.push(loggedLr[k]?.lr ?? Number.NaN)
      }
      if (lrs.some((v) => !Number.isFinite(v))) {
        return yield* new UsageError({ message: `${metricsFile} does not log the lr as a finite number at every logged row; the lr of a plateau can only be read from it` })
      }
    }
    const result = yield* Effect.try({
      try: () => fitLossCurve(usable, lrs, lambda),
      catch: (e) => new UsageError({ message: `cannot fit ${run}: ${e instanceof Error ? e.message : String(e)}` })
    })
    const { L0, A, alpha, C } = result.params
    const doc: FitFile = { law: lawName, lambda, L0, A, alpha, C, fittedOn: run, column, points: result.points, rmseLog: result.rmseLog, r2Log: result.r2Log }
    const path = Option.getOrElse(output, () => join(run, "fit.json"))
    const fs = yield* FileSystem.FileSystem
    yield* fs.writeFileString(path, JSON.stringify(doc, null, 2) + "\n").pipe(
      Effect.mapError((e) => new UsageError({ message: `cannot write ${path}: ${e.message}` }))
    )
    yield* Console.log(`L(s) = L0 + A * S1^-alpha - C * S2 (Tissue et al.), lambda ${lambda}`)
    yield* Console.log(`L0 ${fmt(L0)}  A ${fmt(A)}  alpha ${fmt(alpha)}  C ${fmt(C)}`)
    yield* Console.log(
      `fitted on ${result.points} points of \`${column}\` (steps ${usable[0]!.step}..${usable[usable.length - 1]!.step}): rmse of log loss ${fmt(result.rmseLog)}, R² ${fmt(result.r2Log)}`
    )
    yield* Console.log(`wrote ${path}`)
  })
).pipe(
  Command.withDescription(
    "Fit the loss curve of a run with the scaling law of Tissue et al. (L = L0 + A * S1^-alpha - C * S2: S1 the area under the lr, S2 the lr's annealing area) and write the four parameters as JSON, for lrs predict. Reads the run's ir.json (the lr of every update) and the logged loss in metrics.jsonl."
  ),
  Command.withExamples([
    { command: "lrs fit runs/refinement-baseline", description: "Fit the baseline's batch losses; writes runs/refinement-baseline/fit.json" },
    { command: "lrs fit runs/quickstart-2686e4ccf0 --column \"ema(loss, 0.99)\" --skip 100 -o fit.json", description: "Fit a smoothed loss after the first 100 steps" }
  ])
)
