import type { Argument, Expr, Span } from "@lrs/dsl"
import type { Call } from "../check/calls.ts"
import type { NumberRule } from "../check/values.ts"
import type { ScheduleIR } from "../ir/Ir.ts"
import type { Extent } from "./compile.ts"
import { evaluateSchedule } from "./evaluate.ts"
import { type Args, construct, type Constructor } from "./library.ts"
import { buildPlateau } from "./native.ts"

/**
 * `torch.*`: PyTorch 1.13's `torch.optim.lr_scheduler` classes under their own names, with
 * PyTorch's parameter names, positional order and defaults, compiled to closed-form IR that gives
 * `optimizer.param_groups[0]["lr"]` after the scheduler was built and stepped `t` times (`t` =
 * updates already applied = `last_epoch`). Held to values from real PyTorch at relative 1e-9 by
 * `test/schedule/torch.test.ts` (fixtures: `test/fixtures/gen_torch_schedules.py`).
 *
 * - Where PyTorch reads the optimizer's lr (`initial_lr`), the constructor takes `base_lr`, required,
 *   and last in the positional order so that PyTorch's own positional order is kept:
 *   `torch.StepLR(30, 0.1, base_lr = 0.05)`. `CyclicLR`'s `base_lr` is its own argument (the
 *   low end of the cycle, as in PyTorch); `OneCycleLR` takes none (it starts at `max_lr / div_factor`).
 * - Counts of scheduler steps (`step_size`, `milestones`, `total_iters`, `T_max`, `T_0`, ...) are
 *   plain integers, or lengths (`500 steps`, `10%` of the span, `2 epochs`).
 * - `SequentialLR` and `ChainedScheduler` take `schedulers = [torch.X(...), ...]`. The inner
 *   schedulers share the optimizer, so they take the outer `base_lr`: it is passed down as their
 *   `base_lr` argument (giving one to an inner scheduler is an error; PyTorch cannot have two).
 * - Quirks kept because PyTorch has them: CosineAnnealingLR is periodic (period `2 T_max`);
 *   `ConstantLR`/`LinearLR` with `total_iters = 0` keep the start factor forever and `PolynomialLR`
 *   with `total_iters = 0` keeps `base_lr`; OneCycleLR's phase ends are floats (`pct_start *
 *   total_steps - 1`) and at `t = total_steps` it extrapolates past `min_lr` (negative with
 *   `anneal_strategy = linear`); a `ChainedScheduler` restarts at every `CosineAnnealingLR` trough
 *   (`lr` hits 0, then PyTorch's next step adds `base_lr * (1 - cos(pi / T_max)) / 2`), dropping
 *   what the other schedulers had multiplied in so far.
 */

/** A count of scheduler steps: a plain integer, or a length such as `500 steps` or `10%`. */
const count = (a: Args, name: string, fallback?: number, rule: NumberRule = { integer: true, min: 0 }): number | undefined => {
  const e = a.expr(name)
  if (e === undefined) return fallback
  if (e.kind === "Number" && e.unit !== undefined) return a.length(name)
  return a.number(name, fallback, rule)
}

const counts = (a: Args, name: string): ReadonlyArray<number> | undefined => {
  const e = a.expr(name)
  if (e === undefined) return undefined
  if (e.kind === "List" && e.items.some((i) => i.kind === "Number" && i.unit !== undefined)) return a.lengths(name)
  return a.numbers(name)
}

const constant = (a: Args, value: number): ScheduleIR => ({ kind: "constant", value, span: a.span })

const curve = (a: Args, shape: "linear" | "cosine" | "polynomial", from: number, to: number, steps: number, continues: boolean, options: Record<string, number> = {}): ScheduleIR =>
  ({ kind: "curve", shape, from, to, steps, options, continues, span: a.span })

const allDefined = (...xs: ReadonlyArray<unknown>): boolean => xs.every((x) => x !== undefined)

