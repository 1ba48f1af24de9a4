/** A position in a source file. `line` and `col` are 1-based, `offset` is 0-based. */
export interface Position {
  readonly offset: number
  readonly line: number
  readonly col: number
}

/** The region of a source file that produced a node; it survives every phase down to the runtime. */
export interface Span {
  readonly file: string
  readonly start: Position
  readonly end: Position
}

/** `file:line:col`, the form every diagnostic and runtime error is reported in. */
export const formatSpan = (span: Span): string => `${span.file}:${span.start.line}:${span.start.col}`

/** The smallest span covering both. */
export const joinSpans = (a: Span, b: Span): Span => ({
  file: a.file,
  start: a.start.offset <= b.start.offset ? a.start : b.start,
  end: a.end.offset >= b.end.offset ? a.end : b.end
})
