import { checkSignal, signalNames } from "../check/signals.ts"
import type { CurveShape, PlateauIR, ScheduleIR } from "../ir/Ir.ts"
import { curveDefaults, curveOption } from "./curves.ts"
import { evaluateSchedule } from "./evaluate.ts"
import type { Args, Constructor } from "./library.ts"
import { pacing } from "./pacing.ts"
import { refined } from "./refined.ts"

/**
 * The native library: one vocabulary for all of it. Shapes go `from -> to` over the span they fill
 * (the run, or their segment's `for` length) and hold `to` after it (`past_end = continue` keeps
 * following the formula). Lengths are quantities (`500 steps`, `5%` of the span, epochs, samples).
 */

const curve = (shape: CurveShape): Constructor => ({
  params: ["from", "to", ...Object.keys(curveDefaults[shape]), "over", "past_end"],
  required: ["from", "to"],
  build: (a) => {
    const from = a.number("from")
    const to = a.number("to")
    const options: Record<string, number> = {}
    let ok = from !== undefined && to !== undefined
    for (const [key, fallback] of Object.entries(curveDefaults[shape])) {
      // power = 0 is a hold until the end (HF's polynomial allows it); the other exponents must be positive.
      const v = a.number(key, fallback, key === "power" ? { min: 0 } : key === "exponent" || key === "k" || key === "phi" ? { min: 0, exclusive: true } : {})
      if (v === undefined) ok = false
      else if (v !== fallback) options[key] = v
    }
    const pastEnd = a.choice("past_end", ["hold", "continue"] as const, "hold")
    // `over` gives the curve a length of its own (it is then cut off or held within its span).
    const over = a.offset("over", a.extent.steps)
    if (!ok || from === undefined || to === undefined || pastEnd === undefined || over === undefined) return undefined
    if (shape === "exponential" && (from === 0 || to === 0 || Math.sign(from) !== Math.sign(to))) {
      return a.fail(`\`exponential(${from} -> ${to})\` needs two non-zero endpoints of the same sign (it is geometric between them)`, "use `linear` or `cosine` to reach 0, or end at a small positive value", "to")
    }
    if (shape === "rex" && curveOption(shape, options, "alpha") <= 0) return a.fail("`rex` needs `alpha > 0`", undefined, "alpha")
    return { kind: "curve", shape, from, to, steps: over, options, continues: pastEnd === "continue", span: a.span }
  }
})

/** `linear(from -> value0) for length then schedule`, the warmup reaching exactly where the schedule starts. */
const warmup: Constructor = {
  params: ["length", "then", "from", "shape"],
  required: ["length", "then"],
  build: (a) => {
    const length = a.length("length")
    const from = a.number("from", 0)
    const shape = a.choice("shape", ["linear", "cosine"] as const, "linear")
    if (length === undefined || from === undefined || shape === undefined) return undefined
    if (length > a.extent.steps) return a.fail(`the warmup (${length} steps) is longer than its span (${a.extent.steps} steps)`, "shorten the warmup", "length")
    const rest = a.schedule("then", { steps: a.extent.steps - length, source: a.span, what: "what follows the warmup" })
    if (rest === undefined) return undefined
    const peak = evaluateSchedule(rest, 0)
    return sequence(a, [[0, { kind: "curve", shape, from, to: peak, steps: length, options: {}, continues: false, span: a.span }], [length, rest]])
  }
}

const sequence = (a: Args, parts: ReadonlyArray<readonly [number, ScheduleIR]>): ScheduleIR => {
  const segments = parts.filter(([start, _], i) => i === parts.length - 1 || parts[i + 1]![0] > start).map(([start, schedule]) => ({ start, schedule }))
  return segments.length === 1 && segments[0]!.start === 0 ? segments[0]!.schedule : { kind: "sequence", segments, span: a.span }
}

const constant = (a: Args, value: number): ScheduleIR => ({ kind: "constant", value, span: a.span })
const shaped = (a: Args, shape: CurveShape, from: number, to: number, steps: number): ScheduleIR =>
  ({ kind: "curve", shape, from, to, steps, options: {}, continues: false, span: a.span })

