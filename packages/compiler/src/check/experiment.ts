import type { Block, Expr, Member, Span, Statement } from "@lrs/dsl"
import type { Activation, DataIR, EvaluationIR, LogIR, ModelIR, OptimizerIR, RunIR, ScheduleIR } from "../ir/Ir.ts"
import { compileSchedule } from "../schedule/compile.ts"
import { bindArgs, expectCall } from "./calls.ts"
import type { Context } from "./Context.ts"
import { suggestionHelp } from "./suggest.ts"
import { checkedBool, checkedChoice, checkedNumber, checkUnit, describe } from "./values.ts"

/** The fields an experiment block takes (`name = value`), in the order `resolve` prints them. */
export const experimentFields = ["seed", "steps", "batch", "data", "model", "optimizer"] as const
export type ExperimentField = (typeof experimentFields)[number]
const statementKinds = ["evaluate", "log"] as const
const declarationKinds = ["schedule"] as const

/** Where a value of the resolved experiment came from. */
export type Origin = { readonly kind: "spec"; readonly span: Span } | { readonly kind: "override"; readonly span: Span } | { readonly kind: "default" }
export type Origins = Readonly<Record<string, Origin>>

export interface FieldValue {
  readonly expr: Expr
  readonly origin: Origin
}

export const activations: ReadonlyArray<Activation> = ["relu", "tanh", "gelu", "sigmoid"]
const defaults = { seed: 0, batch: 32, logEvery: 10 }

/** Checks an experiment block and builds its IR; undefined when anything was reported. */
export const checkExperiment = (
  ctx: Context,
  block: Block,
  source: string,
  overrides: ReadonlyMap<string, FieldValue>
): { ir: RunIR; origins: Origins } | undefined => {
  const before = ctx.diagnostics.length
  const name = block.label?.text ?? "experiment"
  const fields = new Map<string, FieldValue>()
  const statements = new Map<string, Statement>()
  const seen = new Map<string, Span>()
  const once = (key: string, span: Span, what: string): boolean => {
    const first = seen.get(key)
    if (first !== undefined) {
      ctx.report("LRS1006", span, `${what} is defined twice in experiment \`${name}\``, `remove one; the first is at line ${first.start.line}`)
      return false
    }
    seen.set(key, span)
    return true
  }
  for (const m of block.members) collect(ctx, m, name, once, fields, statements)
  for (const [key, value] of overrides) fields.set(key, value)
  if (block.label === undefined) ctx.report("LRS1012", block.keyword.span, "an experiment needs a name", "write `experiment NAME { ... }`")

  const origins: Record<string, Origin> = {}
  const field = (key: ExperimentField): Expr | undefined => {
    const f = fields.get(key)
    origins[key] = f?.origin ?? { kind: "default" }
    return f?.expr
  }
  const required = (key: ExperimentField, example: string): Expr | undefined => {
    const e = field(key)
    if (e === undefined) ctx.report("LRS1007", block.keyword.span, `experiment \`${name}\` has no \`${key}\``, `add \`${key} = ${example}\``)
    return e
  }

  const seedExpr = field("seed")
  const seed = seedExpr === undefined ? defaults.seed : checkedNumber(ctx, seedExpr, "seed", { integer: true, min: 0, max: 2 ** 32 - 1 })
  const stepsExpr = required("steps", "1000")
  const steps = stepsExpr === undefined ? undefined : stepCount(ctx, stepsExpr, "steps")
  const batchExpr = field("batch")
  const batch = batchExpr === undefined ? defaults.batch : checkedNumber(ctx, batchExpr, "batch", { integer: true, min: 1 })
  const dataExpr = required("data", "spirals()")
  const data = dataExpr === undefined ? undefined : checkData(ctx, dataExpr)
  const modelExpr = required("model", "mlp(hidden = [64, 64])")
  const model = modelExpr === undefined ? undefined : checkModel(ctx, modelExpr)
  // Schedules need the budget for `%` lengths and for the segment that fills the rest.
  const budget = steps ?? 1
  const optimizerExpr = required("optimizer", "adam(lr = 1e-3)")
  const optimizer = optimizerExpr === undefined ? undefined : checkOptimizer(ctx, optimizerExpr, budget)
  const schedules: Record<string, ScheduleIR> = {}
  for (const [key, def] of ctx.schedules) {
    const ir = compileSchedule(ctx, def.expr, budget)
    if (ir !== undefined) schedules[key] = ir
    origins[`schedule ${key}`] = def.origin === "override" ? { kind: "override", span: def.span } : { kind: "spec", span: def.span }
  }
  const evaluation = checkEvaluate(ctx, statements.get("evaluate"), budget, block.span)
  origins["evaluate"] = statements.has("evaluate") ? { kind: "spec", span: statements.get("evaluate")!.span } : { kind: "default" }
  const log = checkLog(ctx, statements.get("log"), budget, block.span)
  origins["log"] = statements.has("log") ? { kind: "spec", span: statements.get("log")!.span } : { kind: "default" }

  if (ctx.diagnostics.length > before) return undefined
  if (seed === undefined || steps === undefined || batch === undefined || data === undefined || model === undefined || optimizer === undefined || evaluation === undefined || log === undefined) {
    return undefined
  }
  return {
    ir: { lrs: 1, experiment: name, source, seed, steps, batch, data, model, optimizer, schedules, evaluation, log, span: block.span },
    origins
  }
}

