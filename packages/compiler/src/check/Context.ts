import type { Diagnostic, DiagnosticDetails, Expr, Span } from "@lrs/dsl"
import { error } from "@lrs/dsl"
import type { Code } from "../diagnostics/codes.ts"

/** A named definition the checker resolves on demand (params, schedules), with cycle detection. */
export interface Definition {
  readonly name: string
  readonly expr: Expr
  readonly span: Span
  /** Where the value came from, for `resolved.lrs`: the spec, or the `--set` that replaced it. */
  readonly origin: "spec" | "override"
}

/** What the checker threads through every phase: definitions in scope and the diagnostics so far. */
export class Context {
  readonly diagnostics: Array<Diagnostic> = []
  readonly params = new Map<string, Definition>()
  readonly schedules = new Map<string, Definition>()
  readonly paramValues = new Map<string, number | undefined>()
  /** Names being resolved right now; seeing one again is a cycle. */
  readonly resolving = new Set<string>()

  /** Records a problem once: a schedule used in two places is compiled twice but reported once. */
  report(code: Code, span: Span, message: string, help?: string, details?: DiagnosticDetails): undefined {
    const key = `${code}@${span.file}:${span.start.offset}-${span.end.offset}:${message}`
    if (!this.reported.has(key)) {
      this.reported.add(key)
      this.diagnostics.push(error(code, span, message, help, details))
    }
    return undefined
  }
  private readonly reported = new Set<string>()
}
