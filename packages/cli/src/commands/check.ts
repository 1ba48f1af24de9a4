import { Console, Effect } from "effect"
import { Command } from "effect/cli"
import { set, specFile } from "../flags.ts"
import { loadSpec } from "../spec.ts"

export const check = Command.make(
  "check",
  { spec: specFile, set },
  Effect.fn("lrs.check")(function*({ spec, set }) {
    const { ir } = yield* loadSpec(spec, set)
    yield* Console.log(`${spec}: ok (experiment ${ir.experiment}, ${ir.steps} steps)`)
  })
).pipe(
  Command.withDescription(
    "Check a spec without running it: every problem at once, one per line as path:line:col: error[CODE]: message. Exit 0 when valid, 1 when not, 2 on usage errors."
  ),
  Command.withExamples([
    { command: "lrs check examples/quickstart.lrs", description: "Check the quickstart" },
    { command: "lrs check examples/quickstart.lrs --set steps=200", description: "Check it with a smaller budget" }
  ])
)
