/**
 * The two time axes of an RL run (plus iterations), as counts of what is already done. A schedule
 * read "before the rollout" of an iteration (CleanRL's annealing) sees the clock as it is when the
 * iteration starts; one read per update sees `updates` advance within the iteration.
 */
export interface RlClock {
  /** Iterations (rollout + update phase) completed. */
  readonly iterations: number
  /** Optimizer updates applied. */
  readonly updates: number
  /** Transitions collected, summed over the copies (SB3's `num_timesteps`, CleanRL's `global_step`). */
  readonly envSteps: number
}

export const startClock: RlClock = { iterations: 0, updates: 0, envSteps: 0 }

/**
 * A per-iteration scalar or, for the learning rate, a function of the clock read before every
 * update (so a schedule on `updates` moves within an iteration).
 */
export type PerUpdate = number | ((clock: RlClock) => number)

export const readPerUpdate = (value: PerUpdate, clock: RlClock): number => (typeof value === "number" ? value : value(clock))
