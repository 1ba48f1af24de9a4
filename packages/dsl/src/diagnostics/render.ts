import type { Diagnostic, Severity } from "./Diagnostic.ts"
import { formatSpan, type Position, type Span } from "./Span.ts"

/**
 * Diagnostics for people (rustc-shaped source excerpts with underlines) and for tools (plain JSON).
 *
 * ```
 * input.lrs:7:53: error[LRS3003]: this segment ends at step 1100, past the end of its span (1000 steps)
 *    |
 *  7 |   schedule warm = linear(0 -> 1) for 800 steps then constant(1) for 300 steps
 *    |                                                     ^^^^^^^^^^^^^^^^^^^^^^^^^ ends at step 1100
 *    |
 *    = help: shorten it to `for 200 steps`
 * ```
 *
 * Lines and columns come from the spans' `line`/`col` (not offsets: spans into the virtual `--set`
 * file only have meaningful lines and columns). A tab shows as 4 spaces, in the line and under it.
 */

export interface RenderOptions {
  /** ANSI colors. The caller decides (the CLI: stderr is a TTY and NO_COLOR is unset). */
  readonly color?: boolean
}

const tabWidth = 4

type Style = "error" | "warning" | "secondary" | "gutter" | "bold" | "help"

const ansi: Record<Style, string> = {
  error: "\x1b[1;31m",
  warning: "\x1b[1;33m",
  secondary: "\x1b[1;34m",
  gutter: "\x1b[1;34m",
  bold: "\x1b[1m",
  help: "\x1b[1;32m"
}
const reset = "\x1b[0m"

/** An underline on one source line, in display columns (tabs expanded); `end` is exclusive and > `start`. */
interface Mark {
  readonly line: number
  readonly start: number
  readonly end: number
  readonly primary: boolean
  readonly label: string | undefined
}

/** The lines of a text as the lexer counts them (`\n`, `\r\n` and `\r` end a line). */
const splitLines = (text: string): ReadonlyArray<string> => text.split(/\r\n|\r|\n/)

const expand = (s: string): string => s.replaceAll("\t", " ".repeat(tabWidth))

/** The display column of the 0-based character index `i` of `line` (past the end counts 1 per column). */
const displayCol = (line: string, i: number): number => {
  let col = 0
  for (let k = 0; k < i; k++) col += line[k] === "\t" ? tabWidth : 1
  return col
}

/** The underlines that show a span, or undefined when its file is unknown or it lies outside the text. */
const marksOf = (span: Span, lines: ReadonlyArray<string> | undefined, primary: boolean, label: string | undefined): ReadonlyArray<Mark> | undefined => {
  if (lines === undefined) return undefined
  const at = (p: Position) => {
    const text = lines[p.line - 1]
    return p.line < 1 || text === undefined || p.col < 1 || p.col - 1 > text.length ? undefined : { line: p.line, index: p.col - 1, text }
  }
  const start = at(span.start)
  if (start === undefined) return undefined
  const zeroWidth = span.end.line < span.start.line || (span.end.line === span.start.line && span.end.col <= span.start.col)
  if (zeroWidth) {
    const col = displayCol(start.text, start.index)
    return [{ line: start.line, start: col, end: col + 1, primary, label }]
  }
  const endText = lines[span.end.line - 1]
  if (endText === undefined || span.end.col < 1) return undefined
  // A span that ends at column 1 ends with the previous line's line break.
  let endLine = span.end.line
  let endIndex = Math.min(span.end.col - 1, endText.length)
  while (endLine > start.line && endIndex === 0) {
    endLine--
    endIndex = lines[endLine - 1]!.length
  }
  if (endLine === start.line) {
    const from = displayCol(start.text, start.index)
    return [{ line: start.line, start: from, end: Math.max(displayCol(start.text, endIndex), from + 1), primary, label }]
  }
  // Several lines: from the start to the end of the first line, and from the indentation to the end on the last.
  const last = lines[endLine - 1]!
  const lastFrom = Math.min(last.length - last.trimStart().length, endIndex - 1)
  const firstFrom = displayCol(start.text, start.index)
  return [
    { line: start.line, start: firstFrom, end: Math.max(displayCol(start.text, start.text.length), firstFrom + 1), primary, label: undefined },
    { line: endLine, start: displayCol(last, lastFrom), end: displayCol(last, endIndex), primary, label }
  ]
}

