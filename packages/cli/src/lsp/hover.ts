import { builtinConstructors, compileSchedules, loadModules, type Module, paramValues, printSchedule, scheduleConstructors, type SourceHost } from "@lrs/compiler"
import type { Span } from "@lrs/dsl"
import type { Analysis } from "./analysis.ts"
import type { OpenDocument } from "./documents.ts"
import { keywordDocs } from "./keywords.ts"
import { type Found, locate } from "./locate.ts"
import { offsetAt, spanRange } from "./positions.ts"
import type { Hover, Position } from "./protocol.ts"
import { type Placed, runSchedules, ScheduleIndex } from "./scheduleIndex.ts"
import { scheduleSummary } from "./sparkline.ts"
import { type Declaration, resolveName, underlying } from "./symbols.ts"

/** The budget a file of schedules alone is drawn over, as `lrs schedule FILE --steps 1000` would. */
export const librarySteps = 1000

/** A number short enough to read in a hover. */
const show = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v))

/** Everything a hover may need about one version of a document, computed once per request. */
interface Context {
  readonly doc: OpenDocument
  readonly analysis: Analysis
  readonly host: SourceHost
  readonly modules: ReadonlyMap<string, Module>
  /** The compiled schedules by source span; undefined while the spec has errors. */
  readonly index: ScheduleIndex | undefined
  /** Why there are no values, when there are none. */
  readonly missing: string
}

const indexOf = (doc: OpenDocument, analysis: Analysis, host: SourceHost): { index: ScheduleIndex | undefined; missing: string } => {
  const ir = analysis.result.ir
  if (ir !== undefined) return { index: new ScheduleIndex(runSchedules(ir), ir.steps), missing: "not used by the experiment" }
  if (analysis.library) {
    const set = compileSchedules(doc.text, { file: doc.path, host, steps: librarySteps })
    if (set.schedules !== undefined) return { index: new ScheduleIndex([...set.schedules].map(([n, s]) => [`schedule ${n}`, s] as const), librarySteps), missing: "not compiled" }
    const first = set.diagnostics.find((d) => d.severity === "error")
    return { index: undefined, missing: `no values: drawn over ${librarySteps} steps without an experiment, ${first === undefined ? "the file's schedules do not compile" : `${first.span.file}:${first.span.start.line}:${first.span.start.col}: ${first.message}`}` }
  }
  return { index: undefined, missing: "no values while the spec has errors" }
}

export const hover = (doc: OpenDocument, analysis: Analysis, host: SourceHost, position: Position): Hover | null => {
  const modules = loadModules(doc.text, doc.path, host).modules
  const root = modules.get(doc.path)
  const found = root === undefined ? undefined : locate(root.doc, offsetAt(doc.text, position))
  if (found === undefined) return null
  const ctx: Context = { doc, analysis, host, modules, ...indexOf(doc, analysis, host) }
  const text = describe(ctx, found)
  return text === undefined ? null : { contents: { kind: "markdown", value: text }, range: spanRange(rangeOf(found)) }
}

const rangeOf = (found: Found): Span => {
  switch (found.kind) {
    case "importPath":
      return found.imp.path.span
    case "importAlias":
      return found.imp.alias.span
    case "declaration":
      return found.member.name.span
    case "keyword":
      return found.name.span
    case "ref":
      return found.path[found.segment]!.span
    case "call":
      return { ...found.call.callee[0]!.span, end: found.call.callee[found.call.callee.length - 1]!.span.end }
  }
}

const describe = (ctx: Context, found: Found): string | undefined => {
  switch (found.kind) {
    case "keyword":
      return keywordDocs[found.name.text]
    case "importPath":
    case "importAlias": {
      const file = ctx.modules.get(ctx.doc.path)?.imports.get(found.imp.alias.text)
      return file === undefined ? undefined : `**import** \`${found.imp.alias.text}\`: \`${file}\``
    }
    case "declaration":
      return declared(ctx, { kind: found.member.keyword!.text as "param" | "schedule", file: ctx.doc.path, member: found.member, inExperiment: found.experiment !== undefined })
    case "ref": {
      const meaning = resolveName(ctx.modules, ctx.doc.path, found.path, found.segment, found.experiment)
      if (meaning === undefined) return undefined
      return meaning.kind === "file" ? `**import** \`${found.path[0]!.text}\`: \`${meaning.file}\`` : declared(ctx, meaning.declaration)
    }
    case "call":
      return called(ctx, found.call)
  }
}

const declared = (ctx: Context, d: Declaration): string => {
  const name = d.member.name.text
  if (d.kind === "param") {
    const value = paramValues(ctx.doc.text, { file: ctx.doc.path, host: ctx.host }).get(d.file)?.get(name)
    return `**param** \`${name}\` = \`${value === undefined ? "?" : show(value)}\``
  }
  // An experiment's own schedule is compiled under its name; a top-level one where it is used.
  const ir = ctx.analysis.result.ir
  const own = d.inExperiment && ir?.schedules[name] !== undefined ? { node: ir.schedules[name]!, steps: ir.steps, where: `schedule ${name}` } : undefined
  const placed = own ?? ctx.index?.get(underlying(ctx.modules, d).member.value.span)
  return scheduleText(`**schedule** \`${name}\``, placed, ctx)
}

const called = (ctx: Context, call: { readonly callee: ReadonlyArray<{ readonly text: string }>; readonly span: Span }): string | undefined => {
  const name = call.callee.map((n) => n.text).join(".")
  const schedule = scheduleConstructors.get(name)
  if (schedule !== undefined) {
    return scheduleText(`**schedule constructor** \`${name}(${schedule.params.join(", ")})\``, ctx.index?.get(call.span), ctx)
  }
  for (const [field, table] of Object.entries(builtinConstructors)) {
    const params = (table as Readonly<Record<string, ReadonlyArray<string>>>)[name]
    if (params !== undefined) return `**${field}** \`${name}(${params.join(", ")})\``
  }
  return undefined
}

/** The schedule as `lrs resolve` prints it, then its sparkline over the steps it fills. */
const scheduleText = (title: string, placed: Placed | undefined, ctx: Context): string => {
  if (placed === undefined) return `${title}\n\n_${ctx.missing}_`
  const { node, steps } = placed
  const s = scheduleSummary(node, steps)
  const approx = s.exact ? "" : "≈ "
  const over = ctx.analysis.result.ir === undefined ? `over ${steps} steps (a file without an experiment, drawn as \`lrs schedule --steps ${steps}\`)` : `over ${steps} steps, as \`${placed.where}\``
  return [
    `${title} · ${over}`,
    "```lrs\n" + printSchedule(node, steps) + "\n```",
    `\`${s.line}\``,
    `${show(s.first)} at step 0 → ${show(s.last)} at step ${Math.max(0, steps - 1)}; min ${approx}${show(s.min)}, max ${approx}${show(s.max)}`
  ].join("\n\n")
}
