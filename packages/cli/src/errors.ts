import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"

/** Bad flags, a missing file: exit 2. `main` prints the message once (errorReported = false stops the runtime logging it again). */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", { message: Schema.String }) {
  override readonly [Runtime.errorExitCode] = 2
  override readonly [Runtime.errorReported] = false
}

/** The spec has errors; they were printed as diagnostics. Exit 1. */
export class SpecInvalid extends Schema.TaggedError<SpecInvalid>()("SpecInvalid", { errors: Schema.Number }) {
  override readonly [Runtime.errorExitCode] = 1
  override readonly [Runtime.errorReported] = false
}

/** A run that started and failed; the message names the spec line when there is one. Exit 1. */
export class RunFailed extends Schema.TaggedError<RunFailed>()("RunFailed", { message: Schema.String }) {
  override readonly [Runtime.errorExitCode] = 1
  override readonly [Runtime.errorReported] = false
}
