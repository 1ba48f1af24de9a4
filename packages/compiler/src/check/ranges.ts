import type { Expr, Span } from "@lrs/dsl"
import type { OptimizerIR, ScheduleIR } from "../ir/Ir.ts"
import { evaluateSchedule } from "../schedule/evaluate.ts"
import { type Domain, scheduledDomains } from "./constructors.ts"
import type { Context } from "./Context.ts"

/** Above this many steps the check samples the run (every segment boundary plus an even grid). */
const exhaustiveLimit = 1_000_000

/** The steps to evaluate: all of them, or for very long runs a grid plus every boundary and its neighbours. */
const probeSteps = (s: ScheduleIR, steps: number): Iterable<number> => {
  if (steps <= exhaustiveLimit) return { [Symbol.iterator]: function*() { for (let t = 0; t < steps; t++) yield t } }
  const points = new Set<number>()
  const stride = steps / exhaustiveLimit
  for (let i = 0; i < exhaustiveLimit; i++) points.add(Math.floor(i * stride))
  const boundaries = (n: ScheduleIR, offset: number): void => {
    if (n.kind === "sequence") for (const seg of n.segments) {
      for (const d of [-1, 0, 1]) points.add(offset + seg.start + d)
      boundaries(seg.schedule, offset + seg.start)
    }
    if (n.kind === "piecewise") for (const at of n.at) for (const d of [-1, 0, 1]) points.add(offset + at + d)
    if (n.kind === "binary") {
      boundaries(n.left, offset)
      boundaries(n.right, offset)
    }
    if (n.kind === "negate") boundaries(n.operand, offset)
    if (n.kind === "sampled" || n.kind === "plateau") boundaries(n.schedule, offset)
  }
  boundaries(s, 0)
  points.add(steps - 1)
  return [...points].filter((t) => t >= 0 && t < steps).sort((a, b) => a - b)
}

/**
 * Evaluates every scheduled hyperparameter over the run and reports the first step where it
 * leaves its domain (a negative lr, a momentum of 1 or more), at the argument that set it.
 */
export const checkOptimizerRanges = (ctx: Context, o: OptimizerIR, args: ReadonlyMap<string, Expr>, steps: number): void => {
  for (const [arg, field, domain] of scheduledDomains[o.kind]) {
    checkScheduleRange(ctx, (o as unknown as Record<string, ScheduleIR>)[field]!, arg, domain, args.get(arg)?.span ?? o.span, steps)
  }
}

/** Reports the first step where schedule `s` (the argument `arg`, written at `at`) leaves `domain`; true when it stays inside. */
export const checkScheduleRange = (ctx: Context, s: ScheduleIR, arg: string, domain: Domain, at: Span, steps: number): boolean => {
  if (s.kind === "constant") return true
  for (const t of probeSteps(s, steps)) {
    const v = evaluateSchedule(s, t)
    if (Number.isNaN(v) || !domain.contains(v)) {
      const shown = Number(v.toPrecision(6))
      ctx.report("LRS3005", at, `\`${arg}\` ${domain.text}, but its schedule gives ${shown} at step ${t}`, "change the schedule's endpoints so every value stays in range", {
        label: `${shown} at step ${t} of ${steps}`,
        ...(s.span.start.offset === at.start.offset ? {} : { related: [{ span: s.span, label: "the schedule" }] })
      })
      return false
    }
  }
  return true
}