const collect = (
  ctx: Context,
  m: Member,
  experiment: string,
  once: (key: string, span: Span, what: string) => boolean,
  fields: Map<string, FieldValue>,
  statements: Map<string, Statement>
): void => {
  switch (m.kind) {
    case "Attribute": {
      if (m.keyword === undefined) {
        if (!(experimentFields as ReadonlyArray<string>).includes(m.name.text)) {
          ctx.report("LRS1003", m.name.span, `experiment \`${experiment}\` has no field \`${m.name.text}\``, suggestionHelp(m.name.text, experimentFields, "field"))
          return
        }
        if (once(m.name.text, m.span, `\`${m.name.text}\``)) fields.set(m.name.text, { expr: m.value, origin: { kind: "spec", span: m.span } })
        return
      }
      if (m.keyword.text !== "schedule") {
        ctx.report("LRS1002", m.keyword.span, `\`${m.keyword.text}\` is not a declaration an experiment takes`, suggestionHelp(m.keyword.text, declarationKinds, "declaration"))
        return
      }
      if (once(`schedule ${m.name.text}`, m.span, `schedule \`${m.name.text}\``)) {
        ctx.schedules.set(m.name.text, { name: m.name.text, expr: m.value, span: m.span, origin: "spec" })
      }
      return
    }
    case "Statement": {
      if (!(statementKinds as ReadonlyArray<string>).includes(m.keyword.text)) {
        ctx.report("LRS1002", m.keyword.span, `\`${m.keyword.text}\` is not a statement an experiment takes`, suggestionHelp(m.keyword.text, statementKinds, "statement"))
        return
      }
      if (once(m.keyword.text, m.span, `\`${m.keyword.text}\``)) statements.set(m.keyword.text, m)
      return
    }
    case "Block":
      ctx.report("LRS1002", m.keyword.span, `\`${m.keyword.text} { ... }\` is not a block an experiment takes in this release`, "experiments take fields, `schedule NAME = ...`, `evaluate ...` and `log ...`")
  }
}

/** A count of updates: `1500`, `1.5k` or `1500 steps`. */
const stepCount = (ctx: Context, e: Expr, what: string, usage = `${what} = N steps`): number | undefined => {
  if (e.kind === "Number" && e.unit !== undefined) {
    if (!checkUnit(ctx, e.unit)) return undefined
    if (e.unit.text !== "steps") {
      return ctx.report("LRS2005", e.unit.span, `\`${what}\` is counted in steps; \`${e.unit.text}\` cannot be converted to steps in this release`, `write \`${usage}\``)
    }
    return checkedNumber(ctx, { ...e, unit: undefined }, what, { integer: true, min: 1 })
  }
  return checkedNumber(ctx, e, what, { integer: true, min: 1 })
}

