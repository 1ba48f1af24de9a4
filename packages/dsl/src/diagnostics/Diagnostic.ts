import type { Span } from "./Span.ts"
import { formatSpan } from "./Span.ts"

export type Severity = "error" | "warning"

/**
 * One problem found in a spec. The message states the problem; `help` says what to do about it.
 * Codes are stable: `LRS0xxx` syntax, `LRS1xxx` names and structure, `LRS2xxx` values, types and
 * units, `LRS3xxx` schedules, `LRS9xxx` command-line overrides.
 */
export interface Diagnostic {
  readonly code: string
  readonly severity: Severity
  readonly message: string
  readonly span: Span
  readonly label?: string
  readonly help?: string
}

export const error = (code: string, span: Span, message: string, help?: string): Diagnostic =>
  help === undefined ? { code, severity: "error", message, span } : { code, severity: "error", message, span, help }

/** The one-line form `path:line:col: error[CODE]: message` (help follows after ` — help: `). */
export const formatDiagnostic = (d: Diagnostic): string =>
  `${formatSpan(d.span)}: ${d.severity}[${d.code}]: ${d.message}${d.help === undefined ? "" : ` (help: ${d.help})`}`

export const hasErrors = (ds: ReadonlyArray<Diagnostic>): boolean => ds.some((d) => d.severity === "error")
