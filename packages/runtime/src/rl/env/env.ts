import type { Rng } from "../../data/random.ts"

/**
 * One environment as pure functions over a plain-data state, so `VectorEnv` can run many copies,
 * reset them, and checkpoint them as JSON without knowing what is inside.
 *
 * `S` must be JSON-serialisable (numbers, arrays, plain objects): it is what a checkpoint stores.
 * `P` are the scalars a schedule may change during a run (token budget, max answer length); they
 * are passed to every call rather than baked into the spec so a schedule can set them per step.
 */
export interface EnvSpec<S, P extends Readonly<Record<string, number>> = Readonly<Record<string, never>>> {
  /** Stable name, also the label for seed derivation. */
  readonly id: string
  /** Length of one copy's flat float observation. */
  readonly observationSize: number
  /** Number of discrete actions (actions are integers in [0, actions)). */
  readonly actions: number
  /**
   * A token task's per-step input beside the previous token: the observation's last `stepFeatures`
   * entries (digit-sum's remainder after a check). Absent: the policy sees tokens only.
   */
  readonly stepFeatures?: number
  /** Gymnasium's TimeLimit: the episode is truncated (not terminated) after this many steps. */
  readonly maxEpisodeSteps: number | undefined
  /** Difficulty categories episodes are drawn from (empty when the task has none). */
  readonly categories: ReadonlyArray<string>
  /** Defaults of the settable scalars. */
  readonly params: P
  /**
   * A new episode. `previous` is the copy's last state (undefined on the first reset): parts that
   * belong to the copy rather than the episode, like a bandit's q*, carry over from it.
   */
  reset(rng: Rng, category: number, previous: S | undefined, params: P): S
  /** One action. `rng` is the copy's own stream for stochastic dynamics. */
  step(state: S, action: number, rng: Rng, params: P): Transition<S>
  /** Writes the observation of `state` into `out[offset, offset + observationSize)`. */
  observe(state: S, out: Float32Array, offset: number): void
  /** Numbers reported when an episode ends (correctness, target...), beside return and length. */
  summary?(state: S): Readonly<Record<string, number>>
}

export interface Transition<S> {
  readonly state: S
  readonly reward: number
  /** The MDP reached a terminal state (no bootstrapping past it). */
  readonly terminated: boolean
}

/** A finished episode of one copy. */
export interface EpisodeEnd {
  readonly env: number
  readonly return: number
  readonly length: number
  readonly category: number
  readonly terminated: boolean
  readonly truncated: boolean
  readonly info: Readonly<Record<string, number>>
}