const checkData = (ctx: Context, e: Expr): DataIR | undefined => {
  const call = expectCall(ctx, e, "data", ["spirals"])
  if (call === undefined) return undefined
  const args = bindArgs(ctx, call, ["samples", "classes", "noise", "turns", "test_fraction"])
  const num = (key: string, fallback: number, rule: Parameters<typeof checkedNumber>[3]) => {
    const a = args.get(key)
    return a === undefined ? fallback : checkedNumber(ctx, a, key, rule)
  }
  const samples = num("samples", 2000, { integer: true, min: 2 })
  const classes = num("classes", 2, { integer: true, min: 2, max: 64 })
  const noise = num("noise", 0.05, { min: 0 })
  const turns = num("turns", 1.25, { min: 0, exclusive: true })
  const testFraction = num("test_fraction", 0.2, { min: 0, max: 1, exclusive: true })
  if (samples === undefined || classes === undefined || noise === undefined || turns === undefined || testFraction === undefined) return undefined
  const test = Math.round(samples * testFraction)
  if (test < 1 || samples - test < 1) {
    return ctx.report("LRS2002", call.span, `${samples} samples with test_fraction ${testFraction} leave an empty split`, "raise `samples` or move `test_fraction` away from 0 and 1")
  }
  return { kind: "spirals", samples, classes, noise, turns, testFraction, span: call.span }
}

const checkModel = (ctx: Context, e: Expr): ModelIR | undefined => {
  const call = expectCall(ctx, e, "model", ["mlp"])
  if (call === undefined) return undefined
  const args = bindArgs(ctx, call, ["hidden", "activation"])
  const hiddenExpr = args.get("hidden")
  let hidden: Array<number> | undefined = [64, 64]
  if (hiddenExpr !== undefined) {
    if (hiddenExpr.kind !== "List") {
      hidden = ctx.report("LRS2001", hiddenExpr.span, `\`hidden\` must be a list of layer widths such as \`[64, 64]\`, found ${describe(hiddenExpr)}`)
    } else {
      const widths = hiddenExpr.items.map((item) => checkedNumber(ctx, item, "hidden", { integer: true, min: 1 }))
      hidden = widths.every((w) => w !== undefined) ? widths : undefined
    }
  }
  const actExpr = args.get("activation")
  const activation = actExpr === undefined ? "relu" : checkedChoice(ctx, actExpr, "activation", activations)
  if (hidden === undefined || activation === undefined) return undefined
  return { kind: "mlp", hidden, activation, span: call.span }
}

/** A hyperparameter: any schedule; when it is constant its range is checked here. */
const hyper = (ctx: Context, args: ReadonlyMap<string, Expr>, key: string, fallback: number, budget: number, check: (v: number) => string | undefined, span: Span): ScheduleIR | undefined => {
  const e = args.get(key)
  if (e === undefined) return { kind: "constant", value: fallback, span }
  const s = compileSchedule(ctx, e, budget)
  if (s?.kind === "constant") {
    const problem = check(s.value)
    if (problem !== undefined) return ctx.report("LRS2002", e.span, `\`${key}\` ${problem}, found ${s.value}`)
  }
  return s
}

const nonNegative = (v: number) => (v >= 0 ? undefined : "must be >= 0")
const unitInterval = (v: number) => (v >= 0 && v < 1 ? undefined : "must be >= 0 and < 1")

const checkOptimizer = (ctx: Context, e: Expr, budget: number): OptimizerIR | undefined => {
  const call = expectCall(ctx, e, "optimizer", ["sgd", "adam", "adamw"])
  if (call === undefined) return undefined
  const fn = call.callee[0]!.text as "sgd" | "adam" | "adamw"
  const span = call.span
  if (fn === "sgd") {
    const args = bindArgs(ctx, call, ["lr", "momentum", "dampening", "nesterov", "weight_decay"], ["lr"])
    const lr = hyper(ctx, args, "lr", 0, budget, nonNegative, span)
    const momentum = hyper(ctx, args, "momentum", 0, budget, unitInterval, span)
    const d = args.get("dampening")
    const dampening = d === undefined ? 0 : checkedNumber(ctx, d, "dampening", { min: 0, max: 1 })
    const n = args.get("nesterov")
    const nesterov = n === undefined ? false : checkedBool(ctx, n, "nesterov")
    const weightDecay = hyper(ctx, args, "weight_decay", 0, budget, nonNegative, span)
    if (lr === undefined || momentum === undefined || dampening === undefined || nesterov === undefined || weightDecay === undefined) return undefined
    // torch.optim.SGD refuses the same combination.
    if (nesterov && (dampening !== 0 || (momentum.kind === "constant" && momentum.value === 0))) {
      return ctx.report("LRS2002", n!.span, "nesterov momentum needs `momentum > 0` and `dampening = 0`", "set `momentum = 0.9` (for example) and leave `dampening` at 0")
    }
    return { kind: "sgd", lr, momentum, dampening, nesterov, weightDecay, span }
  }
  const args = bindArgs(ctx, call, ["lr", "beta1", "beta2", "epsilon", "weight_decay"], ["lr"])
  const lr = hyper(ctx, args, "lr", 0, budget, nonNegative, span)
  const beta1 = hyper(ctx, args, "beta1", 0.9, budget, unitInterval, span)
  const beta2 = hyper(ctx, args, "beta2", 0.999, budget, unitInterval, span)
  const epsExpr = args.get("epsilon")
  const epsilon = epsExpr === undefined ? 1e-8 : checkedNumber(ctx, epsExpr, "epsilon", { min: 0, exclusive: true })
  const weightDecay = hyper(ctx, args, "weight_decay", fn === "adamw" ? 0.01 : 0, budget, nonNegative, span)
  if (lr === undefined || beta1 === undefined || beta2 === undefined || epsilon === undefined || weightDecay === undefined) return undefined
  return { kind: fn, lr, beta1, beta2, epsilon, weightDecay, span }
}

