import type { Block, Expr, Span } from "@lrs/dsl"
import { type AdaptiveEntropyIR, type AdaptiveKlIR, type EnvIR, isTokenEnv, type RlIR, type ScheduleIR, type TokenEnvIR } from "../ir/Ir.ts"
import type { Extent } from "../schedule/compile.ts"
import { evaluateSchedule } from "../schedule/evaluate.ts"
import { blockFields } from "./blockFields.ts"
import { bindArgs } from "./calls.ts"
import { type Domain, nonNegative } from "./constructors.ts"
import type { Context } from "./Context.ts"
import { coefficient } from "./coefficient.ts"
import { checkGrpoControls, grpoControlArgs } from "./grpoControls.ts"
import { checkAllocation, checkGroupSize } from "./groupSize.ts"
import { checkEpochs, checkLrScale, rlAlgorithmExpr } from "./rlControls.ts"
import type { RlAlgorithmKind } from "./signals.ts"
import { checkedBool, checkedChoice, checkedNumber, describe } from "./values.ts"

/** The fields of an `rl { ... }` block. */
export const rlFields = ["algorithm", "shared", "budget", "length_limit", "group_size", "curriculum"] as const

const ppoArgs = ["rollout", "epochs", "minibatches", "gamma", "lambda", "clip", "value_clip", "entropy", "value", "max_grad_norm", "target_kl", "truncation", "normalize_advantage", "lr_scale"]

/** The rl block's constructors and their parameters (the checks below bind these; the LSP offers them). */
export const rlConstructors = {
  ppo: ppoArgs,
  reinforce: ["gamma", "baseline"],
  grpo: ["epochs", "minibatches", "clip", "clip_high", "beta", "scale", "normalization", "temperature", "entropy", "max_grad_norm", "entropy_low", "entropy_high", "entropy_target", "lr_scale", ...grpoControlArgs],
  adaptive_kl: ["initial", "target", "horizon"],
  adaptive_entropy: ["initial", "target", "delta", "min", "max"],
  adaptive_replay: ["low", "high", "every", "gap"],
  sec: ["lr", "temperature"],
  cures: ["temperature", "allocation", "rollouts"]
} as const satisfies Readonly<Record<string, ReadonlyArray<string>>>
const positive: Domain = { contains: (v) => v > 0, text: "must be > 0" }

/**
 * A GRPO coefficient that a closed loop may steer: `adaptive_kl(initial, target, horizon)` for
 * `beta`, `adaptive_entropy(initial, target, delta, min, max)` for `entropy`, else a schedule >= 0.
 */
const controlled = (ctx: Context, args: ReadonlyMap<string, Expr>, key: "beta" | "entropy", fallback: number, extent: Extent, span: Span): ScheduleIR | AdaptiveKlIR | AdaptiveEntropyIR | undefined => {
  const e = args.get(key)
  const fn = e?.kind === "Call" && e.callee.length === 1 ? e.callee[0]!.text : undefined
  const want = key === "beta" ? "adaptive_kl" : "adaptive_entropy"
  if (e === undefined || e.kind !== "Call" || (fn !== "adaptive_kl" && fn !== "adaptive_entropy")) return coefficient(ctx, args, key, fallback, extent, nonNegative, span)
  if (fn !== want) return ctx.report("LRS2001", e.span, `\`${fn}\` steers ${fn === "adaptive_kl" ? "`beta`" : "`entropy`"}, not \`${key}\``, `write \`${key} = ${want}(...)\``)
  if (fn === "adaptive_kl") {
    const a = bindArgs(ctx, e, rlConstructors.adaptive_kl, ["target"])
    const initial = a.get("initial") === undefined ? 0.001 : checkedNumber(ctx, a.get("initial")!, "initial", { min: 0, exclusive: "min" })
    const target = a.get("target") === undefined ? undefined : checkedNumber(ctx, a.get("target")!, "target", { min: 0, exclusive: "min" })
    const horizon = a.get("horizon") === undefined ? 10000 : checkedNumber(ctx, a.get("horizon")!, "horizon", { min: 1 })
    return initial === undefined || target === undefined || horizon === undefined ? undefined : { kind: "adaptive_kl", initial, target, horizon, span: e.span }
  }
  const a = bindArgs(ctx, e, rlConstructors.adaptive_entropy, ["target"])
  const num = (k: string, fallback: number) => (a.get(k) === undefined ? fallback : checkedNumber(ctx, a.get(k)!, k, { min: 0 }))
  const initial = num("initial", 0)
  const target = a.get("target") === undefined ? undefined : checkedNumber(ctx, a.get("target")!, "target", { min: 0 })
  const delta = num("delta", 0.005)
  const min = num("min", 0)
  const max = num("max", 1)
  if (initial === undefined || target === undefined || delta === undefined || min === undefined || max === undefined) return undefined
  if (min > max || initial < min || initial > max) return ctx.report("LRS2002", e.span, `\`adaptive_entropy\` needs min <= initial <= max, found ${min}, ${initial}, ${max}`)
  return { kind: "adaptive_entropy", initial, target, delta, min, max, span: e.span }
}

