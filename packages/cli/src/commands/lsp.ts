import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import { Command, Flag } from "effect/cli"
import { serve } from "../lsp/server.ts"

/** The client went away without `shutdown` first; the protocol asks for exit code 1. Nothing to print. */
export class ExitWithoutShutdown extends Schema.TaggedError<ExitWithoutShutdown>()("ExitWithoutShutdown", {}) {
  override readonly [Runtime.errorExitCode] = 1
  override readonly [Runtime.errorReported] = false
}

// vscode-languageclient adds `--stdio` when told to use stdio; it is the only transport here anyway.
const stdio = Flag.Boolean("stdio").pipe(Flag.withDescription("Talk over stdin and stdout (the default and only transport)"), Flag.withDefault(false))

export const lsp = Command.make(
  "lsp",
  { stdio },
  Effect.fn("lrs.lsp")(function*() {
    // stdout carries protocol messages only; anything for a person goes to stderr, which editors show in their log.
    const code = yield* Effect.promise(() => serve(process.stdin, process.stdout, (line) => process.stderr.write(`lrs lsp: ${line}\n`)))
    if (code !== 0) return yield* new ExitWithoutShutdown()
  })
).pipe(
  Command.withDescription(
    "Run the language server for editors (the Language Server Protocol over stdin and stdout): diagnostics as `lrs check` reports them, hover with a schedule's formula and a sparkline of its values, go to definition, completion, and formatting as `lrs fmt` does. Exit 0 after the client's shutdown and exit, 1 when it exits or goes away without shutting down."
  ),
  Command.withExamples([{ command: "lrs lsp", description: "Started by an editor's language client, not by hand" }])
)
