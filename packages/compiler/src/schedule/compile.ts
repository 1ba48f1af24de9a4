import type { Expr, Span } from "@lrs/dsl"
import type { ScheduleIR } from "../ir/Ir.ts"
import type { Context } from "../check/Context.ts"
import { suggestionHelp } from "../check/suggest.ts"
import { checkUnit, constNumber, describe, lookupRef, unknownName } from "../check/values.ts"
import { curveDefaults } from "./curves.ts"
import { construct } from "./library.ts"
import { constructors } from "./registry.ts"

/** The stretch of time a schedule fills: its length in updates and what set that length. */
export interface Extent {
  readonly steps: number
  /** The budget field or the enclosing segment, pointed at when something overruns it. */
  readonly source: Span
  readonly what: string
}

/**
 * Compiles a schedule expression that fills `extent` (the run's budget at top level, a segment's
 * length inside a sequence). Every shape gets its length here, so the IR is closed-form.
 */
export const compileSchedule = (ctx: Context, e: Expr, extent: Extent): ScheduleIR | undefined => {
  switch (e.kind) {
    case "Number":
    case "Negate":
    case "Binary":
      return arithmetic(ctx, e, extent)
    case "Ref": {
      const found = lookupRef(ctx, e)
      if (found === undefined) return unknownName(ctx, e)
      if (found.def.kind === "param") {
        const value = constNumber(ctx, e)
        return value === undefined ? undefined : { kind: "constant", value, span: e.span }
      }
      const { def } = found
      return found.ctx.resolving(def, e.span, () => compileSchedule(found.ctx, def.expr, extent))
    }
    case "Call":
      return shape(ctx, e, extent)
    case "Segment":
    case "Sequence":
      return sequence(ctx, e.kind === "Sequence" ? e.segments : [e], extent, e.span)
    case "Missing":
      return undefined
    default:
      return ctx.report("LRS2001", e.span, `expected a schedule (a number, a shape such as \`cosine(1e-3 -> 0)\`, or segments joined by \`then\`), found ${describe(e)}`)
  }
}

// Arithmetic folds to a constant when both sides are constants, so `peak / 100` costs nothing per step.
const arithmetic = (ctx: Context, e: Expr & { kind: "Number" | "Negate" | "Binary" }, span: Extent): ScheduleIR | undefined => {
  if (e.kind === "Number") {
    const value = constNumber(ctx, e)
    return value === undefined ? undefined : { kind: "constant", value, span: e.span }
  }
  if (e.kind === "Negate") {
    const operand = compileSchedule(ctx, e.operand, span)
    if (operand === undefined) return undefined
    return operand.kind === "constant" ? { kind: "constant", value: -operand.value, span: e.span } : { kind: "negate", operand, span: e.span }
  }
  const left = compileSchedule(ctx, e.left, span)
  const right = compileSchedule(ctx, e.right, span)
  if (left === undefined || right === undefined) return undefined
  if (left.kind === "constant" && right.kind === "constant") {
    if (e.op === "/" && right.value === 0) return ctx.report("LRS2002", e.right.span, "division by zero")
    const [a, b] = [left.value, right.value]
    return { kind: "constant", value: e.op === "+" ? a + b : e.op === "-" ? a - b : e.op === "*" ? a * b : a / b, span: e.span }
  }
  return { kind: "binary", op: e.op, left, right, span: e.span }
}

const shape = (ctx: Context, call: Expr & { kind: "Call" }, extent: Extent): ScheduleIR | undefined => {
  const fn = call.callee.map((c) => c.text).join(".")
  const c = constructors.get(fn)
  if (c === undefined) {
    return ctx.report("LRS3001", call.callee[0]!.span, `\`${fn}\` is not a known schedule`, suggestionHelp(fn, [...constructors.keys()], "schedule"))
  }
  const ir = construct(ctx, call, fn, c, extent)
  return ir === undefined ? undefined : canonical(ir)
}

