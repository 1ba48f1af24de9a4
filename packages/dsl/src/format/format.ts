import type { Block, Document, Expr, Member } from "../ast/Ast.ts"
import { printDocument } from "../ast/print.ts"
import { type Diagnostic, hasErrors } from "../diagnostics/Diagnostic.ts"
import { parseDocument, positionAt } from "../parse.ts"

export interface FormatResult {
  /** The canonical text; undefined when the file has syntax errors (nothing is guessed). */
  readonly text: string | undefined
  readonly diagnostics: ReadonlyArray<Diagnostic>
}

/** A comment by its source range (end exclusive). */
interface Comment {
  readonly start: number
  readonly end: number
  readonly image: string
}

/** Something printed on its own line(s): the header, an import, a member. */
interface Item {
  readonly start: number
  readonly end: number
  /** The item's text, first line unindented; `inside` are the comments within its source range. */
  readonly render: (inside: ReadonlyArray<Comment>, indent: string) => string
}

const step = "  "

/**
 * The canonical text of a spec. Printed from the AST, so spacing, parentheses, commas and quoting
 * are normalized; comments and blank lines (at most one in a row) are carried over from the source.
 * A header, import or member with a comment inside it is kept verbatim, since the AST has no place
 * for that comment.
 */
export const formatSource = (source: string, file: string): FormatResult => {
  // Offsets below index this text; CRLF would otherwise leak `\r` into comments and verbatim slices.
  const text = source.replace(/\r\n/g, "\n")
  const parsed = parseDocument(text, file)
  if (hasErrors(parsed.diagnostics)) return { text: undefined, diagnostics: parsed.diagnostics }
  const comments: Array<Comment> = parsed.comments.map((c) => ({ start: c.startOffset, end: c.startOffset + c.image.length, image: c.image }))
  const out = printFile(text, parsed.ast, comments)
  // A formatter writes files in place: a change of meaning or a lost comment is a bug to stop on.
  const again = parseDocument(out, file)
  if (
    hasErrors(again.diagnostics) ||
    printDocument(again.ast) !== printDocument(parsed.ast) ||
    again.comments.map((c) => c.image).join("\n") !== parsed.comments.map((c) => c.image).join("\n")
  ) {
    throw new Error(`lrs fmt: formatting ${file} would change its meaning or lose a comment (a formatter bug)`)
  }
  return { text: out, diagnostics: parsed.diagnostics }
}

const printFile = (text: string, doc: Document, comments: ReadonlyArray<Comment>): string => {
  // 0-based line of an offset, counting line ends as the lexer does.
  const lineOf = (offset: number): number => positionAt(text, offset).line - 1
  const lastLine = (from: { readonly end: number }): number => lineOf(from.end - 1)

  const verbatim = (start: number, end: number): string => text.slice(start, end)

  /** Canonical one-line text, or the source slice when a comment sits inside or the AST is incomplete. */
  const simple = (start: number, end: number, print: () => string) => (inside: ReadonlyArray<Comment>): string => {
    if (inside.length > 0) return verbatim(start, end)
    try {
      return print()
    } catch (e) {
      if (e === missing) return verbatim(start, end)
      throw e
    }
  }

  const memberItem = (m: Member): Item => {
    const start = m.span.start.offset
    const end = m.span.end.offset
    switch (m.kind) {
      case "Attribute":
        return { start, end, render: simple(start, end, () => `${m.keyword === undefined ? "" : `${m.keyword.text} `}${m.name.text} = ${formatExpr(m.value)}`) }
      case "Statement":
        return {
          start,
          end,
          render: simple(start, end, () =>
            [...(m.keyword === undefined ? [] : [m.keyword.text]), ...m.clauses.map((c) => c.preposition === undefined ? formatExpr(c.value) : `${c.preposition.text} ${formatExpr(c.value)}`)].join(" "))
        }
      case "Block":
        return { start, end, render: (inside, indent) => block(m, inside, indent) }
    }
  }

  const block = (b: Block, inside: ReadonlyArray<Comment>, indent: string): string => {
    const start = b.span.start.offset
    const end = b.span.end.offset
    const head = `${b.keyword.text}${b.label === undefined ? "" : ` ${b.label.text}`}`
    // Find `{` past the keyword and label, stepping over any comments between them.
    let brace = (b.label ?? b.keyword).span.end.offset
    for (;;) {
      while (brace < end && /\s/.test(text[brace]!)) brace++
      const c = inside.find((c) => c.start === brace)
      if (c === undefined) break
      brace = c.end
    }
    if (text[brace] !== "{" || inside.some((c) => c.start < brace)) return verbatim(start, end)
    if (b.members.length === 0 && inside.length === 0) return `${head} {}`
    const body = container(b.members.map(memberItem), inside, indent + step, lineOf(brace))
    return [`${head} {${body.opener}`, ...body.lines, `${indent}}`].join("\n")
  }

  /**
   * The items of a document or block body, one per line, with the comments around them: on the
   * line where an item ends, a comment stays there; otherwise it gets its own line. A blank line
   * separates two things that had one or more between them in the source.
   */
  const container = (items: ReadonlyArray<Item>, comments: ReadonlyArray<Comment>, indent: string, openLine: number | undefined) => {
    const lines: Array<string> = []
    let prevEnd: number | undefined
    let ci = 0
    const emit = (line: string, startLine: number, endLine: number) => {
      if (prevEnd !== undefined && startLine - prevEnd >= 2) lines.push("")
      lines.push(line)
      prevEnd = endLine
    }
    /** Comments from `ci` that continue the line `line` ends on, up to `limit`. */
    const sameLine = (line: number, limit: number): { images: Array<string>; endLine: number } => {
      const images: Array<string> = []
      let endLine = line
      while (ci < comments.length && comments[ci]!.start < limit && lineOf(comments[ci]!.start) === endLine) {
        images.push(comments[ci]!.image)
        endLine = lastLine(comments[ci]!)
        ci++
      }
      return { images, endLine }
    }
    /** Comments before `limit` not on an item's line, in groups that shared a source line. */
    const ownLines = (limit: number) => {
      while (ci < comments.length && comments[ci]!.start < limit) {
        const first = comments[ci]!
        ci++
        const rest = sameLine(lastLine(first), limit)
        emit(indent + [first.image, ...rest.images].join(" "), lineOf(first.start), rest.endLine)
      }
    }
    const firstStart = items[0]?.start ?? Infinity
    const opener = openLine === undefined ? [] : sameLine(openLine, firstStart).images
    items.forEach((item, i) => {
      ownLines(item.start)
      const inside: Array<Comment> = []
      while (ci < comments.length && comments[ci]!.start < item.end) inside.push(comments[ci++]!)
      const trailing = sameLine(lastLine(item), items[i + 1]?.start ?? Infinity)
      const tail = trailing.images.length === 0 ? "" : ` ${trailing.images.join(" ")}`
      emit(indent + item.render(inside, indent) + tail, lineOf(item.start), trailing.endLine)
    })
    ownLines(Infinity)
    return { opener: opener.length === 0 ? "" : ` ${opener.join(" ")}`, lines }
  }

  const items: Array<Item> = []
  if (doc.version !== undefined) {
    const start = doc.version.span.start.offset
    const end = doc.version.span.end.offset
    items.push({ start, end, render: simple(start, end, () => `lrs ${verbatim(start, end).slice(3).trim()}`) })
  }
  for (const i of doc.imports) {
    const start = i.span.start.offset
    const end = i.span.end.offset
    items.push({ start, end, render: simple(start, end, () => `import ${JSON.stringify(i.path.value)} as ${i.alias.text}`) })
  }
  for (const m of doc.members) items.push(memberItem(m))
  const { lines } = container(items, comments, "", undefined)
  return lines.length === 0 ? "" : lines.join("\n") + "\n"
}