/** One output line, built column by column with a style per character, so colors never shift the layout. */
class Row {
  private readonly cells: Array<{ ch: string; style: Style | undefined }> = []
  put(col: number, text: string, style?: Style): this {
    while (this.cells.length < col) this.cells.push({ ch: " ", style: undefined })
    for (let k = 0; k < text.length; k++) this.cells[col + k] = { ch: text[k]!, style }
    return this
  }
  get length(): number {
    return this.cells.length
  }
  render(color: boolean): string {
    let out = ""
    let current: Style | undefined
    for (const { ch, style } of this.cells) {
      if (color && style !== current) {
        if (current !== undefined) out += reset
        if (style !== undefined) out += ansi[style]
        current = style
      }
      out += ch
    }
    if (color && current !== undefined) out += reset
    return out.trimEnd()
  }
}

interface Group {
  readonly file: string
  readonly span: Span
  readonly marks: Array<Mark>
}

const overlapping = (marks: ReadonlyArray<Mark>): boolean => marks.some((m, i) => i > 0 && m.start < marks[i - 1]!.end)

/** The rows under one source line: underlines, then labels, rustc-style (the rightmost label inline, the others hung below). */
const markRows = (marks: ReadonlyArray<Mark>, severity: Severity): Array<Row> => {
  const style = (m: Mark): Style => (m.primary ? severity : "secondary")
  const underline = (m: Mark) => (m.primary ? "^" : "-").repeat(m.end - m.start)
  const sorted = [...marks].sort((a, b) => a.start - b.start || a.end - b.end)
  if (overlapping(sorted)) {
    // Nested or crossing underlines cannot share a row: one row each.
    return sorted.map((m) => {
      const row = new Row().put(m.start, underline(m), style(m))
      return m.label === undefined ? row : row.put(m.end + 1, m.label, style(m))
    })
  }
  const first = new Row()
  for (const m of sorted) first.put(m.start, underline(m), style(m))
  const last = sorted.at(-1)!
  if (last.label !== undefined) first.put(last.end + 1, last.label, style(last))
  const hung = sorted.slice(0, -1).filter((m) => m.label !== undefined)
  if (hung.length === 0) return [first]
  const rows = [first]
  const pipes = (upTo: number) => {
    const row = new Row()
    for (const m of hung.slice(0, upTo)) row.put(m.start, "|", style(m))
    return row
  }
  rows.push(pipes(hung.length))
  for (let i = hung.length - 1; i >= 0; i--) rows.push(pipes(i).put(hung[i]!.start, hung[i]!.label!, style(hung[i]!)))
  return rows
}

