import type { Block, Expr, Span } from "@lrs/dsl"
import { bindArgs } from "./calls.ts"
import type { Context } from "./Context.ts"
import { suggestionHelp } from "./suggest.ts"
import { checkedNumber, describe } from "./values.ts"

/** One swept name and the expressions it takes, in order. */
export interface Axis {
  readonly name: string
  readonly nameSpan: Span
  readonly values: ReadonlyArray<Expr>
}

/** Axes that vary together (`zip { ... }`), or a lone axis. Groups combine as a grid. */
export type AxisGroup = ReadonlyArray<Axis>

export interface Sweep {
  readonly groups: ReadonlyArray<AxisGroup>
  readonly size: number
  readonly prune?: PruneRule
  readonly span: Span
}

/**
 * The median stopping rule (Vizier's; Optuna's MedianPruner): at every evaluation of `metric`
 * at a multiple of `every` updates from `after` on, a trial whose best value so far is worse than
 * the median of the other trials' best values at that update stops, once `trials` others got there.
 */
export type PruneRule =
  | {
    readonly kind: "median"
    readonly metric: string
    readonly every: number
    readonly after: number
    readonly trials: number
  }
  | {
    /**
     * Successive halving (asynchronous, as ASHA stops trials): rungs at `min`, `min * factor`,
     * `min * factor^2`, ... updates; at each, a trial goes on only while its best value so far is
     * in the top `1 / factor` of the values recorded at that rung (once `factor` trials got there).
     */
    readonly kind: "halving"
    readonly metric: string
    readonly min: number
    readonly factor: number
  }

/** The most trials one sweep may expand to; more is almost surely a mistake. */
export const maxTrials = 100_000

const number = (value: number, span: Span): Expr => ({ kind: "Number", value, raw: String(value), unit: undefined, span })

/** The values of `NAME in VALUES`: a list, an integer range `a..b`, `log(a, b, n)` or `linspace(a, b, n)`. */
const axisValues = (ctx: Context, e: Expr): ReadonlyArray<Expr> | undefined => {
  switch (e.kind) {
    case "List":
      if (e.items.length === 0) return ctx.report("LRS4102", e.span, "a sweep axis needs at least one value", "list the values: `[1e-3, 3e-3]`")
      return e.items
    case "Range": {
      const from = checkedNumber(ctx, e.from, "range start", { integer: true })
      const to = checkedNumber(ctx, e.to, "range end", { integer: true })
      if (from === undefined || to === undefined) return undefined
      if (to < from) return ctx.report("LRS4102", e.span, `the range ${from}..${to} is empty`, `write \`${to}..${from}\``)
      if (to - from >= maxTrials) return ctx.report("LRS4105", e.span, `the range ${from}..${to} has more than ${maxTrials} values`)
      return Array.from({ length: to - from + 1 }, (_, i) => number(from + i, e.span))
    }
    case "Call": {
      const fn = e.callee.map((c) => c.text).join(".")
      if (fn !== "log" && fn !== "linspace") break
      const args = bindArgs(ctx, e, ["from", "to", "count"], ["from", "to", "count"])
      const [a, b, n] = ["from", "to", "count"].map((k) => args.get(k))
      const from = a === undefined ? undefined : checkedNumber(ctx, a, "from", fn === "log" ? { min: 0, exclusive: true } : {})
      const to = b === undefined ? undefined : checkedNumber(ctx, b, "to", fn === "log" ? { min: 0, exclusive: true } : {})
      const count = n === undefined ? undefined : checkedNumber(ctx, n, "count", { integer: true, min: 1, max: maxTrials })
      if (from === undefined || to === undefined || count === undefined) return undefined
      return Array.from({ length: count }, (_, i) => {
        const p = count === 1 ? 0 : i / (count - 1)
        // Geometric steps; the endpoints are exact.
        const v = fn === "log" ? (i === count - 1 ? to : from * (to / from) ** p) : from + (to - from) * p
        return number(v, e.span)
      })
    }
  }
  return ctx.report("LRS4102", e.span, `expected the values of a sweep axis, found ${describe(e)}`, "write a list `[a, b]`, a range `1..3`, `log(1e-4, 1e-2, 5)` or `linspace(0, 1, 5)`")
}

/**
 * `sweep { peak in [1e-3, 3e-3], seed in 1..3, zip { a in [...], b in [...] } }`. `targets` are the
 * names a sweep may vary (the root file's params and the experiment's fields, as `--set`).
 */
