import * as tf from "@tensorflow/tfjs"
import { type GroupSizes, groupRanges, slice } from "./groupSizes.ts"
import { k3 } from "./kl.ts"
import { mean, std } from "./statistics.ts"

/**
 * How group-relative advantages are scaled (TRL `scale_rewards`):
 * - "group" (TRL's default, original GRPO): `(r − mean_g) / (std_g + eps)`;
 * - "batch": `(r − mean_g) / (std_batch + eps)` (the mean stays per group);
 * - "none" (Dr. GRPO): `r − mean_g`.
 * std is Bessel-corrected in both TRL and verl.
 */
export type RewardScaling = "group" | "batch" | "none"

/**
 * GRPO advantages, one per completion, for rewards laid out group after group (`groupSize`
 * completions of the same prompt next to each other, as `VectorEnv` groups copies; an array gives
 * each group its own size). eps is TRL's 1e-4; verl's `norm_adv_by_std_in_grpo` uses 1e-6. A group
 * of one gets advantage 0 (TRL; verl would give it r, with mean 0 and std 1).
 */
export const groupAdvantages = (rewards: ArrayLike<number>, groupSize: GroupSizes, scale: RewardScaling = "group", eps = 1e-4): Float64Array => {
  const ranges = groupRanges(rewards.length, groupSize)
  const out = new Float64Array(rewards.length)
  const batchStd = std(rewards)
  for (const range of ranges) {
    const group = slice(rewards, range)
    const m = mean(group)
    const s = scale === "group" ? std(group) : batchStd
    group.forEach((r, j) => {
      const centred = r - m
      out[range[0] + j] = scale === "none" ? centred : centred / (s + eps)
    })
  }
  return out
}

/**
 * How the per-token losses of a batch become one number (TRL `loss_type`, verl `loss_agg_mode`):
 * - "sequence": mean over sequences of each one's token mean (TRL "grpo", verl
 *   "seq-mean-token-mean"; the original GRPO, biased towards short correct answers and long wrong
 *   ones);
 * - "token": sum over all tokens / number of tokens (TRL "bnpo", and "dapo" on one process
 *   without gradient accumulation; verl "token-mean");
 * - "constant": sum over all tokens / (B · maxLength) (TRL "dr_grpo": Dr. GRPO's constant
 *   normaliser, no length bias; verl's "seq-mean-token-sum-norm" divides by the length only).
 */
export type LossNormalization = "sequence" | "token" | "constant"

export interface GrpoBatch {
  /** log π_θ of each completion token, [B, T] (padded; differentiable). */
  readonly logProb: tf.Tensor2D
  /** 1 on completion tokens, 0 on padding, [B·T] row-major. */
  readonly mask: ArrayLike<number>
  /** One per completion, [B]; broadcast to its tokens. */
  readonly advantages: ArrayLike<number>
  /**
   * log π_old at sampling time, [B·T]. Omitted: the current values (TRL with num_iterations = 1
   * uses `per_token_logps.detach()`, so ρ = 1 and only its gradient matters).
   */
  readonly oldLogProb?: ArrayLike<number>
  /** log π_ref, [B·T]; needed when beta > 0. */
  readonly refLogProb?: ArrayLike<number>
}

export interface GrpoOptions {
  /** Lower clip ε_low (TRL `epsilon`, 0.2). */
  readonly epsilonLow: number
  /** Upper clip ε_high (TRL `epsilon_high`, defaults to ε_low; DAPO's clip-higher uses 0.28). */
  readonly epsilonHigh?: number
  /** KL coefficient β of the k3 penalty to the reference (TRL default 0). */
  readonly beta?: number
  readonly normalization: LossNormalization
  /** The constant's length for "constant" (TRL `max_completion_length`); default T. */
  readonly maxLength?: number
}

export interface GrpoLoss {
  readonly loss: tf.Scalar
  /** Masked token mean of the k3 KL to the reference (what TRL logs as `kl`), when beta > 0. */
  readonly kl: tf.Scalar | undefined
}

/**
 * TRL's GRPO loss: per token `−min(ρ Â, clip(ρ, 1 − ε_low, 1 + ε_high) Â) + β · k3`, with
 * `ρ = exp(log π_θ − log π_old)` and `k3 = e^(ref − θ) − (ref − θ) − 1`, aggregated over the
 * completion tokens by `normalization`. The caller owns the returned tensors.
 */
export const grpoLoss = (batch: GrpoBatch, options: GrpoOptions): GrpoLoss => {
  const [B, T] = batch.logProb.shape
  const beta = options.beta ?? 0
  if (batch.mask.length !== B * T) throw new Error(`grpoLoss: mask has ${batch.mask.length} entries for [${B}, ${T}]`)
  if (batch.advantages.length !== B) throw new Error(`grpoLoss: ${batch.advantages.length} advantages for ${B} completions`)
  if (beta !== 0 && batch.refLogProb === undefined) throw new Error("grpoLoss: beta > 0 needs refLogProb")
  const old = batch.oldLogProb ?? batch.logProb.dataSync()
  return tf.tidy(() => {
    const mask = tf.tensor2d(Float32Array.from(batch.mask), [B, T])
    const adv = tf.tensor2d(Float32Array.from(batch.advantages), [B, 1])
    const ratio = tf.exp(tf.sub(batch.logProb, tf.tensor2d(Float32Array.from(old), [B, T])))
    const clipped = tf.clipByValue(ratio, 1 - options.epsilonLow, 1 + (options.epsilonHigh ?? options.epsilonLow))
    let perToken = tf.neg(tf.minimum(tf.mul(ratio, adv), tf.mul(clipped, adv)))
    let kl: tf.Scalar | undefined
    if (beta !== 0) {
      const perTokenKl = k3(tf.sub(tf.tensor2d(Float32Array.from(batch.refLogProb!), [B, T]), batch.logProb))
      perToken = tf.add(perToken, tf.mul(beta, perTokenKl))
      kl = tf.div(tf.sum(tf.mul(perTokenKl, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar
    }
    const masked = tf.mul(perToken, mask)
    let loss: tf.Scalar
    switch (options.normalization) {
      case "sequence":
        loss = tf.mean(tf.div(tf.sum(masked, 1), tf.maximum(tf.sum(mask, 1), 1))) as tf.Scalar
        break
      case "token":
        loss = tf.div(tf.sum(masked), tf.maximum(tf.sum(mask), 1)) as tf.Scalar
        break
      case "constant":
        loss = tf.div(tf.sum(masked), B * (options.maxLength ?? T)) as tf.Scalar
        break
    }
    return { loss, kl }
  })
}
