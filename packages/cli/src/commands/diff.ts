import { diffRuns } from "@lrs/compiler"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import { Argument, Command } from "effect/cli"
import { format, set } from "../flags.ts"
import { stderrColor } from "../report.ts"
import { loadSpec } from "../spec.ts"

/** The two specs differ (exit 1, like diff(1)); the differences were printed. */
export class SpecsDiffer extends Schema.TaggedError<SpecsDiffer>()("SpecsDiffer", { count: Schema.Number }) {
  override readonly [Runtime.errorExitCode] = 1
  override readonly [Runtime.errorReported] = false
}

export const diff = Command.make(
  "diff",
  {
    left: Argument.String("a").pipe(Argument.withDescription("The first .lrs file")),
    right: Argument.String("b").pipe(Argument.withDescription("The second .lrs file")),
    set,
    format
  },
  Effect.fn("lrs.diff")(function*({ left, right, set, format }) {
    const options = { format, json: "stderr", color: stderrColor() } as const
    const a = yield* loadSpec(left, set, options)
    const b = yield* loadSpec(right, set, options)
    const differences = diffRuns(a.ir, b.ir)
    if (differences.length === 0) {
      yield* Console.log(`${left} and ${right} describe the same run`)
      return
    }
    for (const d of differences) {
      yield* Console.log(`${d.path}:\n  - ${d.left ?? "(absent)"}\n  + ${d.right ?? "(absent)"}`)
    }
    return yield* new SpecsDiffer({ count: differences.length })
  })
).pipe(
  Command.withDescription(
    "Compare what two specs run, not their text: both are compiled (with the same --set) and every field whose value differs is printed, - for the first and + for the second. Reordering, reformatting and comments make no difference; a changed default does. Exit 0 when the runs are the same, 1 when they differ."
  ),
  Command.withExamples([{ command: "lrs diff a.lrs b.lrs", description: "What changed between two experiments" }])
)
