import * as tf from "@tensorflow/tfjs"
import { shuffleInPlace } from "../../data/random.ts"
import { lossAndGradients } from "../../model/variables.ts"
import { categoricalEntropy, categoricalLogProb } from "../categorical.ts"
import { gae } from "../gae.ts"
import { ppoDiagnostics, ppoLoss, targetKlExceeded } from "../ppo.ts"
import type { ActorCritic } from "../policy/actorCritic.ts"
import { explainedVariance } from "../statistics.ts"
import type { PerUpdate } from "./clock.ts"
import { read, type Reading, runSync } from "../../run/reading.ts"
import { rolloutOf } from "./collect.ts"
import { episodeStatistics, type EpisodeStatistics } from "./episodes.ts"
import type { Learner } from "./learner.ts"
import { GradientMoments } from "./gradientMoments.ts"
import { rlUpdate } from "./optimizer.ts"

/**
 * One PPO iteration's settings. All are read by the caller (from schedules) before the iteration,
 * CleanRL's convention; `lr` may instead be a function of the clock, read before every update.
 */
export interface PpoSettings {
  /** Rollout length per copy (CleanRL `num_steps`). */
  readonly steps: number
  /** Passes over the rollout (CleanRL `update_epochs`). */
  readonly epochs: number
  /** Minibatches per epoch (CleanRL `num_minibatches`); the last is smaller if they do not divide the batch. */
  readonly minibatches: number
  readonly gamma: number
  readonly lambda: number
  /**
   * A number, or a function of the clock read before each update. The update phase follows the
   * rollout, so `envSteps` already counts this iteration's steps (SB3's reading) while
   * `iterations` does not (CleanRL's annealing: `cleanrlAnnealedLr`).
   */
  readonly lr: PerUpdate
  /** Surrogate clip ε. */
  readonly clip: number
  /** Value clip (CleanRL `clip_vloss` uses the surrogate's ε); undefined: unclipped value loss. */
  readonly valueClip?: number | undefined
  readonly entropyCoef: number
  readonly valueCoef: number
  /** Global gradient-norm clip; undefined: none. */
  readonly maxGradNorm?: number | undefined
  /** KL early stop threshold; undefined: none. */
  readonly targetKl?: number | undefined
  /** Default "cleanrl": after each epoch, KL > target; "sb3": per minibatch before its step, KL > 1.5·target. */
  readonly targetKlConvention?: "cleanrl" | "sb3"
  /** Default true. */
  readonly normalizeAdvantage?: boolean
  /** Default "cleanrl" (0.5·max(clipped, unclipped)); "sb3": mse without the 0.5. */
  readonly valueLoss?: "cleanrl" | "sb3"
  /** Default "terminate" (CleanRL); "bootstrap" adds γ·V(final observation) at truncations (SB3). */
  readonly truncation?: "bootstrap" | "terminate"
  /** Multiplies every update's lr (OBLR-PO's SNR factor, `snr.ts`); default 1. */
  readonly lrScale?: number
  /** Estimate the gradient SNR from the first epoch's minibatch gradients (`snr` in the statistics). */
  readonly snr?: boolean
  /** Measure the fraction of active units on the rollout's observations (`fau` in the statistics). */
  readonly fau?: boolean
}

/** CleanRL `ppo.py`'s defaults (classic control), lr before annealing. */
export const CLEANRL_PPO: PpoSettings = {
  steps: 128,
  epochs: 4,
  minibatches: 4,
  gamma: 0.99,
  lambda: 0.95,
  lr: 2.5e-4,
  clip: 0.2,
  valueClip: 0.2,
  entropyCoef: 0.01,
  valueCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: undefined
}

/**
 * CleanRL's `anneal_lr`: at iteration i = 1..N (`clock.iterations + 1`), `lr0 · (1 − (i − 1)/N)`,
 * read before the rollout. The first iteration uses lr0, the last lr0/N.
 */
export const cleanrlAnnealedLr = (lr0: number, iterations: number) => (clock: { readonly iterations: number }): number =>
  lr0 * (1 - clock.iterations / iterations)