/** Warmup-stable-decay (MiniCPM; Hägele et al.): linear warmup to `peak`, hold, then decay to `final` over the last `decay`. */
const wsd: Constructor = {
  params: ["peak", "warmup", "decay", "shape", "final"],
  required: ["peak"],
  build: (a) => {
    const peak = a.number("peak")
    const warm = a.length("warmup", 0)
    const decay = a.length("decay", Math.round(0.2 * a.extent.steps))
    const shape = a.choice("shape", ["linear", "cosine", "one_minus_sqrt"] as const, "one_minus_sqrt")
    const final = a.number("final", 0)
    if (peak === undefined || warm === undefined || decay === undefined || shape === undefined || final === undefined) return undefined
    if (warm + decay > a.extent.steps) {
      return a.fail(`warmup (${warm} steps) and decay (${decay} steps) are longer than the span (${a.extent.steps} steps)`, "shorten them, or lengthen the run", "decay")
    }
    const stableEnd = a.extent.steps - decay
    return sequence(a, [[0, shaped(a, "linear", 0, peak, warm)], [warm, constant(a, peak)], [stableEnd, shaped(a, shape, peak, final, decay)]])
  }
}

/** One cycle (Smith): from `peak / div` up to `peak` over `pct_start` of the span, then down to `peak / (div * final_div)`. */
const oneCycle: Constructor = {
  params: ["peak", "pct_start", "div", "final_div", "shape", "three_phase"],
  required: ["peak"],
  build: (a) => {
    const peak = a.number("peak")
    const pct = a.number("pct_start", 0.3, { min: 0, max: 1 })
    const div = a.number("div", 25, { min: 0, exclusive: true })
    const finalDiv = a.number("final_div", 1e4, { min: 0, exclusive: true })
    const shape = a.choice("shape", ["linear", "cosine"] as const, "cosine")
    const three = a.bool("three_phase", false)
    if (peak === undefined || pct === undefined || div === undefined || finalDiv === undefined || shape === undefined || three === undefined) return undefined
    const T = a.extent.steps
    const up = Math.round(pct * T)
    const start = peak / div
    const end = start / finalDiv
    if (!three) return sequence(a, [[0, shaped(a, shape, start, peak, up)], [up, shaped(a, shape, peak, end, T - up)]])
    if (2 * up > T) return a.fail("with `three_phase = true`, `pct_start` must be at most 0.5", undefined, "pct_start")
    return sequence(a, [[0, shaped(a, shape, start, peak, up)], [up, shaped(a, shape, peak, start, up)], [2 * up, shaped(a, shape, start, end, T - 2 * up)]])
  }
}

/** Triangle waves between `from` and `to` (CyclicLR's formula): `up` steps rising, `down` falling. */
const cyclic: Constructor = {
  params: ["from", "to", "up", "down", "mode", "gamma", "offset"],
  required: ["from", "to", "up"],
  build: (a) => {
    const low = a.number("from")
    const high = a.number("to")
    const up = a.length("up")
    const down = a.has("down") ? a.length("down") : up
    const mode = a.choice("mode", ["triangular", "triangular2", "exp_range"] as const, "triangular")
    const gamma = a.number("gamma", 1, { min: 0, exclusive: true })
    const offset = a.length("offset", 0)
    if (low === undefined || high === undefined || up === undefined || down === undefined || mode === undefined || gamma === undefined || offset === undefined) return undefined
    if (up + down <= 0) return a.fail("a cycle needs `up + down > 0` steps", undefined, "up")
    return { kind: "cyclic", low, high, up, down, mode, gamma, offset, span: a.span }
  }
}

/** Restarts (SGDR, Loshchilov & Hutter): `shape(from -> to)` over `period`, each cycle `multiplier` times longer and `decay` times lower. */
const sgdr: Constructor = {
  params: ["from", "to", "period", "multiplier", "decay", "shape"],
  required: ["from", "to", "period"],
  build: (a) => {
    const from = a.number("from")
    const to = a.number("to")
    const period = a.length("period")
    const multiplier = a.number("multiplier", 1, { min: 1 })
    const decay = a.number("decay", 1, { min: 0, exclusive: true })
    const shape = a.choice("shape", ["cosine", "linear", "one_minus_sqrt"] as const, "cosine")
    if (from === undefined || to === undefined || period === undefined || multiplier === undefined || decay === undefined || shape === undefined) return undefined
    if (period <= 0) return a.fail("`period` must be at least 1 step", undefined, "period")
    return { kind: "repeat", schedule: shaped(a, shape, from, to, period), period, multiplier, decay, span: a.span }
  }
}

