import * as tf from "@tensorflow/tfjs"
import { klEstimates } from "./kl.ts"
import { normalizeAdvantages } from "./statistics.ts"

/** One PPO minibatch. The first three are differentiable outputs of the current networks. */
export interface PpoMinibatch {
  /** log π_θ(a_t | s_t) of the actions taken, [B]. */
  readonly logProb: tf.Tensor1D
  /** Entropy of π_θ(· | s_t), [B]. */
  readonly entropy: tf.Tensor1D
  /** V_φ(s_t), [B]. */
  readonly value: tf.Tensor1D
  /** log π_old(a_t | s_t) recorded in the rollout, [B]. */
  readonly oldLogProb: ArrayLike<number>
  readonly advantages: ArrayLike<number>
  /** Value targets R̂ (GAE returns), [B]. */
  readonly returns: ArrayLike<number>
  /** V_old(s_t) recorded in the rollout, [B] (needed when the value loss is clipped). */
  readonly oldValue: ArrayLike<number>
}

export interface PpoOptions {
  /** ε of the clipped surrogate (CleanRL `clip_coef`, SB3 `clip_range`; both 0.2). */
  readonly clip: number
  /** Value coefficient (0.5 in both). */
  readonly valueCoef: number
  /** Entropy bonus coefficient (CleanRL 0.01, SB3 0). */
  readonly entropyCoef: number
  /** Normalise advantages per minibatch (CleanRL `norm_adv`, SB3 `normalize_advantage`; both on). */
  readonly normalizeAdvantage: boolean
  /**
   * The value loss as each library computes it:
   * - "cleanrl": `0.5 · mean(max((V − R̂)², (V_old + clip(V − V_old, ±c) − R̂)²))` with `clip_vloss`
   *   (c = clip_coef there), else `0.5 · mean((V − R̂)²)`;
   * - "sb3": `mean((R̂ − V')²)` with no 0.5, where `V' = V_old + clip(V − V_old, ±c)` if
   *   `clip_range_vf` is set, else V; no max with the unclipped loss.
   */
  readonly valueLoss: "cleanrl" | "sb3"
  /** c above; undefined: the value loss is not clipped. */
  readonly valueClip?: number | undefined
}

export interface PpoLoss {
  /** `policy − entropyCoef · entropy + valueCoef · value`: the scalar to differentiate. */
  readonly total: tf.Scalar
  readonly policy: tf.Scalar
  readonly value: tf.Scalar
  /** Mean entropy of the minibatch. */
  readonly entropy: tf.Scalar
}

/**
 * PPO's clipped objective, as CleanRL `ppo.py` and SB3 `PPO.train` compute it for one minibatch:
 * `policy = mean(max(−Â ρ, −Â clip(ρ, 1 − ε, 1 + ε)))` with `ρ = exp(log π_θ − log π_old)`.
 * The caller owns the returned tensors.
 */
export const ppoLoss = (batch: PpoMinibatch, options: PpoOptions): PpoLoss => {
  const n = batch.logProb.shape[0]
  for (const [name, a] of [["oldLogProb", batch.oldLogProb], ["advantages", batch.advantages], ["returns", batch.returns], ["oldValue", batch.oldValue]] as const) {
    if (a.length !== n) throw new Error(`ppoLoss: ${name} has ${a.length} entries for a minibatch of ${n}`)
  }
  const adv = options.normalizeAdvantage ? normalizeAdvantages(batch.advantages) : Float64Array.from(batch.advantages)
  return tf.tidy(() => {
    const A = tf.tensor1d(Float32Array.from(adv))
    const ratio = tf.exp(tf.sub(batch.logProb, tf.tensor1d(Float32Array.from(batch.oldLogProb))))
    const clipped = tf.clipByValue(ratio, 1 - options.clip, 1 + options.clip)
    const policy = tf.mean(tf.maximum(tf.neg(tf.mul(A, ratio)), tf.neg(tf.mul(A, clipped)))) as tf.Scalar
    const R = tf.tensor1d(Float32Array.from(batch.returns))
    const vOld = tf.tensor1d(Float32Array.from(batch.oldValue))
    const c = options.valueClip
    const vClipped = c === undefined ? undefined : tf.add(vOld, tf.clipByValue(tf.sub(batch.value, vOld), -c, c))
    let value: tf.Scalar
    if (options.valueLoss === "cleanrl") {
      const unclipped = tf.square(tf.sub(batch.value, R))
      const worst = vClipped === undefined ? unclipped : tf.maximum(unclipped, tf.square(tf.sub(vClipped, R)))
      value = tf.mul(0.5, tf.mean(worst)) as tf.Scalar
    } else {
      value = tf.mean(tf.square(tf.sub(R, vClipped ?? batch.value))) as tf.Scalar
    }
    const entropy = tf.mean(batch.entropy) as tf.Scalar
    const total = tf.add(tf.sub(policy, tf.mul(options.entropyCoef, entropy)), tf.mul(options.valueCoef, value)) as tf.Scalar
    return { total, policy, value, entropy }
  })
}

export interface PpoDiagnostics {
  /** CleanRL's `approx_kl`: mean k3 of the log-ratio. */
  readonly approxKl: number
  /** CleanRL's `old_approx_kl`: mean k1 = mean(−log ρ). */
  readonly oldApproxKl: number
  /** Fraction of samples with |ρ − 1| > ε. */
  readonly clipFraction: number
}

/** The minibatch statistics CleanRL logs, from the new and old log-probabilities as numbers. */
export const ppoDiagnostics = (logProb: ArrayLike<number>, oldLogProb: ArrayLike<number>, clip: number): PpoDiagnostics => {
  const logRatio = Float64Array.from({ length: logProb.length }, (_, i) => logProb[i]! - oldLogProb[i]!)
  const kl = klEstimates(logRatio)
  let clipped = 0
  for (const lr of logRatio) if (Math.abs(Math.exp(lr) - 1) > clip) clipped++
  return { approxKl: kl.k3, oldApproxKl: kl.k1, clipFraction: clipped / logRatio.length }
}

/**
 * target_kl early stopping, in each library's convention:
 * - "cleanrl": checked after each epoch with the last minibatch's approx_kl: stop if KL > target;
 * - "sb3": checked per minibatch before its gradient step: stop if KL > 1.5 · target.
 */
export const targetKlExceeded = (approxKl: number, targetKl: number, convention: "cleanrl" | "sb3"): boolean =>
  approxKl > (convention === "sb3" ? 1.5 * targetKl : targetKl)
