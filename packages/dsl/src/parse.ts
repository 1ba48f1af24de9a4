import { type CstNode, EOF, type IRecognitionException, type IToken } from "chevrotain"
import type { Document, Expr } from "./ast/Ast.ts"
import { toAst } from "./ast/toAst.ts"
import { type Diagnostic, error } from "./diagnostics/Diagnostic.ts"
import type { Position, Span } from "./diagnostics/Span.ts"
import { lexer } from "./syntax/lexer.ts"
import { maxSyntaxErrors } from "./syntax/errors.ts"
import { parser, parseTokens, type RuleName } from "./syntax/parser.ts"
import { escapesOf } from "./syntax/strings.ts"
import * as T from "./syntax/tokens.ts"

export interface ParseResult<A> {
  readonly ast: A
  readonly diagnostics: ReadonlyArray<Diagnostic>
  /** Comments in source order, for the formatter. */
  readonly comments: ReadonlyArray<IToken>
}

/**
 * Deepest bracket or unary nesting the parser accepts. Chevrotain's recursive descent (and its
 * error recovery) would exhaust the stack a little beyond a hundred levels; no spec needs 64.
 */
export const maxNesting = 64
/** Deepest expression tree the later phases (which recurse over it) accept: a 256-term sum, say. */
export const maxExpressionDepth = 256

/** Offsets where lines start, counting `\n`, `\r\n` and a lone `\r` as line ends, as the lexer does. */
export const lineStarts = (text: string): Array<number> => {
  const starts = [0]
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1)
  }
  return starts
}

/** Line and column of an offset, by binary search over the line starts (cached for the last text seen). */
let cached: { text: string; starts: Array<number> } | undefined
export const positionAt = (text: string, offset: number): Position => {
  if (cached?.text !== text) cached = { text, starts: lineStarts(text) }
  const starts = cached.starts
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid]! <= offset) lo = mid
    else hi = mid - 1
  }
  return { offset, line: lo + 1, col: offset - starts[lo]! + 1 }
}

const spanOf = (file: string, text: string, start: number, end: number): Span => ({
  file,
  start: positionAt(text, start),
  end: positionAt(text, Math.min(Math.max(end, start), text.length))
})

const tokenSpan = (file: string, text: string, t: IToken): Span =>
  t.tokenType === EOF || Number.isNaN(t.startOffset) || t.startOffset < 0
    ? spanOf(file, text, text.length, text.length)
    : spanOf(file, text, t.startOffset, (t.endOffset ?? t.startOffset) + 1)

/** The first place where brackets or unary minus nest deeper than `maxNesting`, if any. */
const tooDeep = (tokens: ReadonlyArray<IToken>): IToken | undefined => {
  let depth = 0
  let minus = 0
  for (const t of tokens) {
    const type = t.tokenType
    if (type === T.LParen || type === T.LBracket || type === T.LCurly) depth++
    else if (type === T.RParen || type === T.RBracket || type === T.RCurly) depth = Math.max(0, depth - 1)
    minus = type === T.Minus ? minus + 1 : 0
    if (depth > maxNesting || minus > maxNesting) return t
  }
  return undefined
}

/** The sub-expressions of an expression. */
const children = (e: Expr): ReadonlyArray<Expr> => {
  switch (e.kind) {
    case "Call":
      return e.args.map((a) => a.value)
    case "List":
      return e.items
    case "Record":
      return e.fields.map((f) => f.value)
    case "Negate":
      return [e.operand]
    case "Binary":
    case "Compare":
      return [e.left, e.right]
    case "Transition":
    case "Range":
      return [e.from, e.to]
    case "Segment":
      return [e.body, e.duration]
    case "Sequence":
      return e.segments
    default:
      return []
  }
}

/** The expressions of a document or the expression itself, as roots of the depth check. */
const roots = (ast: Document | Expr): Array<Expr> => {
  if (ast.kind !== "Document") return [ast]
  const out: Array<Expr> = []
  const members = [...ast.members]
  while (members.length > 0) {
    const m = members.pop()!
    if (m.kind === "Attribute") out.push(m.value)
    else if (m.kind === "Statement") for (const c of m.clauses) out.push(c.value)
    else for (const inner of m.members) members.push(inner)
  }
  return out
}

/** The deepest expression node and its depth, walked without recursion (later phases do recurse). */
const deepest = (ast: Document | Expr): { depth: number; at: Span | undefined } => {
  let best: { depth: number; at: Span | undefined } = { depth: 0, at: undefined }
  const stack: Array<[Expr, number]> = roots(ast).map((e) => [e, 1])
  while (stack.length > 0) {
    const [e, d] = stack.pop()!
    if (d > best.depth) best = { depth: d, at: e.span }
    for (const c of children(e)) stack.push([c, d + 1])
  }
  return best
}