/** One schedule, one IR: curve options equal to their defaults are dropped, however a constructor built them. */
const canonical = (s: ScheduleIR): ScheduleIR => {
  switch (s.kind) {
    case "curve": {
      const defaults = curveDefaults[s.shape]
      const options = Object.fromEntries(Object.entries(s.options).filter(([k, v]) => defaults[k] !== v))
      return Object.keys(options).length === Object.keys(s.options).length ? s : { ...s, options }
    }
    case "repeat":
    case "sampled":
    case "plateau":
      return { ...s, schedule: canonical(s.schedule) }
    case "sequence":
      return { ...s, segments: s.segments.map((seg) => ({ ...seg, schedule: canonical(seg.schedule) })) }
    case "binary":
      return { ...s, left: canonical(s.left), right: canonical(s.right) }
    case "negate":
      return { ...s, operand: canonical(s.operand) }
    default:
      return s
  }
}

/** `a for 5% then b for 100 steps then c`: every segment but the last has a length; the last fills the rest. */
const sequence = (ctx: Context, parts: ReadonlyArray<Expr>, extent: Extent, whole: Span): ScheduleIR | undefined => {
  const segments: Array<{ start: number; schedule: ScheduleIR }> = []
  let start = 0
  let ok = true
  parts.forEach((part, i) => {
    const last = i === parts.length - 1
    let length: number | undefined
    let body = part
    if (part.kind === "Segment") {
      body = part.body
      length = durationSteps(ctx, part.duration, extent.steps)
      if (length === undefined) ok = false
    } else if (!last) {
      ok = false
      ctx.report("LRS3002", part.span, "every segment but the last needs a length", "add `for N steps` or `for N%` before `then`", {
        label: "this segment has no `for` length"
      })
    }
    const size = length ?? Math.max(extent.steps - start, 0)
    if (length !== undefined && start + length > extent.steps) {
      ok = false
      ctx.report(
        "LRS3003",
        part.span,
        `this segment ends at step ${start + length}, past the end of ${extent.what} (${extent.steps} steps)`,
        `shorten it to at most ${Math.max(extent.steps - start, 0)} steps, or lengthen ${extent.what}`,
        {
          label: `runs from step ${start} to ${start + length}`,
          related: [{ span: extent.source, label: `${extent.what}: ${extent.steps} steps` }]
        }
      )
    }
    const schedule = compileSchedule(ctx, body, { steps: size, source: part.span, what: "its segment" })
    if (schedule === undefined) ok = false
    else segments.push({ start, schedule })
    start += size
  })
  if (!ok) return undefined
  return segments.length === 1 && segments[0]!.start === 0 ? segments[0]!.schedule : { kind: "sequence", segments, span: whole }
}

/**
 * A length in updates: `500 steps`, `1k steps`, `P%` of the enclosing span, `N epochs`
 * (`N * ceil(train examples / batch)` steps) or `N samples` (`N / batch` steps); `%`, epochs and
 * samples are rounded to the nearest step; `N tasks` is N of a stream's tasks. An rl experiment
 * counts env steps (`env_steps`, and `tokens` on a token task) or, when its budget is written in
 * iterations, iterations; the two never convert into each other (an iteration's env steps vary).
 */
export const durationSteps = (ctx: Context, e: Expr, span: number): number | undefined => {
  if (e.kind === "Missing") return undefined
  if (e.kind !== "Number" || e.unit === undefined) {
    return ctx.report("LRS2001", e.span, `expected a length such as \`500 steps\` or \`5%\`, found ${describe(e)}`, e.kind === "Number" ? `write \`${e.raw} steps\`` : undefined)
  }
  if (!checkUnit(ctx, e.unit)) return undefined
  if (e.value < 0) return ctx.report("LRS2002", e.span, "a length cannot be negative")
  return toSteps(ctx, e as Expr & { kind: "Number" }, e.unit.text, span)
}

