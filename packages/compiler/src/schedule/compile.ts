import type { Expr, Span } from "@lrs/dsl"
import type { ScheduleIR } from "../ir/Ir.ts"
import { bindArgs } from "../check/calls.ts"
import type { Context } from "../check/Context.ts"
import { suggestionHelp } from "../check/suggest.ts"
import { checkUnit, constNumber, describe } from "../check/values.ts"

/** Shapes of this release; each takes `from -> to` (or `from =`, `to =`) and spans its segment. */
export const shapes = ["constant", "linear", "cosine"] as const

/**
 * Compiles a schedule expression whose span is `span` updates long (the run's budget at top level,
 * a segment's length inside a sequence). Every shape gets its length here, so the IR is closed-form.
 */
export const compileSchedule = (ctx: Context, e: Expr, span: number): ScheduleIR | undefined => {
  switch (e.kind) {
    case "Number":
    case "Negate":
    case "Binary":
      return arithmetic(ctx, e, span)
    case "Ref": {
      const name = e.path.length === 1 ? e.path[0]!.text : undefined
      const schedule = name === undefined ? undefined : ctx.schedules.get(name)
      if (schedule === undefined) {
        const value = constNumber(ctx, e)
        return value === undefined ? undefined : { kind: "constant", value, span: e.span }
      }
      if (ctx.resolving.has(schedule.name)) {
        return ctx.report("LRS1011", e.span, `schedule \`${schedule.name}\` is defined in terms of itself`)
      }
      ctx.resolving.add(schedule.name)
      const ir = compileSchedule(ctx, schedule.expr, span)
      ctx.resolving.delete(schedule.name)
      return ir
    }
    case "Call":
      return shape(ctx, e, span)
    case "Segment":
    case "Sequence":
      return sequence(ctx, e.kind === "Sequence" ? e.segments : [e], span, e.span)
    case "Missing":
      return undefined
    default:
      return ctx.report("LRS2001", e.span, `expected a schedule (a number, a shape such as \`cosine(1e-3 -> 0)\`, or segments joined by \`then\`), found ${describe(e)}`)
  }
}

// Arithmetic folds to a constant when both sides are constants, so `peak / 100` costs nothing per step.
const arithmetic = (ctx: Context, e: Expr & { kind: "Number" | "Negate" | "Binary" }, span: number): ScheduleIR | undefined => {
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

const shape = (ctx: Context, call: Expr & { kind: "Call" }, span: number): ScheduleIR | undefined => {
  const fn = call.callee.map((c) => c.text).join(".")
  if (!(shapes as ReadonlyArray<string>).includes(fn)) {
    return ctx.report("LRS3001", call.callee[0]!.span, `\`${fn}\` is not a known schedule`, suggestionHelp(fn, shapes, "schedule"))
  }
  if (fn === "constant") {
    const args = bindArgs(ctx, call, ["value"], ["value"])
    const v = args.get("value")
    const value = v === undefined ? undefined : constNumber(ctx, v)
    return value === undefined ? undefined : { kind: "constant", value, span: call.span }
  }
  // `linear(0 -> peak)` is shorthand for `linear(from = 0, to = peak)`.
  const first = call.args[0]
  const endpoints: Array<Expr> = first !== undefined && first.name === undefined && first.value.kind === "Transition"
    ? [first.value.from, first.value.to]
    : []
  const args = endpoints.length === 2 ? new Map([["from", endpoints[0]!], ["to", endpoints[1]!]]) : bindArgs(ctx, call, ["from", "to"], ["from", "to"])
  if (endpoints.length === 2 && call.args.length > 1) {
    ctx.report("LRS3004", call.args[1]!.span, `\`${fn}(from -> to)\` takes no other arguments`, `write \`${fn}(from = ..., to = ...)\` or keep only \`from -> to\``)
  }
  const from = args.get("from")
  const to = args.get("to")
  const a = from === undefined ? undefined : constNumber(ctx, from)
  const b = to === undefined ? undefined : constNumber(ctx, to)
  if (a === undefined || b === undefined) return undefined
  return { kind: fn as "linear" | "cosine", from: a, to: b, steps: span, span: call.span }
}

/** `a for 5% then b for 100 steps then c`: every segment but the last has a length; the last fills the rest. */
const sequence = (ctx: Context, parts: ReadonlyArray<Expr>, span: number, whole: Span): ScheduleIR | undefined => {
  const segments: Array<{ start: number; schedule: ScheduleIR }> = []
  let start = 0
  let ok = true
  parts.forEach((part, i) => {
    const last = i === parts.length - 1
    let length: number | undefined
    let body = part
    if (part.kind === "Segment") {
      body = part.body
      length = durationSteps(ctx, part.duration, span)
      if (length === undefined) ok = false
    } else if (!last) {
      ok = false
      ctx.report("LRS3002", part.span, "every segment but the last needs a length", "add `for N steps` or `for N%` before `then`")
    }
    const size = length ?? Math.max(span - start, 0)
    if (length !== undefined && start + length > span) {
      ok = false
      ctx.report("LRS3003", part.span, `this segment ends at step ${start + length}, past the end of its span (${span} steps)`, `shorten it to at most ${Math.max(span - start, 0)} steps, or raise the budget`)
    }
    const schedule = compileSchedule(ctx, body, size)
    if (schedule === undefined) ok = false
    else segments.push({ start, schedule })
    start += size
  })
  if (!ok) return undefined
  return segments.length === 1 && segments[0]!.start === 0 ? segments[0]!.schedule : { kind: "sequence", segments, span: whole }
}

/** A length in updates: `500 steps`, `1k steps`, or `5%` of the enclosing span (rounded to the nearest step). */
export const durationSteps = (ctx: Context, e: Expr, span: number): number | undefined => {
  if (e.kind === "Missing") return undefined
  if (e.kind !== "Number" || e.unit === undefined) {
    return ctx.report("LRS2001", e.span, `expected a length such as \`500 steps\` or \`5%\`, found ${describe(e)}`, e.kind === "Number" ? `write \`${e.raw} steps\`` : undefined)
  }
  if (!checkUnit(ctx, e.unit)) return undefined
  if (e.value < 0) return ctx.report("LRS2002", e.span, "a length cannot be negative")
  switch (e.unit.text) {
    case "steps":
      if (!Number.isInteger(e.value)) return ctx.report("LRS2001", e.span, `a length in steps must be a whole number, found ${e.value}`, `use ${Math.round(e.value)} steps`)
      return e.value
    case "%":
      if (e.value > 100) return ctx.report("LRS2002", e.span, `a share of the span must be at most 100%, found ${e.raw}%`)
      return Math.round((e.value / 100) * span)
    default:
      return ctx.report("LRS2005", e.unit.span, `\`${e.unit.text}\` cannot be converted to steps in this release`, "give the length in `steps` or as a `%` of the span")
  }
}
