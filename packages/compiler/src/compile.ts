import { type Block, type Diagnostic, type Expr, hasErrors, parseExpression, type Span } from "@lrs/dsl"
import type { RunIR, ScheduleIR } from "./ir/Ir.ts"
import { compileSchedule, type Extent } from "./schedule/compile.ts"
import { Context, type Origin, Scope } from "./check/Context.ts"
import { curriculumFields } from "./check/curriculum.ts"
import { rlFields } from "./check/rl.ts"
import { streamFields } from "./check/stream.ts"
import { checkExperiment, experimentFields, type FieldValue, type Origins, reservedBlocks } from "./check/experiment.ts"
import { suggestionHelp } from "./check/suggest.ts"
import { checkSweep, type PruneRule, type Sweep, trialAssignments } from "./check/sweep.ts"
import { constNumber } from "./check/values.ts"
import { loadModules, type Module, type SourceHost } from "./load/modules.ts"

/** `--set name=value`: replaces a param or a top-level field of the experiment. */
export interface Override {
  readonly name: string
  readonly value: string
}

export interface CompileOptions {
  /** The path diagnostics name; imports resolve relative to it. */
  readonly file: string
  readonly overrides?: ReadonlyArray<Override>
  /** Reads imported files; without one, an import is an error. */
  readonly host?: SourceHost
  /** Compile trial N (0-based) of the file's sweep instead of its base values. */
  readonly trial?: number
}

/** A sweep's trials, each the list of names it sets and the values as written. */
export interface SweepInfo {
  readonly size: number
  readonly trials: ReadonlyArray<ReadonlyArray<{ readonly name: string; readonly value: string }>>
  /** How `lrs sweep` stops weak trials early, when the sweep says. */
  readonly prune?: PruneRule
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
  /** Present when the file declares a sweep. */
  readonly sweep?: SweepInfo
}

const topLevel = ["param", "schedule", "experiment", "sweep"] as const
/** Diagnostics of `--set` values point into what was typed, shown as this file name. */
export const overrideFile = "--set"

/**
 * Text in, IR or diagnostics out. Pure: reads nothing but imports (through `host`), never throws on
 * user input, and reports every problem it can find at once (semantic checks are skipped after
 * syntax errors, whose consequences would only be noise).
 */
