import type { Expr, Span } from "@lrs/dsl"
import type { Context } from "../check/Context.ts"
import { suggestionHelp } from "../check/suggest.ts"
import { checkedNumber, describe } from "../check/values.ts"
import type { CurveShape, ScheduleIR } from "../ir/Ir.ts"
import { compileSchedule, durationSteps } from "./compile.ts"
import { evaluateSchedule } from "./evaluate.ts"
import type { Args, Constructor } from "./library.ts"

/**
 * The `optax.*` compatibility constructors: `optax/schedules/_schedule.py` and `_join.py`
 * (google-deepmind/optax @ 006cebd2 / 58f8353e), one constructor per function, with optax's
 * parameter names, positional order and defaults. `t` is optax's `count` (updates already
 * applied). Lengths are explicit, as in optax: a schedule does not stretch to its segment.
 *
 * One deviation from the Python signatures: a `{step: scale}` dict (`boundaries_and_scales`)
 * cannot be a record here (record keys are names), so it is a list of `[step, scale]` pairs,
 * the dict's `items()`: `boundaries_and_scales = [[100, 0.1], [200, 0.1]]`.
 *
 * Where the IR allows, values are bit-for-bit those of the source formulas (linear and
 * polynomial transitions, exponential decay, piecewise schedules, both interpolations); cosine
 * decay with `alpha != 0` is `alpha * I + (1 - alpha) * I * c` rather than `I * ((1 - alpha) * c + alpha)`,
 * equal to within rounding of the peak.
 */

// ---------------------------------------------------------------------------------------------
// Helpers shared with hf.ts: integer step counts, string-or-name options, IR builders.

/** Where a builder reports problems and what span its IR nodes carry (a call, or a record inside one). */
export interface Site {
  readonly ctx: Context
  readonly span: Span
  /** Reports at the named argument (or field) when given and present, else at the call. */
  readonly fail: (message: string, help?: string, at?: string) => undefined
}

export const siteOf = (a: Args): Site => ({ ctx: a.ctx, span: a.span, fail: a.fail })

/**
 * A step count, as the sources take it: a plain integer (`100`), or a length (`100 steps`, `10%`
 * of the span, epochs, samples). Negative plain integers are reported unless `negative` allows
 * them (optax gives `transition_steps <= 0` and `transition_begin < 0` a meaning).
 */
export const countOf = (ctx: Context, e: Expr, what: string, span: number, negative = false): number | undefined => {
  if (e.kind === "Number" && e.unit !== undefined) return durationSteps(ctx, e, span)
  return checkedNumber(ctx, e, what, negative ? { integer: true } : { integer: true, min: 0 })
}

export const count = (a: Args, name: string, fallback?: number, negative = false): number | undefined => {
  const e = a.expr(name)
  return e === undefined ? fallback : countOf(a.ctx, e, name, a.extent.steps, negative)
}

/**
 * An option the sources take as a string (`'linear'`, `'1-sqrt'`): the string itself, or as a
 * bare name where it is one (`linear`), or through `aliases` (`one_minus_sqrt` for `'1-sqrt'`).
 */
export const option = <A extends string>(a: Args, name: string, choices: ReadonlyArray<A>, fallback: A | undefined, aliases: Readonly<Record<string, A>> = {}): A | undefined => {
  const e = a.expr(name)
  if (e === undefined) return fallback
  if (e.kind === "String") {
    if ((choices as ReadonlyArray<string>).includes(e.value)) return e.value as A
    return a.ctx.report("LRS2002", e.span, `"${e.value}" is not a valid \`${name}\``, suggestionHelp(e.value, choices.map((c) => `"${c}"`), name))
  }
  if (e.kind === "Ref" && e.path.length === 1 && aliases[e.path[0]!.text] !== undefined) return aliases[e.path[0]!.text]
  const bare = [...choices.filter((c) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(c)), ...Object.keys(aliases)] as Array<A>
  return a.choice(name, bare, bare[0]!)
}

export const constant = (s: Site, value: number): ScheduleIR => ({ kind: "constant", value, span: s.span })

export const curve = (s: Site, shape: CurveShape, from: number, to: number, steps: number, options: Readonly<Record<string, number>> = {}, continues = false): ScheduleIR =>
  ({ kind: "curve", shape, from, to, steps, options, continues, span: s.span })

