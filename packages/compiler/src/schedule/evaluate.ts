import type { AutoLrsIR, CurveShape, PlateauIR, ScheduleIR, StagesIR } from "../ir/Ir.ts"
import { curveOption } from "./curves.ts"

/**
 * How far a curve has fallen at progress `p` (0 at its start, 1 at its end): 1 - g(p) of the way
 * from `from` to `to`, so value = to + (from - to) * g(p). Every g has g(0) = 1 and g(1) = 0.
 */
const fall = (shape: CurveShape, p: number, options: Readonly<Record<string, number>>): number => {
  const o = (key: string) => curveOption(shape, options, key)
  switch (shape) {
    case "linear":
      return 1 - p
    case "cosine": {
      const c = (1 + Math.cos(Math.PI * p)) / 2
      return o("exponent") === 1 ? c : c ** o("exponent")
    }
    case "polynomial":
      return (1 - p) ** o("power")
    case "one_minus_sqrt":
      return 1 - Math.sqrt(p)
    case "rex": {
      // REX (Chen et al.): z / (alpha + beta z), z = 1 - p; alpha = beta = 1/2 is the paper's form.
      const z = 1 - p
      return z / (o("alpha") + o("beta") * z)
    }
    case "uba": {
      // UBA (Tang et al.): 2c / (2 phi + (2 - phi) c), c = 1 + cos(pi p); phi = 2 is cosine.
      const c = 1 + Math.cos(Math.PI * p)
      const phi = o("phi")
      return (2 * c) / (2 * phi + (2 - phi) * c)
    }
    case "k_decay":
      // timm's k-decay: cos(pi p^k), as a fall from 1 to 0.
      return (1 + Math.cos(Math.PI * p ** o("k"))) / 2
    case "exponential":
      return 1 - p // not used: exponential is geometric between the endpoints (below)
  }
}

/** `t` as a fraction of `steps`, clamped to [0, 1] unless the curve continues past its end. */
const progress = (t: number, steps: number, continues: boolean): number => {
  if (steps <= 0) return 1
  const p = Math.max(t, 0) / steps
  return continues ? p : Math.min(p, 1)
}

/** The state of the stateful (adaptive) schedules of a run, from its controllers. */
export interface Adaptive {
  /** The multiplier a `plateau` node has reached (`factor^k`). */
  readonly plateau?: (node: PlateauIR) => number
  /** The value a search (`autolrs`) chose for update `t`; undefined before it has chosen. */
  readonly search?: (node: AutoLrsIR, t: number) => number | undefined
  /** How many stages a staged pacing has advanced. */
  readonly stages?: (node: StagesIR) => number
}

/** Where a search schedule stands before a run has chosen anything: the middle of its range on a log scale. */
export const searchMiddle = (s: AutoLrsIR): number => Math.sqrt(s.min * s.max)

/**
 * The value a schedule gives update `t` (0-indexed: `t` updates already applied). Closed-form; no
 * state, no recursion over past steps: what a `plateau` has reduced so far comes from `adaptive`
 * (the run's controllers; without them, no reduction). Shapes follow optax: they reach `to` at
 * `t = steps` and hold it from there on (unless they continue, as PyTorch's cosine does).
 */
