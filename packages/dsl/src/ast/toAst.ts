import type { CstElement, CstNode, IToken } from "chevrotain"
import type { Position, Span } from "../diagnostics/Span.ts"
import type { Argument, BinaryOp, Clause, CompareOp, Document, Expr, Import, Member, Name } from "./Ast.ts"

/**
 * CST -> AST. Total over what error recovery leaves behind: a missing piece becomes a `Missing`
 * expression (a syntax error was already reported for it), never an exception.
 */
export const toAst = (file: string) => {
  const pos = (offset: number, line: number | undefined, col: number | undefined): Position => ({
    offset: offset < 0 || Number.isNaN(offset) ? 0 : offset,
    line: line === undefined || line < 0 || Number.isNaN(line) ? 1 : line,
    col: col === undefined || col < 0 || Number.isNaN(col) ? 1 : col
  })
  const tokenSpan = (t: IToken): Span => ({
    file,
    start: pos(t.startOffset, t.startLine, t.startColumn),
    end: pos((t.endOffset ?? t.startOffset) + 1, t.endLine, (t.endColumn ?? 0) + 1)
  })
  const emptySpan: Span = { file, start: pos(0, 1, 1), end: pos(0, 1, 1) }
  const nodeSpan = (n: CstNode, fallback: Span): Span => {
    const l = n.location
    if (l === undefined || l.startOffset < 0 || Number.isNaN(l.startOffset)) return fallback
    return {
      file,
      start: pos(l.startOffset, l.startLine, l.startColumn),
      end: pos((l.endOffset ?? l.startOffset) + 1, l.endLine, (l.endColumn ?? 0) + 1)
    }
  }
  const isToken = (e: CstElement): e is IToken => "image" in e
  const tokens = (n: CstNode, key: string): Array<IToken> =>
    (n.children[key] ?? []).filter(isToken).filter((t) => !t.isInsertedInRecovery)
  const nodes = (n: CstNode, key: string): Array<CstNode> =>
    (n.children[key] ?? []).filter((e): e is CstNode => !isToken(e))
  const name = (t: IToken): Name => ({ text: t.image, span: tokenSpan(t) })

  const document = (n: CstNode): Document => {
    const header = nodes(n, "header")[0]
    const version = header === undefined ? undefined : tokens(header, "NumberLiteral")[0]
    return {
      kind: "Document",
      version: version === undefined || header === undefined
        ? undefined
        : { value: Number(version.image), span: nodeSpan(header, tokenSpan(version)) },
      imports: nodes(n, "importDecl").flatMap(importDecl),
      members: nodes(n, "member").flatMap(member),
      span: nodeSpan(n, emptySpan)
    }
  }

  const importDecl = (n: CstNode): Array<Import> => {
    const path = tokens(n, "StringLiteral")[0]
    const alias = tokens(n, "Identifier")[0]
    if (path === undefined || alias === undefined) return []
    return [{ kind: "Import", path: { value: JSON.parse(path.image) as string, span: tokenSpan(path) }, alias: name(alias), span: nodeSpan(n, tokenSpan(path)) }]
  }

  const member = (n: CstNode): Array<Member> => {
    const keyword = tokens(n, "keyword")[0]
    const clauses = nodes(n, "clauses").flatMap((c) => nodes(c, "clause"))
    if (keyword === undefined) {
      return clauses.length === 0 ? [] : [{ kind: "Statement", keyword: undefined, clauses: clauses.map(clause), span: nodeSpan(n, emptySpan) }]
    }
    const span = nodeSpan(n, tokenSpan(keyword))
    const second = tokens(n, "name")[0]
    const block = nodes(n, "block")[0]
    if (block !== undefined) {
      return [{
        kind: "Block",
        keyword: name(keyword),
        label: second === undefined ? undefined : name(second),
        members: nodes(block, "member").flatMap(member),
        span
      }]
    }
    if (clauses.length > 0) {
      // `keyword name every ...` has no meaning; the compiler reports the stray name.
      const all: Array<Clause> = clauses.map(clause)
      if (second !== undefined) {
        return [{ kind: "Statement", keyword: name(keyword), clauses: [{ preposition: undefined, value: { kind: "Ref", path: [name(second)], span: tokenSpan(second) }, span: tokenSpan(second) }, ...all], span }]
      }
      return [{ kind: "Statement", keyword: name(keyword), clauses: all, span }]
    }
    const value = nodes(n, "value")[0]
    return [{
      kind: "Attribute",
      keyword: second === undefined ? undefined : name(keyword),
      name: name(second ?? keyword),
      value: value === undefined ? { kind: "Missing", span } : expression(value, span),
      span
    }]
  }

  const clause = (n: CstNode): Clause => {
    const span = nodeSpan(n, emptySpan)
    const prep = tokens(n, "Preposition")[0]
    const e = nodes(n, "expression")[0]
    const l = nodes(n, "list")[0]
    const value: Expr = e !== undefined ? expression(e, span) : l !== undefined ? list(l, span) : { kind: "Missing", span }
    return { preposition: prep === undefined ? undefined : name(prep), value, span }
  }

  const expression = (n: CstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    const segments = nodes(n, "segment").map((s) => segment(s, span))
    if (segments.length === 0) return { kind: "Missing", span }
    return segments.length === 1 ? segments[0]! : { kind: "Sequence", segments, span }
  }

  const segment = (n: CstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    const body = nodes(n, "body")[0]
    const duration = nodes(n, "duration")[0]
    const b: Expr = body === undefined ? { kind: "Missing", span } : comparison(body, span)
    if (tokens(n, "For").length === 0) return b
    return { kind: "Segment", body: b, duration: duration === undefined ? { kind: "Missing", span } : comparison(duration, span), span }
  }

  const comparison = (n: CstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    const [l, r] = nodes(n, "transition").map((t) => transition(t, span))
    const op = tokens(n, "Comparison")[0]
    if (l === undefined) return { kind: "Missing", span }
    if (op === undefined) return l
    return { kind: "Compare", op: op.image as CompareOp, left: l, right: r ?? { kind: "Missing", span }, span }
  }

  const transition = (n: CstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    const [l, r] = nodes(n, "additive").map((a) => binary(a, span))
    if (l === undefined) return { kind: "Missing", span }
    const right: Expr = r ?? { kind: "Missing", span }
    if (tokens(n, "Arrow").length > 0) return { kind: "Transition", from: l, to: right, span }
    if (tokens(n, "DotDot").length > 0) return { kind: "Range", from: l, to: right, span }
    return l
  }

  // Left-associative chains; operator tokens of different kinds sit in different CST arrays, so
  // they are put back in source order by offset.
  const binary = (n: CstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    const [operandKey, opKeys] = "multiplicative" in n.children
      ? ["multiplicative", ["Plus", "Minus"]] as const
      : ["unary", ["Star", "Slash"]] as const
    const operands = nodes(n, operandKey).map((o) => operandKey === "multiplicative" ? binary(o, span) : unary(o, span))
    const ops = opKeys.flatMap((k) => tokens(n, k)).sort((a, b) => a.startOffset - b.startOffset)
    let acc: Expr = operands[0] ?? { kind: "Missing", span }
    ops.forEach((op, i) => {
      const right: Expr = operands[i + 1] ?? { kind: "Missing", span }
      acc = { kind: "Binary", op: op.image as BinaryOp, left: acc, right, span: { file, start: acc.span.start, end: right.span.end } }
    })
    return acc
  }

  const unary = (n: CstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    const inner = nodes(n, "unary")[0]
    if (tokens(n, "Minus").length > 0) {
      return { kind: "Negate", operand: inner === undefined ? { kind: "Missing", span } : unary(inner, span), span }
    }
    const p = nodes(n, "primary")[0]
    return p === undefined ? { kind: "Missing", span } : primary(p, span)
  }

  const primary = (n: CstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    const num = nodes(n, "number")[0]
    if (num !== undefined) return number(num, span)
    const str = tokens(n, "StringLiteral")[0]
    if (str !== undefined) return { kind: "String", value: JSON.parse(str.image) as string, span }
    if (tokens(n, "True").length > 0) return { kind: "Bool", value: true, span }
    if (tokens(n, "False").length > 0) return { kind: "Bool", value: false, span }
    const ref = nodes(n, "reference")[0]
    if (ref !== undefined) return reference(ref, span)
    const l = nodes(n, "list")[0]
    if (l !== undefined) return list(l, span)
    const r = nodes(n, "record")[0]
    if (r !== undefined) return record(r, span)
    const e = nodes(n, "expression")[0]
    return e === undefined ? { kind: "Missing", span } : expression(e, span)
  }

  const number = (n: CstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    const literal = tokens(n, "NumberLiteral")[0]
    if (literal === undefined) return { kind: "Missing", span }
    const unit = tokens(n, "unit")[0]
    return { kind: "Number", value: numberValue(literal.image), raw: literal.image, unit: unit === undefined ? undefined : name(unit), span }
  }

  const reference = (n: CstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    const path = tokens(n, "Identifier").map(name)
    if (tokens(n, "LParen").length === 0) return { kind: "Ref", path, span }
    const args: Array<Argument> = nodes(n, "argument").map((a) => {
      const aSpan = nodeSpan(a, span)
      const label = tokens(a, "name")[0]
      const e = nodes(a, "expression")[0]
      return { name: label === undefined ? undefined : name(label), value: e === undefined ? { kind: "Missing", span: aSpan } : expression(e, aSpan), span: aSpan }
    })
    return { kind: "Call", callee: path, args, span }
  }

  const list = (n: CstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    return { kind: "List", items: nodes(n, "expression").map((e) => expression(e, span)), span }
  }

  const record = (n: CstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    const names = tokens(n, "Identifier")
    const values = nodes(n, "expression")
    return {
      kind: "Record",
      fields: names.map((t, i) => ({ name: name(t), value: values[i] === undefined ? { kind: "Missing", span } : expression(values[i]!, span) })),
      span
    }
  }

  return { document, expression: (n: CstNode) => expression(n, emptySpan) }
}

const suffixes: Readonly<Record<string, number>> = { k: 1e3, M: 1e6, B: 1e9 }

/** `2.5M` -> 2500000. The SI suffix multiplies exactly (no float drift for integral results). */
export const numberValue = (raw: string): number => {
  const last = raw[raw.length - 1]!
  const scale = suffixes[last]
  if (scale === undefined) return Number(raw)
  const v = Number(raw.slice(0, -1)) * scale
  return Math.abs(v - Math.round(v)) < 1e-6 ? Math.round(v) : v
}