export const binary = (s: Site, op: "*" | "min" | "max", left: ScheduleIR, right: ScheduleIR): ScheduleIR => ({ kind: "binary", op, left, right, span: s.span })

/**
 * `optax.join_schedules` semantics for `[start, schedule]` parts (the first starting at 0): at `t`
 * the last part whose start is `<= t` runs, seeing `t - start`. A part is dropped when a later one
 * starts at or before it (it never runs), so the rest increase as the IR's `sequence` needs.
 */
export const joined = (s: Site, parts: ReadonlyArray<readonly [number, ScheduleIR]>): ScheduleIR => {
  const kept: Array<{ start: number; schedule: ScheduleIR }> = []
  let bound = Infinity
  for (let i = parts.length - 1; i >= 0; i--) {
    const [start, schedule] = parts[i]!
    if (start < bound) {
      kept.unshift({ start, schedule })
      bound = start
    }
  }
  return kept.length === 1 && kept[0]!.start === 0 ? kept[0]!.schedule : { kind: "sequence", segments: kept, span: s.span }
}

// ---------------------------------------------------------------------------------------------
// The optax formulas, as IR. I = init_value, E = end_value, T = transition/decay steps, B = transition_begin.

/**
 * `polynomial_schedule`: `(I - E) * (1 - clip(t - B, 0, T) / T)^P + E`. `T <= 0` is the constant
 * `I`; `B < 0` falls back to 0. Before `B` the value is the formula at 0, `(I - E) + E` (as
 * optax computes it, which can differ from `I` in the last bit).
 */
const polynomial = (s: Site, init: number, end: number, power: number, steps: number, begin: number): ScheduleIR => {
  if (steps <= 0) return constant(s, init)
  // power 1 is linear_schedule: `to + (from - to) * (1 - p)` is the same float expression.
  const body = power === 1 ? curve(s, "linear", init, end, steps) : curve(s, "polynomial", init, end, steps, { power })
  const b = Math.max(begin, 0)
  return b === 0 ? body : joined(s, [[0, constant(s, evaluateSchedule(body, 0))], [b, body]])
}

/**
 * `cosine_decay_schedule`: `I * ((1 - alpha) * (1/2 (1 + cos(pi min(t, T) / T)))^exponent + alpha)`;
 * `alpha` is a fraction of `I`. A cosine curve from `I` to `alpha * I` (exact when `alpha = 0`).
 */
const cosineDecay = (s: Site, init: number, steps: number, alpha: number, exponent: number, at = "decay_steps"): ScheduleIR | undefined => {
  if (!(steps > 0)) return s.fail(`optax's cosine decay needs positive \`decay_steps\`, found ${steps}`, "optax raises a ValueError here", at)
  return curve(s, "cosine", init, alpha * init, steps, exponent === 1 ? {} : { exponent })
}

/**
 * `exponential_decay`: `d = t - B`; `I` while `d <= 0`, then `I * rate^(d / T)` (`floor(d / T)` when
 * `staircase`), clipped by `end_value` (from below when `rate < 1`, else from above, the initial
 * stretch included). `T <= 0` or `rate == 0` is the constant `I` and ignores `end_value`.
 */
const exponentialDecay = (s: Site, init: number, steps: number, rate: number, begin: number, staircase: boolean, end: number | undefined): ScheduleIR | undefined => {
  if (steps <= 0 || rate === 0) return constant(s, init)
  if (rate < 0 && !staircase) return s.fail(`a negative \`decay_rate\` (${rate}) gives NaN between the transitions in optax`, "use `staircase = true`, or a positive rate", "decay_rate")
  let body: ScheduleIR
  if (staircase) body = { kind: "geometric", value: init, rate, every: steps, span: s.span }
  else if (init === 0) body = constant(s, 0)
  // `from * (to / from)^p` is `I * rate^p` exactly when `(I * rate) / I` gives back `rate`.
  else if ((init * rate) / init === rate) body = curve(s, "exponential", init, init * rate, steps, {}, true)
  else body = binary(s, "*", constant(s, init), curve(s, "exponential", 1, rate, steps, {}, true))
  const b = Math.max(begin, 0)
  const decayed = b === 0 ? body : joined(s, [[0, constant(s, init)], [b, body]])
  return end === undefined ? decayed : binary(s, rate < 1 ? "max" : "min", decayed, constant(s, end))
}

