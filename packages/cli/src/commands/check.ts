import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { Command } from "effect/cli"
import { format, set, specFile, trial } from "../flags.ts"
import * as Option from "effect/Option"
import { stderrColor } from "../report.ts"
import { loadSpec } from "../spec.ts"

export const check = Command.make(
  "check",
  { spec: specFile, set, format, trial },
  Effect.fn("lrs.check")(function*({ spec, set, format, trial }) {
    const { ir, sweep } = yield* loadSpec(spec, set, { format, json: "stdout", color: stderrColor() }, Option.getOrUndefined(trial))
    // With --format json, stdout holds the JSON document and nothing else.
    if (format !== "json") {
      const trials = sweep === undefined ? "" : `, a sweep of ${sweep.size} trial${sweep.size === 1 ? "" : "s"}`
      yield* Console.log(`${spec}: ok (experiment ${ir.experiment}, ${ir.steps} steps${trials})`)
    }
  })
).pipe(
  Command.withDescription(
    "Check a spec without running it: every problem at once, each under a path:line:col header with the source lines it points at (--format short: one line each, path:line:col: error[CODE]: message; --format json: one JSON document on stdout). Exit 0 when valid, 1 when not, 2 on usage errors."
  ),
  Command.withExamples([
    { command: "lrs check examples/quickstart.lrs", description: "Check the quickstart" },
    { command: "lrs check examples/quickstart.lrs --set steps=200", description: "Check it with a smaller budget" },
    { command: "lrs check examples/quickstart.lrs --format json", description: "Diagnostics as JSON, for editors and CI" }
  ])
)