/** Any schedule, restarted every `period` (stretched by `multiplier` per cycle, scaled by `decay`). */
const repeat: Constructor = {
  params: ["schedule", "period", "multiplier", "decay"],
  required: ["schedule", "period"],
  build: (a) => {
    const period = a.length("period")
    const multiplier = a.number("multiplier", 1, { min: 1 })
    const decay = a.number("decay", 1, { min: 0, exclusive: true })
    if (period === undefined || multiplier === undefined || decay === undefined) return undefined
    if (period <= 0) return a.fail("`period` must be at least 1 step", undefined, "period")
    const schedule = a.schedule("schedule", { steps: period, source: a.span, what: "one cycle" })
    return schedule === undefined ? undefined : { kind: "repeat", schedule, period, multiplier, decay, span: a.span }
  }
}

/** The schedule read every `every` steps and held in between (REX's "sampling rate", a staircase). */
const sampled: Constructor = {
  params: ["schedule", "every"],
  required: ["schedule", "every"],
  build: (a) => {
    const every = a.length("every")
    const schedule = a.schedule("schedule")
    if (every === undefined || schedule === undefined) return undefined
    if (every <= 0) return a.fail("`every` must be at least 1 step", undefined, "every")
    return { kind: "sampled", schedule, every, span: a.span }
  }
}

const extremum = (op: "min" | "max"): Constructor => ({
  params: ["a", "b"],
  required: ["a", "b"],
  build: (a) => {
    const left = a.schedule("a")
    const right = a.schedule("b")
    if (left === undefined || right === undefined) return undefined
    if (left.kind === "constant" && right.kind === "constant") return constant(a, Math[op](left.value, right.value))
    return { kind: "binary", op, left, right, span: a.span }
  }
})

const clamp: Constructor = {
  params: ["schedule", "low", "high"],
  required: ["schedule"],
  build: (a) => {
    const s = a.schedule("schedule")
    const low = a.has("low") ? a.schedule("low") : undefined
    const high = a.has("high") ? a.schedule("high") : undefined
    if (s === undefined || (a.has("low") && low === undefined) || (a.has("high") && high === undefined)) return undefined
    const floored: ScheduleIR = low === undefined ? s : { kind: "binary", op: "max", left: s, right: low, span: a.span }
    return high === undefined ? floored : { kind: "binary", op: "min", left: floored, right: high, span: a.span }
  }
}

/** `from * factor^floor(t / every)`: PyTorch's StepLR as a native shape. */
const step: Constructor = {
  params: ["from", "factor", "every"],
  required: ["from", "every"],
  build: (a) => {
    const from = a.number("from")
    const factor = a.number("factor", 0.1, { min: 0 })
    const every = a.length("every")
    if (from === undefined || factor === undefined || every === undefined) return undefined
    if (every <= 0) return a.fail("`every` must be at least 1 step", undefined, "every")
    return { kind: "geometric", value: from, rate: factor, every, span: a.span }
  }
}

/** Values at milestones, held (`interpolate = constant`) or joined linearly or by half-cosines. */
const piecewise: Constructor = {
  params: ["at", "values", "interpolate"],
  required: ["at", "values"],
  build: (a) => {
    const at = a.lengths("at")
    const values = a.numbers("values")
    const interpolate = a.choice("interpolate", ["constant", "linear", "cosine"] as const, "constant")
    if (at === undefined || values === undefined || interpolate === undefined) return undefined
    if (values.length !== at.length + 1) {
      return a.fail(`\`piecewise\` needs one more value than milestones: ${at.length} milestones, ${values.length} values`, "the first value holds from step 0; each milestone starts the next value", "values")
    }
    for (let i = 1; i < at.length; i++) {
      if (at[i]! <= at[i - 1]!) return a.fail("milestones must increase", undefined, "at")
    }
    return { kind: "piecewise", at, values, interpolate, span: a.span }
  }
}

/** `from * sqrt(timescale / (t + timescale))` (the Transformer's rsqrt decay, without its warmup). */
const inverseSqrt: Constructor = {
  params: ["from", "timescale"],
  required: ["from", "timescale"],
  build: (a) => {
    const from = a.number("from")
    const timescale = a.length("timescale")
    if (from === undefined || timescale === undefined) return undefined
    if (timescale <= 0) return a.fail("`timescale` must be at least 1 step", undefined, "timescale")
    return { kind: "inverse_sqrt", value: from, timescale, span: a.span }
  }
}

/**
 * The infinite schedule for continual pre-training (Ibrahim et al. 2024): linear warmup to `peak`,
 * cosine cooldown to `constant`, hold, and an exponential anneal to `min` over the last `anneal`.
 */
