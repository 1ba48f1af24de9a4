import { compile, type CompileResult, type SourceHost } from "@lrs/compiler"
import { type Document, parseDocument } from "@lrs/dsl"
import type { OpenDocument } from "./documents.ts"

/** One compile of one version of a document, shared by its diagnostics and its hovers. */
export interface Analysis {
  readonly version: number
  readonly text: string
  readonly result: CompileResult
  /** A file of params and schedules alone, for importing (or for `lrs schedule --steps`). */
  readonly library: boolean
}

/** Whether a parsed file declares params or schedules but no experiment: meant to be imported. */
export const isLibrary = (doc: Document): boolean =>
  !doc.members.some((m) => m.kind === "Block" && m.keyword.text === "experiment") &&
  doc.members.some((m) => m.kind === "Attribute" && (m.keyword?.text === "param" || m.keyword?.text === "schedule"))

/** The same `compile` `lrs check` runs, without overrides, reading imports through `host`. */
export const analyse = (doc: OpenDocument, host: SourceHost): Analysis => {
  const result = compile(doc.text, { file: doc.path, host })
  return { version: doc.version, text: doc.text, result, library: isLibrary(parseDocument(doc.text, doc.path).ast) }
}

/** Whether a document's last analysis read `path` (itself or an import), so a change there concerns it. */
export const dependsOn = (analysis: Analysis, path: string): boolean => analysis.result.sources.has(path)
