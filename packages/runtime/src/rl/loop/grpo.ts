import * as tf from "@tensorflow/tfjs"
import { shuffleInPlace } from "../../data/random.ts"
import { groupAdvantages, grpoLoss, type LossNormalization, type RewardScaling } from "../grpo.ts"
import { klEstimates } from "../kl.ts"
import type { SequencePolicy } from "../policy/sequence.ts"
import type { PerUpdate } from "./clock.ts"
import { episodeStatistics, type EpisodeStatistics, meanInfo } from "./episodes.ts"
import { type Completions, generate } from "./generate.ts"
import type { Learner } from "./learner.ts"
import { lossAndGradients } from "../../model/variables.ts"
import { applyRlUpdate } from "./optimizer.ts"

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
   * Entrocraft's band switch (its released `grpo_range_linear`): when the batch's mean token entropy
   * at generation is above `high`, only positive advantages are kept (entropy falls); below `low`,
   * only negative ones (entropy rises); inside the band, plain GRPO.
   */
  readonly entropyBand?: { readonly low: number; readonly high: number }
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
  /** Mean per-token entropy of the sampling distribution over the generated tokens. */
  readonly entropy: number
  /** Which advantages the entropy band kept: 1 positive only, -1 negative only, 0 all (or no band). */
  readonly band: number
  /** Per task category, the mean |advantage| of its answers in the batch (SEC's reward); null where none was drawn. */
  readonly categoryAdvantage: ReadonlyArray<number | null>
  /** Fraction of groups whose rewards were all equal (zero advantage, no gradient). */
  readonly zeroVarianceGroups: number
  /** Loss of the last minibatch. */
  readonly loss: number
  /** Mean k3 KL to the reference over the batch's tokens at generation time (NaN without a reference). */
  readonly kl: number
  /** Fraction of tokens whose ratio left [1 − ε_low, 1 + ε_high], over all minibatches. */
  readonly clipFraction: number
  readonly gradNorm: number
}

/** Padded `[B, T]` views of the completions, rows in copy order. */
const pad = (c: Completions, T: number) => {
  const B = c.tokens.length
  const tokens = new Int32Array(B * T)
  const mask = new Float32Array(B * T)
  const oldLogProb = new Float32Array(B * T)
  c.tokens.forEach((seq, i) =>
    seq.forEach((tok, t) => {
      tokens[i * T + t] = tok
      mask[i * T + t] = 1
      oldLogProb[i * T + t] = c.logProbs[i]![t]!
    })
  )
  return { tokens, mask, oldLogProb }
}

/** log π of the given tokens, `[B, T]`, under `softmax(logits / temperature)` of the teacher-forced pass. */
const tokenLogProbs = (policy: SequencePolicy, prompts: tf.Tensor2D, tokens: tf.Tensor2D, temperature: number): tf.Tensor2D =>
  tf.tidy(() => {
    const { logits } = policy.sequence(prompts, tokens)
    const scaled = temperature === 1 ? logits : tf.div(logits, temperature)
    return tf.sum(tf.mul(tf.logSoftmax(scaled), tf.oneHot(tokens, policy.vocab)), 2) as tf.Tensor2D
  })

/**
 * One GRPO iteration on an env whose copies come in groups sharing a prompt (`VectorEnv` with
 * `groupSize` G and `autoReset = false`): decode one answer per copy, turn the episode returns into
 * group-relative advantages (`groupAdvantages`), then `epochs` passes of shuffled minibatches of
 * `grpoLoss` (clipped ratio to the sampling policy, optional k3 KL to `reference`) with Adam.
 * The reference policy is read-only here (TRL keeps the initial model; sync it yourself if wanted).
 */
