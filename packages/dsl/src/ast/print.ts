import type { Expr, Member } from "./Ast.ts"
import type { Document } from "./Ast.ts"

/**
 * An S-expression view of the AST without spans: what parser fixtures compare against and what
 * `lrs` could show for debugging. One member per line, expressions inline.
 */
export const printDocument = (doc: Document): string => {
  const lines: Array<string> = [`(document${doc.version === undefined ? "" : ` version=${doc.version.value}`})`]
  for (const i of doc.imports) lines.push(`  (import ${JSON.stringify(i.path.value)} ${i.alias.text})`)
  const member = (m: Member, depth: number): void => {
    const pad = "  ".repeat(depth)
    switch (m.kind) {
      case "Attribute":
        lines.push(`${pad}(attribute${m.keyword === undefined ? "" : ` ${m.keyword.text}`} ${m.name.text} ${printExpr(m.value)})`)
        return
      case "Statement":
        lines.push(`${pad}(statement${m.keyword === undefined ? "" : ` ${m.keyword.text}`}${m.clauses.map((c) => ` (${c.preposition?.text ?? "list"} ${printExpr(c.value)})`).join("")})`)
        return
      case "Block":
        lines.push(`${pad}(block ${m.keyword.text}${m.label === undefined ? "" : ` ${m.label.text}`})`)
        for (const inner of m.members) member(inner, depth + 1)
    }
  }
  for (const m of doc.members) member(m, 1)
  return lines.join("\n") + "\n"
}

export const printExpr = (e: Expr): string => {
  switch (e.kind) {
    case "Number":
      return e.unit === undefined ? `${e.value}` : `(${e.value} ${e.unit.text})`
    case "String":
      return JSON.stringify(e.value)
    case "Bool":
      return String(e.value)
    case "Ref":
      return e.path.map((p) => p.text).join(".")
    case "Call":
      return `(call ${e.callee.map((p) => p.text).join(".")}${e.args.map((a) => ` ${a.name === undefined ? "" : `${a.name.text}=`}${printExpr(a.value)}`).join("")})`
    case "List":
      return `[${e.items.map(printExpr).join(" ")}]`
    case "Record":
      return `{${e.fields.map((f) => `${f.name.text}=${printExpr(f.value)}`).join(" ")}}`
    case "Negate":
      return `(- ${printExpr(e.operand)})`
    case "Binary":
    case "Compare":
      return `(${e.op} ${printExpr(e.left)} ${printExpr(e.right)})`
    case "Transition":
      return `(-> ${printExpr(e.from)} ${printExpr(e.to)})`
    case "Range":
      return `(.. ${printExpr(e.from)} ${printExpr(e.to)})`
    case "Segment":
      return `(for ${printExpr(e.body)} ${printExpr(e.duration)})`
    case "Sequence":
      return `(then ${e.segments.map(printExpr).join(" ")})`
    case "Missing":
      return "<missing>"
  }
}