/** `base_lr * gamma^floor(t / step_size)`. */
const StepLR: Constructor = {
  params: ["step_size", "gamma", "base_lr"],
  required: ["step_size", "base_lr"],
  build: (a) => {
    const stepSize = count(a, "step_size")
    const gamma = a.number("gamma", 0.1, { min: 0 })
    const base = a.number("base_lr")
    if (stepSize === undefined || gamma === undefined || base === undefined) return undefined
    if (stepSize < 1) return a.fail("`step_size` must be at least 1", undefined, "step_size")
    return { kind: "geometric", value: base, rate: gamma, every: stepSize, span: a.span }
  }
}

/** `base_lr * gamma^(milestones at or before t)`; a repeated milestone counts each time (PyTorch's `Counter`). */
const MultiStepLR: Constructor = {
  params: ["milestones", "gamma", "base_lr"],
  required: ["milestones", "base_lr"],
  build: (a) => {
    const milestones = counts(a, "milestones")
    const gamma = a.number("gamma", 0.1, { min: 0 })
    const base = a.number("base_lr")
    if (milestones === undefined || gamma === undefined || base === undefined) return undefined
    if (milestones.some((m) => !Number.isInteger(m) || m < 0)) return a.fail("`milestones` must be whole numbers of steps, at least 0", undefined, "milestones")
    const sorted = [...milestones].sort((x, y) => x - y)
    const at = [...new Set(sorted)]
    const values = [base, ...at.map((m) => base * gamma ** sorted.filter((s) => s <= m).length)]
    return { kind: "piecewise", at, values, interpolate: "constant", span: a.span }
  }
}

/** `base_lr * factor` before `total_iters`, `base_lr` from there (with `total_iters = 0`, PyTorch never restores it). */
const ConstantLR: Constructor = {
  params: ["factor", "total_iters", "base_lr"],
  required: ["base_lr"],
  build: (a) => {
    const factor = a.number("factor", 1 / 3, { min: 0, max: 1 })
    const total = count(a, "total_iters", 5)
    const base = a.number("base_lr")
    if (factor === undefined || total === undefined || base === undefined) return undefined
    if (total === 0) return constant(a, base * factor)
    if (factor === 0) return a.fail("PyTorch's `ConstantLR` divides by `factor` at `total_iters` (ZeroDivisionError with `factor = 0`)", "use a small positive factor", "factor")
    return { kind: "piecewise", at: [total], values: [base * factor, base], interpolate: "constant", span: a.span }
  }
}

/** `base_lr * (start + (end - start) * min(t, N) / N)`; with `total_iters = 0`, `base_lr * start_factor` for ever (PyTorch's recursion). */
const LinearLR: Constructor = {
  params: ["start_factor", "end_factor", "total_iters", "base_lr"],
  required: ["base_lr"],
  build: (a) => {
    const start = a.number("start_factor", 1 / 3, { min: 0, max: 1 })
    const end = a.number("end_factor", 1, { min: 0, max: 1 })
    const total = count(a, "total_iters", 5)
    const base = a.number("base_lr")
    if (start === undefined || end === undefined || total === undefined || base === undefined) return undefined
    if (start === 0) return a.fail("PyTorch's `LinearLR` divides by `start_factor` (ZeroDivisionError with 0)", "use a small positive start_factor", "start_factor")
    if (total === 0) return constant(a, base * start)
    return curve(a, "linear", base * start, base * end, total, false)
  }
}

/** `base_lr * gamma^t` (exactly: a staircase of one step). */
const ExponentialLR: Constructor = {
  params: ["gamma", "base_lr"],
  required: ["gamma", "base_lr"],
  build: (a) => {
    const gamma = a.number("gamma", undefined, { min: 0 })
    const base = a.number("base_lr")
    if (gamma === undefined || base === undefined) return undefined
    return { kind: "geometric", value: base, rate: gamma, every: 1, span: a.span }
  }
}