/** Sorted `[boundary, scale]` pairs and the accumulated values `I, I s_1, I s_1 s_2, ...` (optax multiplies `scale * v`). */
const accumulate = (init: number, pairs: ReadonlyArray<readonly [number, number]>) => {
  const sorted = [...pairs].sort((x, y) => x[0] - y[0])
  const values = [init]
  for (const [, scale] of sorted) values.push(scale * values[values.length - 1]!)
  return { at: sorted.map(([b]) => b), values }
}

/** `piecewise_constant_schedule`: `I * prod(s_i for b_i <= t)`; a scale applies at its boundary. */
const piecewiseConstant = (s: Site, init: number, pairs: ReadonlyArray<readonly [number, number]>): ScheduleIR => {
  const { at, values } = accumulate(init, pairs)
  return at.length === 0 ? constant(s, init) : { kind: "piecewise", at, values, interpolate: "constant", span: s.span }
}

/**
 * `piecewise_interpolate_schedule`: the accumulated values sit at `(0, b_1, ..., b_n)` and are
 * joined linearly (`(v1 - v0) * pct + v0`: the IR's linear piecewise, the same expression) or by
 * half-cosines (`v1 + (v0 - v1) / 2 * (cos(pi pct) + 1)`: a cosine curve per interval, the same
 * expression); after `b_n` the last value holds.
 */
const piecewiseInterpolate = (s: Site, type: "linear" | "cosine", init: number, pairs: ReadonlyArray<readonly [number, number]>): ScheduleIR => {
  const { at, values } = accumulate(init, pairs)
  if (at.length === 0) return constant(s, init)
  if (type === "linear") return { kind: "piecewise", at, values, interpolate: "linear", span: s.span }
  const bounds = [0, ...at]
  const parts: Array<readonly [number, ScheduleIR]> = []
  for (let k = 0; k < at.length; k++) {
    const size = bounds[k + 1]! - bounds[k]!
    if (size > 0) parts.push([bounds[k]!, curve(s, "cosine", values[k]!, values[k + 1]!, size)])
  }
  parts.push([at[at.length - 1]!, constant(s, values[values.length - 1]!)])
  return joined(s, parts)
}

/** `warmup_cosine_decay_schedule`: `join([linear(I -> peak, W), cosine_decay(peak, D - W, end / peak, exponent)], [W])`; `decay_steps` counts the warmup. */
const warmupCosineDecay = (s: Site, init: number, peak: number, warmup: number, decay: number, end: number, exponent: number): ScheduleIR | undefined => {
  const alpha = peak === 0 ? 0 : end / peak
  const cos = cosineDecay(s, peak, decay - warmup, alpha, exponent)
  if (cos === undefined) return undefined
  return joined(s, [[0, polynomial(s, init, peak, 1, warmup, 0)], [warmup, cos]])
}

/** A list of `[step, scale]` pairs (a `{step: scale}` dict's items). Steps are counts; scales must be >= 0 (optax raises otherwise). */
const pairsArg = (a: Args, name: string, negativeSteps: boolean): ReadonlyArray<readonly [number, number]> | undefined => {
  const e = a.expr(name)
  if (e === undefined) return []
  const help = "give `[step, scale]` pairs: `[[100, 0.1], [200, 0.1]]` (optax's `{100: 0.1, 200: 0.1}`)"
  if (e.kind !== "List") return a.ctx.report("LRS2001", e.span, `\`${name}\` must be a list of \`[step, scale]\` pairs, found ${describe(e)}`, help)
  const out: Array<readonly [number, number]> = []
  let ok = true
  for (const item of e.items) {
    if (item.kind !== "List" || item.items.length !== 2) {
      ok = false
      a.ctx.report("LRS2001", item.span, `each entry of \`${name}\` must be a \`[step, scale]\` pair, found ${item.kind === "List" ? `a list of ${item.items.length}` : describe(item)}`, help)
      continue
    }
    const step = countOf(a.ctx, item.items[0]!, "step", a.extent.steps, negativeSteps)
    const scale = checkedNumber(a.ctx, item.items[1]!, "scale", { min: 0 })
    if (step === undefined || scale === undefined) {
      ok = false
      continue
    }
    if (out.some(([b]) => b === step)) {
      ok = false
      a.ctx.report("LRS1006", item.items[0]!.span, `step ${step} is given twice in \`${name}\``, "a dict has one scale per step: multiply the two scales")
      continue
    }
    out.push([step, scale])
  }
  return ok ? out : undefined
}

