/**
 * The layout every rollout function here reads: T steps of N copies, time-major and flat, so that
 * element (t, i) sits at `t · N + i` (what `VectorEnv.step` yields, stacked step after step).
 */
export interface RolloutSteps {
  readonly numEnvs: number
  /** r_t, the reward of the action taken at step t. */
  readonly rewards: ArrayLike<number>
  /** 1 where step t reached a terminal state: nothing is bootstrapped past it. */
  readonly terminated: ArrayLike<number>
  /** 1 where step t was cut by a time limit; where `terminated` is also 1, termination wins. */
  readonly truncated: ArrayLike<number>
}

/** Number of time steps T, after checking the arrays agree. */
export const rolloutLength = (r: RolloutSteps, ...others: ReadonlyArray<ArrayLike<number>>): number => {
  const n = r.rewards.length
  if (n % r.numEnvs !== 0) throw new Error(`${n} rewards do not split into ${r.numEnvs} copies`)
  for (const a of [r.terminated, r.truncated, ...others]) {
    if (a.length !== n) throw new Error(`rollout arrays differ in length: ${a.length} vs ${n}`)
  }
  return n / r.numEnvs
}
