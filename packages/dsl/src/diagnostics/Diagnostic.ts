import type { Span } from "./Span.ts"
import { formatSpan } from "./Span.ts"

export type Severity = "error" | "warning"

/** Another place that explains the problem: the declaration a use conflicts with, the budget a segment overruns. */
export interface Related {
  readonly span: Span
  readonly label: string
}

/**
 * One problem found in a spec. The message states the problem; the label says what is wrong at
 * the primary span; `related` points at other places involved; `notes` give context; `help`
 * proposes a concrete fix. Codes are stable (see the compiler's registry): `LRS0xxx` syntax,
 * `LRS1xxx` names and structure, `LRS2xxx` values, types and units, `LRS3xxx` schedules,
 * `LRS4xxx` signals and sweeps, `LRS5xxx` imports, `LRS9xxx` command-line overrides.
 */
export interface Diagnostic {
  readonly code: string
  readonly severity: Severity
  readonly message: string
  readonly span: Span
  readonly label?: string
  readonly related?: ReadonlyArray<Related>
  readonly notes?: ReadonlyArray<string>
  readonly help?: string
}

export interface DiagnosticDetails {
  readonly label?: string | undefined
  readonly related?: ReadonlyArray<Related> | undefined
  readonly notes?: ReadonlyArray<string> | undefined
}

export const error = (code: string, span: Span, message: string, help?: string, details: DiagnosticDetails = {}): Diagnostic => ({
  code,
  severity: "error",
  message,
  span,
  ...(details.label === undefined ? {} : { label: details.label }),
  ...(details.related === undefined || details.related.length === 0 ? {} : { related: details.related }),
  ...(details.notes === undefined || details.notes.length === 0 ? {} : { notes: details.notes }),
  ...(help === undefined ? {} : { help })
})

export const warning = (code: string, span: Span, message: string, help?: string, details: DiagnosticDetails = {}): Diagnostic => ({
  ...error(code, span, message, help, details),
  severity: "warning"
})

/** The one-line form `path:line:col: error[CODE]: message (help: ...)`. */
export const formatDiagnostic = (d: Diagnostic): string =>
  `${formatSpan(d.span)}: ${d.severity}[${d.code}]: ${d.message}${d.help === undefined ? "" : ` (help: ${d.help})`}`

export const hasErrors = (ds: ReadonlyArray<Diagnostic>): boolean => ds.some((d) => d.severity === "error")