export const compile = (text: string, options: CompileOptions): CompileResult => {
  const loaded = loadModules(text, options.file, options.host)
  const sources = new Map<string, string>([...loaded.modules.values()].map((m) => [m.file, m.text]))
  if (options.overrides !== undefined && options.overrides.length > 0) {
    sources.set(overrideFile, options.overrides.map((o) => `${o.name}=${o.value}`).join("\n"))
  }
  const diagnostics = new Diagnostics(options.file)
  diagnostics.add(loaded.diagnostics)
  // Syntax errors and imports that could not be loaded stop here: what follows would be their echo.
  const blocking = loaded.diagnostics.some((d) => d.severity === "error" && (d.code.startsWith("LRS0") || d.code === "LRS5001" || d.code === "LRS5002"))
  if (blocking) return { diagnostics: diagnostics.sorted(), sources }

  const root = loaded.modules.get(options.file)!
  // A malformed `--set` is reported and left out; the spec is still checked with the others.
  const setCtx = Context.make(new Scope(overrideFile))
  const overrides = (options.overrides ?? []).flatMap((o, i) => parseOverride(setCtx, o, i + 1) ?? [])
  diagnostics.add(setCtx.diagnostics)

  const structure = Context.make(new Scope(options.file))
  const { experiments, sweeps } = checkStructure(structure, loaded.modules, root)
  diagnostics.add(structure.diagnostics)
  const params = new Set(root.doc.members.flatMap((m) => (m.kind === "Attribute" && m.keyword?.text === "param" ? [m.name.text] : [])))
  // A curriculum's, a stream's or an rl block's fields are set as `curriculum.<field>` / `stream.<field>` / `rl.<field>`, when the experiment has one.
  const hasBlock = (name: string) => experiments[0]?.members.some((m) => m.kind === "Block" && m.keyword.text === name) === true
  const targets = [
    ...params,
    ...experimentFields,
    ...(hasBlock("curriculum") ? curriculumFields.map((f) => `curriculum.${f}`) : []),
    ...(hasBlock("stream") ? streamFields.map((f) => `stream.${f}`) : []),
    ...(hasBlock("rl") ? rlFields.map((f) => `rl.${f}`) : [])
  ]
  const validOverrides = overrides.filter((o) => {
    if (targets.includes(o.name)) return true
    setCtx.report("LRS9001", o.nameSpan, `\`--set ${o.name}\` matches no param and no experiment field`, suggestionHelp(o.name, targets, "name"), {
      notes: ["only params, the experiment's fields and the fields of its `curriculum`, `stream` or `rl` block (`rl.budget`) can be set; to vary an argument such as an optimizer's `lr`, give it a param (`param peak = 1e-3`, `lr = peak`) and set that"]
    })
    return false
  })
  diagnostics.add(setCtx.diagnostics)

  const sweepCtx = Context.make(new Scope(options.file))
  const sweep = sweeps[0] === undefined ? undefined : checkSweep(sweepCtx, sweeps[0], targets)
  diagnostics.add(sweepCtx.diagnostics)
  const sweepInfo = sweep === undefined ? undefined : describeSweep(sweep, loaded.modules)

  if (experiments.length === 0) {
    structure.report("LRS1004", root.doc.span, "the file declares no experiment", "add `experiment NAME { ... }`; a file of params and schedules alone is for imports, `lrs schedule` and `lrs plot`")
    diagnostics.add(structure.diagnostics)
  }
  // Problems so far (a bad `--set`, a stray declaration) do not stop the experiment's own checks.
  const experiment = experiments[0]
  if (experiment === undefined) return withSweep({ diagnostics: diagnostics.sorted(), sources }, sweepInfo)

  let assignments: Array<Assignment> = []
  if (options.trial !== undefined) {
    if (sweep === undefined || options.trial < 0 || options.trial >= sweep.size || !Number.isInteger(options.trial)) {
      const message = sweep === undefined ? "the file declares no sweep" : `trial ${options.trial} does not exist: the sweep has trials 0 to ${sweep.size - 1}`
      structure.report("LRS4106", sweeps[0]?.span ?? root.doc.span, message, sweep === undefined ? "leave out --trial" : `choose a trial from 0 to ${sweep.size - 1}`)
      diagnostics.add(structure.diagnostics)
      return withSweep({ diagnostics: diagnostics.sorted(), sources }, sweepInfo)
    }
    assignments = trialAssignments(sweep, options.trial).map((a) => ({ name: a.name, expr: a.value, origin: { kind: "sweep", span: a.value.span } }))
  }
  const fromSet: Array<Assignment> = validOverrides.map((o) => ({ name: o.name, expr: o.expr, origin: { kind: "override", span: o.expr.span } }))
  const swept = sweep === undefined ? [] : sweep.groups.flatMap((g) => g.map((a) => a.name))
  // One trial may leave a swept param unused that others use; the sweep as a whole is checked without --trial.
  const run = checkRun(loaded.modules, root, experiment, [...assignments, ...fromSet], options.host, swept, true, options.trial === undefined ? [] : swept)
  diagnostics.add(run.diagnostics)

  // Each swept value is checked with the base values of the other groups, so a bad value is
  // reported where it is written; a zip's values are checked row by row, together, since they only
  // ever run together. Long generated axes (ranges, log, linspace) are checked at both ends, where
  // their bounds are; the trial that runs is always compiled whole (`--trial`). Unused names are
  // the base check's to report: a swept param one trial leaves unused, others use.
  if (sweep !== undefined && options.trial === undefined && !diagnostics.hasErrors()) {
    const ends = 32
    for (const group of sweep.groups) {
      const length = group[0]?.values.length ?? 0
      const rows = Array.from({ length }, (_, i) => i)
      for (const i of length <= 2 * ends ? rows : [...rows.slice(0, ends), ...rows.slice(-ends)]) {
        const row: Array<Assignment> = group.map((axis) => ({ name: axis.name, expr: axis.values[i]!, origin: { kind: "sweep", span: axis.values[i]!.span } }))
        diagnostics.add(checkRun(loaded.modules, root, experiment, [...row, ...fromSet], options.host, swept, false).diagnostics)
      }
    }
  }
  if (run.result === undefined || diagnostics.hasErrors()) return withSweep({ diagnostics: diagnostics.sorted(), sources }, sweepInfo)
  return withSweep({ ir: run.result.ir, origins: run.result.origins, diagnostics: diagnostics.sorted(), sources }, sweepInfo)
}

const withSweep = (r: CompileResult, sweep: SweepInfo | undefined): CompileResult => (sweep === undefined ? r : { ...r, sweep })

interface Assignment {
  readonly name: string
  readonly expr: Expr
  readonly origin: Origin
}