/**
 * `ppo(...)` with CleanRL `ppo.py`'s defaults for classic control, or `reinforce(gamma, baseline)`.
 * `clip`, `entropy` and `value` may be schedules over the run's env steps.
 */
const checkAlgorithm = (ctx: Context, e: Expr, env: EnvIR, extent: Extent, budgetSpan: Span): RlIR["algorithm"] | undefined => {
  const fn = e.kind === "Call" && e.callee.length === 1 ? e.callee[0]!.text : undefined
  if (e.kind !== "Call" || (fn !== "ppo" && fn !== "reinforce" && fn !== "grpo")) {
    return ctx.report("LRS2001", e.span, `\`algorithm\` must be \`ppo(...)\`, \`reinforce(...)\` or \`grpo(...)\`, found ${describe(e)}`, "write `algorithm = ppo()` (CleanRL's defaults), `reinforce(gamma = 0.99)`, or `grpo()` for a token task")
  }
  const tokens = isTokenEnv(env)
  if (tokens !== (fn === "grpo")) {
    return ctx.report("LRS2001", e.span, tokens ? `a token task (\`${env.kind}\`) is learnt with \`grpo(...)\` in this release` : `\`grpo\` learns token tasks (\`data = digit_sum()\`, \`copy_reverse()\`); \`${env.kind}\` takes \`ppo\` or \`reinforce\``, tokens ? "write `algorithm = grpo()`" : "write `algorithm = ppo()`")
  }
  if (fn === "grpo") {
    const args = bindArgs(ctx, e, rlConstructors.grpo)
    const int = (key: string, fallback: number) => (args.get(key) === undefined ? fallback : checkedNumber(ctx, args.get(key)!, key, { integer: true, min: 1 }))
    const epochs = int("epochs", 1)
    const minibatches = int("minibatches", 1)
    const clip = coefficient(ctx, args, "clip", 0.2, extent, positive, e.span)
    const clipHigh = args.get("clip_high") === undefined ? clip : coefficient(ctx, args, "clip_high", 0.2, extent, positive, e.span)
    // `controlled` returns the controller its key names (adaptive_kl for beta, adaptive_entropy for entropy).
    const beta = controlled(ctx, args, "beta", 0, extent, e.span) as ScheduleIR | AdaptiveKlIR | undefined
    const temperature = coefficient(ctx, args, "temperature", 1, extent, positive, e.span)
    const entropy = controlled(ctx, args, "entropy", 0, extent, e.span) as ScheduleIR | AdaptiveEntropyIR | undefined
    const scale = args.get("scale") === undefined ? "group" : checkedChoice(ctx, args.get("scale")!, "scale", ["group", "batch", "none"] as const)
    const normalization = args.get("normalization") === undefined ? "sequence" : checkedChoice(ctx, args.get("normalization")!, "normalization", ["sequence", "token", "constant"] as const)
    const maxGradNorm = args.get("max_grad_norm") === undefined ? 1 : checkedNumber(ctx, args.get("max_grad_norm")!, "max_grad_norm", { min: 0 })
    // The band: both edges or neither, each a schedule (Entrocraft anneals both linearly).
    const lowExpr = args.get("entropy_low")
    const highExpr = args.get("entropy_high")
    if ((lowExpr === undefined) !== (highExpr === undefined)) {
      ctx.report("LRS1007", (lowExpr ?? highExpr)!.span, "an entropy band needs both `entropy_low` and `entropy_high`", "add the other edge, such as `entropy_low = linear(0.6 -> 0.4), entropy_high = linear(0.7 -> 0.5)`")
    }
    const low = lowExpr === undefined ? undefined : coefficient(ctx, args, "entropy_low", 0, extent, nonNegative, e.span)
    const high = highExpr === undefined ? undefined : coefficient(ctx, args, "entropy_high", 0, extent, nonNegative, e.span)
    if (low !== undefined && high !== undefined && [0, Math.floor(extent.steps / 2), extent.steps - 1].some((t) => evaluateSchedule(low, t) > evaluateSchedule(high, t))) {
      ctx.report("LRS2002", lowExpr!.span, "the entropy band's low edge is above its high edge", "keep `entropy_low` below `entropy_high` over the whole run")
    }
    // Entrocraft's `entropic` controller: a target the weights steer the entropy to; the band does that by switching instead.
    const targetExpr = args.get("entropy_target")
    const entropyTarget = targetExpr === undefined ? undefined : coefficient(ctx, args, "entropy_target", 0, extent, nonNegative, e.span)
    if (targetExpr !== undefined && (lowExpr !== undefined || highExpr !== undefined)) {
      ctx.report("LRS1016", targetExpr.span, "`entropy_target` (Entrocraft's entropic weights) and the entropy band (`entropy_low`, `entropy_high`) both steer the advantages by the entropy; use one", "remove `entropy_target`, or remove `entropy_low` and `entropy_high` (a band of `[low, high]` has the target `(low + high) / 2`)")
    }
    const controls = isTokenEnv(env) ? checkGrpoControls(ctx, args, env.group, answerCap(env), extent, e.span) : {}
    const lrScale = checkLrScale(ctx, args, minibatches === undefined ? undefined : Math.min(minibatches, env.copies))
    if (minibatches !== undefined && minibatches > env.copies) return ctx.report("LRS2002", args.get("minibatches")!.span, `${minibatches} minibatches do not fit ${env.copies} answers a batch`, `use at most ${env.copies}`)
    if (
      epochs === undefined || minibatches === undefined || clip === undefined || clipHigh === undefined || beta === undefined || temperature === undefined ||
      entropy === undefined || scale === undefined || normalization === undefined || maxGradNorm === undefined || controls === undefined || lrScale === undefined
    ) return undefined
    if ((lowExpr !== undefined && low === undefined) || (highExpr !== undefined && high === undefined)) return undefined
    if (targetExpr !== undefined && (entropyTarget === undefined || lowExpr !== undefined || highExpr !== undefined)) return undefined
    return {
      kind: "grpo",
      epochs,
      minibatches,
      clip,
      clipHigh,
      beta,
      scale,
      normalization,
      temperature,
      entropy,
      maxGradNorm,
      ...(low === undefined || high === undefined ? {} : { entropyBand: { low, high } }),
      ...(entropyTarget === undefined ? {} : { entropyTarget }),
      ...controls,
      ...(lrScale === null ? {} : { lrScale })
    }
  }
  if (fn === "reinforce") {
    const args = bindArgs(ctx, e, rlConstructors.reinforce)
    const gamma = args.get("gamma") === undefined ? 0.99 : checkedNumber(ctx, args.get("gamma")!, "gamma", { min: 0, max: 1 })
    const baseline = args.get("baseline") === undefined ? "whiten" : checkedChoice(ctx, args.get("baseline")!, "baseline", ["none", "whiten"] as const)
    return gamma === undefined || baseline === undefined ? undefined : { kind: "reinforce", gamma, baseline }
  }
  const args = bindArgs(ctx, e, ppoArgs)
  const int = (key: string, fallback: number) => (args.get(key) === undefined ? fallback : checkedNumber(ctx, args.get(key)!, key, { integer: true, min: 1 }))
  const real = (key: string, fallback: number, max?: number) => (args.get(key) === undefined ? fallback : checkedNumber(ctx, args.get(key)!, key, { min: 0, ...(max === undefined ? {} : { max }) }))
  const bool = (key: string, fallback: boolean) => (args.get(key) === undefined ? fallback : checkedBool(ctx, args.get(key)!, key))
  const rollout = int("rollout", 128)
  const replay = checkEpochs(ctx, args.get("epochs"), 4)
  const minibatches = int("minibatches", 4)
  const lrScale = checkLrScale(ctx, args, minibatches)
  const gamma = real("gamma", 0.99, 1)
  const lambda = real("lambda", 0.95, 1)
  const clip = coefficient(ctx, args, "clip", 0.2, extent, positive, e.span)
  const entropy = coefficient(ctx, args, "entropy", 0.01, extent, nonNegative, e.span)
  const value = coefficient(ctx, args, "value", 0.5, extent, nonNegative, e.span)
  const valueClip = bool("value_clip", true)
  const maxGradNorm = real("max_grad_norm", 0.5)
  const targetKl = real("target_kl", 0)
  const truncation = args.get("truncation") === undefined ? "terminate" : checkedChoice(ctx, args.get("truncation")!, "truncation", ["terminate", "bootstrap"] as const)
  const normalizeAdvantage = bool("normalize_advantage", true)
  if (
    rollout === undefined || replay === undefined || minibatches === undefined || lrScale === undefined || gamma === undefined || lambda === undefined || clip === undefined ||
    entropy === undefined || value === undefined || valueClip === undefined || maxGradNorm === undefined || targetKl === undefined || truncation === undefined ||
    normalizeAdvantage === undefined
  ) return undefined
  const batch = env.copies * rollout
  if (minibatches > batch) return ctx.report("LRS2002", args.get("minibatches")!.span, `${minibatches} minibatches do not fit a rollout of ${batch} transitions (${env.copies} copies x ${rollout} steps)`, `use at most ${batch}`)
  // Counted in iterations, any budget is whole rollouts.
  if (ctx.axes.iterations !== true && extent.steps % batch !== 0) {
    return ctx.report("LRS2002", budgetSpan, `the budget (${extent.steps} env steps) must be a whole number of rollouts of ${batch} transitions (${env.copies} copies x ${rollout} steps)`, `make it a multiple of ${batch}, such as ${Math.max(1, Math.round(extent.steps / batch)) * batch}`)
  }
  return {
    kind: "ppo",
    rollout,
    epochs: replay.epochs,
    minibatches,
    gamma,
    lambda,
    clip,
    valueClip,
    entropy,
    value,
    maxGradNorm,
    targetKl,
    truncation,
    normalizeAdvantage,
    ...(replay.adaptiveReplay === undefined ? {} : { adaptiveReplay: replay.adaptiveReplay }),
    ...(lrScale === null ? {} : { lrScale })
  }
}

