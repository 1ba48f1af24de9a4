import { formatSource } from "@lrs/dsl"
import type { OpenDocument } from "./documents.ts"
import { wholeRange } from "./positions.ts"
import type { TextEdit } from "./protocol.ts"

/**
 * What `lrs fmt` would write, as one edit over the whole document. Nothing when the document has
 * syntax errors (there is no tree to print from; the diagnostics already say why) or is already
 * formatted.
 */
export const formatting = (doc: OpenDocument): Array<TextEdit> => {
  const result = formatSource(doc.text, doc.path)
  if (result.text === undefined || result.text === doc.text) return []
  return [{ range: wholeRange(doc.text), newText: result.text }]
}