/** Diagnostics from several checking passes, each reported once, in source order. */
class Diagnostics {
  private readonly all: Array<Diagnostic> = []
  private readonly keys = new Set<string>()
  private readonly file: string
  constructor(file: string) {
    this.file = file
  }
  add(ds: ReadonlyArray<Diagnostic>): void {
    for (const d of ds) {
      const key = `${d.code}@${d.span.file}:${d.span.start.offset}-${d.span.end.offset}:${d.message}`
      if (this.keys.has(key)) continue
      this.keys.add(key)
      this.all.push(d)
    }
  }
  hasErrors(): boolean {
    return hasErrors(this.all)
  }
  /** The spec's own problems first, then its imports', then those of `--set` values; by line and column. */
  sorted(): Array<Diagnostic> {
    const rank = (d: Diagnostic) => (d.span.file === this.file ? 0 : d.span.file === overrideFile ? 2 : 1)
    return [...this.all].sort((a, b) =>
      rank(a) - rank(b) || (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) ||
      a.span.start.line - b.span.start.line || a.span.start.col - b.span.start.col
    )
  }
}

/** Top-level members of every file: what each may declare, duplicates, the version header. */
const checkStructure = (ctx: Context, modules: ReadonlyMap<string, Module>, root: Module): { experiments: Array<Block>; sweeps: Array<Block> } => {
  const experiments: Array<Block> = []
  const sweeps: Array<Block> = []
  for (const module of modules.values()) {
    const isRoot = module === root
    const doc = module.doc
    if (doc.version === undefined) {
      ctx.report("LRS1001", { ...doc.span, file: module.file, end: doc.span.start }, "the file does not start with a version header", "add `lrs 1` as the first line")
    } else if (doc.version.value !== 1) {
      ctx.report("LRS1001", doc.version.span, `version ${doc.version.value} is not supported`, "this release reads `lrs 1`")
    }
    const names = new Map<string, Span>()
    for (const m of doc.members) {
      if (m.kind === "Attribute" && (m.keyword?.text === "param" || m.keyword?.text === "schedule")) {
        const first = names.get(m.name.text)
        if (first !== undefined) {
          ctx.report("LRS1006", m.name.span, `\`${m.name.text}\` is defined twice`, "remove one of them or rename it", { related: [{ span: first, label: "first defined here" }] })
        } else names.set(m.name.text, m.span)
        continue
      }
      if (m.kind === "Block" && (m.keyword.text === "experiment" || m.keyword.text === "sweep")) {
        if (!isRoot) {
          ctx.report("LRS5003", m.keyword.span, `an imported file cannot declare \`${m.keyword.text}\``, "keep params and schedules in files that others import, and run experiments from their own files")
          continue
        }
        const list = m.keyword.text === "experiment" ? experiments : sweeps
        if (list.length > 0) {
          ctx.report(m.keyword.text === "experiment" ? "LRS1005" : "LRS1006", m.keyword.span, `a file declares one ${m.keyword.text} in this release`, `merge it into the first, or move \`${m.label?.text ?? m.keyword.text}\` to a file of its own`, {
            related: [{ span: list[0]!.keyword.span, label: `the first ${m.keyword.text}` }]
          })
          continue
        }
        if (m.keyword.text === "sweep" && m.label !== undefined) ctx.report("LRS1012", m.label.span, "a sweep has no name", "write `sweep { ... }`")
        list.push(m)
        continue
      }
      if (m.kind === "Block" && (reservedBlocks as ReadonlyArray<string>).includes(m.keyword.text)) {
        ctx.report("LRS1013", m.keyword.span, `\`${m.keyword.text} { ... }\` is reserved and not available in this release`, "remove the block for now", {
          notes: ["`stream`, `curriculum` and `rl` blocks are reserved for continual streams, curricula and RL loops"]
        })
        continue
      }
      const word = m.kind === "Attribute" ? (m.keyword ?? m.name) : m.kind === "Block" ? m.keyword : (m.keyword ?? m.clauses[0]?.preposition)
      if (word !== undefined) ctx.report("LRS1002", word.span, `\`${word.text}\` is not a top-level declaration`, suggestionHelp(word.text, topLevel, "declaration"))
    }
  }
  return { experiments, sweeps }
}

/** Scopes for every file (params and schedules, import aliases), with assignments replacing root params. */
const buildScopes = (modules: ReadonlyMap<string, Module>, root: Module, assignments: ReadonlyArray<Assignment>): Scope => {
  const scopes = new Map<string, Scope>([...modules.keys()].map((f) => [f, new Scope(f)]))
  for (const module of modules.values()) {
    const scope = scopes.get(module.file)!
    for (const [alias, file] of module.imports) {
      const imp = module.doc.imports.find((i) => i.alias.text === alias)!
      scope.imports.set(alias, { scope: scopes.get(file)!, span: imp.span })
    }
    for (const m of module.doc.members) {
      if (m.kind !== "Attribute" || (m.keyword?.text !== "param" && m.keyword?.text !== "schedule") || scope.definitions.has(m.name.text)) continue
      scope.definitions.set(m.name.text, { kind: m.keyword.text, name: m.name.text, expr: m.value, span: m.span, origin: { kind: "spec", span: m.span }, scope })
    }
  }
  const rootScope = scopes.get(root.file)!
  for (const a of assignments) {
    const def = rootScope.definitions.get(a.name)
    if (def?.kind === "param") rootScope.definitions.set(a.name, { ...def, expr: a.expr, origin: a.origin })
  }
  return rootScope
}