/** What one iteration did; plain numbers, so two runs can be compared exactly. */
export interface PpoStatistics extends EpisodeStatistics {
  /** The clock after the iteration. */
  readonly iterations: number
  readonly updates: number
  readonly envSteps: number
  /** lr of the first update of the iteration. */
  readonly lr: number
  /** Epochs started (fewer than asked after a target_kl stop). */
  readonly epochs: number
  readonly stoppedEarly: boolean
  /** CleanRL's logs: losses, entropy and approx_kl of the last minibatch run, clip fraction averaged over all. */
  readonly policyLoss: number
  readonly valueLoss: number
  readonly entropy: number
  /** k3 estimate (CleanRL `approx_kl`). */
  readonly approxKl: number
  /** k1 estimate (CleanRL `old_approx_kl`). */
  readonly oldApproxKl: number
  readonly clipFraction: number
  /** Mean global gradient norm before clipping, over the updates applied. */
  readonly gradNorm: number
  /** Of the rollout's values against the GAE returns (CleanRL's `explained_variance`). */
  readonly explainedVariance: number
  /** The first epoch's gradient SNR (NaN unless asked, or with fewer than two minibatches). */
  readonly snr: number
  /** The policy's fraction of active units on the rollout, before the updates (NaN unless asked). */
  readonly fau: number
}

/**
 * One PPO iteration as CleanRL `ppo.py` runs it: a rollout of `steps` from every copy (actions
 * sampled from the learner's stream), GAE, then `epochs` passes of shuffled minibatches with
 * `ppoLoss`, global-norm clipping and Adam, with optional target_kl early stopping. Mutates the
 * learner (env, weights, optimizer, streams, clock) and returns the iteration's statistics.
 */
export const ppoIteration = <S, P extends Readonly<Record<string, number>>>(learner: Learner<S, P, ActorCritic>, settings: PpoSettings): PpoStatistics =>
  runSync(ppoIterationOf(learner, settings))