const infinite: Constructor = {
  params: ["peak", "constant", "min", "warmup", "cooldown", "anneal"],
  required: ["peak", "constant"],
  build: (a) => {
    const peak = a.number("peak")
    const hold = a.number("constant")
    const low = a.number("min", 0)
    const warm = a.length("warmup", 0)
    const cool = a.length("cooldown", 0)
    const anneal = a.length("anneal", 0)
    if (peak === undefined || hold === undefined || low === undefined || warm === undefined || cool === undefined || anneal === undefined) return undefined
    if (warm + cool + anneal > a.extent.steps) return a.fail(`warmup, cooldown and anneal (${warm + cool + anneal} steps) are longer than the span (${a.extent.steps} steps)`, "shorten them, or lengthen the run", "anneal")
    if (anneal > 0 && (low <= 0 || hold <= 0)) return a.fail("an exponential anneal needs `constant > 0` and `min > 0`", "give `min` a small positive value", "min")
    const annealStart = a.extent.steps - anneal
    return sequence(a, [
      [0, shaped(a, "linear", 0, peak, warm)],
      [warm, shaped(a, "cosine", peak, hold, cool)],
      [warm + cool, constant(a, hold)],
      ...(anneal > 0 ? [[annealStart, shaped(a, "exponential", hold, low, anneal)] as const] : [])
    ])
  }
}

/** The power law on its own: `min(max, coefficient * ((t + offset) * tokens_per_step)^exponent)`. */
const powerLaw: Constructor = {
  params: ["max", "coefficient", "exponent", "tokens_per_step", "offset"],
  required: ["max", "coefficient", "exponent"],
  build: (a) => {
    const max = a.number("max", undefined, { min: 0 })
    const coefficient = a.number("coefficient", undefined, { min: 0 })
    const exponent = a.number("exponent")
    const tokensPerStep = a.number("tokens_per_step", 1, { min: 0, exclusive: true })
    const offset = a.length("offset", 0)
    if (max === undefined || coefficient === undefined || exponent === undefined || tokensPerStep === undefined || offset === undefined) return undefined
    return { kind: "power", max, coefficient, exponent, tokensPerStep, offset, span: a.span }
  }
}

/**
 * Power Scheduler (Shen et al. 2024): `lr(n) = min(max, batch * a * n^b)` over tokens seen
 * (`n = t * tokens_per_step`), after a linear warmup to its value at the warmup's end, and a decay
 * to 0 over the last `decay` (the paper's decay shape is unconfirmed; `shape` chooses it).
 */
const powerScheduler: Constructor = {
  params: ["max", "a", "b", "batch", "tokens_per_step", "warmup", "decay", "shape"],
  required: ["tokens_per_step"],
  build: (args) => {
    const max = args.number("max", 0.02, { min: 0, exclusive: true })
    const a = args.number("a", 4, { min: 0, exclusive: true })
    const b = args.number("b", -0.51)
    const batch = args.number("batch", 1, { min: 0, exclusive: true })
    const tokensPerStep = args.number("tokens_per_step", undefined, { min: 0, exclusive: true })
    const warm = args.length("warmup", 0)
    const decay = args.length("decay", 0)
    const shape = args.choice("shape", ["linear", "cosine", "one_minus_sqrt"] as const, "linear")
    if (max === undefined || a === undefined || b === undefined || batch === undefined || tokensPerStep === undefined || warm === undefined || decay === undefined || shape === undefined) return undefined
    if (warm + decay > args.extent.steps) return args.fail(`warmup and decay (${warm + decay} steps) are longer than the span (${args.extent.steps} steps)`, "shorten them", "decay")
    const law = (offset: number): ScheduleIR => ({ kind: "power", max, coefficient: batch * a, exponent: b, tokensPerStep, offset, span: args.span })
    const at = (t: number) => evaluateSchedule(law(0), t)
    const decayStart = args.extent.steps - decay
    return sequence(args, [
      [0, shaped(args, "linear", 0, at(warm), warm)],
      [warm, law(warm)],
      ...(decay > 0 ? [[decayStart, shaped(args, shape, at(decayStart), 0, decay)] as const] : [])
    ])
  }
}

/** `schedule` moved `by` steps later (earlier when negative): it sees `t - by`. */
const shift: Constructor = {
  params: ["schedule", "by"],
  required: ["schedule", "by"],
  build: (a) => {
    const by = a.offset("by")
    const schedule = a.schedule("schedule")
    if (by === undefined || schedule === undefined) return undefined
    return by === 0 ? schedule : { kind: "sequence", segments: [{ start: by, schedule }], span: a.span }
  }
}

