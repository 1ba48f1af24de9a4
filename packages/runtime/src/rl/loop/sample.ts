import type { Rng } from "../../data/random.ts"

/**
 * Draws one action from row `row` of log-probabilities `logProbs` (`[rows, size]`, row-major) by
 * inverse CDF on one uniform of `rng`: the first action whose cumulative probability exceeds u.
 * Probabilities are `exp` of the float32 log-probs in float64; if rounding leaves u above the
 * total, the last action with positive probability is taken.
 */
export const sampleCategorical = (logProbs: ArrayLike<number>, row: number, size: number, rng: Rng): number => {
  const u = rng.uniform()
  let acc = 0
  let last = -1
  for (let a = 0; a < size; a++) {
    const p = Math.exp(logProbs[row * size + a]!)
    if (p > 0) last = a
    acc += p
    if (u < acc) return a
  }
  if (last < 0) throw new Error("cannot sample from a distribution with no positive probability")
  return last
}

/** Entropy −Σ p log p of row `row` of log-probabilities, in float64. */
export const rowEntropy = (logProbs: ArrayLike<number>, row: number, size: number): number => {
  let h = 0
  for (let a = 0; a < size; a++) {
    const lp = logProbs[row * size + a]!
    if (lp > -Infinity) h -= Math.exp(lp) * lp
  }
  return h
}