/** `base_lr * (1 - min(t, N) / N)^power`: 0 from `total_iters` on (with `total_iters = 0`, PyTorch keeps `base_lr`). */
const PolynomialLR: Constructor = {
  params: ["total_iters", "power", "base_lr"],
  required: ["base_lr"],
  build: (a) => {
    const total = count(a, "total_iters", 5)
    const power = a.number("power", 1, { min: 0 })
    const base = a.number("base_lr")
    if (total === undefined || power === undefined || base === undefined) return undefined
    if (total === 0) return constant(a, base)
    return curve(a, "polynomial", base, 0, total, false, { power })
  }
}

/** `eta_min + (base_lr - eta_min) * (1 + cos(pi t / T_max)) / 2`, periodic as in PyTorch (back at `base_lr` at `2 T_max`). */
const CosineAnnealingLR: Constructor = {
  params: ["T_max", "eta_min", "base_lr"],
  required: ["T_max", "base_lr"],
  build: (a) => {
    const tMax = count(a, "T_max")
    const etaMin = a.number("eta_min", 0)
    const base = a.number("base_lr")
    if (tMax === undefined || etaMin === undefined || base === undefined) return undefined
    if (tMax < 1) return a.fail("`T_max` must be at least 1", undefined, "T_max")
    return curve(a, "cosine", base, etaMin, tMax, true)
  }
}

/** SGDR: the cosine from `base_lr` towards `eta_min` over `T_0`, restarted, each cycle `T_mult` times longer. */
const CosineAnnealingWarmRestarts: Constructor = {
  params: ["T_0", "T_mult", "eta_min", "base_lr"],
  required: ["T_0", "base_lr"],
  build: (a) => {
    const t0 = count(a, "T_0")
    const tMult = a.number("T_mult", 1, { integer: true, min: 1 })
    const etaMin = a.number("eta_min", 0)
    const base = a.number("base_lr")
    if (t0 === undefined || tMult === undefined || etaMin === undefined || base === undefined) return undefined
    if (t0 < 1) return a.fail("`T_0` must be at least 1", undefined, "T_0")
    return { kind: "repeat", schedule: curve(a, "cosine", base, etaMin, t0, false), period: t0, multiplier: tMult, decay: 1, span: a.span }
  }
}

/** PyTorch's CyclicLR (its own `base_lr` is the low end); the momentum cycle is not part of the lr schedule. */
const CyclicLR: Constructor = {
  params: ["base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma"],
  required: ["base_lr", "max_lr"],
  build: (a) => {
    const low = a.number("base_lr")
    const high = a.number("max_lr")
    const positive: NumberRule = { min: 0, exclusive: true }
    const up = count(a, "step_size_up", 2000, positive)
    const down = a.has("step_size_down") ? count(a, "step_size_down", undefined, positive) : up
    const mode = a.choice("mode", ["triangular", "triangular2", "exp_range"] as const, "triangular")
    const gamma = a.number("gamma", 1)
    if (low === undefined || high === undefined || up === undefined || down === undefined || mode === undefined || gamma === undefined) return undefined
    if (up + down <= 0) return a.fail("a cycle needs `step_size_up + step_size_down > 0`", undefined, "step_size_up")
    return { kind: "cyclic", low, high, up, down, mode, gamma, offset: 0, span: a.span }
  }
}

/**
 * PyTorch's OneCycleLR, phase by phase with its float phase ends (`pct_start * total_steps - 1`,
 * `2 * pct_start * total_steps - 2`, `total_steps - 1`): phase `i` is a segment from its first whole
 * step, holding a curve over `end - start` (a float) that sees `t - start` (`start` = the previous
 * phase's end, a float), so `p = (t - start) / (end - start)` as PyTorch computes it (no new IR: the
 * float offset is a one-segment `sequence` starting at a negative offset). The last phase continues past
 * its end, as PyTorch does at `t = total_steps`. `total_steps` defaults to `epochs *
 * steps_per_epoch`, and without those to the span the schedule fills (PyTorch would raise).
 */
