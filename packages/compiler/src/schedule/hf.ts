import type { ScheduleIR } from "../ir/Ir.ts"
import type { Args, Constructor } from "./library.ts"
import { binary, constant, count, curve, joined, option, type Site, siteOf } from "./optax.ts"

/**
 * The `hf.*` compatibility constructors: HuggingFace transformers' `get_scheduler` family
 * (`src/transformers/optimization.py` @ 005edacb), keyed by `lr_scheduler_type`, with the
 * functions' argument names and defaults. Every one is a `LambdaLR`: the value at update `t` is
 * `base_lr * lambda(t)`, so with `base_lr = 1` (the default) the schedule is the multiplier
 * itself. W = num_warmup_steps, N = num_training_steps, and every phase after the warmup divides
 * by `max(1, ...)` as HF does. HF's quirks are kept, each noted where it is built. `last_epoch`
 * (resuming) has no counterpart: `t` is always the number of updates applied.
 */

const warmupArgs = ["num_warmup_steps", "num_training_steps"] as const

/** `t / max(1, W)` for `t < W`: a linear piecewise from 0 to `base`, which is `base * (t / W)` exactly. */
const warmup = (s: Site, base: number, w: number): ScheduleIR => ({ kind: "piecewise", at: [w], values: [0, base], interpolate: "linear", span: s.span })

/** The warmup for `t < W`, then `rest` (which sees `t - W`). */
const afterWarmup = (s: Site, base: number, w: number, rest: ScheduleIR): ScheduleIR => joined(s, [[0, warmup(s, base, w)], [w, rest]])

/**
 * HF's cosine factor `f = 0.5 * (1 + cos(pi * num_cycles * 2 * p))`, `p = t / steps`, as
 * `base * max(0, f * (1 - r) + r)`: a cosine curve from `base` to `base * r` that **continues past
 * its end** (HF does not clamp `p`, so after N the value rises again). `num_cycles = 0.5` (the
 * default) takes one half-cosine over `steps`; other counts stretch it. `max(0, .)` only bites for
 * `r < 0`.
 */
const cosineFactor = (s: Site, base: number, r: number, cycles: number, steps: number): ScheduleIR => {
  if (cycles === 0) return constant(s, base * Math.max(0, 1 * (1 - r) + r))
  const c = curve(s, "cosine", base, base * r, cycles === 0.5 ? steps : steps / (2 * Math.abs(cycles)), {}, true)
  return r < 0 ? binary(s, "max", c, constant(s, 0)) : c
}

/** `min_lr_rate` from `min_lr` / `min_lr_rate`: exactly one must be given (HF raises otherwise); `min_lr` is relative to `base_lr`. */
const minRate = (a: Args, base: number): number | undefined => {
  const minLr = a.number("min_lr")
  const rate = a.number("min_lr_rate")
  if (a.has("min_lr") && a.has("min_lr_rate")) return a.fail("give only one of `min_lr` and `min_lr_rate`", "HF raises a ValueError when both are set", "min_lr_rate")
  if (!a.has("min_lr") && !a.has("min_lr_rate")) return a.ctx.report("LRS1007", a.span, `\`${a.name}\` needs \`min_lr\` or \`min_lr_rate\``, "add `min_lr_rate = 0.1` (a fraction of `base_lr`) or `min_lr = ...`")
  if (minLr !== undefined) return minLr / base
  return rate
}

const baseLr = (a: Args) => a.number("base_lr", 1)

const get = (a: Args): { base: number | undefined; w: number | undefined; n: number | undefined } => ({ base: baseLr(a), w: count(a, "num_warmup_steps"), n: count(a, "num_training_steps") })

/** `get_linear_schedule_with_warmup`: warmup, then `max(0, (N - t) / max(1, N - W))`: 0 from N on (at once after the warmup when `N <= W`). */
const linear: Constructor = {
  params: [...warmupArgs, "base_lr"],
  required: [...warmupArgs],
  build: (a) => {
    const { base, w, n } = get(a)
    if (base === undefined || w === undefined || n === undefined) return undefined
    const s = siteOf(a)
    return afterWarmup(s, base, w, n > w ? curve(s, "linear", base, 0, n - w) : constant(s, 0))
  }
}