// ---------------------------------------------------------------------------------------------
// Constructors.

const all = (...xs: ReadonlyArray<unknown>) => xs.every((x) => x !== undefined)

const constantSchedule: Constructor = {
  params: ["value"],
  required: ["value"],
  build: (a) => {
    const v = a.number("value")
    return v === undefined ? undefined : constant(siteOf(a), v)
  }
}

const polynomialSchedule: Constructor = {
  params: ["init_value", "end_value", "power", "transition_steps", "transition_begin"],
  required: ["init_value", "end_value", "power", "transition_steps"],
  build: (a) => {
    const [init, end, power] = [a.number("init_value"), a.number("end_value"), a.number("power")]
    const steps = count(a, "transition_steps", undefined, true)
    const begin = count(a, "transition_begin", 0, true)
    if (init === undefined || end === undefined || power === undefined || steps === undefined || begin === undefined) return undefined
    return polynomial(siteOf(a), init, end, power, steps, begin)
  }
}

const linearSchedule: Constructor = {
  params: ["init_value", "end_value", "transition_steps", "transition_begin"],
  required: ["init_value", "end_value", "transition_steps"],
  build: (a) => {
    const [init, end] = [a.number("init_value"), a.number("end_value")]
    const steps = count(a, "transition_steps", undefined, true)
    const begin = count(a, "transition_begin", 0, true)
    if (init === undefined || end === undefined || steps === undefined || begin === undefined) return undefined
    return polynomial(siteOf(a), init, end, 1, steps, begin)
  }
}

const cosineDecaySchedule: Constructor = {
  params: ["init_value", "decay_steps", "alpha", "exponent"],
  required: ["init_value", "decay_steps"],
  build: (a) => {
    const init = a.number("init_value")
    const steps = count(a, "decay_steps", undefined, true)
    const alpha = a.number("alpha", 0)
    const exponent = a.number("exponent", 1)
    if (init === undefined || steps === undefined || alpha === undefined || exponent === undefined) return undefined
    return cosineDecay(siteOf(a), init, steps, alpha, exponent)
  }
}

const exponentialDecaySchedule: Constructor = {
  params: ["init_value", "transition_steps", "decay_rate", "transition_begin", "staircase", "end_value"],
  required: ["init_value", "transition_steps", "decay_rate"],
  build: (a) => {
    const init = a.number("init_value")
    const steps = count(a, "transition_steps", undefined, true)
    const rate = a.number("decay_rate")
    const begin = count(a, "transition_begin", 0, true)
    const staircase = a.bool("staircase", false)
    const end = a.number("end_value")
    if (init === undefined || steps === undefined || rate === undefined || begin === undefined || staircase === undefined || (a.has("end_value") && end === undefined)) return undefined
    return exponentialDecay(siteOf(a), init, steps, rate, begin, staircase, end)
  }
}

const piecewiseConstantSchedule: Constructor = {
  params: ["init_value", "boundaries_and_scales"],
  required: ["init_value"],
  build: (a) => {
    const init = a.number("init_value")
    const pairs = pairsArg(a, "boundaries_and_scales", true)
    if (init === undefined || pairs === undefined) return undefined
    return piecewiseConstant(siteOf(a), init, pairs)
  }
}

const piecewiseInterpolateSchedule: Constructor = {
  params: ["interpolate_type", "init_value", "boundaries_and_scales"],
  required: ["interpolate_type", "init_value"],
  build: (a) => {
    const type = option(a, "interpolate_type", ["linear", "cosine"] as const, undefined)
    const init = a.number("init_value")
    // optax puts the first point at step 0; a negative boundary has no sensible reading there.
    const pairs = pairsArg(a, "boundaries_and_scales", false)
    if (type === undefined || init === undefined || pairs === undefined) return undefined
    return piecewiseInterpolate(siteOf(a), type, init, pairs)
  }
}