const OneCycleLR: Constructor = {
  params: ["max_lr", "total_steps", "epochs", "steps_per_epoch", "pct_start", "anneal_strategy", "div_factor", "final_div_factor", "three_phase"],
  required: ["max_lr"],
  build: (a) => {
    const maxLr = a.number("max_lr")
    const positive: NumberRule = { integer: true, min: 1 }
    const epochs = a.has("epochs") ? count(a, "epochs", undefined, positive) : undefined
    const perEpoch = a.has("steps_per_epoch") ? count(a, "steps_per_epoch", undefined, positive) : undefined
    const pct = a.number("pct_start", 0.3, { min: 0, max: 1 })
    const strategy = a.choice("anneal_strategy", ["cos", "linear"] as const, "cos")
    const div = a.number("div_factor", 25, { min: 0, exclusive: true })
    const finalDiv = a.number("final_div_factor", 1e4, { min: 0, exclusive: true })
    const three = a.bool("three_phase", false)
    if (!allDefined(maxLr, pct, strategy, div, finalDiv, three) || (a.has("epochs") && epochs === undefined) || (a.has("steps_per_epoch") && perEpoch === undefined)) return undefined
    if (a.has("epochs") !== a.has("steps_per_epoch") && !a.has("total_steps")) {
      return a.fail("`epochs` needs `steps_per_epoch` (and the other way round): PyTorch takes `total_steps = epochs * steps_per_epoch`", "give both, or `total_steps`", a.has("epochs") ? "epochs" : "steps_per_epoch")
    }
    const total = a.has("total_steps") ? count(a, "total_steps", undefined, positive) : epochs !== undefined && perEpoch !== undefined ? epochs * perEpoch : a.extent.steps
    if (total === undefined || maxLr === undefined || pct === undefined || div === undefined || finalDiv === undefined || three === undefined || strategy === undefined) return undefined
    if (total < 1) return a.fail("`total_steps` must be at least 1", undefined, "total_steps")
    if (a.extent.steps > total + 1) {
      return a.fail(
        `PyTorch's OneCycleLR gives ${total + 1} values (t = 0 to total_steps = ${total}) and raises after that, but it fills ${a.extent.steps} steps here`,
        `set \`total_steps\` to at least ${a.extent.steps - 1}, or follow it with another schedule`,
        a.has("total_steps") ? "total_steps" : undefined
      )
    }
    const initial = maxLr / div
    const min = initial / finalDiv
    const shape = strategy === "cos" ? "cosine" : "linear"
    const phases: ReadonlyArray<{ end: number; from: number; to: number }> = three
      ? [
        { end: pct * total - 1, from: initial, to: maxLr },
        { end: 2 * pct * total - 2, from: maxLr, to: initial },
        { end: total - 1, from: initial, to: min }
      ]
      : [{ end: pct * total - 1, from: initial, to: maxLr }, { end: total - 1, from: maxLr, to: min }]
    // PyTorch takes the first phase with t <= end (the last phase for any later t), with
    // p = (t - start) / (end - start), start = the previous phase's end (0 for the first). Phase i
    // thus holds the whole t in (max of the earlier ends, end]; one holding none is left out.
    const segments: Array<{ start: number; schedule: ScheduleIR }> = []
    let reached = -Infinity // the largest end so far
    let origin = 0 // where p = 0 for the next phase
    phases.forEach((ph, i) => {
      const last = i === phases.length - 1
      const first = Math.max(i === 0 ? 0 : Math.floor(reached) + 1, 0) // the first whole t it holds
      const holds = last || first <= ph.end
      if (holds) {
        const schedule = curve(a, shape, ph.from, ph.to, ph.end - origin, last)
        // The segment starts at the first whole t of the phase and sees t - start; PyTorch's p
        // counts from `origin` (a float), so the curve is shifted by `origin - start` when they differ.
        const start = i === 0 ? 0 : first
        segments.push({ start, schedule: origin === start ? schedule : { kind: "sequence", segments: [{ start: origin - start, schedule }], span: a.span } })
      }
      reached = Math.max(reached, ph.end)
      origin = ph.end
    })
    if (segments.some((seg) => seg.schedule.kind === "curve" && seg.schedule.steps === 0)) {
      return a.fail("OneCycleLR divides by zero here: a phase of length 0 (`pct_start * total_steps` is 1)", "change `pct_start`", "pct_start")
    }
    return segments.length === 1 ? segments[0]!.schedule : { kind: "sequence", segments, span: a.span }
  }
}