const checkRun = (
  modules: ReadonlyMap<string, Module>,
  root: Module,
  experiment: Block,
  assignments: ReadonlyArray<Assignment>,
  host: SourceHost | undefined,
  touched: ReadonlyArray<string> = [],
  warnUnused = true,
  exempt: ReadonlyArray<string> = []
) => {
  const scope = buildScopes(modules, root, assignments)
  const ctx = Context.make(scope, host)
  const fieldOverrides = new Map<string, FieldValue>()
  for (const a of assignments) {
    if (scope.definitions.get(a.name)?.kind !== "param") fieldOverrides.set(a.name, { expr: a.expr, origin: a.origin })
  }
  const result = checkExperiment(ctx, experiment, root.file, fieldOverrides)
  // Only when the experiment checked out: otherwise a use may simply not have been reached.
  if (result !== undefined && warnUnused) {
    for (const def of scope.definitions.values()) {
      if (ctx.isUsed(def) || exempt.includes(def.name)) continue
      const assigned = touched.includes(def.name) || assignments.some((a) => a.name === def.name)
      ctx.warn("LRS1015", { ...def.span, end: def.span.start.line === def.span.end.line ? def.span.end : def.span.start }, `${def.kind} \`${def.name}\` is never used`, assigned ? "use it in the experiment, or stop setting it" : "use it, or remove it", {
        ...(assigned ? { notes: [`setting or sweeping \`${def.name}\` changes nothing about the run`] } : {})
      })
    }
    for (const [alias, imp] of scope.imports) {
      if (!ctx.isImportUsed(imp.scope)) ctx.warn("LRS5004", imp.span, `the import \`${alias}\` is never used`, "remove it, or refer to its names as `" + alias + ".NAME`")
    }
  }
  const origins: Record<string, Origin> = { ...result?.origins }
  for (const def of scope.definitions.values()) if (def.kind === "param") origins[`param ${def.name}`] = def.origin
  return { result: result === undefined ? undefined : { ir: result.ir, origins }, diagnostics: ctx.diagnostics }
}

const describeSweep = (sweep: Sweep, modules: ReadonlyMap<string, Module>): SweepInfo => {
  const text = (e: Expr): string => {
    const source = modules.get(e.span.file)?.text
    // Values made by `log(...)` or a range carry the span of what made them; print the number.
    if (e.kind === "Number" && (e.raw === String(e.value) && source?.slice(e.span.start.offset, e.span.end.offset) !== e.raw)) return e.raw
    return source === undefined ? "?" : source.slice(e.span.start.offset, e.span.end.offset)
  }
  const trials = Array.from({ length: sweep.size }, (_, i) => trialAssignments(sweep, i).map((a) => ({ name: a.name, value: text(a.value) })))
  return { size: sweep.size, trials, ...(sweep.prune === undefined ? {} : { prune: sweep.prune }) }
}

interface ParsedOverride {
  readonly name: string
  readonly nameSpan: Span
  readonly expr: Expr
}

/**
 * The `--set`s read as one virtual file named `--set` whose line N is the Nth `--set`, so
 * `--set:2:7` is column 7 of the second one.
 */
const parseOverride = (ctx: Context, o: Override, line: number): ParsedOverride | undefined => {
  const nameSpan = { file: overrideFile, start: { offset: 0, line, col: 1 }, end: { offset: o.name.length, line, col: o.name.length + 1 } }
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(o.name)) {
    return ctx.report("LRS9002", nameSpan, `\`${o.name}\` is not a name`, "write `--set name=value`, for example `--set seed=3`")
  }
  if (o.value.trim() === "") {
    return ctx.report("LRS9002", nameSpan, `\`--set ${o.name}=\` has no value`, `write \`--set ${o.name}=VALUE\``)
  }
  // Padding puts the value at its line and column in `name=value`, so spans point into what was typed.
  const parsed = parseExpression("\n".repeat(line - 1) + " ".repeat(o.name.length + 1) + o.value, overrideFile)
  ctx.push(parsed.diagnostics)
  return hasErrors(parsed.diagnostics) ? undefined : { name: o.name, nameSpan, expr: parsed.ast }
}

