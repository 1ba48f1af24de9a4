import { printResolved } from "@lrs/compiler"
import { runId } from "@lrs/runtime/identity"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Command, Flag } from "effect/cli"
import { SpecInvalid } from "../errors.ts"
import { format, set, specFile, trial } from "../flags.ts"
import { report, stderrColor } from "../report.ts"
import { compileFile, loadSpec } from "../spec.ts"

const sweepFlag = Flag.Boolean("sweep").pipe(
  Flag.withDescription("List every trial of the spec's sweep: its number, what it sets, and its run id"),
  Flag.withDefault(false)
)

export const resolve = Command.make(
  "resolve",
  { spec: specFile, set, trial, sweep: sweepFlag, format },
  Effect.fn("lrs.resolve")(function*({ spec, set, trial, sweep, format }) {
    const options = { format, json: "stderr", color: stderrColor() } as const
    if (!sweep) {
      const { ir, origins } = yield* loadSpec(spec, set, options, Option.getOrUndefined(trial))
      yield* Console.log(`// run id: ${runId(ir)}`)
      yield* Console.log(printResolved(ir, origins).trimEnd())
      return
    }
    const base = yield* loadSpec(spec, set, options)
    if (base.sweep === undefined) {
      yield* Console.log(`${spec} declares no sweep; its one run is ${runId(base.ir)}`)
      return
    }
    for (const [i, assignments] of base.sweep.trials.entries()) {
      // Each trial is compiled on its own: a value can be fine alone and clash with another.
      const { result } = yield* compileFile(spec, set, i)
      if (result.ir === undefined) {
        yield* report(spec, result, options)
        return yield* new SpecInvalid({ errors: result.diagnostics.length })
      }
      yield* Console.log(`trial ${i}: ${assignments.map((a) => `${a.name} = ${a.value}`).join(", ")}  (run id ${runId(result.ir)})`)
    }
  })
).pipe(
  Command.withDescription(
    "Print the operative spec: params substituted, every default filled, every length explicit, and where each value came from (the spec's line, --set, a sweep, or a default). It compiles to the same run as the spec; its run id is the one `lrs run` uses."
  ),
  Command.withExamples([
    { command: "lrs resolve examples/quickstart.lrs --set steps=500", description: "What would run, with a smaller budget" },
    { command: "lrs resolve examples/sweep.lrs --sweep", description: "Every trial of a sweep" },
    { command: "lrs resolve examples/sweep.lrs --trial 3", description: "The operative spec of trial 3" }
  ])
)
