import type { ScheduleIR } from "../ir/Ir.ts"
import { checkSignal, signalNames } from "../check/signals.ts"
import type { Args, Constructor } from "./library.ts"

/**
 * Curriculum pacing functions: the fraction of the ordered data available at update `t`, rising
 * to 1 (Hacohen & Weinshall 2019, CurML's competence functions, Cyclical Curriculum Learning).
 * Each compiles to schedule IR the rest of the library already has (or `root`), so pacing plots,
 * logs and range checks need nothing new.
 */

const startArg = (a: Args, fallback?: number) => a.number("start", fallback, { min: 0, max: 1, exclusive: "min" })

/** Held values that step at `at` (a staircase), the value after the last milestone held to the end. */
const staircase = (a: Args, at: ReadonlyArray<number>, values: ReadonlyArray<number>): ScheduleIR =>
  at.length === 0 ? { kind: "constant", value: values[0]!, span: a.span } : { kind: "piecewise", at, values, interpolate: "constant", span: a.span }

/** `min(start * increase^floor(t / every), 1)`: Hacohen & Weinshall's fixed exponential pacing. */
const fixedExponential: Constructor = {
  params: ["start", "increase", "every"],
  required: ["every"],
  build: (a) => {
    const start = startArg(a, 0.04)
    const increase = a.number("increase", 1.9, { min: 1, exclusive: true })
    const every = a.length("every")
    if (start === undefined || increase === undefined || every === undefined) return undefined
    if (every < 1) return a.fail("`every` must be at least 1 step", undefined, "every")
    return { kind: "binary", op: "min", left: { kind: "geometric", value: start, rate: increase, every, span: a.span }, right: { kind: "constant", value: 1, span: a.span }, span: a.span }
  }
}

/** The same with a length per stage: stage k (after `lengths[0] + ... + lengths[k-1]`) has `min(start * increase^k, 1)`. */
const variedExponential: Constructor = {
  params: ["start", "increase", "lengths"],
  required: ["lengths"],
  build: (a) => {
    const start = startArg(a, 0.04)
    const increase = a.number("increase", 1.9, { min: 1, exclusive: true })
    const lengths = a.lengths("lengths")
    if (start === undefined || increase === undefined || lengths === undefined) return undefined
    if (lengths.length === 0 || lengths.some((l) => l < 1)) return a.fail("`lengths` must list stage lengths of at least 1 step", undefined, "lengths")
    const at: Array<number> = []
    const values = [start]
    let end = 0
    for (const length of lengths) {
      if (values[values.length - 1]! >= 1) break
      end += length
      at.push(end)
      values.push(Math.min(start * increase ** at.length, 1))
    }
    return staircase(a, at, values)
  }
}

/** `start` until `at`, then everything. */
const singleStep: Constructor = {
  params: ["start", "at"],
  required: ["start", "at"],
  build: (a) => {
    const start = startArg(a)
    const at = a.length("at")
    if (start === undefined || at === undefined) return undefined
    return staircase(a, [at], [start, 1])
  }
}

/** `min(start + grow * floor(t / every), 1)`: CurML's baby steps (counted from update 0). */
const babyStep: Constructor = {
  params: ["start", "grow", "every"],
  required: ["start", "grow", "every"],
  build: (a) => {
    const start = startArg(a)
    const grow = a.number("grow", undefined, { min: 0, exclusive: true })
    const every = a.length("every")
    if (start === undefined || grow === undefined || every === undefined) return undefined
    if (every < 1) return a.fail("`every` must be at least 1 step", undefined, "every")
    const at: Array<number> = []
    const values = [start]
    for (let k = 1; values[values.length - 1]! < 1 && k * every < a.extent.steps; k++) {
      at.push(k * every)
      values.push(Math.min(start + grow * k, 1))
    }
    return staircase(a, at, values)
  }
}

/** CurML's root-p competence (Platanios et al.): `(start^p + (1 - start^p) * t / over)^(1/p)`, 1 from `over` on. */
const root: Constructor = {
  params: ["start", "power", "over"],
  required: ["start"],
  build: (a) => {
    const start = startArg(a)
    const power = a.number("power", 2, { min: 0, exclusive: true })
    const over = a.length("over", a.extent.steps)
    if (start === undefined || power === undefined || over === undefined) return undefined
    if (over < 1) return a.fail("`over` must be at least 1 step", undefined, "over")
    return { kind: "root", start, power, steps: over, span: a.span }
  }
}