const composites = ["torch.SequentialLR", "torch.ChainedScheduler"]

/** Schedulers whose `get_lr` multiplies the optimizer's current lr (so a `ChainedScheduler` can stack them). */
const chainable = ["torch.StepLR", "torch.MultiStepLR", "torch.ConstantLR", "torch.LinearLR", "torch.ExponentialLR", "torch.PolynomialLR", "torch.CosineAnnealingLR"]

/** An inner scheduler: a call to a `torch.*` scheduler, given `base_lr` from the outer call. */
interface Inner {
  readonly name: string
  readonly call: Call
  readonly constructor: Constructor
}

const innerSchedulers = (a: Args, owner: string): ReadonlyArray<Inner> | undefined => {
  const e = a.expr("schedulers")
  if (e === undefined) return undefined
  if (e.kind !== "List") return a.fail(`\`schedulers\` of \`${owner}\` must be a list of \`torch.*\` schedulers, found ${e.kind === "Call" ? "one call" : "something else"}`, "write `schedulers = [torch.LinearLR(...), torch.CosineAnnealingLR(...)]`", "schedulers")
  if (e.items.length === 0) return a.fail(`\`${owner}\` needs at least one scheduler`, undefined, "schedulers")
  const out: Array<Inner> = []
  let ok = true
  for (const item of e.items) {
    if (item.kind === "Missing") {
      ok = false
      continue
    }
    const name = item.kind === "Call" ? item.callee.map((c) => c.text).join(".") : undefined
    const c = name === undefined ? undefined : torch[name]
    if (item.kind !== "Call" || name === undefined || c === undefined) {
      ok = false
      a.ctx.report("LRS3004", item.span, `the schedulers of \`${owner}\` must be calls to \`torch.*\` schedulers`, `for example \`torch.LinearLR(start_factor = 0.1, total_iters = 5)\`; known: ${Object.keys(torch).filter((k) => !composites.includes(k)).map((k) => `\`${k}\``).join(", ")}`)
      continue
    }
    if (composites.includes(name)) {
      ok = false
      a.ctx.report("LRS3004", item.span, `\`${name}\` cannot be nested in \`${owner}\``, "PyTorch 1.13 cannot restart a composite scheduler at a milestone (its `step` takes no epoch) and stacking one changes its values; flatten the list")
      continue
    }
    const given = item.args.find((arg) => arg.name?.text === "base_lr")
    if (given !== undefined && c.params.includes("base_lr") && name !== "torch.CyclicLR") {
      ok = false
      a.ctx.report("LRS3004", given.span, `\`${name}\` inside \`${owner}\` takes the optimizer's lr from \`${owner}\`'s \`base_lr\``, `remove it here; PyTorch's schedulers on one optimizer share one initial lr`)
      continue
    }
    out.push({ name, call: item, constructor: c })
  }
  return ok ? out : undefined
}

/** Compiles an inner scheduler with `base_lr = base` added (unless it is CyclicLR's own argument or it takes none). */
const compileInner = (a: Args, inner: Inner, base: Expr, extent: Extent): ScheduleIR | undefined => {
  const takesBase = inner.constructor.params.includes("base_lr") && inner.name !== "torch.CyclicLR"
  const injected: Argument = { name: { text: "base_lr", span: base.span }, value: base, span: base.span }
  const call: Call = takesBase ? { ...inner.call, args: [...inner.call.args, injected] } : inner.call
  return construct(a.ctx, call, inner.name, inner.constructor, extent)
}