/** `curriculum = sec(lr = 0.5, temperature = 0.2)` or `cures(temperature = 0.1 | released, allocation, rollouts)` over a token task's categories. */
const checkCategoryCurriculum = (ctx: Context, e: Expr, env: EnvIR, extent: Extent): NonNullable<RlIR["curriculum"]> | undefined => {
  const fn = e.kind === "Call" && e.callee.length === 1 ? e.callee[0]!.text : undefined
  if (e.kind !== "Call" || (fn !== "sec" && fn !== "cures")) {
    return ctx.report("LRS2001", e.span, `an rl block's \`curriculum\` is \`sec(lr, temperature)\` (Self-Evolving Curriculum) or \`cures(temperature)\` (CurES's sampler), found ${describe(e)}`)
  }
  if (!isTokenEnv(env)) return ctx.report("LRS2001", e.span, `\`${fn}\` chooses among a task's categories; \`${env.kind}\` has none`, "use it with `data = digit_sum()` or `copy_reverse()`")
  if (fn === "cures") {
    const args = bindArgs(ctx, e, rlConstructors.cures)
    const allocation = checkAllocation(ctx, args, env, e.span)
    const t = args.get("temperature")
    const temperature = t?.kind === "Ref" && t.path.length === 1 && t.path[0]!.text === "released" ? "released" : coefficient(ctx, args, "temperature", 0.1, extent, positive, e.span)
    return temperature === undefined || allocation === undefined ? undefined : { kind: "cures", temperature, ...(allocation === null ? {} : { allocation }) }
  }
  const args = bindArgs(ctx, e, rlConstructors.sec)
  const lr = args.get("lr") === undefined ? 0.5 : checkedNumber(ctx, args.get("lr")!, "lr", { min: 0, max: 1, exclusive: "min" })
  const temperature = coefficient(ctx, args, "temperature", 0.2, extent, positive, e.span)
  return lr === undefined || temperature === undefined ? undefined : { kind: "sec", lr, temperature }
}

