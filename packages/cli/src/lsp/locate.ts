import type { Argument, Attribute, Block, Document, Expr, Import, Member, Name, Span } from "@lrs/dsl"

/**
 * What the cursor is on, found in the AST: hover and go-to-definition ask the same question. A
 * cursor just after a word is still on it (editors put it there after typing or double-clicking).
 */
export type Found =
  | { readonly kind: "importPath"; readonly imp: Import }
  | { readonly kind: "importAlias"; readonly imp: Import }
  /** The name of `param NAME = ...` or `schedule NAME = ...`. */
  | { readonly kind: "declaration"; readonly member: Attribute; readonly experiment: Block | undefined }
  | { readonly kind: "keyword"; readonly name: Name }
  /** One segment of a dotted name: `peak`, or `common` / `peak` in `common.peak`. */
  | { readonly kind: "ref"; readonly path: ReadonlyArray<Name>; readonly segment: number; readonly experiment: Block | undefined }
  /** The callee of a call: `cosine` in `cosine(1 -> 0)`. */
  | { readonly kind: "call"; readonly call: Expr & { kind: "Call" }; readonly experiment: Block | undefined }

const within = (span: Span, offset: number): boolean => span.start.offset <= offset && offset <= span.end.offset

export const locate = (doc: Document, offset: number): Found | undefined => {
  for (const imp of doc.imports) {
    if (within(imp.path.span, offset)) return { kind: "importPath", imp }
    if (within(imp.alias.span, offset)) return { kind: "importAlias", imp }
  }
  for (const m of doc.members) {
    const found = inMember(m, offset, undefined)
    if (found !== undefined) return found
  }
  return undefined
}

const declarationWords = new Set(["param", "schedule"])

const inMember = (m: Member, offset: number, experiment: Block | undefined): Found | undefined => {
  if (!within(m.span, offset)) return undefined
  switch (m.kind) {
    case "Block": {
      if (within(m.keyword.span, offset)) return { kind: "keyword", name: m.keyword }
      // Names inside an experiment see its own schedules first.
      const scope = m.keyword.text === "experiment" ? m : experiment
      for (const inner of m.members) {
        const found = inMember(inner, offset, scope)
        if (found !== undefined) return found
      }
      return undefined
    }
    case "Attribute":
      if (m.keyword !== undefined && within(m.keyword.span, offset)) return { kind: "keyword", name: m.keyword }
      if (within(m.name.span, offset)) {
        return m.keyword !== undefined && declarationWords.has(m.keyword.text) ? { kind: "declaration", member: m, experiment } : { kind: "keyword", name: m.name }
      }
      return inExpr(m.value, offset, experiment)
    case "Statement":
      if (m.keyword !== undefined && within(m.keyword.span, offset)) return { kind: "keyword", name: m.keyword }
      for (const c of m.clauses) {
        if (c.preposition !== undefined && within(c.preposition.span, offset)) return { kind: "keyword", name: c.preposition }
        const found = inExpr(c.value, offset, experiment)
        if (found !== undefined) return found
      }
      return undefined
  }
}

const inExpr = (e: Expr, offset: number, experiment: Block | undefined): Found | undefined => {
  if (!within(e.span, offset)) return undefined
  switch (e.kind) {
    case "Ref": {
      const segment = e.path.findIndex((n) => within(n.span, offset))
      return segment < 0 ? undefined : { kind: "ref", path: e.path, segment, experiment }
    }
    case "Call": {
      if (e.callee.some((n) => within(n.span, offset))) return { kind: "call", call: e, experiment }
      return first(e.args, (a: Argument) => (a.name !== undefined && within(a.name.span, offset) ? undefined : inExpr(a.value, offset, experiment)))
    }
    case "List":
      return first(e.items, (i) => inExpr(i, offset, experiment))
    case "Record":
      return first(e.fields, (f) => inExpr(f.value, offset, experiment))
    case "Negate":
      return inExpr(e.operand, offset, experiment)
    case "Binary":
    case "Compare":
      return inExpr(e.left, offset, experiment) ?? inExpr(e.right, offset, experiment)
    case "Transition":
    case "Range":
      return inExpr(e.from, offset, experiment) ?? inExpr(e.to, offset, experiment)
    case "Segment":
      return inExpr(e.body, offset, experiment) ?? inExpr(e.duration, offset, experiment)
    case "Sequence":
      return first(e.segments, (s) => inExpr(s, offset, experiment))
    default:
      return undefined
  }
}

const first = <A, B>(xs: ReadonlyArray<A>, f: (x: A) => B | undefined): B | undefined => {
  for (const x of xs) {
    const found = f(x)
    if (found !== undefined) return found
  }
  return undefined
}

/** The experiment block the offset is inside, if any (completion offers its fields there). */
export const experimentAt = (doc: Document, offset: number): Block | undefined =>
  doc.members.find((m): m is Block => m.kind === "Block" && m.keyword.text === "experiment" && m.span.start.offset < offset && offset < m.span.end.offset)
