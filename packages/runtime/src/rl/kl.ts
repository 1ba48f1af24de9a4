import * as tf from "@tensorflow/tfjs"

/**
 * Schulman's estimators of KL(p ‖ q) from samples x ~ p, written in the log-ratio
 * `lr = log q(x) − log p(x)` (http://joschu.net/blog/kl-approx.html):
 *   k1 = −lr              (unbiased, high variance, can be negative)
 *   k2 = lr² / 2          (biased, low variance)
 *   k3 = (e^lr − 1) − lr  (unbiased, low variance, never negative)
 *
 * Who uses which, and with which p and q:
 * - CleanRL / SB3 PPO log `approx_kl = mean(k3)` and `old_approx_kl = mean(k1)` with p = the
 *   rollout policy, q = the current one, so `lr = log π_new − log π_old = log ratio`.
 * - TRL's GRPO KL penalty is per-token k3 with p = π_θ, q = π_ref, so `lr = log π_ref − log π_θ`
 *   (verl's `low_var_kl` is the same, clamped to [−10, 10]).
 */
export interface KlEstimates {
  readonly k1: number
  readonly k2: number
  readonly k3: number
}

/** Means of k1, k2 and k3 over the samples' log-ratios. */
export const klEstimates = (logRatio: ArrayLike<number>): KlEstimates => {
  let k1 = 0
  let k2 = 0
  let k3 = 0
  for (let i = 0; i < logRatio.length; i++) {
    const lr = logRatio[i]!
    k1 -= lr
    k2 += (lr * lr) / 2
    k3 += Math.expm1(lr) - lr
  }
  const n = logRatio.length
  return { k1: k1 / n, k2: k2 / n, k3: k3 / n }
}

/** Element-wise k3 as a tensor (differentiable), `logRatio = log q − log p` as above. */
export const k3 = (logRatio: tf.Tensor): tf.Tensor =>
  tf.tidy(() => tf.sub(tf.sub(tf.exp(logRatio), 1), logRatio))