export const checkSweep = (ctx: Context, block: Block, targets: ReadonlyArray<string>): Sweep | undefined => {
  const groups: Array<AxisGroup> = []
  const seen = new Map<string, Span>()
  let ok = true
  const axis = (m: Block["members"][number]): Axis | undefined => {
    const clause = m.kind === "Statement" ? m.clauses[0] : undefined
    if (m.kind !== "Statement" || m.keyword === undefined || m.clauses.length !== 1 || clause?.preposition?.text !== "in") {
      return ctx.report("LRS4101", m.span, "a sweep holds lines `NAME in VALUES` and `zip { ... }` groups", "write `peak in [1e-3, 3e-3]`")
    }
    const name = m.keyword.text
    if (!targets.includes(name)) {
      return ctx.report("LRS4103", m.keyword.span, `\`${name}\` is neither a param nor a field of the experiment`, suggestionHelp(name, targets, "name"), {
        notes: ["to sweep an argument such as an optimizer's `lr`, give it a param (`param peak = 1e-3`, `lr = peak`) and sweep that"]
      })
    }
    const first = seen.get(name)
    if (first !== undefined) {
      return ctx.report("LRS1006", m.keyword.span, `\`${name}\` is swept twice`, "keep one axis per name", { related: [{ span: first, label: "first swept here" }] })
    }
    seen.set(name, m.keyword.span)
    const values = axisValues(ctx, clause.value)
    return values === undefined ? undefined : { name, nameSpan: m.keyword.span, values }
  }
  let prune: PruneRule | undefined
  for (const m of block.members) {
    if (m.kind === "Attribute" && m.keyword === undefined && m.name.text === "prune") {
      prune = checkPrune(ctx, m.value)
      if (prune === undefined) ok = false
      continue
    }
    if (m.kind === "Block" && m.keyword.text === "zip" && m.label === undefined) {
      const axes = m.members.map(axis)
      if (axes.some((a) => a === undefined)) {
        ok = false
        continue
      }
      const lengths = new Set(axes.map((a) => a!.values.length))
      if (lengths.size > 1) {
        ok = false
        ctx.report("LRS4104", m.span, `the axes of a zip must have as many values each; they have ${axes.map((a) => `${a!.name}: ${a!.values.length}`).join(", ")}`, "give every axis in the zip the same number of values")
        continue
      }
      if (axes.length > 0) groups.push(axes as Array<Axis>)
      continue
    }
    const a = axis(m)
    if (a === undefined) ok = false
    else groups.push([a])
  }
  if (!ok) return undefined
  const size = groups.reduce((n, g) => n * g[0]!.values.length, 1)
  if (size > maxTrials) return ctx.report("LRS4105", block.span, `the sweep expands to ${size} trials, more than ${maxTrials}`, "sweep fewer values")
  return { groups, size, ...(prune === undefined ? {} : { prune }), span: block.span }
}

/** `prune = median(metric = test.accuracy, every = 500 steps, after = 0 steps, trials = 3)`; lengths in steps (a sweep has no budget of its own). */
const checkPrune = (ctx: Context, e: Expr): PruneRule | undefined => {
  const kind = e.kind === "Call" && e.callee.length === 1 ? e.callee[0]!.text : undefined
  if (e.kind !== "Call" || (kind !== "median" && kind !== "halving")) {
    return ctx.report("LRS4101", e.span, `\`prune\` must be \`median(metric = test.accuracy, every = 500 steps)\` or \`halving(metric = test.accuracy, min = 500 steps, factor = 3)\`, found ${describe(e)}`)
  }
  const args = kind === "median" ? bindArgs(ctx, e, ["metric", "every", "after", "trials"], ["metric", "every"]) : bindArgs(ctx, e, ["metric", "min", "factor"], ["metric", "min"])
  const metricExpr = args.get("metric")
  const metric = metricExpr?.kind === "Ref" && metricExpr.path.length === 2 && ["test", "validation"].includes(metricExpr.path[0]!.text) && ["accuracy", "loss", "top5"].includes(metricExpr.path[1]!.text)
    ? metricExpr.path.map((p) => p.text).join(".")
    : metricExpr === undefined ? undefined : ctx.report("LRS4101", metricExpr.span, `\`metric\` must be an evaluated metric such as \`test.accuracy\` or \`validation.loss\`, found ${describe(metricExpr)}`)
  const steps = (key: string, fallback?: number) => {
    const x = args.get(key)
    if (x === undefined) return fallback
    const min = key === "after" ? 0 : 1
    if (x.kind !== "Number" || (x.unit !== undefined && x.unit.text !== "steps") || !Number.isInteger(x.value) || x.value < min) {
      return ctx.report("LRS4101", x.span, `\`${key}\` must be a whole number of steps${min > 0 ? " above 0" : ""}, such as \`500 steps\`, found ${describe(x)}`)
    }
    return x.value
  }
  if (kind === "halving") {
    const min = steps("min")
    const factorExpr = args.get("factor")
    const factor = factorExpr === undefined ? 3 : checkedNumber(ctx, factorExpr, "factor", { integer: true, min: 2 })
    if (metric === undefined || min === undefined || factor === undefined) return undefined
    return { kind: "halving", metric, min, factor }
  }
  const every = steps("every")
  const after = steps("after", 0)
  const trialsExpr = args.get("trials")
  const trials = trialsExpr === undefined ? 3 : checkedNumber(ctx, trialsExpr, "trials", { integer: true, min: 1 })
  if (metric === undefined || every === undefined || after === undefined || trials === undefined) return undefined
  return { kind: "median", metric, every, after, trials }
}

/** The assignments of trial `index` (0-based): groups form a grid whose last group varies fastest. */
export const trialAssignments = (sweep: Sweep, index: number): Array<{ readonly name: string; readonly value: Expr }> => {
  const out: Array<{ name: string; value: Expr }> = []
  let rest = index
  const picks: Array<number> = []
  for (let g = sweep.groups.length - 1; g >= 0; g--) {
    const n = sweep.groups[g]![0]!.values.length
    picks[g] = rest % n
    rest = Math.floor(rest / n)
  }
  sweep.groups.forEach((group, g) => {
    for (const a of group) out.push({ name: a.name, value: a.values[picks[g]!]! })
  })
  return out
}