/** `get_cosine_schedule_with_warmup`: warmup, then the cosine factor over `max(1, N - W)`; quirk: past N it rises again. */
const cosine: Constructor = {
  params: [...warmupArgs, "num_cycles", "base_lr"],
  required: [...warmupArgs],
  build: (a) => {
    const { base, w, n } = get(a)
    const cycles = a.number("num_cycles", 0.5)
    if (base === undefined || w === undefined || n === undefined || cycles === undefined) return undefined
    const s = siteOf(a)
    return afterWarmup(s, base, w, cosineFactor(s, base, 0, cycles, Math.max(1, n - w)))
  }
}

/**
 * `get_cosine_with_hard_restarts_schedule_with_warmup`: warmup, then `0.5 * (1 + cos(pi * ((num_cycles * p) % 1)))`
 * (a half-cosine restarted `num_cycles` times over `max(1, N - W)`), and 0 once `p >= 1`.
 */
const cosineWithRestarts: Constructor = {
  params: [...warmupArgs, "num_cycles", "base_lr"],
  required: [...warmupArgs],
  build: (a) => {
    const { base, w, n } = get(a)
    const cycles = a.number("num_cycles", 1, { min: 0 })
    if (base === undefined || w === undefined || n === undefined || cycles === undefined) return undefined
    const s = siteOf(a)
    const span = Math.max(1, n - w)
    const period = span / cycles
    const body: ScheduleIR = cycles === 0
      ? constant(s, base)
      : { kind: "repeat", schedule: curve(s, "cosine", base, 0, period), period, multiplier: 1, decay: 1, span: s.span }
    return afterWarmup(s, base, w, joined(s, [[0, body], [span, constant(s, 0)]]))
  }
}

/**
 * `get_polynomial_decay_schedule_with_warmup`: warmup, then `(lr_init - lr_end) * (1 - (t - W) / (N - W))^power + lr_end`
 * (divided by `lr_init` for LambdaLR, and `lr_init` is the optimizer's lr: here `base_lr`), and
 * `lr_end` for `t > N`. Quirk: `lr_end` is an absolute lr, not a fraction of `base_lr`, so the
 * multiplier ends at `lr_end / base_lr`; `base_lr` must exceed `lr_end`.
 */
const polynomial: Constructor = {
  params: [...warmupArgs, "lr_end", "power", "base_lr"],
  required: [...warmupArgs],
  build: (a) => {
    const { base, w, n } = get(a)
    const end = a.number("lr_end", 1e-7)
    const power = a.number("power", 1, { min: 0 })
    if (base === undefined || w === undefined || n === undefined || end === undefined || power === undefined) return undefined
    if (!(base > end)) return a.fail(`\`lr_end\` (${end}) must be smaller than the initial lr \`base_lr\` (${base})`, "HF raises a ValueError here; `lr_end` is an absolute lr", a.has("lr_end") ? "lr_end" : "base_lr")
    const s = siteOf(a)
    if (n === w) return a.fail(`\`num_training_steps\` equals \`num_warmup_steps\` (${n}): HF divides by \`N - W\` at step ${n} and fails`, "leave at least one step after the warmup", "num_training_steps")
    if (n < w) return afterWarmup(s, base, w, constant(s, end))
    // `t > N` (not `>=`) gives `lr_end`; at `t = N` the formula gives it too, except for `power = 0`.
    return joined(s, [[0, warmup(s, base, w)], [w, curve(s, "polynomial", base, end, n - w, { power })], [n + 1, constant(s, end)]])
  }
}

const constantSchedule: Constructor = {
  params: ["base_lr"],
  build: (a) => {
    const base = baseLr(a)
    return base === undefined ? undefined : constant(siteOf(a), base)
  }
}

/** `get_constant_schedule_with_warmup`: `t / max(1, W)`, then 1. */
const constantWithWarmup: Constructor = {
  params: ["num_warmup_steps", "base_lr"],
  required: ["num_warmup_steps"],
  build: (a) => {
    const base = baseLr(a)
    const w = count(a, "num_warmup_steps")
    if (base === undefined || w === undefined) return undefined
    return w === 0 ? constant(siteOf(a), base) : warmup(siteOf(a), base, w)
  }
}