/** One diagnostic as a block of lines (no trailing newline). */
export const renderDiagnostic = (d: Diagnostic, sources: ReadonlyMap<string, string>, options: RenderOptions = {}): string => {
  const color = options.color === true
  const paint = (text: string, style: Style) => (color ? ansi[style] + text + reset : text)
  const lines = new Map<string, ReadonlyArray<string> | undefined>()
  const linesOf = (file: string) => {
    if (!lines.has(file)) {
      const text = sources.get(file)
      lines.set(file, text === undefined ? undefined : splitLines(text))
    }
    return lines.get(file)
  }

  // Snippets by file: the primary's file first, then the others in the order they are referred to.
  const groups: Array<Group> = [{ file: d.span.file, span: d.span, marks: [] }]
  const unplaced: Array<string> = []
  const primary = marksOf(d.span, linesOf(d.span.file), true, d.label)
  if (primary !== undefined) groups[0]!.marks.push(...primary)
  for (const r of d.related ?? []) {
    const marks = marksOf(r.span, linesOf(r.span.file), false, r.label)
    if (marks === undefined) {
      unplaced.push(`${formatSpan(r.span)}: ${r.label}`)
      continue
    }
    let group = groups.find((g) => g.file === r.span.file)
    if (group === undefined) groups.push(group = { file: r.span.file, span: r.span, marks: [] })
    group.marks.push(...marks)
  }

  const maxLine = Math.max(0, ...groups.flatMap((g) => g.marks.map((m) => m.line)))
  const width = Math.max(1, String(maxLine).length)
  const gutter = (n?: number) =>
    n === undefined ? new Row().put(width + 2, "|", "gutter") : new Row().put(1 + width - String(n).length, `${n} |`, "gutter")
  const out: Array<string> = []

  const severityStyle: Style = d.severity
  // The header is the one-line form (`path:line:col: error[CODE]: message`), as clang prints it, so
  // editors and grep find every problem; the excerpt below it shows where.
  const where = `${formatSpan(d.span)}: `
  out.push(color ? `${ansi.bold}${where}${reset}${ansi[severityStyle]}${d.severity}[${d.code}]${reset}${ansi.bold}: ${d.message}${reset}` : `${where}${d.severity}[${d.code}]: ${d.message}`)

  let snippets = 0
  groups.forEach((g, i) => {
    if (i > 0 && g.marks.length === 0) return
    // The primary excerpt's place is in the header; related excerpts in other files name theirs.
    if (i > 0) {
      out.push(gutter().render(color))
      out.push(`${" ".repeat(width + 1)}${paint(":::", "gutter")} ${formatSpan(g.span)}`)
    }
    if (g.marks.length === 0) return
    snippets++
    out.push(gutter().render(color))
    const text = linesOf(g.file)!
    const shown = [...new Set(g.marks.map((m) => m.line))].sort((a, b) => a - b)
    shown.forEach((n, k) => {
      const previous = shown[k - 1]
      if (previous !== undefined && n - previous === 2) out.push(sourceRow(gutter(previous + 1), text[previous]!, color))
      else if (previous !== undefined && n - previous > 2) out.push("...")
      out.push(sourceRow(gutter(n), text[n - 1]!, color))
      for (const row of markRows(g.marks.filter((m) => m.line === n), d.severity)) {
        out.push(gutter().render(color) + " " + row.render(color))
      }
    })
  })

  const notes = [...unplaced, ...(d.notes ?? [])]
  if (notes.length > 0 || d.help !== undefined) {
    if (snippets > 0) out.push(gutter().render(color))
    const pad = " ".repeat(width + 2)
    const item = (kind: string, style: Style, text: string) => {
      const head = `${pad}${paint("=", "gutter")} ${paint(kind, style)}: `
      const indent = " ".repeat(pad.length + kind.length + 4)
      return head + text.split("\n").join("\n" + indent)
    }
    for (const n of notes) out.push(item("note", "bold", n))
    if (d.help !== undefined) out.push(item("help", "help", d.help))
  }
  return out.join("\n")
}

const sourceRow = (gutter: Row, text: string, color: boolean): string => {
  const line = expand(text).trimEnd()
  return gutter.render(color) + (line === "" ? "" : " " + line)
}

/** Several diagnostics, separated by blank lines. */
export const renderDiagnostics = (ds: ReadonlyArray<Diagnostic>, sources: ReadonlyMap<string, string>, options: RenderOptions = {}): string =>
  ds.map((d) => renderDiagnostic(d, sources, options)).join("\n\n")

export interface PositionJson {
  readonly line: number
  readonly col: number
  readonly offset: number
}

export interface RelatedJson {
  readonly file: string
  readonly start: PositionJson
  readonly end: PositionJson
  readonly label: string
}

/** The stable JSON shape of a diagnostic (`lrs check --format json`). */
export interface DiagnosticJson {
  readonly code: string
  readonly severity: Severity
  readonly message: string
  readonly file: string
  readonly start: PositionJson
  readonly end: PositionJson
  readonly label?: string
  readonly related: ReadonlyArray<RelatedJson>
  readonly notes: ReadonlyArray<string>
  readonly help?: string
}

const positionJson = (p: Position): PositionJson => ({ line: p.line, col: p.col, offset: p.offset })

export const diagnosticToJson = (d: Diagnostic): DiagnosticJson => ({
  code: d.code,
  severity: d.severity,
  message: d.message,
  file: d.span.file,
  start: positionJson(d.span.start),
  end: positionJson(d.span.end),
  ...(d.label === undefined ? {} : { label: d.label }),
  related: (d.related ?? []).map((r) => ({ file: r.span.file, start: positionJson(r.span.start), end: positionJson(r.span.end), label: r.label })),
  notes: [...(d.notes ?? [])],
  ...(d.help === undefined ? {} : { help: d.help })
})