/**
 * Slow start, fast decay (Jeddi et al. 2020, adversarial fine-tuning): a slow linear ramp to `peak`
 * over the first `start` of the span, then a fast decay to 0 (the paper's breakpoints are unconfirmed, hence the options).
 */
const slowStartFastDecay: Constructor = {
  params: ["peak", "start", "shape"],
  required: ["peak"],
  build: (a) => {
    const peak = a.number("peak")
    const start = a.length("start", Math.round(a.extent.steps / 2))
    const shape = a.choice("shape", ["linear", "cosine"] as const, "linear")
    if (peak === undefined || start === undefined || shape === undefined) return undefined
    if (start > a.extent.steps) return a.fail(`the ramp (${start} steps) is longer than the span (${a.extent.steps} steps)`, undefined, "start")
    return sequence(a, [[0, shaped(a, "linear", 0, peak, start)], [start, shaped(a, shape, peak, 0, a.extent.steps - start)]])
  }
}

/**
 * Moderate decay (Luo et al. 2026): from `peak` down only to `peak * ratio`, so late (best) data in an
 * ascending-quality curriculum still gets a useful learning rate.
 */
const moderateDecay: Constructor = {
  params: ["peak", "ratio", "shape"],
  required: ["peak"],
  build: (a) => {
    const peak = a.number("peak")
    const ratio = a.number("ratio", 0.5, { min: 0, max: 1 })
    const shape = a.choice("shape", ["linear", "cosine", "one_minus_sqrt"] as const, "cosine")
    if (peak === undefined || ratio === undefined || shape === undefined) return undefined
    return shaped(a, shape, peak, peak * ratio, a.extent.steps)
  }
}

/**
 * `schedule` restarted at each of `at`, or `every` LENGTH (for example `every = 1 tasks`, a
 * stream's task boundaries): every stretch between restarts gets the whole schedule, compiled over
 * that stretch's length, so `%` lengths and the filling last segment scale with it (re-warming and
 * re-decaying per task).
 */
const restart: Constructor = {
  params: ["schedule", "at", "every"],
  required: ["schedule"],
  build: (a) => {
    if (a.has("at") === a.has("every")) return a.fail("`restart` needs `at = [...]` or `every = LENGTH`, one of them", "write `restart(s, every = 1 tasks)` or `restart(s, at = [1k steps, 2k steps])`")
    let at: ReadonlyArray<number> | undefined
    const every = a.expr("every")
    const ends = a.ctx.axes.taskEnds
    if (every?.kind === "Number" && every.unit?.text === "tasks" && ends !== undefined && a.ctx.axes.stepsPerTask === undefined && a.ctx.axes.tasksHidden !== true) {
      // Tasks of different budgets: restart where every N-th task ends.
      if (!Number.isInteger(every.value) || every.value < 1) return a.fail("`every` must be a whole number of tasks, at least 1", undefined, "every")
      at = ends.filter((end, i) => (i + 1) % every.value === 0 && end < a.extent.steps)
    } else if (a.has("every")) {
      const every = a.length("every")
      if (every === undefined) return undefined
      if (every < 1) return a.fail("`every` must be at least 1 step", undefined, "every")
      at = Array.from({ length: Math.max(0, Math.ceil(a.extent.steps / every) - 1) }, (_, i) => (i + 1) * every)
    } else at = a.lengths("at")
    if (at === undefined) return undefined
    for (let i = 1; i < at.length; i++) if (at[i]! <= at[i - 1]!) return a.fail("restart points must increase", undefined, "at")
    if (at.some((x) => x <= 0 || x >= a.extent.steps)) return a.fail(`restart points must lie inside the span (1 to ${a.extent.steps - 1} steps)`, undefined, "at")
    const starts = [0, ...at]
    const parts: Array<readonly [number, ScheduleIR]> = []
    for (const [i, start] of starts.entries()) {
      const end = starts[i + 1] ?? a.extent.steps
      const s = a.schedule("schedule", { steps: end - start, source: a.span, what: "the stretch between restarts" })
      if (s === undefined) return undefined
      parts.push([start, s])
    }
    return sequence(a, parts)
  }
}

/** The arguments of a plateau schedule as a library names them (native `on`/`min`, torch `signal`/`min_lr`). */
export interface PlateauNames {
  readonly schedule: string
  readonly on: string
  readonly min: string
}

