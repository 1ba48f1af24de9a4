import { formatSpan } from "@lrs/dsl"
import { Schema } from "effect"
import { SpanSchema } from "../run/errors.ts"

/**
 * The data a spec names could not be loaded: files missing or malformed. `span` is the spec's
 * `data = ...` call; `message` names the file (and line, column) that was wrong; `help` says how
 * to fix it.
 */
export class DataError extends Schema.TaggedError<DataError>()("DataError", {
  message: Schema.String,
  help: Schema.String,
  span: SpanSchema
}) {
  /** `quickstart.lrs:3:8: error: data/iris.csv:12: column "x2" ... (help: ...)` */
  get report(): string {
    return `${formatSpan(this.span)}: error: ${this.message} (help: ${this.help})`
  }
}
