import type { Span } from "../diagnostics/Span.ts"

/** A word of the source with its place: names, keywords, units. */
export interface Name {
  readonly text: string
  readonly span: Span
}

export interface Document {
  readonly kind: "Document"
  readonly version: { readonly value: number; readonly span: Span } | undefined
  readonly imports: ReadonlyArray<Import>
  readonly members: ReadonlyArray<Member>
  readonly span: Span
}

/** `import "./common.lrs" as common`. */
export interface Import {
  readonly kind: "Import"
  readonly path: { readonly value: string; readonly span: Span }
  readonly alias: Name
  readonly span: Span
}

/** `seed = 7` (no keyword) or `schedule lr = ...` (keyword `schedule`, name `lr`). */
export interface Attribute {
  readonly kind: "Attribute"
  readonly keyword: Name | undefined
  readonly name: Name
  readonly value: Expr
  readonly span: Span
}

/** `experiment quickstart { ... }`, `sweep { ... }`. */
export interface Block {
  readonly kind: "Block"
  readonly keyword: Name
  readonly label: Name | undefined
  readonly members: ReadonlyArray<Member>
  readonly span: Span
}

/**
 * `evaluate every 250 steps on test [accuracy, loss]`: a keyword and clauses; or clauses alone,
 * `until test.accuracy >= 0.97`.
 */
export interface Statement {
  readonly kind: "Statement"
  readonly keyword: Name | undefined
  readonly clauses: ReadonlyArray<Clause>
  readonly span: Span
}

/** `every 250 steps` (preposition `every`) or a bare list (no preposition). */
export interface Clause {
  readonly preposition: Name | undefined
  readonly value: Expr
  readonly span: Span
}

export type Member = Attribute | Block | Statement

export type BinaryOp = "+" | "-" | "*" | "/"
export type CompareOp = ">=" | "<=" | ">" | "<" | "==" | "!="

export type Expr =
  | { readonly kind: "Number"; readonly value: number; readonly raw: string; readonly unit: Name | undefined; readonly span: Span }
  | { readonly kind: "String"; readonly value: string; readonly span: Span }
  | { readonly kind: "Bool"; readonly value: boolean; readonly span: Span }
  | { readonly kind: "Ref"; readonly path: ReadonlyArray<Name>; readonly span: Span }
  | { readonly kind: "Call"; readonly callee: ReadonlyArray<Name>; readonly args: ReadonlyArray<Argument>; readonly span: Span }
  | { readonly kind: "List"; readonly items: ReadonlyArray<Expr>; readonly span: Span }
  | { readonly kind: "Record"; readonly fields: ReadonlyArray<{ readonly name: Name; readonly value: Expr }>; readonly span: Span }
  | { readonly kind: "Negate"; readonly operand: Expr; readonly span: Span }
  | { readonly kind: "Binary"; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly kind: "Compare"; readonly op: CompareOp; readonly left: Expr; readonly right: Expr; readonly span: Span }
  /** `0 -> peak` inside a shape: start and end value. */
  | { readonly kind: "Transition"; readonly from: Expr; readonly to: Expr; readonly span: Span }
  /** `1..5`, inclusive. */
  | { readonly kind: "Range"; readonly from: Expr; readonly to: Expr; readonly span: Span }
  /** `body for duration`: a schedule segment with a length. */
  | { readonly kind: "Segment"; readonly body: Expr; readonly duration: Expr; readonly span: Span }
  /** `a then b then c`. */
  | { readonly kind: "Sequence"; readonly segments: ReadonlyArray<Expr>; readonly span: Span }
  /** What error recovery left where an expression was expected; a syntax error was reported there. */
  | { readonly kind: "Missing"; readonly span: Span }

export interface Argument {
  readonly name: Name | undefined
  readonly value: Expr
  readonly span: Span
}
