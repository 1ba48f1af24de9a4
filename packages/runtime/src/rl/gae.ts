import { rolloutLength, type RolloutSteps } from "./rollout.ts"

export interface GaeInput extends RolloutSteps {
  /** V(s_t) of the observation each action was taken from, [T·N]. */
  readonly values: ArrayLike<number>
  /** V(s_T), the observation after the last step, per copy [N]. */
  readonly lastValues: ArrayLike<number>
  /**
   * V of the final observation of each step, [T·N] (`VectorEnv`'s `finalObservation`); read only
   * where an episode was truncated and `truncation = "bootstrap"`.
   */
  readonly finalValues?: ArrayLike<number>
  readonly gamma: number
  readonly lambda: number
  /**
   * What a time-limit truncation means for the advantage:
   * - "bootstrap" (SB3, `OnPolicyAlgorithm.collect_rollouts`): where truncated and not terminated,
   *   `r_t += γ · V(final observation)`, then the episode is cut like any other end. The tail the
   *   limit cut off is estimated, not dropped.
   * - "terminate" (CleanRL `ppo.py`: `next_done = terminations | truncations`): a truncation is
   *   treated as a termination; nothing is bootstrapped.
   */
  readonly truncation: "bootstrap" | "terminate"
}

export interface GaeResult {
  readonly advantages: Float64Array
  /** `advantages + values`: the TD(λ) value targets. */
  readonly returns: Float64Array
}

/**
 * Generalised advantage estimation as CleanRL and SB3 compute it (identical loops):
 *   δ_t = r_t + γ V(s_{t+1}) (1 − d_t) − V(s_t),   Â_t = δ_t + γλ (1 − d_t) Â_{t+1}
 * where d_t = 1 if step t ended the episode (terminated or truncated), so neither the next value
 * nor the next advantage leaks across an auto-reset; V(s_T) bootstraps the rollout's end.
 */
export const gae = (input: GaeInput): GaeResult => {
  const { numEnvs: N, rewards, terminated, truncated, values, lastValues, gamma, lambda } = input
  const T = rolloutLength(input, values)
  if (lastValues.length !== N) throw new Error(`lastValues has ${lastValues.length} entries for ${N} copies`)
  const finalValues = input.finalValues
  if (input.truncation === "bootstrap" && finalValues === undefined) {
    for (let k = 0; k < T * N; k++) {
      if (truncated[k] && !terminated[k]) throw new Error("truncation = bootstrap needs finalValues where episodes were truncated")
    }
  }
  const advantages = new Float64Array(T * N)
  const returns = new Float64Array(T * N)
  for (let i = 0; i < N; i++) {
    let next = 0
    for (let t = T - 1; t >= 0; t--) {
      const k = t * N + i
      const done = terminated[k] || truncated[k] ? 1 : 0
      let r = rewards[k]!
      if (input.truncation === "bootstrap" && truncated[k] && !terminated[k]) r += gamma * finalValues![k]!
      const nextValue = t === T - 1 ? lastValues[i]! : values[k + N]!
      const delta = r + gamma * nextValue * (1 - done) - values[k]!
      next = delta + gamma * lambda * (1 - done) * next
      advantages[k] = next
      returns[k] = next + values[k]!
    }
  }
  return { advantages, returns }
}