export const evaluateSchedule = (s: ScheduleIR, t: number, adaptive?: Adaptive): number => {
  const at = (inner: ScheduleIR, time: number) => evaluateSchedule(inner, time, adaptive)
  switch (s.kind) {
    case "constant":
      return s.value
    case "curve": {
      const p = progress(t, s.steps, s.continues)
      if (s.shape === "exponential") return s.from * (s.to / s.from) ** p
      return s.to + (s.from - s.to) * fall(s.shape, p, s.options)
    }
    case "geometric":
      return s.value * s.rate ** Math.floor(Math.max(t, 0) / s.every)
    case "power":
      // n = 0 gives an infinite power law, so the cap holds at the very start.
      return Math.min(s.max, s.coefficient * ((Math.max(t, 0) + s.offset) * s.tokensPerStep) ** s.exponent)
    case "inverse_sqrt":
      return s.value * Math.sqrt(s.timescale / (Math.max(t, 0) + s.timescale))
    case "piecewise":
      return piecewise(s, t)
    case "cyclic": {
      const total = s.up + s.down
      const u = t + s.offset
      const cycle = Math.floor(1 + u / total)
      const x = 1 + u / total - cycle
      const ratio = s.up / total
      const sf = x <= ratio ? x / ratio : (x - 1) / (ratio - 1)
      const scale = s.mode === "triangular" ? 1 : s.mode === "triangular2" ? 1 / 2 ** (cycle - 1) : s.gamma ** u
      return s.low + (s.high - s.low) * sf * scale
    }
    case "repeat": {
      const { cycle, local, length } = cycleAt(Math.max(t, 0), s.period, s.multiplier)
      // The schedule was compiled for `period` steps; a longer cycle stretches it.
      return at(s.schedule, (local * s.period) / length) * s.decay ** cycle
    }
    case "sampled":
      return at(s.schedule, Math.floor(Math.max(t, 0) / s.every) * s.every)
    case "sequence": {
      // Segment starts are increasing; the active one is the last whose start is <= t.
      let active = s.segments[0]!
      for (const seg of s.segments) {
        if (seg.start <= t) active = seg
        else break
      }
      return at(active.schedule, t - active.start)
    }
    case "binary": {
      const a = at(s.left, t)
      const b = at(s.right, t)
      switch (s.op) {
        case "+":
          return a + b
        case "-":
          return a - b
        case "*":
          return a * b
        case "/":
          return a / b
        case "min":
          return Math.min(a, b)
        case "max":
          return Math.max(a, b)
      }
    }
    case "negate":
      return -at(s.operand, t)
    case "plateau":
      return Math.max(at(s.schedule, t) * (adaptive?.plateau?.(s) ?? 1), s.min)
    case "autolrs":
      return adaptive?.search?.(s, t) ?? searchMiddle(s)
    case "stages":
      return Math.min(1, (1 + (adaptive?.stages?.(s) ?? 0)) / s.count)
    case "root": {
      const c = s.start ** s.power
      return (c + (1 - c) * progress(t, s.steps, false)) ** (1 / s.power)
    }
  }
}

/** Which cycle `t` falls in when cycle `i` lasts `period * multiplier^i`, closed-form (SGDR's geometric series). */
export const cycleAt = (t: number, period: number, multiplier: number): { cycle: number; local: number; length: number } => {
  if (multiplier === 1) {
    const cycle = Math.floor(t / period)
    return { cycle, local: t - cycle * period, length: period }
  }
  let cycle = Math.floor(Math.log(1 + (t * (multiplier - 1)) / period) / Math.log(multiplier))
  // Guard the float log at exact boundaries: the start of cycle i is period * (m^i - 1) / (m - 1).
  const start = (i: number) => (period * (multiplier ** i - 1)) / (multiplier - 1)
  while (start(cycle + 1) <= t) cycle++
  while (cycle > 0 && start(cycle) > t) cycle--
  return { cycle, local: t - start(cycle), length: period * multiplier ** cycle }
}

const piecewise = (s: ScheduleIR & { kind: "piecewise" }, t: number): number => {
  // The last milestone at or before t (binary search): values[i] holds from at[i - 1].
  let lo = 0
  let hi = s.at.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (s.at[mid]! <= t) lo = mid + 1
    else hi = mid
  }
  const i = lo
  if (s.interpolate === "constant" || i >= s.at.length) return s.values[i]!
  const x0 = i === 0 ? 0 : s.at[i - 1]!
  const x1 = s.at[i]!
  const v0 = s.values[i]!
  const v1 = s.values[i + 1]!
  const p = x1 === x0 ? 1 : (t - x0) / (x1 - x0)
  const w = s.interpolate === "linear" ? p : (1 - Math.cos(Math.PI * p)) / 2
  return v0 + (v1 - v0) * w
}
