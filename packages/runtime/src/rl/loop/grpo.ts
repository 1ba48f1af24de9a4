import * as tf from "@tensorflow/tfjs"
import { shuffleInPlace } from "../../data/random.ts"
import { lengthAdvantages } from "../adora.ts"
import { overlongPenalty } from "../dapo.ts"
import { baselineAdvantages, weightedBaselines } from "../oblr.ts"
import { mean } from "../statistics.ts"
import { downSample } from "../d3s.ts"
import { bandAdvantages, bandSide, entropicAdvantages, entropicAlpha } from "../entrocraft.ts"
import { groupAdvantages, grpoLoss, type LossNormalization, type RewardScaling } from "../grpo.ts"
import { klEstimates } from "../kl.ts"
import type { SequencePolicy } from "../policy/sequence.ts"
import type { PerUpdate } from "./clock.ts"
import { episodeStatistics, type EpisodeStatistics, meanInfo } from "./episodes.ts"
import { fixedGroups, type GroupBatch, groupsOf } from "./groups.ts"
import { curesAllocation } from "./allocate.ts"
import { groupOfRows, groupRanges } from "../groupSizes.ts"
import type { Learner } from "./learner.ts"
import { lossAndGradients } from "../../model/variables.ts"
import { GradientMoments } from "./gradientMoments.ts"
import { rlUpdate } from "./optimizer.ts"
import { read, type Reading, runSync } from "../../run/reading.ts"

export interface GrpoSettings {
  readonly lr: PerUpdate
  /** ε_low (TRL `epsilon`, 0.2). */
  readonly epsilonLow: number
  /** ε_high (TRL `epsilon_high`; DAPO 0.28); default ε_low. */
  readonly epsilonHigh?: number
  /** k3 KL coefficient to `reference` (TRL `beta`, default 0). */
  readonly beta?: number
  /** Default "group" (TRL). */
  readonly scaleRewards?: RewardScaling
  /** Default "sequence" (TRL "grpo", the original); "token" (bnpo/dapo), "constant" (dr_grpo). */
  readonly normalization?: LossNormalization
  /** Denominator length of "constant" (TRL `max_completion_length`); default the longest answer. */
  readonly maxLength?: number
  /** Passes over the generated batch (TRL `num_iterations` μ, default 1). */
  readonly epochs?: number
  /** Minibatches of completions per pass (default 1). */
  readonly minibatches?: number
  /** Sampling temperature; the loss's log-probs use the same scaling (TRL). Default 1. */
  readonly temperature?: number
  /** Token-entropy bonus (TRL `entropy_coef`, default 0). */
  readonly entropyCoef?: number
  readonly maxGradNorm?: number | undefined
  /** Generation cap, a guard against envs that never end an answer. Default 1024. */
  readonly maxTokens?: number
  /**
   * Entrocraft's band switch (its released `grpo_range_linear`, `bandAdvantages`): when the batch's
   * mean token entropy at generation is above `high`, every correct answer gets +1 and the others 0
   * (entropy falls); below `low`, every wrong answer -1 and the others 0 (entropy rises); inside
   * the band, plain GRPO.
   */
  readonly entropyBand?: { readonly low: number; readonly high: number }
  /**
   * Entrocraft's `entropic` controller (`entropicAlpha`, `entropicAdvantages`): `alpha` is the
   * weight state before this iteration; it moves by the batch's mean token entropy at generation
   * minus `target`, then weighs this iteration's advantages (`1 + α` where A > 0, `1 − α` where
   * A < 0). Not with `entropyBand`.
   */
  readonly entropic?: { readonly target: number; readonly alpha: number }
  /**
   * DAPO's dynamic sampling: groups whose rewards are all equal are dropped, and up to
   * `maxGenerations` batches are generated to fill the batch with groups that differ.
   */
  readonly dynamicSampling?: { readonly maxGenerations: number }
  /** DAPO's soft overlong punishment added to each reward: `cache` tokens before `maxLength`, down to `-factor`. */
  readonly overlong?: { readonly maxLength: number; readonly cache: number; readonly factor: number }
  /** D³S: the fraction of each group's answers (max-variance subset) and of their tokens (top |A|·H) in the loss. */
  readonly downSample?: { readonly answers: number; readonly tokens: number }
  /** ADORA: the advantage weight λ of groups whose longest correct answer is not longer than their mean wrong one. */
  readonly adora?: number
  /**
   * OBLR-PO's gradient-weighted baseline in place of the group mean: `b = Σ w r / Σ w`,
   * `w = Σ_t ‖∇_logits log π(token_t)‖²` over each answer's tokens.
   */
  readonly weightedBaseline?: boolean
  /** Multiplies every update's lr (OBLR-PO's SNR factor, `snr.ts`); default 1. */
  readonly lrScale?: number
  /** Estimate the gradient SNR from the first epoch's minibatch gradients (`snr` in the statistics). */
  readonly snr?: boolean
  /** Answers per prompt, 1..the env's `groupSize` (its capacity); default the whole group. */
  readonly groupSize?: number
  /**
   * CurES's rollout allocation (`allocate.ts`): `min` probe answers per prompt, then `min..max` in
   * all by the spread of their gradients, near `groupSize` (or the env's) per prompt on average.
   */
  readonly allocation?: { readonly min: number; readonly max: number }
}