const one = (span: Span): Expr => ({ kind: "Number", value: 1, raw: "1", unit: undefined, span })

/**
 * `schedulers[i]` from `milestones[i - 1]`, restarted there (PyTorch 1.13 calls `step(0)`, the
 * closed form at epoch 0, then steps it on): segment `i` sees `t - milestones[i - 1]`.
 */
const SequentialLR: Constructor = {
  params: ["schedulers", "milestones", "base_lr"],
  required: ["schedulers", "milestones", "base_lr"],
  build: (a) => {
    const inner = innerSchedulers(a, "torch.SequentialLR")
    const milestones = counts(a, "milestones")
    const base = a.number("base_lr")
    const baseExpr = a.expr("base_lr")
    if (inner === undefined || milestones === undefined || base === undefined || baseExpr === undefined) return undefined
    if (milestones.length !== inner.length - 1) {
      return a.fail(`\`torch.SequentialLR\` needs one milestone fewer than schedulers: ${inner.length} schedulers, ${milestones.length} milestones`, "the first scheduler runs from step 0; each milestone starts the next", "milestones")
    }
    for (let i = 0; i < milestones.length; i++) {
      const m = milestones[i]!
      if (!Number.isInteger(m) || m < 1) return a.fail("milestones must be whole numbers of steps, at least 1", "at milestone 0 PyTorch steps the second scheduler from the first one's lr instead of restarting it", "milestones")
      if (i > 0 && m < milestones[i - 1]!) return a.fail("milestones must not decrease", undefined, "milestones")
    }
    const starts = [0, ...milestones]
    const segments: Array<{ start: number; schedule: ScheduleIR }> = []
    let ok = true
    inner.forEach((s, i) => {
      const start = starts[i]!
      const next = starts[i + 1]
      if (next !== undefined && next === start) return // shadowed: the next one restarts at the same step
      const steps = Math.max((next ?? a.extent.steps) - start, 0)
      const schedule = compileInner(a, s, baseExpr, { steps, source: s.call.span, what: `its part of \`torch.SequentialLR\`` })
      if (schedule === undefined) ok = false
      else segments.push({ start, schedule })
    })
    if (!ok) return undefined
    return segments.length === 1 ? segments[0]!.schedule : { kind: "sequence", segments, span: a.span }
  }
}

/**
 * Every scheduler stepped on the same lr: the product of their multipliers (each compiled with
 * `base_lr = 1`) times `base_lr`. Only chainable schedulers stack this way. A CosineAnnealingLR
 * (`eta_min = 0`, at most one) drives the lr to exactly 0 at its troughs `T_max (2k + 1)`, and at
 * the next step PyTorch adds `base_lr (1 - cos(pi / T_max)) / 2` instead of multiplying: the
 * product restarts there, keeping only what the others multiply in from then on (those before the
 * cosine in the list from that step, those after it from the step before).
 */