/** Thrown by `formatExpr` at a `Missing` node; the member is then kept as written. */
const missing = Symbol("missing")

/** Binding strength, loosest first, as the grammar nests its rules. */
const precedence = (e: Expr): number => {
  switch (e.kind) {
    case "Sequence":
      return 1
    case "Segment":
      return 2
    case "Compare":
      return 3
    case "Transition":
    case "Range":
      return 4
    case "Binary":
      return e.op === "+" || e.op === "-" ? 5 : 6
    case "Negate":
      return 7
    default:
      return 8
  }
}

/** `e` where the grammar accepts only rules binding at least `min`; parenthesized otherwise. */
const at = (e: Expr, min: number): string => precedence(e) < min ? `(${formatExpr(e)})` : formatExpr(e)

/** One expression on one line, with the parentheses its nesting needs and no others. */
export const formatExpr = (e: Expr): string => {
  switch (e.kind) {
    case "Number":
      return e.unit === undefined ? e.raw : e.unit.text === "%" ? `${e.raw}%` : `${e.raw} ${e.unit.text}`
    case "String":
      return JSON.stringify(e.value)
    case "Bool":
      return String(e.value)
    case "Ref":
      return e.path.map((p) => p.text).join(".")
    case "Call":
      return `${e.callee.map((p) => p.text).join(".")}(${e.args.map((a) => `${a.name === undefined ? "" : `${a.name.text} = `}${formatExpr(a.value)}`).join(", ")})`
    case "List":
      return `[${e.items.map(formatExpr).join(", ")}]`
    case "Record":
      return e.fields.length === 0 ? "{}" : `{ ${e.fields.map((f) => `${f.name.text} = ${formatExpr(f.value)}`).join(", ")} }`
    case "Negate": {
      // `- -a`, not `--a`, which reads as a decrement.
      const operand = at(e.operand, 7)
      return operand.startsWith("-") ? `- ${operand}` : `-${operand}`
    }
    case "Binary": {
      // Left-associative: the right operand needs a tighter rule than the operator's own.
      const p = precedence(e)
      return `${at(e.left, p)} ${e.op} ${at(e.right, p + 1)}`
    }
    case "Compare":
      return `${at(e.left, 4)} ${e.op} ${at(e.right, 4)}`
    case "Transition":
      return `${at(e.from, 5)} -> ${at(e.to, 5)}`
    case "Range":
      return `${at(e.from, 5)}..${at(e.to, 5)}`
    case "Segment":
      return `${at(e.body, 3)} for ${at(e.duration, 3)}`
    case "Sequence":
      return e.segments.map((s) => at(s, 2)).join(" then ")
    case "Missing":
      throw missing
  }
}