/** `every N steps` of a statement, checked as a positive whole number of steps. */
const everyClause = (ctx: Context, e: Expr): number | undefined => {
  if (e.kind === "Number" && e.unit === undefined) {
    return ctx.report("LRS2001", e.span, "an interval needs a unit", `write \`every ${e.raw} steps\``)
  }
  return stepCount(ctx, e, "every", "every N steps")
}

const checkClauses = (ctx: Context, s: Statement, allowed: ReadonlyArray<string>, usage: string): Map<string, Expr> => {
  const found = new Map<string, Expr>()
  for (const c of s.clauses) {
    const key = c.preposition?.text ?? "list"
    if (!allowed.includes(key)) {
      ctx.report("LRS1012", c.span, `\`${s.keyword.text}\` takes no ${key === "list" ? "list" : `\`${key}\` clause`}`, `write \`${usage}\``)
      continue
    }
    if (found.has(key)) {
      ctx.report("LRS1006", c.span, `\`${s.keyword.text}\` has two ${key === "list" ? "lists" : `\`${key}\` clauses`}`, "keep one")
      continue
    }
    found.set(key, c.value)
  }
  return found
}

const checkEvaluate = (ctx: Context, s: Statement | undefined, budget: number, span: Span): EvaluationIR | undefined => {
  if (s === undefined) return { every: budget, split: "test", metrics: ["accuracy", "loss"], span }
  const usage = "evaluate every 100 steps on test [accuracy, loss]"
  const clauses = checkClauses(ctx, s, ["every", "on", "list"], usage)
  const everyExpr = clauses.get("every")
  if (everyExpr === undefined) return ctx.report("LRS1012", s.span, "`evaluate` needs an interval", `write \`${usage}\``)
  const every = everyClause(ctx, everyExpr)
  const onExpr = clauses.get("on")
  const split = onExpr === undefined ? "test" : checkedChoice(ctx, onExpr, "split", ["test"] as const)
  const listExpr = clauses.get("list")
  let metrics: Array<"accuracy" | "loss"> | undefined = ["accuracy", "loss"]
  if (listExpr !== undefined && listExpr.kind === "List") {
    const items = listExpr.items.map((i) => checkedChoice(ctx, i, "metric", ["accuracy", "loss"] as const))
    metrics = items.every((i) => i !== undefined) ? [...new Set(items)] : undefined
    if (metrics !== undefined && metrics.length === 0) metrics = ctx.report("LRS2002", listExpr.span, "the list of metrics is empty", "name at least one of `accuracy`, `loss`")
  }
  if (every === undefined || split === undefined || metrics === undefined) return undefined
  return { every, split, metrics, span: s.span }
}

const checkLog = (ctx: Context, s: Statement | undefined, budget: number, span: Span): LogIR | undefined => {
  if (s === undefined) return { every: Math.min(defaults.logEvery, budget), span }
  const clauses = checkClauses(ctx, s, ["every"], "log every 10 steps")
  const everyExpr = clauses.get("every")
  if (everyExpr === undefined) return ctx.report("LRS1012", s.span, "`log` needs an interval", "write `log every 10 steps`")
  const every = everyClause(ctx, everyExpr)
  return every === undefined ? undefined : { every, span: s.span }
}