export const grpoIteration = <S, P extends Readonly<Record<string, number>>>(
  learner: Learner<S, P, SequencePolicy>,
  settings: GrpoSettings,
  reference?: SequencePolicy
): GrpoStatistics => {
  const { env, policy } = learner
  const beta = settings.beta ?? 0
  if (beta !== 0 && reference === undefined) throw new Error("grpo with beta > 0 needs a reference policy")
  const epochs = settings.epochs ?? 1
  const minibatches = settings.minibatches ?? 1
  const temperature = settings.temperature ?? 1
  const G = env.groupSize
  const completions = generate(env, policy, learner.rngs.actions, temperature, settings.maxTokens ?? 1024)
  const B = env.numEnvs
  if (B < minibatches) throw new Error(`${B} completions cannot make ${minibatches} minibatches`)
  const lengths = completions.tokens.map((t) => t.length)
  const T = Math.max(...lengths)
  const generated = lengths.reduce((s, n) => s + n, 0)
  learner.clock = { ...learner.clock, envSteps: learner.clock.envSteps + generated }
  const grouped = groupAdvantages(completions.rewards, G, settings.scaleRewards ?? "group")
  let entropySum = 0
  for (const hs of completions.entropies) for (const h of hs) entropySum += h
  const entropy = entropySum / generated
  const band = settings.entropyBand === undefined ? 0 : entropy > settings.entropyBand.high ? 1 : entropy < settings.entropyBand.low ? -1 : 0
  // Rejecting the samples on one side of zero moves entropy the other way (Entrocraft, Thm 3.2).
  const advantages = band === 0 ? grouped : Float64Array.from(grouped, (a) => (band === 1 ? Math.max(a, 0) : Math.min(a, 0)))
  const { tokens, mask, oldLogProb } = pad(completions, T)
  const S = policy.promptSize
  const refLogProb = reference === undefined
    ? undefined
    : tf.tidy(() => (tokenLogProbs(reference, tf.tensor2d(completions.prompts, [B, S]), tf.tensor2d(tokens, [B, T], "int32"), temperature).dataSync() as Float32Array).slice())
  // KL to the reference at generation time, k3 with log-ratio log π_ref − log π_old per token.
  let kl = Number.NaN
  if (refLogProb !== undefined) {
    const ratios: Array<number> = []
    for (let k = 0; k < B * T; k++) if (mask[k] === 1) ratios.push(refLogProb[k]! - oldLogProb[k]!)
    kl = klEstimates(ratios).k3
  }

  const size = Math.floor(B / minibatches)
  const order = Int32Array.from({ length: B }, (_, i) => i)
  const high = 1 + (settings.epsilonHigh ?? settings.epsilonLow)
  const low = 1 - settings.epsilonLow
  let lastLoss = Number.NaN
  let clipped = 0
  let counted = 0
  let normSum = 0
  let applied = 0
  let firstLr = Number.NaN
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, learner.rngs.minibatches)
    for (let start = 0; start < B; start += size) {
      const rows = order.subarray(start, Math.min(start + size, B))
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
      rows.forEach((r, j) => mbPrompts.set(completions.prompts.subarray(r * S, (r + 1) * S), j * S))
      const mbAdv = Float64Array.from(rows, (r) => advantages[r]!)
      let current = new Float32Array(0)
      const { loss, grads } = tf.tidy(() => {
        const prompts = tf.tensor2d(mbPrompts, [b, S])
        const toks = tf.tensor2d(mbTokens, [b, T], "int32")
        return lossAndGradients(() => {
          const logProb = tokenLogProbs(policy, prompts, toks, temperature)
          current = (logProb.dataSync() as Float32Array).slice()
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
          const { logits } = policy.sequence(prompts, toks)
          const lp = tf.logSoftmax(temperature === 1 ? logits : tf.div(logits, temperature))
          const h = tf.neg(tf.sum(tf.mul(tf.exp(lp), lp), 2))
          const m = tf.tensor2d(mbMask, [b, T])
          return tf.sub(l.loss, tf.mul(coef, tf.div(tf.sum(tf.mul(h, m)), tf.maximum(tf.sum(m), 1)))) as tf.Scalar
        }, policy.variables, { unreached: "zeros" })
      })
      lastLoss = loss.dataSync()[0]!
      loss.dispose()
      for (let k = 0; k < b * T; k++) {
        if (mbMask[k] !== 1) continue
        const ratio = Math.exp(current[k]! - mbOld[k]!)
        if (ratio < low || ratio > high) clipped++
        counted++
      }
      const update = applyRlUpdate(learner, grads, settings.lr, settings.maxGradNorm)
      normSum += update.norm
      if (applied === 0) firstLr = update.lr
      applied++
    }
  }
  learner.clock = { ...learner.clock, iterations: learner.clock.iterations + 1 }

  let zero = 0
  for (let g = 0; g < B; g += G) {
    const first = completions.rewards[g]!
    let same = true
    for (let j = 1; j < G; j++) if (completions.rewards[g + j] !== first) same = false
    if (same) zero++
  }
  const episodes = completions.episodes
  const sums = env.spec.categories.map(() => ({ total: 0, n: 0 }))
  for (const e of episodes) {
    sums[e.category]!.total += Math.abs(grouped[e.env]!)
    sums[e.category]!.n++
  }
  return {
    ...episodeStatistics(episodes),
    categoryAdvantage: sums.map((c) => (c.n === 0 ? null : c.total / c.n)),
    iterations: learner.clock.iterations,
    updates: learner.clock.updates,
    envSteps: learner.clock.envSteps,
    lr: firstLr,
    accuracy: meanInfo(episodes, "correct"),
    truncation: meanInfo(episodes, "capped"),
    length: generated / B,
    entropy,
    band,
    zeroVarianceGroups: zero / (B / G),
    loss: lastLoss,
    kl,
    clipFraction: counted === 0 ? Number.NaN : clipped / counted,
    gradNorm: applied === 0 ? Number.NaN : normSum / applied
  }
}