/**
 * `linear_onecycle_schedule`: `piecewise_interpolate('linear', peak / div, {int(pct_start T): div,
 * int(pct_final T): 1 / div, T: 1 / final_div})`, a Python dict: a later equal key replaces an
 * earlier one. It ends at `peak / (div * final_div)` (4e-6 by default), not the docstring's
 * `peak / final_div`.
 */
const linearOnecycle: Constructor = {
  params: ["transition_steps", "peak_value", "pct_start", "pct_final", "div_factor", "final_div_factor"],
  required: ["transition_steps", "peak_value"],
  build: (a) => {
    const steps = count(a, "transition_steps", undefined, true)
    const peak = a.number("peak_value")
    const pctStart = a.number("pct_start", 0.3)
    const pctFinal = a.number("pct_final", 0.85)
    const div = a.number("div_factor", 25)
    const finalDiv = a.number("final_div_factor", 1e4)
    if (steps === undefined || peak === undefined || pctStart === undefined || pctFinal === undefined || div === undefined || finalDiv === undefined) return undefined
    if (steps <= 0) return a.fail(`\`transition_steps\` must be positive, found ${steps}`, "optax raises a ValueError here", "transition_steps")
    const dict = new Map([[Math.trunc(pctStart * steps), div], [Math.trunc(pctFinal * steps), 1 / div], [steps, 1 / finalDiv]])
    return onecycle(a, "linear", peak / div, dict, "pct_start")
  }
}

/** `cosine_onecycle_schedule`: `piecewise_interpolate('cosine', peak / div, {int(pct_start T): div, T: 1 / (div * final_div)})`. */
const cosineOnecycle: Constructor = {
  params: ["transition_steps", "peak_value", "pct_start", "div_factor", "final_div_factor"],
  required: ["transition_steps", "peak_value"],
  build: (a) => {
    const steps = count(a, "transition_steps", undefined, true)
    const peak = a.number("peak_value")
    const pctStart = a.number("pct_start", 0.3)
    const div = a.number("div_factor", 25)
    const finalDiv = a.number("final_div_factor", 1e4)
    if (steps === undefined || peak === undefined || pctStart === undefined || div === undefined || finalDiv === undefined) return undefined
    if (steps <= 0) return a.fail(`\`transition_steps\` must be positive, found ${steps}`, "optax raises a ValueError here", "transition_steps")
    const dict = new Map([[Math.trunc(pctStart * steps), div], [steps, 1 / (div * finalDiv)]])
    return onecycle(a, "cosine", peak / div, dict, "pct_start")
  }
}

const onecycle = (a: Args, type: "linear" | "cosine", init: number, dict: ReadonlyMap<number, number>, at: string): ScheduleIR | undefined => {
  const pairs = [...dict]
  if (pairs.some(([b]) => b < 0)) return a.fail("the phases start before step 0", "use percentages between 0 and 1", at)
  if (pairs.some(([, scale]) => scale < 0)) return a.fail("optax expects non-negative scale factors: `div_factor` and `final_div_factor` must be >= 0", undefined, "div_factor")
  return piecewiseInterpolate(siteOf(a), type, init, pairs)
}

const warmupConstantSchedule: Constructor = {
  params: ["init_value", "peak_value", "warmup_steps"],
  required: ["init_value", "peak_value", "warmup_steps"],
  build: (a) => {
    const [init, peak] = [a.number("init_value"), a.number("peak_value")]
    const warmup = count(a, "warmup_steps")
    if (init === undefined || peak === undefined || warmup === undefined) return undefined
    return polynomial(siteOf(a), init, peak, 1, warmup, 0)
  }
}

const warmupCosineDecaySchedule: Constructor = {
  params: ["init_value", "peak_value", "warmup_steps", "decay_steps", "end_value", "exponent"],
  required: ["init_value", "peak_value", "warmup_steps", "decay_steps"],
  build: (a) => {
    const [init, peak] = [a.number("init_value"), a.number("peak_value")]
    const warmup = count(a, "warmup_steps")
    const decay = count(a, "decay_steps")
    const end = a.number("end_value", 0)
    const exponent = a.number("exponent", 1)
    if (init === undefined || peak === undefined || warmup === undefined || decay === undefined || end === undefined || exponent === undefined) return undefined
    if (decay <= warmup) return a.fail(`\`decay_steps\` (${decay}) counts the warmup and must exceed \`warmup_steps\` (${warmup})`, "optax's cosine decay gets `decay_steps - warmup_steps` steps, and raises when that is not positive", "decay_steps")
    return warmupCosineDecay(siteOf(a), init, peak, warmup, decay, end, exponent)
  }
}

