#!/usr/bin/env node
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Cause, Console, Effect, Runtime } from "effect"
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