export interface GrpoStatistics extends EpisodeStatistics {
  readonly iterations: number
  readonly updates: number
  /** Tokens generated, summed over completions. */
  readonly envSteps: number
  readonly lr: number
  /** Mean of the episodes' `correct` info (NaN where the task reports none). */
  readonly accuracy: number
  /** Fraction of answers cut at the length limit (`capped` info). */
  readonly truncation: number
  /** Mean answer length in tokens. */
  readonly length: number
  /** Mean of the episodes' `checks` info, digit-sum's W tokens per answer (NaN where the task reports none). */
  readonly checks: number
  /** Mean per-token entropy of the sampling distribution over the generated tokens. */
  readonly entropy: number
  /** The entropy band's side: 1 above (right answers +1), -1 below (wrong answers -1), 0 inside or no band (GRPO's advantages). */
  readonly band: number
  /** `entropic`'s α after this iteration's entropy, the one its advantages were weighted with (NaN without it). */
  readonly entropyAlpha: number
  /** Per task category, the mean |advantage| of its answers in the batch (SEC's reward); null where none was drawn. */
  readonly categoryAdvantage: ReadonlyArray<number | null>
  /** Per task category, how many of the iteration's answers were correct of how many (CurES's counts). */
  readonly categoryCounts: ReadonlyArray<{ readonly correct: number; readonly all: number }>
  /** Fraction of groups whose rewards were all equal (zero advantage, no gradient), over every batch generated. */
  readonly zeroVarianceGroups: number
  /** The sizes of the groups generated (every batch): mean, smallest, largest. */
  readonly groupSizeMean: number
  readonly groupSizeMin: number
  readonly groupSizeMax: number
  /** Answers in a first generated batch (prompts x group size, or the allocation's total). */
  readonly answers: number
  /** Batches generated (more than 1 only with dynamic sampling). */
  readonly generations: number
  /** Groups dropped by dynamic sampling. */
  readonly droppedGroups: number
  /** Mean overlong punishment over the answers generated (0 without it). */
  readonly overlongPenalty: number
  /** Answers in the loss, and the fraction of the tokens generated that are in it (fewer with dynamic sampling and D³S). */
  readonly trainedAnswers: number
  readonly trainedTokens: number
  /** Fraction of the trained groups ADORA weighted by λ (NaN without ADORA). */
  readonly adoraDown: number
  /** Mean over the kept groups of OBLR-PO's baseline minus the group's mean reward (NaN without it). */
  readonly baselineShift: number
  /** Loss of the last minibatch. */
  readonly loss: number
  /** Mean k3 KL to the reference over the batch's tokens at generation time (NaN without a reference). */
  readonly kl: number
  /** Fraction of tokens whose ratio left [1 − ε_low, 1 + ε_high], over all minibatches. */
  readonly clipFraction: number
  readonly gradNorm: number
  /** The first epoch's gradient SNR (NaN unless asked, or with fewer than two minibatches). */
  readonly snr: number
}