const warmupExponentialDecaySchedule: Constructor = {
  params: ["init_value", "peak_value", "warmup_steps", "transition_steps", "decay_rate", "transition_begin", "staircase", "end_value"],
  required: ["init_value", "peak_value", "warmup_steps", "transition_steps", "decay_rate"],
  build: (a) => {
    const [init, peak] = [a.number("init_value"), a.number("peak_value")]
    const warmup = count(a, "warmup_steps")
    const steps = count(a, "transition_steps", undefined, true)
    const rate = a.number("decay_rate")
    const begin = count(a, "transition_begin", 0, true)
    const staircase = a.bool("staircase", false)
    const end = a.number("end_value")
    if (!all(init, peak, warmup, steps, rate, begin, staircase) || (a.has("end_value") && end === undefined)) return undefined
    const s = siteOf(a)
    const decay = exponentialDecay(s, peak!, steps!, rate!, begin!, staircase!, end)
    return decay === undefined ? undefined : joined(s, [[0, polynomial(s, init!, peak!, 1, warmup!, 0)], [warmup!, decay]])
  }
}

/**
 * `join_schedules(schedules, boundaries)`: `schedules[i + 1]` takes over at `boundaries[i]` and sees
 * `t - boundaries[i]`; where boundaries do not increase, the later one wins, as in optax. Each
 * schedule is compiled over the steps until the next boundary (the last one to the end of the
 * span), so native shapes fill their stretch. optax's `zip` drops extra schedules or boundaries
 * silently; here the counts must match.
 */
const joinSchedules: Constructor = {
  params: ["schedules", "boundaries"],
  required: ["schedules", "boundaries"],
  build: (a) => {
    const e = a.expr("schedules")!
    const b = a.expr("boundaries")!
    if (e.kind !== "List") return a.ctx.report("LRS2001", e.span, `\`schedules\` of \`${a.name}\` must be a list of schedules, found ${describe(e)}`)
    if (b.kind !== "List") return a.ctx.report("LRS2001", b.span, `\`boundaries\` of \`${a.name}\` must be a list of step counts, found ${describe(b)}`)
    const boundaries = b.items.map((i) => countOf(a.ctx, i, "boundaries", a.extent.steps))
    if (!all(...boundaries)) return undefined
    const bs = boundaries as ReadonlyArray<number>
    if (e.items.length !== bs.length + 1) {
      return a.fail(`\`join_schedules\` needs one more schedule than boundaries: ${e.items.length} schedules, ${bs.length} boundaries`, "schedule 0 runs from step 0; each boundary starts the next schedule", "schedules")
    }
    const starts = [0, ...bs]
    const parts: Array<readonly [number, ScheduleIR]> = []
    let ok = true
    e.items.forEach((item, i) => {
      const steps = Math.max((starts[i + 1] ?? a.extent.steps) - starts[i]!, 0)
      const s = compileSchedule(a.ctx, item, { steps, source: item.span, what: "its segment" })
      if (s === undefined) ok = false
      else parts.push([starts[i]!, s])
    })
    return ok ? joined(siteOf(a), parts) : undefined
  }
}

/** The keyword arguments of `warmup_cosine_decay_schedule`, which each `sgdr_schedule` cycle takes. */
const cycleFields = ["init_value", "peak_value", "warmup_steps", "decay_steps", "end_value", "exponent"] as const
const cycleRequired = ["init_value", "peak_value", "warmup_steps", "decay_steps"] as const

/**
 * `sgdr_schedule(cosine_kwargs)`: one `warmup_cosine_decay_schedule(**kwargs)` per record, joined at
 * the running sum of their `decay_steps` (each cycle's length, warmup included). Records are
 * closed: an unknown field is reported with the nearest name.
 */
