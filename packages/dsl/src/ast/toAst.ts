import type { CstElement, CstNode, IToken } from "chevrotain"
import type {
  ClauseCstNode,
  DocumentCstNode,
  ExpressionCstNode,
  ImportDeclCstNode,
  ListCstNode,
  MemberCstNode,
  NumberCstNode,
  PrimaryCstNode,
  RecordCstNode,
  ReferenceCstNode,
  UnaryCstNode
} from "../syntax/cst.generated.ts"
import type { Position, Span } from "../diagnostics/Span.ts"
import { unescapeString } from "../syntax/strings.ts"
import type { Argument, BinaryOp, Clause, CompareOp, Document, Expr, Import, Member, Name } from "./Ast.ts"

/**
 * CST -> AST. Total over what error recovery leaves behind: a missing piece becomes a `Missing`
 * expression (a syntax error was already reported for it), never an exception.
 */
export const toAst = (file: string, options: { readonly recovered: boolean } = { recovered: true }) => {
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
  // Hot: called for every CST node, so plain loops rather than chained filters.
  // Keys are checked against the generated CST types, so a renamed rule or label is a type error here.
  // A label holds only tokens or only nodes, so after a clean parse the CST arrays are used as they
  // are; after error recovery, tokens the parser inserted are dropped.
  const none: Array<never> = []
  const tokens = <N extends CstNode>(n: N, key: Extract<keyof N["children"], string>): Array<IToken> => {
    const all = (n.children[key] ?? none) as Array<CstElement>
    if (!options.recovered) return all as Array<IToken>
    const out: Array<IToken> = []
    for (const e of all) if (isToken(e) && e.isInsertedInRecovery !== true) out.push(e)
    return out
  }
  const nodes = <N extends CstNode, K extends Extract<keyof N["children"], string>>(n: N, key: K): Array<Extract<NonNullable<N["children"][K]>[number], CstNode>> => {
    const all = (n.children[key] ?? none) as Array<CstElement>
    if (!options.recovered) return all as Array<Extract<NonNullable<N["children"][K]>[number], CstNode>>
    const out: Array<CstNode> = []
    for (const e of all) if (!isToken(e)) out.push(e)
    return out as Array<Extract<NonNullable<N["children"][K]>[number], CstNode>>
  }
  const name = (t: IToken): Name => ({ text: t.image, span: tokenSpan(t) })

  const document = (n: DocumentCstNode): Document => {
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

  const importDecl = (n: ImportDeclCstNode): Array<Import> => {
    const path = tokens(n, "StringLiteral")[0]
    const alias = tokens(n, "Identifier")[0]
    if (path === undefined || alias === undefined) return []
    return [{ kind: "Import", path: { value: unescapeString(path.image), span: tokenSpan(path) }, alias: name(alias), span: nodeSpan(n, tokenSpan(path)) }]
  }

  const member = (n: MemberCstNode): Array<Member> => {
    const first = tokens(n, "keyword")[0]
    const path = tokens(n, "path")
    // `stream.replay`: one name, the words joined by dots, spanning them all.
    const last = path.at(-1)
    const keyword = first === undefined || last === undefined
      ? first
      : { ...first, image: [first, ...path].map((t) => t.image).join("."), endOffset: last.endOffset ?? last.startOffset, endLine: last.endLine ?? 0, endColumn: last.endColumn ?? 0 }
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

  const clause = (n: ClauseCstNode): Clause => {
    const span = nodeSpan(n, emptySpan)
    const prep = tokens(n, "Preposition")[0]
    const e = nodes(n, "expression")[0]
    const l = nodes(n, "list")[0]
    const value: Expr = e !== undefined ? expression(e, span) : l !== undefined ? list(l, span) : { kind: "Missing", span }
    return { preposition: prep === undefined ? undefined : name(prep), value, span }
  }

  const expression = (n: ExpressionCstNode, fallback: Span): Expr => {
    const operands = nodes(n, "unary").map((u) => unary(u, fallback))
    const ops = tokens(n, "BinaryOperator")
    if (operands.length === 0) return { kind: "Missing", span: nodeSpan(n, fallback) }
    if (ops.length === 0) return operands[0]!
    return climb(operands, ops, nodeSpan(n, fallback))
  }

  /**
   * Precedence climbing over `a op b op c ...` (operands[i] and operands[i + 1] sit either side of
   * ops[i]). `then` collects its segments into one Sequence; `+ - * /` group to the left; `for`,
   * comparisons, `->` and `..` take one operand each side (a chain of them nests to the left and
   * the checker rejects it).
   */
  const climb = (operands: ReadonlyArray<Expr>, ops: ReadonlyArray<IToken>, whole: Span): Expr => {
    let i = 0
    const operand = (): Expr => operands[i] ?? { kind: "Missing", span: whole }
    const parse = (minLevel: number): Expr => {
      let left = operand()
      while (i < ops.length) {
        const op = ops[i]!
        const level = precedence(op)
        if (level < minLevel) break
        i++
        if (op.image === "then") {
          const segments = [left, parse(level + 1)]
          while (i < ops.length && ops[i]!.image === "then") {
            i++
            segments.push(parse(level + 1))
          }
          left = { kind: "Sequence", segments, span: spanOver(segments[0]!, segments[segments.length - 1]!) }
          continue
        }
        const right = parse(level + 1)
        left = combine(op, left, right)
      }
      return left
    }
    return parse(0)
  }

  const spanOver = (a: Expr, b: Expr): Span => ({ file, start: a.span.start, end: b.span.end })

  const combine = (op: IToken, left: Expr, right: Expr): Expr => {
    const span = spanOver(left, right)
    switch (op.image) {
      case "for":
        return { kind: "Segment", body: left, duration: right, span }
      case "->":
        return { kind: "Transition", from: left, to: right, span }
      case "..":
        return { kind: "Range", from: left, to: right, span }
      case "+":
      case "-":
      case "*":
      case "/":
        return { kind: "Binary", op: op.image as BinaryOp, left, right, span }
      default:
        return { kind: "Compare", op: op.image as CompareOp, left, right, span }
    }
  }

  // Spans of pass-through nodes are computed only when a node of their own is built (hot path).
  const unary = (n: UnaryCstNode, fallback: Span): Expr => {
    const p = nodes(n, "primary")[0]
    if (p !== undefined) return primary(p, fallback)
    const span = nodeSpan(n, fallback)
    const inner = nodes(n, "unary")[0]
    if (tokens(n, "Minus").length > 0) {
      return { kind: "Negate", operand: inner === undefined ? { kind: "Missing", span } : unary(inner, span), span }
    }
    return { kind: "Missing", span }
  }

  const primary = (n: PrimaryCstNode, fallback: Span): Expr => {
    const num = nodes(n, "number")[0]
    if (num !== undefined) return number(num, fallback)
    const ref = nodes(n, "reference")[0]
    if (ref !== undefined) return reference(ref, fallback)
    const l = nodes(n, "list")[0]
    if (l !== undefined) return list(l, fallback)
    const r = nodes(n, "record")[0]
    if (r !== undefined) return record(r, fallback)
    const span = nodeSpan(n, fallback)
    const str = tokens(n, "StringLiteral")[0]
    if (str !== undefined) return { kind: "String", value: unescapeString(str.image), span }
    if (tokens(n, "True").length > 0) return { kind: "Bool", value: true, span }
    if (tokens(n, "False").length > 0) return { kind: "Bool", value: false, span }
    const e = nodes(n, "expression")[0]
    return e === undefined ? { kind: "Missing", span } : expression(e, span)
  }

  const number = (n: NumberCstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    const literal = tokens(n, "NumberLiteral")[0]
    if (literal === undefined) return { kind: "Missing", span }
    const unit = tokens(n, "unit")[0]
    return { kind: "Number", value: numberValue(literal.image), raw: literal.image, unit: unit === undefined ? undefined : name(unit), span }
  }

  const reference = (n: ReferenceCstNode, fallback: Span): Expr => {
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

  const list = (n: ListCstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    return { kind: "List", items: nodes(n, "expression").map((e) => expression(e, span)), span }
  }

  const record = (n: RecordCstNode, fallback: Span): Expr => {
    const span = nodeSpan(n, fallback)
    const names = tokens(n, "Identifier")
    const values = nodes(n, "expression")
    return {
      kind: "Record",
      fields: names.map((t, i) => ({ name: name(t), value: values[i] === undefined ? { kind: "Missing", span } : expression(values[i]!, span) })),
      span
    }
  }

  return { document: (n: CstNode) => document(n as DocumentCstNode), expression: (n: CstNode) => expression(n as ExpressionCstNode, emptySpan) }
}

/** Binding strength of each binary operator: `then` loosest, `* /` tightest. */
const levels: Readonly<Record<string, number>> = { then: 1, for: 2, ">=": 3, "<=": 3, ">": 3, "<": 3, "==": 3, "!=": 3, "->": 4, "..": 4, "+": 5, "-": 5, "*": 6, "/": 6 }
const precedence = (op: IToken): number => levels[op.image] ?? 0

const suffixes: Readonly<Record<string, number>> = { k: 1e3, M: 1e6, B: 1e9 }

/** `2.5M` -> 2500000. The SI suffix multiplies exactly (no float drift for integral results). */
export const numberValue = (raw: string): number => {
  const last = raw[raw.length - 1]!
  const scale = suffixes[last]
  if (scale === undefined) return Number(raw)
  const v = Number(raw.slice(0, -1)) * scale
  return Math.abs(v - Math.round(v)) < 1e-6 ? Math.round(v) : v
}