/** Padded `[B, T]` views of the batch's rows `rows`, with each row's token mask (1 on every token when none is given) and `[B, T, F]` step features. */
const pad = (c: GroupBatch, rows: ReadonlyArray<number>, masks: ReadonlyArray<Uint8Array> | undefined, T: number, S: number, F: number) => {
  const B = rows.length
  const features = new Float32Array(B * T * F)
  const tokens = new Int32Array(B * T)
  const mask = new Float32Array(B * T)
  const oldLogProb = new Float32Array(B * T)
  const prompts = new Float32Array(B * S)
  rows.forEach((r, i) => {
    prompts.set(c.prompts.subarray(r * S, (r + 1) * S), i * S)
    if (F > 0) features.set(c.features[r]!, i * T * F)
    c.tokens[r]!.forEach((tok, t) => {
      tokens[i * T + t] = tok
      mask[i * T + t] = masks === undefined ? 1 : masks[i]![t]!
      oldLogProb[i * T + t] = c.logProbs[r]![t]!
    })
  })
  return { tokens, mask, oldLogProb, prompts, features }
}

/** The values of `t` (copied), then disposes it. */
function* readFloats(t: tf.Tensor): Reading<Float32Array> {
  try {
    return ((yield* read(t))[0] as Float32Array).slice()
  } finally {
    t.dispose()
  }
}

/** log π of the given tokens, `[B, T]`, under `softmax(logits / temperature)` of the teacher-forced pass. */
const tokenLogProbs = (policy: SequencePolicy, prompts: tf.Tensor2D, tokens: tf.Tensor2D, temperature: number, features?: tf.Tensor3D): tf.Tensor2D =>
  tf.tidy(() => {
    const { logits } = policy.sequence(prompts, tokens, features)
    const scaled = temperature === 1 ? logits : tf.div(logits, temperature)
    return tf.sum(tf.mul(tf.logSoftmax(scaled), tf.oneHot(tokens, policy.vocab)), 2) as tf.Tensor2D
  })

/**
 * One GRPO iteration on an env whose copies come in groups sharing a prompt (`VectorEnv` with
 * `groupSize` G and `autoReset = false`): decode `settings.groupSize` answers per prompt, or as
 * many as CurES's allocation gives each (more batches with DAPO's dynamic sampling,
 * `sampleGroups`), turn the episode returns (plus DAPO's overlong punishment)
 * into group-relative advantages (`groupAdvantages`), then Entrocraft's band (or its `entropic`
 * weights), ADORA's weights and
 * D³S's down-sampling in that order, then `epochs` passes of `minibatches` shuffled minibatches of
 * `grpoLoss` (clipped ratio to the sampling policy, optional k3 KL to `reference`) with Adam.
 * The reference policy is read-only here (TRL keeps the initial model; sync it yourself if wanted).
 */
export const grpoIteration = <S, P extends Readonly<Record<string, number>>>(
  learner: Learner<S, P, SequencePolicy>,
  settings: GrpoSettings,
  reference?: SequencePolicy
): GrpoStatistics => runSync(grpoIterationOf(learner, settings, reference))

