import { formatDiagnostic, formatSource } from "@lrs/dsl"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import { Argument, Command, Flag } from "effect/cli"
import { SpecInvalid, UsageError } from "../errors.ts"

/** `lrs fmt --check` found files that formatting would change; they were listed. Exit 1. */
export class Unformatted extends Schema.TaggedError<Unformatted>()("Unformatted", { files: Schema.Number }) {
  override readonly [Runtime.errorExitCode] = 1
  override readonly [Runtime.errorReported] = false
}

const files = Argument.String("file").pipe(Argument.withDescription("The .lrs files to format"), Argument.atLeast(1))

const checkOnly = Flag.Boolean("check").pipe(
  Flag.withDescription("Write nothing; list the files formatting would change and exit 1 if there are any"),
  Flag.withDefault(false)
)

export const fmt = Command.make(
  "fmt",
  { files, check: checkOnly },
  Effect.fn("lrs.fmt")(function*({ files, check }) {
    const fs = yield* FileSystem.FileSystem
    // Every file is read before any is written, so a typo in one path changes nothing.
    const sources = yield* Effect.forEach(files, (file) =>
      fs.readFileString(file).pipe(
        Effect.map((text) => ({ file, text })),
        Effect.mapError((e) => new UsageError({ message: `cannot read ${file}: ${e.message}` }))
      ))
    let invalid = 0
    let changed = 0
    for (const { file, text } of sources) {
      const result = formatSource(text, file)
      if (result.text === undefined) {
        // A file that does not parse is left as it is: there is no tree to print it from.
        invalid++
        for (const d of result.diagnostics) yield* Console.error(formatDiagnostic(d))
        continue
      }
      if (result.text === text) continue
      changed++
      if (check) {
        yield* Console.log(`${file} would be reformatted`)
        continue
      }
      yield* fs.writeFileString(file, result.text).pipe(
        Effect.mapError((e) => new UsageError({ message: `cannot write ${file}: ${e.message}` }))
      )
      yield* Console.log(`formatted ${file}`)
    }
    if (invalid > 0) return yield* new SpecInvalid({ errors: invalid })
    if (check && changed > 0) return yield* new Unformatted({ files: changed })
  })
).pipe(
  Command.withDescription(
    "Format .lrs files in place: canonical spacing, indentation and parentheses, comments kept. Files with syntax errors are left untouched (their errors are printed). Exit 0 when done, 1 when a file has syntax errors or --check finds one to reformat, 2 on usage errors."
  ),
  Command.withExamples([
    { command: "lrs fmt examples/quickstart.lrs", description: "Format the quickstart in place" },
    { command: "lrs fmt --check specs/*.lrs", description: "List the specs that are not formatted (for CI)" }
  ])
)
