import { lineStarts, type Span } from "@lrs/dsl"
import type { Position, Range } from "./protocol.ts"

/**
 * Between the compiler's places (1-based line and column, 0-based offset) and the protocol's
 * (0-based line and character). Both count UTF-16 units and treat `\n`, `\r\n` and a lone `\r` as
 * line ends, so the conversion is a shift by one.
 */

export const spanRange = (span: Span): Range => ({
  start: { line: Math.max(0, span.start.line - 1), character: Math.max(0, span.start.col - 1) },
  end: { line: Math.max(0, span.end.line - 1), character: Math.max(0, span.end.col - 1) }
})

/** The offset of a position; past a line's end it is the line's end, past the text the text's end. */
export const offsetAt = (text: string, position: Position): number => {
  const starts = lineStarts(text)
  if (position.line >= starts.length) return text.length
  const start = starts[Math.max(0, position.line)]!
  const next = starts[position.line + 1]
  let lineEnd = next ?? text.length
  // The line's own text stops before its line end.
  if (next !== undefined) lineEnd = text.charCodeAt(next - 1) === 10 && text.charCodeAt(next - 2) === 13 ? next - 2 : next - 1
  return Math.min(start + Math.max(0, position.character), lineEnd)
}

export const positionAt = (text: string, offset: number): Position => {
  const starts = lineStarts(text)
  let line = 0
  while (line + 1 < starts.length && starts[line + 1]! <= offset) line++
  return { line, character: offset - starts[line]! }
}

/** From the first character to after the last: what a whole-document edit replaces. */
export const wholeRange = (text: string): Range => ({ start: { line: 0, character: 0 }, end: positionAt(text, text.length) })