/**
 * `get_inverse_sqrt_schedule` (from big_vision): warmup, then `1 / sqrt((t + timescale - W) / timescale)`;
 * `timescale` defaults to `W`, or 10000 when `W = 0`. The IR's `inverse_sqrt` node started at W.
 */
const inverseSqrt: Constructor = {
  params: ["num_warmup_steps", "timescale", "base_lr"],
  required: ["num_warmup_steps"],
  build: (a) => {
    const base = baseLr(a)
    const w = count(a, "num_warmup_steps")
    const given = count(a, "timescale")
    if (base === undefined || w === undefined || (a.has("timescale") && given === undefined)) return undefined
    const timescale = given ?? (w === 0 ? 10_000 : w)
    if (timescale <= 0) return a.fail("`timescale` must be positive: HF divides by it", undefined, "timescale")
    const s = siteOf(a)
    return afterWarmup(s, base, w, { kind: "inverse_sqrt", value: base, timescale, span: s.span })
  }
}

/**
 * `get_cosine_with_min_lr_schedule_with_warmup`: the cosine schedule with a floor,
 * `max(0, f * (1 - r) + r)`, `r = min_lr_rate` or `min_lr / base_lr`. Quirk: as `cosine`, it rises
 * again past N (and the floor is not a floor there).
 */
const cosineWithMinLr: Constructor = {
  params: [...warmupArgs, "num_cycles", "min_lr", "min_lr_rate", "base_lr"],
  required: [...warmupArgs],
  build: (a) => {
    const { base, w, n } = get(a)
    const cycles = a.number("num_cycles", 0.5)
    if (base === undefined || w === undefined || n === undefined || cycles === undefined) return undefined
    const r = minRate(a, base)
    if (r === undefined) return undefined
    const s = siteOf(a)
    return afterWarmup(s, base, w, cosineFactor(s, base, r, cycles, Math.max(1, n - w)))
  }
}

/**
 * `get_cosine_with_min_lr_schedule_with_warmup_lr_rate`. Quirks (HF's off-by-one): the warmup is
 * `(t + 1) / max(1, W)` (so step 0 is not 0 and the peak comes at `t = W - 1`), or with
 * `warmup_lr_rate = w`, `w + (1 - w) * t / max(1, W - 1)`; the warmup ignores the floor; the decay
 * reads `p = (t - W + 1) / max(1, N - W)`, one step ahead, so the minimum is at `t = N - 1` and it
 * rises again from N. The shift is a `sequence` whose one segment starts at -1.
 */
const cosineWarmupWithMinLr: Constructor = {
  params: [...warmupArgs, "num_cycles", "min_lr", "min_lr_rate", "warmup_lr_rate", "base_lr"],
  required: [...warmupArgs],
  build: (a) => {
    const { base, w, n } = get(a)
    const cycles = a.number("num_cycles", 0.5)
    const warmupRate = a.number("warmup_lr_rate")
    if (base === undefined || w === undefined || n === undefined || cycles === undefined || (a.has("warmup_lr_rate") && warmupRate === undefined)) return undefined
    const r = minRate(a, base)
    if (r === undefined) return undefined
    const s = siteOf(a)
    // Both warmups are the line through (0, base * w0) and (W - 1, base) (W >= 2; W = 1 is the single value base * w0).
    const w0 = warmupRate ?? 1 / Math.max(1, w)
    const rise: ScheduleIR = { kind: "piecewise", at: [Math.max(1, w - 1)], values: [base * w0, base], interpolate: "linear", span: s.span }
    const decay: ScheduleIR = { kind: "sequence", segments: [{ start: -1, schedule: cosineFactor(s, base, r, cycles, Math.max(1, n - w)) }], span: s.span }
    return joined(s, [[0, rise], [w, decay]])
  }
}

const shapes = ["linear", "cosine", "1-sqrt"] as const
const shapeAliases = { one_minus_sqrt: "1-sqrt" } as const

