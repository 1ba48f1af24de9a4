import { rngFromState, type RngState } from "../../data/random.ts"
import type { EnvSpec } from "./env.ts"

export interface BanditOptions {
  /** Number of arms (10 in the testbed). */
  readonly arms?: number
  /** q*(a) ~ N(initialMean, initialStd²) at the copy's first reset (testbed: N(0, 1)). */
  readonly initialMean?: number
  readonly initialStd?: number
  /** Reward noise: R ~ N(q*(A), rewardStd²) (testbed: 1). */
  readonly rewardStd?: number
  /**
   * Std of the random walk every q*(a) takes after each pull (0: stationary). Sutton & Barto's
   * Exercise 2.5 uses 0.01 with all q* starting equal (`driftingBandit()` below).
   */
  readonly driftStd?: number
  /** The true values q*, the same for every copy (one problem pulled in parallel); drawn per copy when absent. */
  readonly q?: ReadonlyArray<number>
  /**
   * The stream the random walk draws from, the same start for every copy, so that copies pulling
   * in step (one pull each per env step) walk their q* alike: one drifting problem. Absent: each
   * copy's walk draws from its own stream.
   */
  readonly walkSeed?: RngState
}

export interface BanditState {
  /** The true action values of this copy; they persist across pulls. */
  readonly q: ReadonlyArray<number>
  /** The last pull's arm and whether it was an optimal one (for "% optimal action"). */
  readonly lastArm: number
  readonly lastOptimal: number
  /** The shared walk's stream after this copy's pulls (with `walkSeed`). */
  readonly walk?: RngState
}

/**
 * The k-armed testbed of Sutton & Barto (2nd ed., §2.3): each copy is one bandit problem with its
 * own q*, fixed for the whole run unless `driftStd > 0`. Each pull is a one-step episode
 * (terminated), so returns and advantages never leak between pulls; q* carries over resets.
 * The observation is a constant 1 so that a policy network has an input.
 */
export const bandit = (options: BanditOptions = {}): EnvSpec<BanditState> => {
  const arms = options.arms ?? 10
  const initialMean = options.initialMean ?? 0
  const initialStd = options.initialStd ?? 1
  const rewardStd = options.rewardStd ?? 1
  const driftStd = options.driftStd ?? 0
  if (!Number.isInteger(arms) || arms < 1) throw new Error(`bandit arms must be a positive integer, got ${arms}`)
  if (options.q !== undefined && options.q.length !== arms) throw new Error(`bandit q has ${options.q.length} values for ${arms} arms`)
  const shared = options.q
  return {
    id: "bandit",
    observationSize: 1,
    actions: arms,
    maxEpisodeSteps: undefined,
    categories: [],
    params: {},
    reset: (rng, _category, previous) =>
      previous ?? {
        q: shared ?? Array.from({ length: arms }, () => initialMean + initialStd * rng.normal()),
        lastArm: -1,
        lastOptimal: 0,
        ...(options.walkSeed === undefined ? {} : { walk: options.walkSeed })
      },
    step: (state, arm, rng) => {
      const best = Math.max(...state.q)
      const reward = state.q[arm]! + rewardStd * rng.normal()
      const walk = state.walk === undefined ? rng : rngFromState(state.walk)
      const q = driftStd === 0 ? state.q : state.q.map((v) => v + driftStd * walk.normal())
      const next = { q, lastArm: arm, lastOptimal: state.q[arm] === best ? 1 : 0 }
      return { state: state.walk === undefined ? next : { ...next, walk: walk.state }, reward, terminated: true }
    },
    observe: (_state, out, offset) => {
      out[offset] = 1
    },
    summary: (state) => ({ arm: state.lastArm, optimal: state.lastOptimal })
  }
}

/** The nonstationary testbed of Exercise 2.5: all q* start at 0 and walk with std 0.01 per pull. */
export const driftingBandit = (options: BanditOptions = {}): EnvSpec<BanditState> =>
  bandit({ initialMean: 0, initialStd: 0, driftStd: 0.01, ...options })