const ChainedScheduler: Constructor = {
  params: ["schedulers", "base_lr"],
  required: ["schedulers", "base_lr"],
  build: (a) => {
    const inner = innerSchedulers(a, "torch.ChainedScheduler")
    const base = a.number("base_lr")
    const baseExpr = a.expr("base_lr")
    if (inner === undefined || base === undefined || baseExpr === undefined) return undefined
    // One scheduler alone is itself, chainable or not.
    if (inner.length === 1) return compileInner(a, inner[0]!, baseExpr, a.extent)
    const at = (i: number) => inner[i]!.call.span
    for (let i = 0; i < inner.length; i++) {
      if (!chainable.includes(inner[i]!.name)) {
        return a.ctx.report("LRS3004", at(i), `\`${inner[i]!.name}\` is not chainable: it sets the lr from its own formula, so \`torch.ChainedScheduler\` cannot stack it`, `chain only ${chainable.map((c) => `\`${c}\``).join(", ")}; use \`torch.SequentialLR\` to run schedulers one after another`)
      }
    }
    const multipliers: Array<ScheduleIR> = []
    for (const s of inner) {
      const m = compileInner(a, s, one(s.call.span), a.extent)
      if (m === undefined) return undefined
      multipliers.push(m)
    }
    const cosines = inner.map((s, i) => (s.name === "torch.CosineAnnealingLR" ? i : -1)).filter((i) => i >= 0)
    if (cosines.length > 1) return a.ctx.report("LRS3004", at(cosines[1]!), "`torch.ChainedScheduler` supports one `torch.CosineAnnealingLR`", "PyTorch's cosine recursion restarts the product at each trough; with two cosines that is not compiled")
    let product: ScheduleIR = { kind: "constant", value: base, span: a.span }
    for (const m of multipliers) product = { kind: "binary", op: "*", left: product, right: m, span: a.span }
    const k = cosines[0]
    if (k === undefined) return product
    const cos = multipliers[k]!
    if (cos.kind !== "curve" || cos.to !== 0) {
      return a.ctx.report("LRS3004", at(k), "in a `torch.ChainedScheduler`, `torch.CosineAnnealingLR` needs `eta_min = 0`", "PyTorch's recursion with `eta_min > 0` is affine, not a multiplier; the stack has no closed form")
    }
    // Restarts at u = T_max + 1 + 2 n T_max: the others' multipliers are divided by their value at
    // u (before the cosine in the list) or u - 1 (after it) from there on.
    const tMax = cos.steps
    const restarts: Array<number> = []
    const corrections: Array<number> = [1]
    for (let u = tMax + 1; u < a.extent.steps; u += 2 * tMax) {
      let w = 1
      for (let j = 0; j < inner.length; j++) {
        if (j === k) continue
        const ref = evaluateSchedule(multipliers[j]!, j < k ? u : u - 1)
        if (ref === 0) return a.ctx.report("LRS3004", at(j), `\`${inner[j]!.name}\` has reached 0 by the cosine's restart at step ${u}`, "PyTorch's chained recursion is not compiled through a zero multiplier; end it before the cosine's trough")
        w /= ref
      }
      restarts.push(u)
      corrections.push(w)
    }
    if (restarts.length === 0) return product
    return { kind: "binary", op: "*", left: product, right: { kind: "piecewise", at: restarts, values: corrections, interpolate: "constant", span: a.span }, span: a.span }
  }
}

/** The `torch.*` compatibility constructors, keyed by their full name. */
/**
 * ReduceLROnPlateau: `scheduler.step(metric)` is taken at every observation of `signal` (a
 * `<split>.loss` at every evaluation, `loss` at every update), so `patience` counts observations.
 */
const ReduceLROnPlateau: Constructor = {
  params: ["mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps", "base_lr", "signal"],
  required: ["base_lr", "signal"],
  build: (a) => buildPlateau(a, { schedule: "base_lr", on: "signal", min: "min_lr" })
}

export const torch: Readonly<Record<string, Constructor>> = {
  "torch.StepLR": StepLR,
  "torch.MultiStepLR": MultiStepLR,
  "torch.ConstantLR": ConstantLR,
  "torch.LinearLR": LinearLR,
  "torch.ExponentialLR": ExponentialLR,
  "torch.PolynomialLR": PolynomialLR,
  "torch.CosineAnnealingLR": CosineAnnealingLR,
  "torch.CosineAnnealingWarmRestarts": CosineAnnealingWarmRestarts,
  "torch.CyclicLR": CyclicLR,
  "torch.OneCycleLR": OneCycleLR,
  "torch.SequentialLR": SequentialLR,
  "torch.ChainedScheduler": ChainedScheduler,
  "torch.ReduceLROnPlateau": ReduceLROnPlateau
}
