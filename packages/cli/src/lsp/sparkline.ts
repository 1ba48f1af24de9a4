import { evaluateSchedule, type ScheduleIR } from "@lrs/compiler"

const bars = "▁▂▃▄▅▆▇█"

/** How wide a sparkline is: enough to see a warmup's ramp, short enough for a hover. */
export const sparklineWidth = 40

/** Evenly spaced steps over `steps` (every step when there are fewer than `width`), first and last included. */
export const sampleSteps = (steps: number, width = sparklineWidth): Array<number> => {
  if (steps <= 0) return [0]
  if (steps <= width) return Array.from({ length: steps }, (_, i) => i)
  return Array.from({ length: width }, (_, i) => Math.round((i * (steps - 1)) / (width - 1)))
}

/** Values as bars from the lowest to the highest; a flat schedule is a flat line, a non-finite value a gap. */
export const sparkline = (values: ReadonlyArray<number>): string => {
  const finite = values.filter(Number.isFinite)
  const lo = Math.min(...finite)
  const hi = Math.max(...finite)
  return values.map((v) => {
    if (!Number.isFinite(v)) return " "
    if (hi === lo) return bars[3]
    return bars[Math.round(((v - lo) / (hi - lo)) * (bars.length - 1))]
  }).join("")
}

/** Steps read for the lowest and highest value: every step of a short run, evenly spaced ones of a long one. */
const extremeSamples = 2000

export interface Summary {
  readonly line: string
  readonly first: number
  readonly last: number
  readonly min: number
  readonly max: number
  /** Whether min and max read every step (else evenly spaced ones, so they are close, not exact). */
  readonly exact: boolean
}

/**
 * A schedule's sparkline over its steps, and its values at the ends and extremes. Adaptive schedules
 * are drawn as they stand before the run has observed anything, as `lrs plot` draws them.
 */
export const scheduleSummary = (node: ScheduleIR, steps: number): Summary => {
  const values = sampleSteps(steps).map((t) => evaluateSchedule(node, t))
  const read = sampleSteps(steps, extremeSamples).map((t) => evaluateSchedule(node, t)).filter(Number.isFinite)
  return {
    line: sparkline(values),
    first: values[0]!,
    last: evaluateSchedule(node, Math.max(0, steps - 1)),
    min: read.length === 0 ? NaN : Math.min(...read),
    max: read.length === 0 ? NaN : Math.max(...read),
    exact: steps <= extremeSamples
  }
}
