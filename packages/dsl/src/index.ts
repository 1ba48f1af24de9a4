export type { Position, Span } from "./diagnostics/Span.ts"
export { formatSpan, joinSpans } from "./diagnostics/Span.ts"
export type { Diagnostic, Severity } from "./diagnostics/Diagnostic.ts"
export { error, formatDiagnostic, hasErrors } from "./diagnostics/Diagnostic.ts"