/** `grpoIteration` as a Reading (its reads awaited on a GPU). */
export function* grpoIterationOf<S, P extends Readonly<Record<string, number>>>(
  learner: Learner<S, P, SequencePolicy>,
  settings: GrpoSettings,
  reference?: SequencePolicy
): Reading<GrpoStatistics> {
  const { env, policy } = learner
  const beta = settings.beta ?? 0
  if (beta !== 0 && reference === undefined) throw new Error("grpo with beta > 0 needs a reference policy")
  if (settings.entropic !== undefined && settings.entropyBand !== undefined) throw new Error("grpo takes Entrocraft's band or its entropic controller, not both")
  const epochs = settings.epochs ?? 1
  const minibatches = settings.minibatches ?? 1
  const temperature = settings.temperature ?? 1
  const size = settings.groupSize ?? env.groupSize
  const dapo = settings.dynamicSampling
  const overlong = settings.overlong
  const alloc = settings.allocation
  const batch = yield* groupsOf(env, policy, learner.rngs.actions, temperature, settings.maxTokens ?? 1024, {
    filter: dapo !== undefined,
    maxGenerations: dapo?.maxGenerations ?? 1,
    draw: alloc === undefined ? fixedGroups(size) : curesAllocation({ ...alloc, total: (env.numEnvs / env.groupSize) * size }),
    ...(overlong === undefined ? {} : { shape: (n: number) => overlongPenalty(n, overlong.maxLength, overlong.cache, overlong.factor) })
  })
  const generated = batch.generatedTokens
  learner.clock = { ...learner.clock, envSteps: learner.clock.envSteps + generated }
  let advantages: Float64Array
  let baselineShift = Number.NaN
  if (settings.weightedBaseline === true) {
    const weights = batch.scoreNorms.map((ns) => ns.reduce((a, b) => a + b, 0))
    advantages = baselineAdvantages(batch.rewards, weights, batch.sizes, settings.scaleRewards ?? "group")
    const ranges = groupRanges(batch.rewards.length, batch.sizes)
    const shifts = weightedBaselines(batch.rewards, weights, batch.sizes).map((b, g) => b - mean(batch.rewards.subarray(...ranges[g]!)))
    baselineShift = shifts.length === 0 ? Number.NaN : mean(shifts)
  } else advantages = groupAdvantages(batch.rewards, batch.sizes, settings.scaleRewards ?? "group")
  const entropy = batch.entropySum / generated
  const band = settings.entropyBand === undefined ? 0 : bandSide(entropy, settings.entropyBand)
  // Outside the band, only right answers (+1) or only wrong ones (-1) push: entropy moves back (Entrocraft, Thm 3.2).
  if (band !== 0) advantages = bandAdvantages(advantages, batch.episodes.map((e) => e.info["correct"] === 1), band)
  // Entrocraft's `entropic`: α reacts to this batch's entropy first (as the band does), then weighs its advantages.
  const entropyAlpha = settings.entropic === undefined ? Number.NaN : entropicAlpha(settings.entropic.alpha, entropy, settings.entropic.target)
  if (settings.entropic !== undefined) advantages = entropicAdvantages(advantages, entropyAlpha)
  let adoraDown = Number.NaN
  if (settings.adora !== undefined) {
    const answers = batch.episodes.map((e) => ({ correct: e.info["correct"] === 1, truncated: e.info["capped"] === 1, length: e.length }))
    const lambda = settings.adora
    const has = lengthAdvantages(answers, batch.sizes)
    const groupOf = groupOfRows(answers.length, batch.sizes)
    advantages = Float64Array.from(advantages, (a, i) => (has[groupOf[i]!] ? a : a * lambda))
    adoraDown = has.length === 0 ? Number.NaN : has.filter((x) => !x).length / has.length
  }
  const kept = settings.downSample === undefined
    ? { rows: batch.tokens.map((_, i) => i), masks: undefined }
    : downSample(advantages, batch.entropies, batch.sizes, settings.downSample.answers, settings.downSample.tokens)
  const B = kept.rows.length
  const T = Math.max(0, ...kept.rows.map((r) => batch.tokens[r]!.length))
  const F = policy.features
  const { tokens, mask, oldLogProb, prompts, features } = pad(batch, kept.rows, kept.masks, T, policy.promptSize, F)
  /** The step features of `b` padded rows as the teacher-forced pass takes them (none without). */
  const featureTensor = (values: Float32Array, b: number) => (F === 0 ? undefined : tf.tensor3d(values, [b, T, F]))
  let trainedTokens = 0
  for (const m of mask) trainedTokens += m
  const S = policy.promptSize
  const refLogProb = reference === undefined || B === 0
    ? undefined
    : yield* readFloats(tf.tidy(() => tokenLogProbs(reference, tf.tensor2d(prompts, [B, S]), tf.tensor2d(tokens, [B, T], "int32"), temperature, featureTensor(features, B))))
  // KL to the reference at generation time, k3 with log-ratio log π_ref − log π_old per token.
  let kl = Number.NaN
  if (refLogProb !== undefined) {
    const ratios: Array<number> = []
    for (let k = 0; k < B * T; k++) if (mask[k] === 1) ratios.push(refLogProb[k]! - oldLogProb[k]!)
    kl = klEstimates(ratios).k3
  }

  // A batch smaller than the minibatches asked for (dynamic sampling, D³S) makes one per answer.
  const parts = Math.min(minibatches, B)
  const order = Int32Array.from({ length: B }, (_, i) => i)
  const high = 1 + (settings.epsilonHigh ?? settings.epsilonLow)
  const low = 1 - settings.epsilonLow
  let lastLoss = Number.NaN
  let clipped = 0
  let counted = 0
  let normSum = 0
  let applied = 0
  let firstLr = Number.NaN
  const moments = settings.snr === true ? new GradientMoments() : undefined
  let snr = Number.NaN
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, learner.rngs.minibatches)
    for (let k = 0; k < parts; k++) {
      const rows = order.subarray(Math.floor((k * B) / parts), Math.floor(((k + 1) * B) / parts))
      const b = rows.length
      const take = <A extends Float32Array | Int32Array>(src: A, make: (n: number) => A): A => {
        const out = make(b * T)
        rows.forEach((r, j) => out.set(src.subarray(r * T, (r + 1) * T), j * T))
        return out
      }
      const mbTokens = take(tokens, (n) => new Int32Array(n))
      const mbMask = take(mask, (n) => new Float32Array(n))
      const mbOld = take(oldLogProb, (n) => new Float32Array(n))
      const mbRef = refLogProb === undefined ? undefined : take(refLogProb, (n) => new Float32Array(n))
      const mbPrompts = new Float32Array(b * S)
      rows.forEach((r, j) => mbPrompts.set(prompts.subarray(r * S, (r + 1) * S), j * S))
      const mbFeatures = new Float32Array(b * T * F)
      rows.forEach((r, j) => mbFeatures.set(features.subarray(r * T * F, (r + 1) * T * F), j * T * F))
      const mbAdv = Float64Array.from(rows, (r) => advantages[r]!)
      // The log-probs the step is about to use (for the clip fraction), kept out of the tape and read after it.
      let logProbKept: tf.Tensor | undefined
      const { loss, grads } = tf.tidy(() => {
        const mbPromptTensor = tf.tensor2d(mbPrompts, [b, S])
        const toks = tf.tensor2d(mbTokens, [b, T], "int32")
        const mbFeatureTensor = featureTensor(mbFeatures, b)
        return lossAndGradients(() => {
          const logProb = tokenLogProbs(policy, mbPromptTensor, toks, temperature, mbFeatureTensor)
          logProbKept = tf.keep(logProb)
          const l = grpoLoss(
            {
              logProb,
              mask: mbMask,
              advantages: mbAdv,
              oldLogProb: mbOld,
              ...(mbRef === undefined ? {} : { refLogProb: mbRef })
            },
            {
              epsilonLow: settings.epsilonLow,
              ...(settings.epsilonHigh === undefined ? {} : { epsilonHigh: settings.epsilonHigh }),
              beta,
              normalization: settings.normalization ?? "sequence",
              ...(settings.maxLength === undefined ? {} : { maxLength: settings.maxLength })
            }
          )
          const coef = settings.entropyCoef ?? 0
          if (coef === 0) return l.loss
          // Token entropy needs the full distribution: a second teacher-forced pass, only when asked.
          const { logits } = policy.sequence(mbPromptTensor, toks, mbFeatureTensor)
          const lp = tf.logSoftmax(temperature === 1 ? logits : tf.div(logits, temperature))
          const h = tf.neg(tf.sum(tf.mul(tf.exp(lp), lp), 2))
          const m = tf.tensor2d(mbMask, [b, T])
          return tf.sub(l.loss, tf.mul(coef, tf.div(tf.sum(tf.mul(h, m)), tf.maximum(tf.sum(m), 1)))) as tf.Scalar
        }, policy.variables, { unreached: "zeros" })
      })
      let current: Float32Array
      try {
        const [logProb, value] = yield* read(logProbKept!, loss)
        current = (logProb as Float32Array).slice()
        lastLoss = value![0]!
      } finally {
        tf.dispose([logProbKept!, loss])
      }
      for (let k = 0; k < b * T; k++) {
        if (mbMask[k] !== 1) continue
        const ratio = Math.exp(current[k]! - mbOld[k]!)
        if (ratio < low || ratio > high) clipped++
        counted++
      }
      const update = yield* rlUpdate(learner, grads, settings.lr, settings.maxGradNorm, { lrScale: settings.lrScale ?? 1, moments: epoch === 0 ? moments : undefined })
      normSum += update.norm
      if (applied === 0) firstLr = update.lr
      applied++
    }
    if (epoch === 0 && moments !== undefined) snr = yield* moments.snr()
  }
  moments?.dispose()
  learner.clock = { ...learner.clock, iterations: learner.clock.iterations + 1 }

  // What the iteration generated, over every batch: SEC's signal (mean |advantage| per category,
  // zero-variance groups included) and the zero-variance fraction, with the iteration's scaling.
  const episodes = batch.generations.flatMap((g) => g.episodes)
  const sums = env.spec.categories.map(() => ({ total: 0, n: 0 }))
  const counts = env.spec.categories.map(() => ({ correct: 0, all: 0 }))
  for (const e of episodes) {
    counts[e.category]!.all++
    if (e.info["correct"] === 1) counts[e.category]!.correct++
  }
  let zero = 0
  let groups = 0
  for (const g of batch.generations) {
    const all = groupAdvantages(g.rewards, g.sizes, settings.scaleRewards ?? "group")
    g.episodes.forEach((e, i) => {
      sums[e.category]!.total += Math.abs(all[i]!)
      sums[e.category]!.n++
    })
    for (const [start, end] of groupRanges(g.rewards.length, g.sizes)) {
      groups++
      if (g.rewards.subarray(start, end).every((r) => r === g.rewards[start])) zero++
    }
  }
  const sizes = batch.generations.flatMap((g) => g.sizes)
  return {
    ...episodeStatistics(episodes),
    categoryAdvantage: sums.map((c) => (c.n === 0 ? null : c.total / c.n)),
    categoryCounts: counts,
    iterations: learner.clock.iterations,
    updates: learner.clock.updates,
    envSteps: learner.clock.envSteps,
    lr: firstLr,
    accuracy: meanInfo(episodes, "correct"),
    truncation: meanInfo(episodes, "capped"),
    length: generated / episodes.length,
    checks: meanInfo(episodes, "checks"),
    entropy,
    band,
    entropyAlpha,
    zeroVarianceGroups: zero / groups,
    groupSizeMean: mean(sizes),
    groupSizeMin: Math.min(...sizes),
    groupSizeMax: Math.max(...sizes),
    answers: batch.generations[0]!.rewards.length,
    generations: batch.generations.length,
    droppedGroups: batch.dropped,
    overlongPenalty: batch.generations.reduce((a, g) => a + g.shaping, 0) / batch.generations.length,
    trainedAnswers: B,
    trainedTokens: trainedTokens / generated,
    adoraDown,
    baselineShift,
    loss: lastLoss,
    kl,
    clipFraction: counted === 0 ? Number.NaN : clipped / counted,
    gradNorm: applied === 0 ? Number.NaN : normSum / applied,
    snr
  }
}
