import type { Rng } from "../../data/random.ts"
import type { EpisodeEnd } from "../env/env.ts"
import type { VectorEnv } from "../env/vector.ts"
import type { ActorCritic } from "../policy/actorCritic.ts"
import { type Reading, runSync } from "../../run/reading.ts"
import { policyOutputs } from "./collect.ts"
import { sampleCategorical } from "./sample.ts"

/**
 * One whole episode per copy, time-major like `Rollout` (`t · N + i`) and padded: after a copy's
 * episode ended its steps are inactive (reward 0, not terminated, `active` 0).
 */
export interface EpisodeBatch {
  readonly numEnvs: number
  readonly steps: number
  readonly observations: Float32Array
  readonly actions: Int32Array
  readonly values: Float64Array
  readonly rewards: Float64Array
  readonly terminated: Uint8Array
  readonly truncated: Uint8Array
  readonly active: Uint8Array
  readonly episodes: ReadonlyArray<EpisodeEnd>
}

/**
 * Resets the episodic env (`autoReset = false`) and plays every copy to the end of one episode
 * with actions sampled from the policy. `maxSteps` bounds the rollout for envs without a time
 * limit; copies still running then are marked truncated on their last step.
 */
export const collectEpisodes = <S, P extends Readonly<Record<string, number>>>(
  env: VectorEnv<S, P>,
  policy: ActorCritic,
  rng: Rng,
  maxSteps: number
): EpisodeBatch => runSync(episodesOf(env, policy, rng, maxSteps))

/** `collectEpisodes` as a Reading (its policy reads awaited on a GPU). */
export function* episodesOf<S, P extends Readonly<Record<string, number>>>(
  env: VectorEnv<S, P>,
  policy: ActorCritic,
  rng: Rng,
  maxSteps: number
): Reading<EpisodeBatch> {
  if (env.autoReset) throw new Error("whole-episode rollouts need a VectorEnv with autoReset = false")
  const N = env.numEnvs
  const O = env.spec.observationSize
  const A = env.spec.actions
  const observations: Array<Float32Array> = []
  const actions: Array<number> = []
  const values: Array<number> = []
  const rewards: Array<number> = []
  const terminated: Array<number> = []
  const truncated: Array<number> = []
  const active: Array<number> = []
  const episodes: Array<EpisodeEnd> = []
  let obs = env.reset()
  const chosen = new Int32Array(N)
  let t = 0
  while (!env.allDone()) {
    if (t === maxSteps) {
      // Cut the copies still running: their last recorded step becomes a truncation.
      for (let i = 0; i < N; i++) if (active[(t - 1) * N + i] === 1 && terminated[(t - 1) * N + i] === 0) truncated[(t - 1) * N + i] = 1
      break
    }
    observations.push(obs)
    const out = yield* policyOutputs(policy, obs, N)
    for (let i = 0; i < N; i++) {
      chosen[i] = sampleCategorical(out.logProbs, i, A, rng)
      values.push(out.values[i]!)
    }
    actions.push(...chosen)
    const step = env.step(chosen)
    for (let i = 0; i < N; i++) {
      rewards.push(step.reward[i]!)
      terminated.push(step.terminated[i]!)
      truncated.push(step.truncated[i]!)
      active.push(step.active[i]!)
    }
    episodes.push(...step.episodes)
    obs = step.observation
    t++
  }
  const flat = new Float32Array(t * N * O)
  observations.forEach((o, s) => flat.set(o, s * N * O))
  return {
    numEnvs: N,
    steps: t,
    observations: flat,
    actions: Int32Array.from(actions),
    values: Float64Array.from(values),
    rewards: Float64Array.from(rewards),
    terminated: Uint8Array.from(terminated),
    truncated: Uint8Array.from(truncated),
    active: Uint8Array.from(active),
    episodes
  }
}
