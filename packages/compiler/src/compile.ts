import { type Block, type Diagnostic, type Expr, hasErrors, parseDocument, parseExpression } from "@lrs/dsl"
import type { RunIR } from "./ir/Ir.ts"
import { Context } from "./check/Context.ts"
import { checkExperiment, experimentFields, type FieldValue, type Origins } from "./check/experiment.ts"
import { suggestionHelp } from "./check/suggest.ts"

/** `--set name=value`: replaces a param or a top-level field of the experiment. */
export interface Override {
  readonly name: string
  readonly value: string
}

export interface CompileOptions {
  /** The path diagnostics name. */
  readonly file: string
  readonly overrides?: ReadonlyArray<Override>
}

export interface CompileResult {
  /** Present exactly when there are no errors. */
  readonly ir?: RunIR
  readonly origins?: Origins
  readonly diagnostics: ReadonlyArray<Diagnostic>
  /**
   * The text of every file a diagnostic can point into, by the name spans use: the spec, its
   * imports, and `--set` (line N is the Nth override as `name=value`). Renderers show lines from it.
   */
  readonly sources: ReadonlyMap<string, string>
}

const topLevel = ["param", "experiment"] as const
/** Diagnostics of `--set` values point into what was typed, shown as this file name. */
export const overrideFile = "--set"

/**
 * Text in, IR or diagnostics out. Pure: reads nothing, never throws on user input, and reports
 * every problem it can find at once (semantic checks are skipped after syntax errors, whose
 * consequences would only be noise).
 */
export const compile = (text: string, options: CompileOptions): CompileResult => {
  const sources = new Map<string, string>([[options.file, text]])
  if (options.overrides !== undefined && options.overrides.length > 0) {
    sources.set(overrideFile, options.overrides.map((o) => `${o.name}=${o.value}`).join("\n"))
  }
  const result = compileWith(text, options)
  return { ...result, sources }
}

const compileWith = (text: string, options: CompileOptions): Omit<CompileResult, "sources"> => {
  const parsed = parseDocument(text, options.file)
  const ctx = new Context()
  ctx.diagnostics.push(...parsed.diagnostics)
  if (hasErrors(ctx.diagnostics)) return { diagnostics: sorted(ctx.diagnostics, options.file) }
  // A malformed `--set` is reported and left out; the spec is still checked with the others.
  const overrides = (options.overrides ?? []).map((o, i) => parseOverride(ctx, o, i + 1))

  const doc = parsed.ast
  if (doc.version === undefined) {
    ctx.report("LRS1001", { ...doc.span, end: doc.span.start }, "the file does not start with a version header", "add `lrs 1` as the first line")
  } else if (doc.version.value !== 1) {
    ctx.report("LRS1001", doc.version.span, `version ${doc.version.value} is not supported`, "this release reads `lrs 1`")
  }

  const experiments: Array<Block> = []
  for (const m of doc.members) {
    if (m.kind === "Attribute" && m.keyword?.text === "param") {
      const first = ctx.params.get(m.name.text)
      if (first !== undefined) {
        ctx.report("LRS1006", m.span, `param \`${m.name.text}\` is defined twice`, `remove one; the first is at line ${first.span.start.line}`)
      } else ctx.params.set(m.name.text, { name: m.name.text, expr: m.value, span: m.span, origin: "spec" })
    } else if (m.kind === "Block" && m.keyword.text === "experiment") {
      experiments.push(m)
    } else {
      const word = m.kind === "Attribute" ? (m.keyword ?? m.name) : m.keyword
      ctx.report("LRS1002", word.span, `\`${word.text}\` is not a top-level declaration`, suggestionHelp(word.text, topLevel, "declaration"))
    }
  }

  // Overrides: a param by that name first, else a field of the experiment.
  const fieldOverrides = new Map<string, FieldValue>()
  for (const o of overrides) {
    if (o === undefined) continue
    if (ctx.params.has(o.name)) {
      ctx.params.set(o.name, { name: o.name, expr: o.expr, span: o.expr.span, origin: "override" })
    } else if ((experimentFields as ReadonlyArray<string>).includes(o.name)) {
      fieldOverrides.set(o.name, { expr: o.expr, origin: { kind: "override", span: o.expr.span } })
    } else {
      const targets = [...ctx.params.keys(), ...experimentFields]
      ctx.report("LRS9001", o.nameSpan, `\`--set ${o.name}\` matches no param and no experiment field`, suggestionHelp(o.name, targets, "name"))
    }
  }

  if (experiments.length === 0) {
    ctx.report("LRS1004", doc.span, "the file declares no experiment", "add `experiment NAME { ... }`")
    return { diagnostics: sorted(ctx.diagnostics, options.file) }
  }
  for (const extra of experiments.slice(1)) {
    ctx.report("LRS1005", extra.keyword.span, "a file declares one experiment in this release", `move \`${extra.label?.text ?? "this experiment"}\` to a file of its own`)
  }
  const checked = checkExperiment(ctx, experiments[0]!, options.file, fieldOverrides)
  if (checked === undefined || hasErrors(ctx.diagnostics)) return { diagnostics: sorted(ctx.diagnostics, options.file) }
  return { ir: checked.ir, origins: checked.origins, diagnostics: sorted(ctx.diagnostics, options.file) }
}

/** Source order: the spec's own problems first, then those of `--set` values. */
const sorted = (ds: ReadonlyArray<Diagnostic>, file: string): Array<Diagnostic> =>
  [...ds].sort((a, b) =>
    (a.span.file === file ? 0 : 1) - (b.span.file === file ? 0 : 1) || a.span.start.line - b.span.start.line || a.span.start.col - b.span.start.col
  )

interface ParsedOverride {
  readonly name: string
  readonly nameSpan: Expr["span"]
  readonly expr: Expr
}

/**
 * The `--set`s read as one virtual file named `--set` whose line N is the Nth `--set`, so
 * `--set:2:7` is column 7 of the second one.
 */
const parseOverride = (ctx: Context, o: Override, line: number): ParsedOverride | undefined => {
  const nameSpan = { file: overrideFile, start: { offset: 0, line, col: 1 }, end: { offset: o.name.length, line, col: o.name.length + 1 } }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.name)) {
    return ctx.report("LRS9002", nameSpan, `\`${o.name}\` is not a name`, "write `--set name=value`, for example `--set seed=3`")
  }
  if (o.value.trim() === "") {
    return ctx.report("LRS9002", nameSpan, `\`--set ${o.name}=\` has no value`, `write \`--set ${o.name}=VALUE\``)
  }
  // Padding puts the value at its line and column in `name=value`, so spans point into what was typed.
  const parsed = parseExpression("\n".repeat(line - 1) + " ".repeat(o.name.length + 1) + o.value, overrideFile)
  ctx.diagnostics.push(...parsed.diagnostics)
  return hasErrors(parsed.diagnostics) ? undefined : { name: o.name, nameSpan, expr: parsed.ast }
}
