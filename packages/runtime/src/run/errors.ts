import { formatSpan } from "@lrs/dsl"
import { Schema } from "effect"

const Position = Schema.Struct({ offset: Schema.Number, line: Schema.Number, col: Schema.Number })
/** The spec region a runtime failure is blamed on (the same shape as `@lrs/dsl`'s Span). */
export const SpanSchema = Schema.Struct({ file: Schema.String, start: Position, end: Position })

/** Training went wrong at a point the spec can be blamed for; `span` is that point. */
export class TrainingError extends Schema.TaggedError<TrainingError>()("TrainingError", {
  message: Schema.String,
  help: Schema.String,
  span: SpanSchema
}) {
  /** `quickstart.lrs:12:3: error: loss is NaN at step 40 (help: ...)` */
  get report(): string {
    return `${formatSpan(this.span)}: error: ${this.message} (help: ${this.help})`
  }
}