/** The schedules of a spec or of a schedule file, compiled over a number of steps, for `lrs schedule` and `lrs plot`. */
export interface ScheduleSet {
  /** By name: the file's schedules, and in an experiment also each optimizer hyperparameter as `optimizer.<name>`. */
  readonly schedules?: ReadonlyMap<string, ScheduleIR>
  readonly steps?: number
  readonly diagnostics: ReadonlyArray<Diagnostic>
  readonly sources: ReadonlyMap<string, string>
}

const hyperparameters = ["lr", "momentum", "beta1", "beta2", "weightDecay"] as const

/**
 * A spec's schedules over its budget (or `steps`, which overrides it), or, for a file that holds only
 * params and schedules, its top-level schedules over `steps`.
 */
export const compileSchedules = (text: string, options: CompileOptions & { readonly steps?: number }): ScheduleSet => {
  const loaded = loadModules(text, options.file, options.host)
  const root = loaded.modules.get(options.file)!
  const hasExperiment = root.doc.members.some((m) => m.kind === "Block" && m.keyword.text === "experiment")
  if (hasExperiment) {
    const overrides = [...(options.overrides ?? []), ...(options.steps === undefined ? [] : [{ name: "steps", value: String(options.steps) }])]
    const r = compile(text, { ...options, overrides })
    if (r.ir === undefined) return { diagnostics: r.diagnostics, sources: r.sources }
    const schedules = new Map<string, ScheduleIR>(Object.entries(r.ir.schedules))
    const o = r.ir.optimizer as unknown as Record<string, ScheduleIR | undefined>
    for (const h of hyperparameters) if (o[h] !== undefined) schedules.set(`optimizer.${h === "weightDecay" ? "weight_decay" : h}`, o[h]!)
    return { schedules, steps: r.ir.steps, diagnostics: r.diagnostics, sources: r.sources }
  }
  // A schedule file: what `compile` would say, less the missing experiment.
  const checked = compile(text, options)
  const diagnostics = checked.diagnostics.filter((d) => d.code !== "LRS1004")
  if (hasErrors(diagnostics)) return { diagnostics, sources: checked.sources }
  const ctx = Context.make(buildScopes(loaded.modules, root, []), options.host)
  if (options.steps === undefined || !Number.isInteger(options.steps) || options.steps < 1) {
    ctx.report("LRS1007", { ...root.doc.span, end: root.doc.span.start }, "a file of schedules has no budget to draw them over", "give the number of steps, for example `--steps 1000`")
    return { diagnostics: [...diagnostics, ...ctx.diagnostics], sources: checked.sources }
  }
  const extent: Extent = { steps: options.steps, source: root.doc.span, what: "--steps" }
  const schedules = new Map<string, ScheduleIR>()
  for (const def of ctx.scope.definitions.values()) {
    if (def.kind !== "schedule") continue
    const ir = ctx.resolving(def, def.span, () => compileSchedule(ctx, def.expr, extent))
    if (ir !== undefined) schedules.set(def.name, ir)
  }
  const all = [...diagnostics, ...ctx.diagnostics]
  return hasErrors(all) ? { diagnostics: all, sources: checked.sources } : { schedules, steps: options.steps, diagnostics: all, sources: checked.sources }
}

/**
 * The base value of every param of a file and of the files it imports, by file and then by name
 * (undefined for one that is not a valid number). For editors, which show a param's value on
 * hover; the diagnostics are `compile`'s business and are dropped here.
 */
export const paramValues = (text: string, options: Pick<CompileOptions, "file" | "host">): ReadonlyMap<string, ReadonlyMap<string, number | undefined>> => {
  const loaded = loadModules(text, options.file, options.host)
  const root = loaded.modules.get(options.file)!
  const ctx = Context.make(buildScopes(loaded.modules, root, []), options.host)
  const out = new Map<string, Map<string, number | undefined>>()
  const visit = (scope: Scope): void => {
    if (out.has(scope.file)) return
    const values = new Map<string, number | undefined>()
    out.set(scope.file, values)
    for (const def of scope.definitions.values()) {
      if (def.kind !== "param") continue
      const inScope = ctx.in(def.scope)
      // Cached and cycle-guarded as a use of the param would be, so a cycle ends in undefined.
      values.set(def.name, ctx.cachedParam(def, () => inScope.resolving(def, def.span, () => constNumber(inScope, def.expr))))
    }
    for (const imp of scope.imports.values()) visit(imp.scope)
  }
  visit(ctx.scope)
  return out
}
