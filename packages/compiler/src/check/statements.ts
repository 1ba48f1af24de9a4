import type { Expr, Span, Statement } from "@lrs/dsl"
import type { ConditionIR, EvaluationIR, LogIR, Metric, SignalIR } from "../ir/Ir.ts"
import { toSteps } from "../schedule/compile.ts"
import type { Context } from "./Context.ts"
import { checkCondition, checkSignal } from "./signals.ts"
import { checkedChoice, checkedNumber, checkUnit } from "./values.ts"

export const metrics = ["accuracy", "loss", "top5"] as const
/** What an `evaluate` without a list computes. */
const defaultMetrics: ReadonlyArray<Metric> = ["accuracy", "loss"]

/**
 * A positive whole number of steps: `1500`, `1.5k`, or a quantity in steps, epochs or samples
 * converted on this experiment's time axes. `needsUnit` is for intervals (`every 50 steps`).
 */
export const stepCount = (ctx: Context, e: Expr, what: string, options: { readonly needsUnit?: boolean; readonly usage?: string } = {}): number | undefined => {
  if (e.kind === "Number" && e.unit !== undefined) {
    if (!checkUnit(ctx, e.unit)) return undefined
    if (e.unit.text === "%") return ctx.report("LRS2004", e.unit.span, `\`${what}\` is a number of steps, not a share`, `write \`${options.usage ?? `${what} = N steps`}\``)
    const steps = toSteps(ctx, e, e.unit.text, 0)
    if (steps === undefined) return undefined
    return checkedNumber(ctx, { kind: "Number", value: steps, raw: String(steps), unit: undefined, span: e.span }, what, { integer: true, min: 1 })
  }
  if (options.needsUnit === true && e.kind === "Number") {
    return ctx.report("LRS2001", e.span, "an interval needs a unit", `write \`${what} ${e.raw} steps\``)
  }
  return checkedNumber(ctx, e, what, { integer: true, min: 1 })
}

/** The clauses of a statement by preposition (`list` for a bare list), each allowed once. */
const clausesOf = (ctx: Context, s: Statement, allowed: ReadonlyArray<string>, usage: string): Map<string, Expr> => {
  const found = new Map<string, Expr>()
  const keyword = s.keyword?.text ?? s.clauses[0]?.preposition?.text ?? "statement"
  for (const c of s.clauses) {
    const key = c.preposition?.text ?? "list"
    if (!allowed.includes(key)) {
      ctx.report("LRS1012", c.span, `\`${keyword}\` takes no ${key === "list" ? "list" : `\`${key}\` clause`}`, `write \`${usage}\``)
      continue
    }
    if (found.has(key)) {
      ctx.report("LRS1006", c.span, `\`${keyword}\` has two ${key === "list" ? "lists" : `\`${key}\` clauses`}`, "keep one")
      continue
    }
    found.set(key, c.value)
  }
  return found
}

const every = (ctx: Context, s: Statement, clauses: ReadonlyMap<string, Expr>, usage: string): number | undefined => {
  const e = clauses.get("every")
  if (e === undefined) return ctx.report("LRS1012", s.span, `\`${s.keyword?.text}\` needs an interval`, `write \`${usage}\``)
  return stepCount(ctx, e, "every", { needsUnit: true, usage: "every N steps" })
}

export const checkEvaluate = (ctx: Context, s: Statement | undefined, steps: number, span: Span, splits: ReadonlyArray<"test" | "validation">): EvaluationIR | undefined => {
  if (s === undefined) return { every: steps, split: "test", metrics: [...defaultMetrics], span }
  const usage = "evaluate every 100 steps on test [accuracy, loss]"
  const clauses = clausesOf(ctx, s, ["every", "on", "list"], usage)
  const interval = every(ctx, s, clauses, usage)
  const onExpr = clauses.get("on")
  const split = onExpr === undefined ? "test" : checkedChoice(ctx, onExpr, "split", ["test", "validation"] as const)
  if (split === "validation" && !splits.includes("validation")) {
    return ctx.report("LRS2002", onExpr!.span, "this experiment's data has no validation split", "give the data `validation_fraction = 0.1` (for example)")
  }
  const listExpr = clauses.get("list")
  let chosen: Array<Metric> | undefined = [...defaultMetrics]
  if (listExpr !== undefined && listExpr.kind === "List") {
    const items = listExpr.items.map((i) => checkedChoice(ctx, i, "metric", metrics))
    chosen = items.every((i) => i !== undefined) ? [...new Set(items)] : undefined
    if (chosen !== undefined && chosen.length === 0) chosen = ctx.report("LRS2002", listExpr.span, "the list of metrics is empty", "name at least one of `accuracy`, `loss`, `top5`")
  }
  if (interval === undefined || split === undefined || chosen === undefined) return undefined
  return { every: interval, split, metrics: chosen, span: s.span }
}

export const checkLog = (ctx: Context, s: Statement | undefined, steps: number, observed: ReadonlyArray<string>, span: Span): LogIR | undefined => {
  if (s === undefined) return { every: Math.min(10, steps), signals: [], span }
  const usage = "log every 10 steps [grad_norm]"
  const clauses = clausesOf(ctx, s, ["every", "list"], usage)
  const interval = every(ctx, s, clauses, usage)
  const listExpr = clauses.get("list")
  let signals: Array<SignalIR> | undefined = []
  if (listExpr !== undefined && listExpr.kind === "List") {
    const items = listExpr.items.map((i) => checkSignal(ctx, i, observed))
    signals = items.every((i) => i !== undefined) ? items : undefined
  }
  if (interval === undefined || signals === undefined) return undefined
  return { every: interval, signals, span: s.span }
}

export const checkCheckpoint = (ctx: Context, s: Statement): { every: number; span: Span } | undefined => {
  const usage = "checkpoint every 500 steps"
  const interval = every(ctx, s, clausesOf(ctx, s, ["every"], usage), usage)
  return interval === undefined ? undefined : { every: interval, span: s.span }
}

/** `until CONDITION`: stop after the update at which the condition first holds. */
export const checkUntil = (ctx: Context, s: Statement, observed: ReadonlyArray<string>): ConditionIR | undefined => {
  const clauses = clausesOf(ctx, s, ["until"], "until test.accuracy >= 0.97")
  const e = clauses.get("until")
  return e === undefined ? undefined : checkCondition(ctx, e, observed)
}