/** Reads a plateau schedule's arguments; torch's ReduceLROnPlateau defaults. */
export const buildPlateau = (a: Args, names: PlateauNames): ScheduleIR | undefined => {
  const schedule = a.schedule(names.schedule)
  const on = a.expr(names.on)
  // Outside an experiment (`lrs schedule`) nothing says what is evaluated, so any signal may be named.
  const signal = on === undefined ? undefined : checkSignal(a.ctx, on, a.ctx.observed ?? signalNames)
  const mode = a.choice("mode", ["min", "max"] as const, "min")
  const factor = a.number("factor", 0.1, { min: 0, max: 1, exclusive: true })
  const patience = a.number("patience", 10, { integer: true, min: 0 })
  const threshold = a.number("threshold", 1e-4, { min: 0 })
  const thresholdMode = a.choice("threshold_mode", ["rel", "abs"] as const, "rel")
  const cooldown = a.number("cooldown", 0, { integer: true, min: 0 })
  const min = a.number(names.min, 0, { min: 0 })
  const eps = a.number("eps", 1e-8, { min: 0 })
  if (schedule === undefined || signal === undefined || mode === undefined || factor === undefined || patience === undefined ||
    threshold === undefined || thresholdMode === undefined || cooldown === undefined || min === undefined || eps === undefined) return undefined
  const node: PlateauIR = { kind: "plateau", schedule, signal, mode, factor, patience, threshold, thresholdMode, cooldown, min, eps, span: a.span }
  return node
}

/**
 * ReduceLROnPlateau as a schedule: `schedule` scaled by `factor` each time the signal `on` stops
 * improving for more than `patience` observations. The one schedule whose value depends on the run.
 */
const plateau: Constructor = {
  params: ["schedule", "on", "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min", "eps"],
  required: ["schedule", "on"],
  build: (a) => buildPlateau(a, { schedule: "schedule", on: "on", min: "min" })
}

/**
 * AutoLRS: the learning rate chosen stage by stage by a search the run performs (see AutoLrsIR).
 * `every` is the stage length, `trial` how long each candidate trains (a tenth of a stage by
 * default, the paper's tau' = tau / 10), `trials` how many candidates each stage tries.
 */
const autolrs: Constructor = {
  params: ["min", "max", "every", "trial", "trials"],
  required: ["min", "max"],
  build: (a) => {
    const min = a.number("min", undefined, { min: 0, exclusive: true })
    const max = a.number("max", undefined, { min: 0, exclusive: true })
    const every = a.length("every", Math.max(1, Math.round(a.extent.steps / 10)))
    const trials = a.number("trials", 6, { integer: true, min: 2 })
    if (min === undefined || max === undefined || every === undefined || trials === undefined) return undefined
    if (max <= min) return a.fail(`\`autolrs\` searches between \`min\` and \`max\`, but ${max} is not above ${min}`, "give `max` a larger value than `min`", "max")
    if (every < 2) return a.fail("a stage (`every`) must be at least 2 steps", undefined, "every")
    const trial = a.length("trial", Math.max(1, Math.round(every / 10)))
    if (trial === undefined) return undefined
    if (trial < 1 || trial >= every) return a.fail(`each trial (${trial} steps) must be at least 1 step and shorter than a stage (${every} steps)`, "shorten `trial` or lengthen `every`", "trial")
    return { kind: "autolrs", min, max, every, trial, trials, span: a.span }
  }
}

export const native: Readonly<Record<string, Constructor>> = {
  constant: { params: ["value"], required: ["value"], build: (a) => { const v = a.number("value"); return v === undefined ? undefined : constant(a, v) } },
  linear: curve("linear"),
  cosine: curve("cosine"),
  exponential: curve("exponential"),
  polynomial: curve("polynomial"),
  one_minus_sqrt: curve("one_minus_sqrt"),
  rex: curve("rex"),
  uba: curve("uba"),
  k_decay: curve("k_decay"),
  inverse_sqrt: inverseSqrt,
  step,
  piecewise,
  warmup,
  wsd,
  one_cycle: oneCycle,
  cyclic,
  sgdr,
  infinite,
  power_law: powerLaw,
  slow_start_fast_decay: slowStartFastDecay,
  moderate_decay: moderateDecay,
  power_scheduler: powerScheduler,
  refined,
  autolrs,
  ...pacing,
  repeat,
  restart,
  sampled,
  shift,
  min: extremum("min"),
  max: extremum("max"),
  clamp,
  plateau
}