/**
 * `get_wsd_schedule`: warmup from `min_lr_ratio` (m) to 1 (`linear`, `cosine`: `0.5 (1 - cos(pi p))`,
 * `1-sqrt`: `1 - sqrt(1 - p)`), hold 1 for S steps, decay over D (`linear`, `cosine` with
 * `num_cycles`, `1-sqrt`) back to m, each phase `max(0, f (1 - m) + m)`, then m (unclamped).
 * S = `num_stable_steps`, or `N - W - D`; when both are given S wins (as in HF).
 * Quirk: the warmup starts at m, not 0.
 */
const warmupStableDecay: Constructor = {
  params: ["num_warmup_steps", "num_decay_steps", "num_training_steps", "num_stable_steps", "warmup_type", "decay_type", "min_lr_ratio", "num_cycles", "base_lr"],
  required: ["num_warmup_steps", "num_decay_steps"],
  build: (a) => {
    const base = baseLr(a)
    const w = count(a, "num_warmup_steps")
    const d = count(a, "num_decay_steps")
    const n = count(a, "num_training_steps")
    const stable = count(a, "num_stable_steps")
    const warmupType = option(a, "warmup_type", shapes, "linear", shapeAliases)
    const decayType = option(a, "decay_type", shapes, "cosine", shapeAliases)
    const m = a.number("min_lr_ratio", 0)
    const cycles = a.number("num_cycles", 0.5)
    if (base === undefined || w === undefined || d === undefined || warmupType === undefined || decayType === undefined || m === undefined || cycles === undefined) return undefined
    if ((a.has("num_training_steps") && n === undefined) || (a.has("num_stable_steps") && stable === undefined)) return undefined
    if (n === undefined && stable === undefined) return a.ctx.report("LRS1007", a.span, `\`${a.name}\` needs \`num_training_steps\` or \`num_stable_steps\``, "add `num_training_steps = ...` (the stable phase fills what warmup and decay leave)")
    // Both given: HF warns and uses num_stable_steps. No warning here: the experiment checker
    // treats any diagnostic from a field, warnings included, as a failure (check/experiment.ts).
    const S = stable ?? n! - w - d
    if (S < 0) return a.fail(`warmup (${w} steps) and decay (${d} steps) are longer than \`num_training_steps\` (${n})`, "HF would start the decay part-way in; shorten them", "num_decay_steps")
    const s = siteOf(a)
    const floor = (x: ScheduleIR) => (m < 0 ? binary(s, "max", x, constant(s, 0)) : x)
    const low = base * m
    const rise = warmupType === "linear"
      ? curve(s, "linear", low, base, Math.max(1, w))
      : warmupType === "cosine"
      ? curve(s, "cosine", low, base, Math.max(1, w))
      // 1 - sqrt(1 - p) rising to base: base - (base - low) * (1 - p)^0.5.
      : curve(s, "polynomial", low, base, Math.max(1, w), { power: 0.5 })
    const fall = decayType === "linear"
      ? curve(s, "linear", base, low, Math.max(1, d))
      : decayType === "cosine"
      ? cosineFactor(s, base, m, cycles, Math.max(1, d))
      : curve(s, "one_minus_sqrt", base, low, Math.max(1, d))
    return joined(s, [[0, floor(rise)], [w, constant(s, base)], [w + S, decayType === "cosine" ? fall : floor(fall)], [w + S + d, constant(s, low)]])
  }
}

export const hf: Readonly<Record<string, Constructor>> = {
  "hf.linear": linear,
  "hf.cosine": cosine,
  "hf.cosine_with_restarts": cosineWithRestarts,
  "hf.polynomial": polynomial,
  "hf.constant": constantSchedule,
  "hf.constant_with_warmup": constantWithWarmup,
  "hf.inverse_sqrt": inverseSqrt,
  "hf.cosine_with_min_lr": cosineWithMinLr,
  "hf.cosine_warmup_with_min_lr": cosineWarmupWithMinLr,
  "hf.warmup_stable_decay": warmupStableDecay
}
