import { type GroupSizes, groupRanges, slice } from "./groupSizes.ts"
import { mean, std } from "./statistics.ts"
import type { RewardScaling } from "./grpo.ts"

/**
 * OBLR-PO's gradient-weighted baseline (arXiv 2511.23310), in the form the research notes
 * reconstruct (§3.6 [verify]: the paper's exact expressions could not be checked). The
 * variance-optimal constant baseline of a policy-gradient estimator (Greensmith et al. 2004) is
 * `b = Σ_i w_i r_i / Σ_i w_i` with `w_i = ‖∇ log π(y_i)‖²`; here the gradient is taken with respect
 * to the logits, where it is closed-form (the notes' cheap analogue), not the parameters.
 */

/**
 * `‖∇_z log softmax(z)_a‖² = ‖e_a − π‖² = 1 − 2π_a + Σ_k π_k²` for row `row` of log-probabilities
 * (`[rows, size]`, row-major) and the emitted token `a`, in float64. A temperature τ multiplies
 * every answer's value by 1/τ², which cancels in the baseline.
 */
export const logitScoreNorm = (logProbs: ArrayLike<number>, row: number, size: number, a: number): number => {
  let purity = 0
  for (let k = 0; k < size; k++) purity += Math.exp(2 * logProbs[row * size + k]!)
  return 1 - 2 * Math.exp(logProbs[row * size + a]!) + purity
}

/** Each group's `Σ w r / Σ w` (the plain mean where every weight is 0), groups of `groupSize` (or one size each) laid out in order. */
export const weightedBaselines = (rewards: ArrayLike<number>, weights: ArrayLike<number>, groupSize: GroupSizes): Array<number> => {
  if (weights.length !== rewards.length) throw new Error(`${rewards.length} rewards and ${weights.length} weights do not split into groups of ${groupSize}`)
  return groupRanges(rewards.length, groupSize).map((range) => {
    let wr = 0
    let w = 0
    for (let j = range[0]; j < range[1]; j++) {
      wr += weights[j]! * rewards[j]!
      w += weights[j]!
    }
    return w > 0 ? wr / w : mean(slice(rewards, range))
  })
}

/**
 * GRPO's advantages with each group's mean replaced by its gradient-weighted baseline:
 * `(r − b_g) / (std + eps)` with the group's std (`group`), the batch's (`batch`), or undivided
 * (`none`), as `groupAdvantages` scales them.
 */
export const baselineAdvantages = (rewards: ArrayLike<number>, weights: ArrayLike<number>, groupSize: GroupSizes, scale: RewardScaling = "group", eps = 1e-4): Float64Array => {
  const baselines = weightedBaselines(rewards, weights, groupSize)
  const batchStd = std(rewards)
  const out = new Float64Array(rewards.length)
  groupRanges(rewards.length, groupSize).forEach((range, g) => {
    const s = scale === "group" ? std(slice(rewards, range)) : batchStd
    for (let j = range[0]; j < range[1]; j++) {
      const centred = rewards[j]! - baselines[g]!
      out[j] = scale === "none" ? centred : centred / (s + eps)
    }
  })
  return out
}