const sgdrSchedule: Constructor = {
  params: ["cosine_kwargs"],
  required: ["cosine_kwargs"],
  build: (a) => {
    const e = a.expr("cosine_kwargs")!
    const help = "give a list of records: `[{ init_value = 0, peak_value = 1, warmup_steps = 10, decay_steps = 100 }, ...]`"
    if (e.kind !== "List") return a.ctx.report("LRS2001", e.span, `\`cosine_kwargs\` must be a list of records, found ${describe(e)}`, help)
    if (e.items.length === 0) return a.fail("`sgdr_schedule` needs at least one cycle", help, "cosine_kwargs")
    const parts: Array<readonly [number, ScheduleIR]> = []
    let start = 0
    let ok = true
    for (const item of e.items) {
      const cycle = sgdrCycle(a, item)
      if (cycle === undefined) {
        ok = false
        continue
      }
      parts.push([start, cycle.schedule])
      start += cycle.length
    }
    return ok ? joined(siteOf(a), parts) : undefined
  }
}

const sgdrCycle = (a: Args, item: Expr): { schedule: ScheduleIR; length: number } | undefined => {
  const { ctx } = a
  if (item.kind !== "Record") return ctx.report("LRS2001", item.span, `each cycle of \`cosine_kwargs\` must be a record of \`warmup_cosine_decay_schedule\` arguments, found ${describe(item)}`)
  const fields = new Map<string, Expr>()
  let ok = true
  for (const f of item.fields) {
    if (!(cycleFields as ReadonlyArray<string>).includes(f.name.text)) {
      ok = false
      ctx.report("LRS1010", f.name.span, `a cycle of \`${a.name}\` has no field \`${f.name.text}\``, suggestionHelp(f.name.text, cycleFields, "field"))
    } else if (fields.has(f.name.text)) {
      ok = false
      ctx.report("LRS1006", f.name.span, `field \`${f.name.text}\` is given twice`, "remove one of them")
    } else fields.set(f.name.text, f.value)
  }
  for (const r of cycleRequired) {
    if (!fields.has(r)) {
      ok = false
      ctx.report("LRS1007", item.span, `a cycle of \`${a.name}\` needs the field \`${r}\``, `add \`${r} = ...\``)
    }
  }
  if (!ok) return undefined
  const num = (k: string, fallback: number) => (fields.has(k) ? checkedNumber(ctx, fields.get(k)!, k, {}) : fallback)
  const steps = (k: string) => countOf(ctx, fields.get(k)!, k, a.extent.steps)
  const [init, peak, warmup, decay, end, exponent] = [num("init_value", 0), num("peak_value", 0), steps("warmup_steps"), steps("decay_steps"), num("end_value", 0), num("exponent", 1)]
  if (init === undefined || peak === undefined || warmup === undefined || decay === undefined || end === undefined || exponent === undefined) return undefined
  const site: Site = {
    ctx,
    span: item.span,
    fail: (message, help, at) => ctx.report("LRS3004", (at === undefined ? undefined : fields.get(at)?.span) ?? item.span, message, help)
  }
  if (decay <= warmup) return site.fail(`\`decay_steps\` (${decay}) counts the warmup and must exceed \`warmup_steps\` (${warmup})`, "optax's cosine decay gets `decay_steps - warmup_steps` steps, and raises when that is not positive", "decay_steps")
  const schedule = warmupCosineDecay(site, init, peak, warmup, decay, end, exponent)
  return schedule === undefined ? undefined : { schedule, length: decay }
}

export const optax: Readonly<Record<string, Constructor>> = {
  "optax.constant_schedule": constantSchedule,
  "optax.linear_schedule": linearSchedule,
  "optax.polynomial_schedule": polynomialSchedule,
  "optax.cosine_decay_schedule": cosineDecaySchedule,
  "optax.exponential_decay": exponentialDecaySchedule,
  "optax.piecewise_constant_schedule": piecewiseConstantSchedule,
  "optax.piecewise_interpolate_schedule": piecewiseInterpolateSchedule,
  "optax.linear_onecycle_schedule": linearOnecycle,
  "optax.cosine_onecycle_schedule": cosineOnecycle,
  "optax.warmup_constant_schedule": warmupConstantSchedule,
  "optax.warmup_cosine_decay_schedule": warmupCosineDecaySchedule,
  "optax.warmup_exponential_decay_schedule": warmupExponentialDecaySchedule,
  "optax.join_schedules": joinSchedules,
  "optax.sgdr_schedule": sgdrSchedule
}