/** The algorithm an rl block names, read before it is checked (its signals are needed first). */
export const rlAlgorithmOf = (block: Block, overrides: ReadonlyMap<string, Expr> = new Map()): RlAlgorithmKind | undefined => {
  const e = rlAlgorithmExpr(block, overrides)
  if (e === undefined || e.kind !== "Call" || e.callee.length !== 1) return undefined
  const fn = e.callee[0]!.text
  return fn === "ppo" || fn === "reinforce" || fn === "grpo" ? fn : undefined
}

/** A token task's longest answer, EOS included (copy/reverse leaves room for the EOS after `max_length` symbols). */
export const answerCap = (env: TokenEnvIR): number => (env.kind === "digit_sum" ? env.maxLength : env.maxLength + 1)

/** An `rl { algorithm = ..., shared = false }` block over the environment `env` (the experiment's `data`). */
export const checkRl = (ctx: Context, block: Block, env: EnvIR, extent: Extent, budgetSpan: Span, overrides: ReadonlyMap<string, Expr> = new Map()): RlIR | undefined => {
  const fields = new Map([...blockFields(ctx, block, { keyword: "rl", a: "an rl block", the: "the rl block" }, rlFields, overrides)].map(([k, v]) => [k, v.expr] as const))
  const algorithmExpr = fields.get("algorithm")
  if (algorithmExpr === undefined) return ctx.report("LRS1007", block.keyword.span, "the rl block has no `algorithm`", "add `algorithm = ppo()`")
  const algorithm = checkAlgorithm(ctx, algorithmExpr, env, extent, budgetSpan)
  const sharedExpr = fields.get("shared")
  const shared = sharedExpr === undefined ? false : checkedBool(ctx, sharedExpr, "shared")
  if (sharedExpr !== undefined && isTokenEnv(env)) ctx.report("LRS2001", sharedExpr.span, "`shared` shapes an actor-critic MLP; a token task's GRU has one trunk already", "remove `shared`")
  // A token task's reward budget and length cap, as schedules.
  const param = (key: "budget" | "length_limit"): ScheduleIR | undefined | null => {
    const e = fields.get(key)
    if (e === undefined) return null
    if (!isTokenEnv(env)) return ctx.report("LRS2001", e.span, `\`${key}\` sets a token task's answers; \`${env.kind}\` has none`, `remove \`${key}\``)
    // copy/reverse is graded on the answer alone: its reward has no length budget.
    if (key === "budget" && env.kind !== "digit_sum") return ctx.report("LRS2001", e.span, `\`budget\` is digit_sum's length budget; \`${env.kind}\` pays for the answer alone`, "remove `budget`, or cap answers with `length_limit`")
    const max = answerCap(env)
    const domain: Domain = key === "budget"
      ? { contains: (v) => v >= 1, text: "must be >= 1 token" }
      : { contains: (v) => Math.round(v) >= 1 && Math.round(v) <= max, text: `must round to 1..${max} tokens (${env.kind === "digit_sum" ? "`max_length`" : "`max_length` + 1"})` }
    return coefficient(ctx, fields, key, 0, extent, domain, e.span)
  }
  const budget = param("budget")
  const lengthLimit = param("length_limit")
  const groupSize = checkGroupSize(ctx, fields.get("group_size"), env, extent)
  const curriculumExpr = fields.get("curriculum")
  const curriculum = curriculumExpr === undefined ? null : checkCategoryCurriculum(ctx, curriculumExpr, env, extent)
  if (algorithm === undefined || shared === undefined || budget === undefined || lengthLimit === undefined || groupSize === undefined || curriculum === undefined) return undefined
  return {
    algorithm,
    shared,
    ...(budget === null ? {} : { budget }),
    ...(lengthLimit === null ? {} : { lengthLimit }),
    ...(groupSize === null ? {} : { groupSize }),
    ...(curriculum === null ? {} : { curriculum }),
    span: block.span
  }
}
