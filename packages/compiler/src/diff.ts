import { printSignal } from "./check/signals.ts"
import type { RunIR, ScheduleIR, SignalIR } from "./ir/Ir.ts"
import { printSchedule } from "./resolve.ts"

/** One semantic difference between two runs: where, and the value on each side (`undefined` = absent). */
export interface Difference {
  readonly path: string
  readonly left: string | undefined
  readonly right: string | undefined
}

const scheduleKinds = new Set(["constant", "curve", "geometric", "inverse_sqrt", "power", "piecewise", "cyclic", "repeat", "sampled", "sequence", "binary", "negate", "plateau", "autolrs", "root", "stages"])
const isSchedule = (v: unknown): v is ScheduleIR =>
  typeof v === "object" && v !== null && "kind" in v && scheduleKinds.has((v as { kind: string }).kind) && "span" in v
const isSignal = (v: unknown): v is SignalIR =>
  typeof v === "object" && v !== null && "kind" in v && ((v as { kind: string }).kind === "signal" || ((v as { kind: string }).kind === "ema" && "of" in v))

/**
 * What differs between two compiled runs, field by field. Spans and the source path are not part
 * of a run's meaning, so moving, reformatting or re-commenting a spec makes no difference, while a
 * changed default does. Schedules and signals are compared and shown as the language writes them.
 */
export const diffRuns = (a: RunIR, b: RunIR): Array<Difference> => {
  const out: Array<Difference> = []
  const show = (v: unknown, steps: number): string | undefined =>
    v === undefined ? undefined : isSchedule(v) ? printSchedule(v, steps) : isSignal(v) ? printSignal(v) : JSON.stringify(strip(v))
  const walk = (path: string, x: unknown, y: unknown): void => {
    if (isSchedule(x) || isSchedule(y) || isSignal(x) || isSignal(y) || Array.isArray(x) || Array.isArray(y) || typeof x !== "object" || typeof y !== "object" || x === null || y === null) {
      const [l, r] = [show(x, a.steps), show(y, b.steps)]
      if (l !== r) out.push({ path, left: l, right: r })
      return
    }
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => k !== "span" && k !== "source").sort()
    for (const k of keys) walk(path === "" ? k : `${path}.${k}`, (x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k])
  }
  walk("", a, b)
  return out
}

const strip = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(strip) : typeof v === "object" && v !== null
    ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== "span").map(([k, x]) => [k, strip(x)]))
    : v
