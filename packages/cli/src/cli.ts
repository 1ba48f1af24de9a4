/** The `lrs` process: runs `main` with Node's services and sets the exit code. Loaded by bin.ts. */
// Module paths, not the package index: the index loads every platform module (~200 ms at start-up).
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import { main } from "./main.ts"

// `lrs run ... | head` closes the pipe early; stop quietly as other command-line tools do.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0)
  throw e
})

main(process.argv.slice(2)).pipe(
  Effect.provide(NodeServices.layer),
  // Anything not already reported (a bug, not a user error) goes to stderr, never stdout.
  Effect.tapCause((cause) =>
    Cause.hasInterruptsOnly(cause) || !Runtime.getErrorReported(Cause.squash(cause))
      ? Effect.void
      : Console.error(`lrs: internal error (please report it)\n${Cause.pretty(cause)}`)
  ),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