/** Converts a quantity to steps on this experiment's time axes, or reports why it cannot. */
export const toSteps = (ctx: Context, e: Expr & { kind: "Number" }, unit: string, span: number): number | undefined => {
  const unitSpan = e.unit?.span ?? e.span
  switch (unit) {
    case "steps":
      // Fractional lengths are exact in closed form (PyTorch's OneCycleLR phases end at float steps);
      // counts that must be whole (a budget, an interval) are checked where they are read.
      return e.value
    case "%":
      if (e.value > 100) return ctx.report("LRS2002", e.span, `a share of the span must be at most 100%, found ${e.raw}%`)
      return Math.round((e.value / 100) * span)
    case "epochs": {
      if (ctx.axes.envSteps === true || ctx.axes.iterations === true) return ctx.report("LRS2005", unitSpan, `an rl experiment has no epochs: its axis is ${ctx.axes.iterations === true ? "iterations" : "environment steps"}`, `give the length in \`${ctx.axes.iterations === true ? "iterations" : "env_steps"}\` (or \`steps\`, the same here) or as a \`%\` of the span`)
      const per = ctx.axes.stepsPerEpoch
      if (per === undefined) return ctx.report("LRS2005", unitSpan, "`epochs` cannot be converted to steps without a valid `data` and `batch`", "fix those, or give the length in steps")
      return Math.round(e.value * per)
    }
    case "iterations":
      if (ctx.axes.iterations === true) return e.value
      if (ctx.axes.envSteps === true) {
        return ctx.report("LRS2005", unitSpan, "`iterations` is no fixed number of env steps (a GRPO iteration's tokens and a REINFORCE episode's steps vary), and this run counts env steps", "give the length in `env_steps` or as a `%` of the span, or count the whole run in iterations: `steps = 300 iterations`")
      }
      return ctx.report("LRS2005", unitSpan, "`iterations` is a time axis of an rl experiment only", "give the length in `steps`, `epochs`, `samples` or as a `%` of the span")
    case "tokens":
      if (ctx.axes.tokens === true) return e.value
      if (ctx.axes.iterations === true) return ctx.report("LRS2005", unitSpan, "this run counts iterations (`steps = N iterations`), and an iteration's tokens vary", "give the length in `iterations` or as a `%` of the span")
      return ctx.report("LRS2005", unitSpan, `\`tokens\` cannot be converted to steps: this experiment has no token axis`, ctx.axes.envSteps === true ? "give the length in `env_steps` or as a `%` of the span (a token task's env steps are its tokens)" : "give the length in `steps`, `epochs`, `samples` or as a `%` of the span")
    case "env_steps":
      if (ctx.axes.envSteps === true) return e.value
      if (ctx.axes.iterations === true) return ctx.report("LRS2005", unitSpan, "this run counts iterations (`steps = N iterations`), and an iteration's env steps are no fixed number", "give the length in `iterations` or as a `%` of the span, or count the run in env steps: `steps = 100000`")
      return ctx.report("LRS2005", unitSpan, "`env_steps` cannot be converted to steps: this experiment has no environment", "give the length in `steps`, `epochs`, `samples` or as a `%` of the span; `env_steps` is the axis of an rl experiment (`data = cartpole()`)")
    case "tasks": {
      const per = ctx.axes.stepsPerTask
      if (ctx.axes.tasksHidden === true) {
        return ctx.report("LRS2005", unitSpan, "`tasks` is no unit here: the stream keeps its task boundaries from the learner (`boundaries = hidden`)", "give the length in steps, or write `boundaries = known` in the stream's `online(...)`")
      }
      if (per === undefined && ctx.axes.taskEnds !== undefined) {
        return ctx.report("LRS2005", unitSpan, "`tasks` is no fixed number of steps: the stream's tasks have different budgets", "give the length in steps; `restart(s, every = N tasks)` restarts at the task boundaries whatever their lengths")
      }
      if (per === undefined) return ctx.report("LRS2005", unitSpan, "`tasks` cannot be converted to steps: this experiment has no valid `stream` block", "add a `stream { tasks = ... }` block, or give the length in steps")
      return Math.round(e.value * per)
    }
    case "samples": {
      const batch = ctx.axes.batch
      if (batch === undefined) return ctx.report("LRS2005", unitSpan, "`samples` cannot be converted to steps without a valid `batch`", "fix it, or give the length in steps")
      return Math.round(e.value / batch)
    }
    default:
      return ctx.report("LRS2005", unitSpan, `\`${unit}\` cannot be converted to steps: this experiment has no ${unit === "tokens" ? "token" : "environment"} axis`, "give the length in `steps`, `epochs`, `samples` or as a `%` of the span", {
        notes: ["a conversion between time axes must be one the compiler can prove; steps, epochs and samples convert through the batch size and the training split"]
      })
  }
}
