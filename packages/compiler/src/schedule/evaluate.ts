import type { ScheduleIR } from "../ir/Ir.ts"

/**
 * The value a schedule gives update `t` (0-indexed: `t` updates already applied). Closed-form;
 * no state, no recursion over past steps. Shapes follow optax: `linear` interpolates
 * `from + (to - from) * min(t, steps) / steps`, `cosine` is
 * `to + (from - to) * (1 + cos(pi * min(t, steps) / steps)) / 2`; both hold `to` from `t = steps` on.
 */
export const evaluateSchedule = (s: ScheduleIR, t: number): number => {
  switch (s.kind) {
    case "constant":
      return s.value
    case "linear": {
      const p = s.steps <= 0 ? 1 : Math.min(Math.max(t, 0), s.steps) / s.steps
      return s.from + (s.to - s.from) * p
    }
    case "cosine": {
      const p = s.steps <= 0 ? 1 : Math.min(Math.max(t, 0), s.steps) / s.steps
      return s.to + (s.from - s.to) * (1 + Math.cos(Math.PI * p)) / 2
    }
    case "sequence": {
      // Segment starts are increasing; the active one is the last whose start is <= t.
      let active = s.segments[0]!
      for (const seg of s.segments) {
        if (seg.start <= t) active = seg
        else break
      }
      return evaluateSchedule(active.schedule, t - active.start)
    }
    case "binary": {
      const a = evaluateSchedule(s.left, t)
      const b = evaluateSchedule(s.right, t)
      switch (s.op) {
        case "+":
          return a + b
        case "-":
          return a - b
        case "*":
          return a * b
        case "/":
          return a / b
      }
    }
    case "negate":
      return -evaluateSchedule(s.operand, t)
  }
}