/** `ppoIteration` as a Reading (its reads awaited on a GPU). */
export function* ppoIterationOf<S, P extends Readonly<Record<string, number>>>(learner: Learner<S, P, ActorCritic>, settings: PpoSettings): Reading<PpoStatistics> {
  const { env, policy } = learner
  const truncation = settings.truncation ?? "terminate"
  const convention = settings.targetKlConvention ?? "cleanrl"
  for (const [what, n] of [["epochs", settings.epochs], ["minibatches", settings.minibatches]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`ppo ${what} must be a positive integer, got ${n}`)
  }
  const rollout = yield* rolloutOf(env, policy, settings.steps, learner.rngs.actions, truncation === "bootstrap")
  const { advantages, returns } = gae({
    numEnvs: rollout.numEnvs,
    rewards: rollout.rewards,
    terminated: rollout.terminated,
    truncated: rollout.truncated,
    values: rollout.values,
    lastValues: rollout.lastValues,
    finalValues: rollout.finalValues,
    gamma: settings.gamma,
    lambda: settings.lambda,
    truncation
  })
  learner.clock = { ...learner.clock, envSteps: learner.clock.envSteps + rollout.steps * rollout.numEnvs }

  const O = policy.observationSize
  const batch = rollout.steps * rollout.numEnvs
  const fau = settings.fau === true ? yield* activeFractionOf(policy, rollout.observations, batch) : Number.NaN
  if (batch < settings.minibatches) throw new Error(`a batch of ${batch} cannot make ${settings.minibatches} minibatches`)
  const size = Math.floor(batch / settings.minibatches)
  const options = {
    clip: settings.clip,
    valueClip: settings.valueClip,
    entropyCoef: settings.entropyCoef,
    valueCoef: settings.valueCoef,
    normalizeAdvantage: settings.normalizeAdvantage ?? true,
    valueLoss: settings.valueLoss ?? "cleanrl"
  } as const
  const order = Int32Array.from({ length: batch }, (_, k) => k)
  let firstLr = Number.NaN
  let last = { policy: Number.NaN, value: Number.NaN, entropy: Number.NaN, approxKl: Number.NaN, oldApproxKl: Number.NaN }
  let clipSum = 0
  let minibatchesRun = 0
  let normSum = 0
  let applied = 0
  let epochs = 0
  let stoppedEarly = false
  const moments = settings.snr === true ? new GradientMoments() : undefined
  let snr = Number.NaN
  epochLoop: for (let epoch = 0; epoch < settings.epochs; epoch++) {
    epochs++
    shuffleInPlace(order, learner.rngs.minibatches)
    for (let start = 0; start < batch; start += size) {
      const rows = order.subarray(start, Math.min(start + size, batch))
      const B = rows.length
      const obs = new Float32Array(B * O)
      const actions = new Int32Array(B)
      const pick = (src: ArrayLike<number>) => Float64Array.from(rows, (k) => src[k]!)
      rows.forEach((k, j) => {
        obs.set(rollout.observations.subarray(k * O, (k + 1) * O), j * O)
        actions[j] = rollout.actions[k]!
      })
      const oldLogProb = pick(rollout.logProbs)
      // Kept out of the tape and read after it: the ratio the step is about to use (for approx_kl
      // and clipfrac) and the loss terms.
      let kept: Array<tf.Tensor> = []
      const { loss, grads } = tf.tidy(() => {
        const x = tf.tensor2d(obs, [B, O])
        const a = tf.tensor1d(actions, "int32")
        return lossAndGradients(() => {
          const { logits, values } = policy.forward(x)
          const logProb = categoricalLogProb(logits, a)
          const l = ppoLoss(
            { logProb, entropy: categoricalEntropy(logits), value: values, oldLogProb, advantages: pick(advantages), returns: pick(returns), oldValue: pick(rollout.values) },
            options
          )
          kept = [logProb, l.policy, l.value, l.entropy].map((t) => tf.keep(t))
          return l.total
        }, policy.variables)
      })
      loss.dispose()
      let newLogProb: Float32Array
      let terms: { policy: number; value: number; entropy: number }
      try {
        const [logProb, policyTerm, valueTerm, entropyTerm] = yield* read(...kept)
        newLogProb = (logProb as Float32Array).slice()
        terms = { policy: policyTerm![0]!, value: valueTerm![0]!, entropy: entropyTerm![0]! }
      } finally {
        tf.dispose(kept)
      }
      const diag = ppoDiagnostics(newLogProb, oldLogProb, settings.clip)
      last = { ...terms, approxKl: diag.approxKl, oldApproxKl: diag.oldApproxKl }
      clipSum += diag.clipFraction
      minibatchesRun++
      if (settings.targetKl !== undefined && convention === "sb3" && targetKlExceeded(diag.approxKl, settings.targetKl, "sb3")) {
        tf.dispose(Object.values(grads))
        stoppedEarly = true
        break epochLoop
      }
      const update = yield* rlUpdate(learner, grads, settings.lr, settings.maxGradNorm, { lrScale: settings.lrScale ?? 1, moments: epoch === 0 ? moments : undefined })
      normSum += update.norm
      if (applied === 0) firstLr = update.lr
      applied++
    }
    if (epoch === 0 && moments !== undefined) snr = yield* moments.snr()
    if (settings.targetKl !== undefined && convention === "cleanrl" && targetKlExceeded(last.approxKl, settings.targetKl, "cleanrl")) {
      stoppedEarly = epoch + 1 < settings.epochs
      break
    }
  }
  // An sb3 target-KL stop inside the first epoch leaves its gradients unread.
  moments?.dispose()
  learner.clock = { ...learner.clock, iterations: learner.clock.iterations + 1 }
  return {
    ...episodeStatistics(rollout.episodes),
    iterations: learner.clock.iterations,
    updates: learner.clock.updates,
    envSteps: learner.clock.envSteps,
    lr: firstLr,
    epochs,
    stoppedEarly,
    policyLoss: last.policy,
    valueLoss: last.value,
    entropy: last.entropy,
    approxKl: last.approxKl,
    oldApproxKl: last.oldApproxKl,
    clipFraction: minibatchesRun === 0 ? Number.NaN : clipSum / minibatchesRun,
    gradNorm: applied === 0 ? Number.NaN : normSum / applied,
    explainedVariance: explainedVariance(rollout.values, returns),
    snr,
    fau
  }
}

/** The policy's FAU on `rows` observations, read back. */
function* activeFractionOf(policy: ActorCritic, observations: Float32Array, rows: number): Reading<number> {
  const fau = tf.tidy(() => policy.activeFraction(tf.tensor2d(observations, [rows, policy.observationSize])))
  try {
    return (yield* read(fau))[0]![0]!
  } finally {
    fau.dispose()
  }
}