/** CurML's geometric competence: `2^(log2 start * (1 - t / over))`, which is `exponential(start -> 1)`. */
const geom: Constructor = {
  params: ["start", "over"],
  required: ["start"],
  build: (a) => {
    const start = startArg(a)
    const over = a.length("over", a.extent.steps)
    if (start === undefined || over === undefined) return undefined
    return { kind: "curve", shape: "exponential", from: start, to: 1, steps: over, options: {}, continues: false, span: a.span }
  }
}

/**
 * The sizes Cyclical Curriculum Learning (Kesgin & Amasyali) uses, one per `every` (an epoch by
 * default): from `start`, grow by `1 / multiplier` up to `end`, shrink by `multiplier` down to
 * `start`, and again (the authors' `get_cycle_sizes`). The run gets as many as fit its budget.
 */
export const cycleSizes = (start: number, end: number, multiplier: number, count: number): Array<number> => {
  const sizes = [start]
  let n = start
  while (sizes.length < count) {
    const t = sizes.length - 1
    if (n === start || (sizes[t - 1]! < sizes[t]! && n !== end)) n = Math.min(n / multiplier, end)
    else n = Math.max(n * multiplier, start)
    sizes.push(n)
  }
  return sizes
}

const cyclical: Constructor = {
  params: ["start", "end", "multiplier", "every"],
  required: ["start"],
  build: (a) => {
    const start = startArg(a)
    const end = a.number("end", 1, { min: 0, max: 1, exclusive: "min" })
    const multiplier = a.number("multiplier", 0.5, { min: 0, max: 1, exclusive: true })
    const stepsPerEpoch = a.ctx.axes.stepsPerEpoch
    if (!a.has("every") && stepsPerEpoch === undefined) {
      return a.fail("`cyclical` changes size every epoch, and this data's epoch length is not known before it is read", "give `every = N steps`", "start")
    }
    const every = a.length("every", stepsPerEpoch)
    if (start === undefined || end === undefined || multiplier === undefined || every === undefined) return undefined
    if (every < 1) return a.fail("`every` must be at least 1 step", undefined, "every")
    if (end < start) return a.fail(`\`end\` (${end}) is below \`start\` (${start})`, "give `end` at least `start`", "end")
    const sizes = cycleSizes(start, end, multiplier, Math.max(1, Math.ceil(a.extent.steps / every)))
    return staircase(a, sizes.slice(1).map((_, k) => (k + 1) * every), sizes)
  }
}

/**
 * `stages(count, on = loss, patience = 100, threshold = 1e-3, max = LENGTH)`: the clusters of the
 * diffusion curriculum (Kim et al.), added one at a time, easiest first, each when `on` stops
 * improving (relative `threshold`, `patience` observations) or after `max` updates in the stage.
 */
const stages: Constructor = {
  params: ["count", "on", "patience", "threshold", "max"],
  required: ["count"],
  build: (a) => {
    const count = a.number("count", undefined, { integer: true, min: 2 })
    const on = a.expr("on")
    const signal = on === undefined ? { kind: "signal" as const, name: "loss" as const, span: a.span } : checkSignal(a.ctx, on, a.ctx.observed ?? signalNames)
    const patience = a.number("patience", 100, { integer: true, min: 0 })
    const threshold = a.number("threshold", 1e-3, { min: 0 })
    const max = a.has("max") ? a.length("max") : undefined
    if (count === undefined || signal === undefined || patience === undefined || threshold === undefined || (a.has("max") && max === undefined)) return undefined
    if (max !== undefined && max < 1) return a.fail("`max` must be at least 1 step", undefined, "max")
    return { kind: "stages", count, signal, patience, threshold, ...(max === undefined ? {} : { max }), span: a.span }
  }
}

export const pacing: Readonly<Record<string, Constructor>> = {
  stages,
  fixed_exponential: fixedExponential,
  varied_exponential: variedExponential,
  single_step: singleStep,
  baby_step: babyStep,
  root,
  geom,
  cyclical
}
