import type { ScheduleIR } from "@lrs/compiler"

/**
 * Where a schedule changes phase, in steps, strictly inside (0, steps): the starts of a
 * `sequence`'s segments, a `piecewise`'s milestones, and each restart of a `repeat` (with the
 * phases of the schedule it repeats, stretched into each cycle). Computed from the IR, not by
 * looking at values. A value exists only at whole steps, so a boundary that falls between two
 * (a stretched cycle) is reported at the first step after it. At most `limit` boundaries are
 * returned (the first ones); `truncated` says when there were more.
 */
export const phaseBoundaries = (s: ScheduleIR, steps: number, limit = 512): { readonly at: Array<number>; readonly truncated: boolean } => {
  const budget = { left: limit * 4 }
  const local = within(s, steps, budget)
  const at = [...new Set(local.map((b) => Math.ceil(b - 1e-9)))].filter((b) => b > 0 && b < steps).sort((a, b) => a - b)
  return { at: at.slice(0, limit), truncated: at.length > limit || budget.left <= 0 }
}

/** Boundaries of `s` in its own time, within (0, end); `budget` stops runaway nesting (a repeat of repeats). */
const within = (s: ScheduleIR, end: number, budget: { left: number }): Array<number> => {
  if (budget.left <= 0 || end <= 0) return []
  const push = (out: Array<number>, b: number) => {
    if (b > 0 && b < end && budget.left > 0) {
      out.push(b)
      budget.left--
    }
  }
  const out: Array<number> = []
  switch (s.kind) {
    case "sequence":
      for (const [i, seg] of s.segments.entries()) {
        if (seg.start >= end) break
        push(out, seg.start)
        const next = Math.min(s.segments[i + 1]?.start ?? end, end)
        for (const b of within(seg.schedule, next - seg.start, budget)) push(out, seg.start + b)
      }
      return out
    case "piecewise":
      for (const a of s.at) push(out, a)
      return out
    case "repeat": {
      // Cycle i starts at period * (m^i - 1) / (m - 1) (i * period when m = 1) and lasts period * m^i.
      const inner = within(s.schedule, s.period, budget)
      let start = 0
      for (let i = 0; start < end && budget.left > 0; i++) {
        const length = s.period * s.multiplier ** i
        if (!(length > 0)) break
        push(out, start)
        for (const b of inner) push(out, start + (b * length) / s.period)
        start += length
      }
      return out
    }
    case "sampled":
      // A change inside shows at the next sample.
      for (const b of within(s.schedule, end, budget)) push(out, Math.ceil(b / s.every) * s.every)
      return out
    case "binary":
      return [...within(s.left, end, budget), ...within(s.right, end, budget)]
    case "negate":
      return within(s.operand, end, budget)
    case "plateau":
      // Drawn before any reduction: its steps depend on what the run observes.
      return within(s.schedule, end, budget)
    default:
      // constant, curve, geometric, inverse_sqrt, cyclic: one phase (staircases and waves are their shape)
      return out
  }
}
