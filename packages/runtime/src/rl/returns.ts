import { rolloutLength, type RolloutSteps } from "./rollout.ts"

/**
 * Discounted returns `G_t = r_t + γ · G_{t+1}`, restarted at every episode end (terminated or
 * truncated: without a value function nothing can stand in for the cut-off tail), and seeded at
 * the rollout's end with `bootstrap` (per copy; 0 by default, i.e. complete episodes). This is the
 * Monte-Carlo return REINFORCE uses (pytorch/examples `reinforce.py`: `R = r + γ R` backwards).
 */
export const discountedReturns = (r: RolloutSteps, gamma: number, bootstrap?: ArrayLike<number>): Float64Array => {
  const T = rolloutLength(r)
  const N = r.numEnvs
  const out = new Float64Array(T * N)
  for (let i = 0; i < N; i++) {
    let g = bootstrap?.[i] ?? 0
    for (let t = T - 1; t >= 0; t--) {
      const k = t * N + i
      if (r.terminated[k] || r.truncated[k]) g = 0
      g = r.rewards[k]! + gamma * g
      out[k] = g
    }
  }
  return out
}
