import { loadModules, type SourceHost } from "@lrs/compiler"
import type { Diagnostic as LrsDiagnostic, Span } from "@lrs/dsl"
import type { Analysis } from "./analysis.ts"
import { spanRange } from "./positions.ts"
import { type Diagnostic, DiagnosticSeverity, DiagnosticTag } from "./protocol.ts"

/** Codes that mark something unused, which editors fade rather than underline. */
const unused = new Set(["LRS1015", "LRS5004"])

/** The message an editor shows: the compiler's message, then its notes and its help, one per line. */
const messageOf = (d: LrsDiagnostic): string =>
  [d.message, ...(d.notes ?? []).map((n) => `note: ${n}`), ...(d.help === undefined ? [] : [`help: ${d.help}`])].join("\n")

/**
 * The compiler's diagnostics for one open document, in the protocol's terms. A problem inside an
 * imported file is shown on the import that brings it in (the editor may not have that file open),
 * with a link to where it is. A file of params and schedules alone is not told it lacks an
 * experiment: it is meant to be imported.
 */
export const toLspDiagnostics = (analysis: Analysis, path: string, host: SourceHost, uriOf: (path: string) => string): Array<Diagnostic> => {
  const all = analysis.result.diagnostics.filter((d) => !(analysis.library && d.code === "LRS1004"))
  const importSpans = all.some((d) => d.span.file !== path) ? importsLeadingTo(analysis.text, path, host) : new Map<string, Span>()
  const out: Array<Diagnostic> = []
  for (const d of all) {
    const related = (d.related ?? []).map((r) => ({ location: { uri: uriOf(r.span.file), range: spanRange(r.span) }, message: r.label }))
    const own = d.span.file === path
    const at = own ? d.span : importSpans.get(d.span.file)
    if (at === undefined) continue
    out.push({
      range: spanRange(at),
      severity: d.severity === "error" ? DiagnosticSeverity.error : DiagnosticSeverity.warning,
      code: d.code,
      source: "lrs",
      message: own ? messageOf(d) : `in ${d.span.file}:${d.span.start.line}:${d.span.start.col}: ${messageOf(d)}`,
      ...(own && unused.has(d.code) ? { tags: [DiagnosticTag.unnecessary] } : {}),
      ...(own ? (related.length === 0 ? {} : { relatedInformation: related }) : { relatedInformation: [{ location: { uri: uriOf(d.span.file), range: spanRange(d.span) }, message: d.message }, ...related] })
    })
  }
  return out
}

/** For every file the document imports, directly or not, the span of its own import that leads there. */
const importsLeadingTo = (text: string, path: string, host: SourceHost): Map<string, Span> => {
  const { modules } = loadModules(text, path, host)
  const out = new Map<string, Span>()
  const root = modules.get(path)
  if (root === undefined) return out
  for (const imp of root.doc.imports) {
    const target = root.imports.get(imp.alias.text)
    if (target === undefined) continue
    const stack = [target]
    while (stack.length > 0) {
      const file = stack.pop()!
      if (out.has(file)) continue
      out.set(file, imp.span)
      for (const next of modules.get(file)?.imports.values() ?? []) stack.push(next)
    }
  }
  return out
}
