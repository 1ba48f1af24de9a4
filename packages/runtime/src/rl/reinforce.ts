import * as tf from "@tensorflow/tfjs"
import { mean, std } from "./statistics.ts"

/** float32 machine epsilon: `np.finfo(np.float32).eps`, the whitening eps of pytorch/examples. */
export const FLOAT32_EPS = 2 ** -23

/**
 * What REINFORCE subtracts from the return G_t:
 * - "none": the plain score-function estimator, weight G_t;
 * - "whiten": `(G − mean G) / (std G + eps)` over the batch, as pytorch/examples `reinforce.py`
 *   does (the mean acts as a constant baseline, the std rescales the step);
 * - "value": `G_t − V(s_t)` with a learned baseline (Sutton & Barto §13.4, pytorch/examples
 *   `actor_critic.py`); V is a number here, so no gradient reaches the value net through it.
 */
export type ReinforceBaseline =
  | { readonly kind: "none" }
  | { readonly kind: "whiten"; readonly eps?: number }
  | { readonly kind: "value"; readonly values: ArrayLike<number> }

/** The weights of −log π in the REINFORCE loss. */
export const reinforceAdvantages = (returns: ArrayLike<number>, baseline: ReinforceBaseline): Float64Array => {
  const out = Float64Array.from(returns)
  switch (baseline.kind) {
    case "none":
      return out
    case "whiten": {
      const m = mean(out)
      const s = std(out)
      const eps = baseline.eps ?? FLOAT32_EPS
      for (let i = 0; i < out.length; i++) out[i] = (out[i]! - m) / (s + eps)
      return out
    }
    case "value":
      if (baseline.values.length !== out.length) throw new Error(`${baseline.values.length} values for ${out.length} returns`)
      for (let i = 0; i < out.length; i++) out[i] = out[i]! - baseline.values[i]!
      return out
  }
}

/**
 * `−Σ_t A_t · log π(a_t | s_t)` ("sum", pytorch/examples: one episode per update) or its mean over
 * the batch ("mean", for batches of several episodes). No γ^t factor: like every library
 * implementation (and unlike Sutton & Barto's pseudocode), all steps are weighted alike.
 */
export const reinforceLoss = (logProb: tf.Tensor1D, advantages: ArrayLike<number>, reduce: "sum" | "mean"): tf.Scalar => {
  if (advantages.length !== logProb.shape[0]) throw new Error(`${advantages.length} advantages for ${logProb.shape[0]} log-probabilities`)
  return tf.tidy(() => {
    const weighted = tf.neg(tf.mul(logProb, tf.tensor1d(Float32Array.from(advantages))))
    return (reduce === "sum" ? tf.sum(weighted) : tf.mean(weighted)) as tf.Scalar
  })
}

/**
 * Regression loss of a learned baseline towards the returns: "mse" `(V − G)²` (Sutton & Barto's
 * semi-gradient update) or "smooth_l1" (torch's `F.smooth_l1_loss`, β = 1, as `actor_critic.py`),
 * summed or averaged over the batch.
 */
export const valueRegressionLoss = (value: tf.Tensor1D, returns: ArrayLike<number>, kind: "mse" | "smooth_l1", reduce: "sum" | "mean"): tf.Scalar => {
  if (returns.length !== value.shape[0]) throw new Error(`${returns.length} returns for ${value.shape[0]} values`)
  return tf.tidy(() => {
    const d = tf.sub(value, tf.tensor1d(Float32Array.from(returns)))
    // smooth-L1 as 0.5·min(|d|, 1)² + (|d| − min(|d|, 1)): 0.5 d² inside, |d| − 0.5 outside, and
    // differentiable in tfjs (a `where` on `less` has no gradient there).
    const abs = tf.abs(d)
    const inner = tf.minimum(abs, 1)
    const per = kind === "mse" ? tf.square(d) : tf.add(tf.mul(0.5, tf.square(inner)), tf.sub(abs, inner))
    return (reduce === "sum" ? tf.sum(per) : tf.mean(per)) as tf.Scalar
  })
}