const run = <A extends Document | Expr>(text: string, file: string, rule: RuleName, build: (t: ReturnType<typeof toAst>, cst: CstNode) => A, empty: A): ParseResult<A> => {
  const lexed = lexer.tokenize(text)
  const diagnostics: Array<Diagnostic> = []
  for (const e of lexed.errors) {
    const ch = text.slice(e.offset, e.offset + e.length)
    // Invisible characters are named by code point; visible ones shown as they are.
    const shown = /^[\x21-\x7e\u00a1-\uffff]+$/.test(ch) && !/[\ud800-\udfff]/.test(ch) ? `\`${ch}\`` : [...ch].map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`).join(" ")
    diagnostics.push(error("LRS0001", spanOf(file, text, e.offset, e.offset + e.length), `unexpected character ${shown}`, "remove it; comments start with `//`", { label: "not part of the language" }))
  }
  for (const t of (lexed.groups["misplaced"] ?? []) as Array<IToken>) {
    diagnostics.push(error("LRS0001", tokenSpan(file, text, { ...t, endOffset: t.startOffset }), "`#` does not start a comment in lrs", "write `//` instead of `#`", { label: "not a comment" }))
  }
  const tokens: Array<IToken> = []
  for (const t of lexed.tokens) {
    if (t.tokenType === T.StringLiteral) {
      // Escapes follow JSON; a bad one is reported (the string keeps the character after the backslash).
      for (const e of escapesOf(t.image)) {
        if (e.valid) continue
        const at = t.startOffset + e.index
        diagnostics.push(error("LRS0003", spanOf(file, text, at, at + e.text.length), `invalid escape \`${e.text}\` in a string`, "use one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX, or write the character itself", { label: "not an escape" }))
      }
      tokens.push(t)
    } else if (t.tokenType === T.UnterminatedString) {
      diagnostics.push(error("LRS0002", tokenSpan(file, text, t), "unterminated string", "close the string with `\"` on the same line", { label: "this string never ends" }))
      // Parse on as if it were closed (same place in the text), so the rest gets no follow-on errors.
      tokens.push({ ...t, tokenType: T.StringLiteral, tokenTypeIdx: T.StringLiteral.tokenTypeIdx!, image: t.image + "\"" })
    } else tokens.push(t)
  }
  const deep = tooDeep(tokens)
  if (deep !== undefined) {
    diagnostics.push(error("LRS0004", tokenSpan(file, text, deep), `nesting deeper than ${maxNesting} levels`, "flatten the expression, or name parts of it with `param`", { label: "too deep" }))
    return { ast: empty, diagnostics, comments: [] }
  }
  const cst = parseTokens(tokens, rule)
  for (const e of parser.errors) diagnostics.push(syntaxDiagnostic(file, text, e))
  if (cst === undefined) {
    const last = parser.errors[parser.errors.length - 1]
    diagnostics.push(error("LRS0005", last === undefined ? spanOf(file, text, 0, 0) : tokenSpan(file, text, last.token), `more than ${maxSyntaxErrors} syntax errors; the rest of the file was not read`, "fix the first errors and check again", { label: "checking stopped here" }))
    return { ast: empty, diagnostics, comments: [] }
  }
  const ast = build(toAst(file, { recovered: parser.errors.length > 0 }), cst)
  const depth = deepest(ast)
  if (depth.depth > maxExpressionDepth) {
    diagnostics.push(error("LRS0004", depth.at ?? spanOf(file, text, 0, 0), `an expression nested deeper than ${maxExpressionDepth} levels`, "split it, or name parts of it with `param`", { label: "too deep" }))
  }
  return { ast, diagnostics, comments: (lexed.groups["comments"] ?? []) as Array<IToken> }
}

const syntaxDiagnostic = (file: string, text: string, e: IRecognitionException): Diagnostic =>
  // At the end of input the span is empty, just past the last character, so the line is the one to fix.
  error("LRS0100", tokenSpan(file, text, e.token), e.message, undefined, { label: e.token.tokenType === EOF ? "the file ends here" : "unexpected here" })

const emptySpan = (file: string): Span => ({ file, start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } })

/** Parse a whole `.lrs` file. Never throws; syntax errors come back as diagnostics beside a recovered AST. */
export const parseDocument = (text: string, file: string): ParseResult<Document> =>
  run(text, file, "document", (t, cst) => t.document(cst), { kind: "Document", version: undefined, imports: [], members: [], span: emptySpan(file) })

/** Parse a lone expression, as `--set name=value` gives one. */
export const parseExpression = (text: string, file: string): ParseResult<Expr> =>
  run(text, file, "expression", (t, cst) => t.expression(cst), { kind: "Missing", span: emptySpan(file) })
