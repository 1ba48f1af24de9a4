import type { IRecognitionException, IToken } from "chevrotain"
import type { Document, Expr } from "./ast/Ast.ts"
import { toAst } from "./ast/toAst.ts"
import { type Diagnostic, error } from "./diagnostics/Diagnostic.ts"
import type { Span } from "./diagnostics/Span.ts"
import { parser, parseTokens, type RuleName } from "./syntax/parser.ts"
import { StringLiteral, UnterminatedString } from "./syntax/tokens.ts"
import { lexer } from "./syntax/lexer.ts"

export interface ParseResult<A> {
  readonly ast: A
  readonly diagnostics: ReadonlyArray<Diagnostic>
  /** Comments in source order, for the formatter. */
  readonly comments: ReadonlyArray<IToken>
}

const spanAt = (file: string, offset: number, line: number, col: number, length: number): Span => ({
  file,
  start: { offset, line, col },
  end: { offset: offset + length, line, col: col + length }
})

const tokenSpan = (file: string, t: IToken): Span =>
  t.tokenType.name === "EOF" || Number.isNaN(t.startOffset) || t.startOffset < 0
    ? spanAt(file, 0, 1, 1, 0)
    : spanAt(file, t.startOffset, t.startLine ?? 1, t.startColumn ?? 1, t.image.length)

const run = <A>(text: string, file: string, rule: RuleName, build: (t: ReturnType<typeof toAst>, cst: ReturnType<typeof parseTokens>) => A): ParseResult<A> => {
  const lexed = lexer.tokenize(text)
  const diagnostics: Array<Diagnostic> = []
  for (const e of lexed.errors) {
    const ch = text.slice(e.offset, e.offset + e.length)
    diagnostics.push(error("LRS0001", spanAt(file, e.offset, e.line ?? 1, e.column ?? 1, e.length), `unexpected character \`${ch}\``, "remove it; comments start with `//`"))
  }
  const tokens: Array<IToken> = []
  for (const t of lexed.tokens) {
    if (t.tokenType === StringLiteral) {
      // Escapes follow JSON; a bad one is reported and dropped so the string still has a value.
      const bad = [...t.image.matchAll(/\\(u[0-9a-fA-F]{4}|[\s\S])/g)].filter((m) => !/^(u[0-9a-fA-F]{4}|["\\/bfnrt])$/.test(m[1]!))
      for (const m of bad) {
        const offset = t.startOffset + m.index
        diagnostics.push(error("LRS0003", spanAt(file, offset, t.startLine ?? 1, (t.startColumn ?? 1) + m.index, m[0].length), `invalid escape \`${m[0]}\` in a string`, "use one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX, or write the character itself"))
      }
      const image = bad.length === 0 ? t.image : t.image.replace(/\\(u[0-9a-fA-F]{4}|[\s\S])/g, (all, c: string) => (/^(u[0-9a-fA-F]{4}|["\\/bfnrt])$/.test(c) ? all : c))
      tokens.push(image === t.image ? t : { ...t, image })
    } else if (t.tokenType === UnterminatedString) {
      diagnostics.push(error("LRS0002", tokenSpan(file, t), "unterminated string", "close the string with `\"` on the same line"))
      // Parse on as if it were closed, so the rest of the file gets no follow-on errors.
      tokens.push({ ...t, tokenType: StringLiteral, tokenTypeIdx: StringLiteral.tokenTypeIdx!, image: t.image + "\"" })
    } else tokens.push(t)
  }
  const cst = parseTokens(tokens, rule)
  for (const e of parser.errors) diagnostics.push(syntaxDiagnostic(file, e, text))
  return { ast: build(toAst(file), cst), diagnostics, comments: (lexed.groups["comments"] ?? []) as Array<IToken> }
}

const syntaxDiagnostic = (file: string, e: IRecognitionException, text: string): Diagnostic => {
  let span = tokenSpan(file, e.token)
  // At the end of input, point just past the last character so the line is the one to fix.
  if (e.token.tokenType.name === "EOF") {
    const end = text.length
    const before = text.slice(0, end)
    const line = before.split("\n").length
    const col = end - before.lastIndexOf("\n")
    span = spanAt(file, end, line, col, 0)
  }
  return error("LRS0100", span, e.message)
}

/** Parse a whole `.lrs` file. Never throws; syntax errors come back as diagnostics beside a recovered AST. */
export const parseDocument = (text: string, file: string): ParseResult<Document> =>
  run(text, file, "document", (t, cst) => t.document(cst))

/** Parse a lone expression, as `--set name=value` gives one. */
export const parseExpression = (text: string, file: string): ParseResult<Expr> =>
  run(text, file, "expression", (t, cst) => t.expression(cst))
