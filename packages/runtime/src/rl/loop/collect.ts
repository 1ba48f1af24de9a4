import * as tf from "@tensorflow/tfjs"
import type { Rng } from "../../data/random.ts"
import type { EpisodeEnd } from "../env/env.ts"
import type { VectorEnv } from "../env/vector.ts"
import type { ActorCritic } from "../policy/actorCritic.ts"
import { read, type Reading, runSync } from "../../run/reading.ts"
import { sampleCategorical } from "./sample.ts"

/** Log-probabilities `[rows, actions]` and values `[rows]` of observations, read back as numbers. */
export function* policyOutputs(policy: ActorCritic, observations: Float32Array, rows: number): Reading<{ readonly logProbs: Float32Array; readonly values: Float32Array }> {
  const tensors = tf.tidy(() => {
    const { logits, values } = policy.forward(tf.tensor2d(observations, [rows, policy.observationSize]))
    return [tf.logSoftmax(logits), values]
  })
  try {
    const [logProbs, values] = yield* read(...tensors)
    return { logProbs: (logProbs as Float32Array).slice(), values: (values as Float32Array).slice() }
  } finally {
    tf.dispose(tensors)
  }
}

/** `policyOutputs` read synchronously (cpu, wasm). */
export const evaluatePolicy = (policy: ActorCritic, observations: Float32Array, rows: number): { readonly logProbs: Float32Array; readonly values: Float32Array } =>
  runSync(policyOutputs(policy, observations, rows))

/** T steps of N copies, time-major (`t · N + i`), as `gae` and `ppoLoss` read them. */
export interface Rollout {
  readonly numEnvs: number
  readonly steps: number
  /** `[T·N, observationSize]`: what each action was chosen from. */
  readonly observations: Float32Array
  readonly actions: Int32Array
  /** log π_old of each action taken. */
  readonly logProbs: Float64Array
  /** V_old of each observation. */
  readonly values: Float64Array
  readonly rewards: Float64Array
  readonly terminated: Uint8Array
  readonly truncated: Uint8Array
  /** V of the final observation where a step was truncated and not terminated (0 elsewhere). */
  readonly finalValues: Float64Array
  /** V of the observation after the last step, per copy. */
  readonly lastValues: Float64Array
  readonly episodes: ReadonlyArray<EpisodeEnd>
}

/**
 * Runs the auto-resetting env for `steps` steps with actions sampled from the policy (stream
 * `rng`), continuing from wherever the previous rollout stopped (CleanRL's `next_obs`). Values of
 * truncated final observations are computed only if `bootstrapTruncated` (SB3's convention needs
 * them; CleanRL's does not).
 */
export const collectRollout = <S, P extends Readonly<Record<string, number>>>(
  env: VectorEnv<S, P>,
  policy: ActorCritic,
  steps: number,
  rng: Rng,
  bootstrapTruncated: boolean
): Rollout => runSync(rolloutOf(env, policy, steps, rng, bootstrapTruncated))

/** `collectRollout` as a Reading (its policy reads awaited on a GPU). */
export function* rolloutOf<S, P extends Readonly<Record<string, number>>>(
  env: VectorEnv<S, P>,
  policy: ActorCritic,
  steps: number,
  rng: Rng,
  bootstrapTruncated: boolean
): Reading<Rollout> {
  if (!env.autoReset) throw new Error("a continuing rollout needs an auto-resetting VectorEnv")
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`rollout steps must be a positive integer, got ${steps}`)
  const N = env.numEnvs
  const O = env.spec.observationSize
  const A = env.spec.actions
  if (policy.observationSize !== O || policy.actions !== A) throw new Error(`policy is ${policy.observationSize} -> ${policy.actions}, env ${env.spec.id} is ${O} -> ${A}`)
  const size = steps * N
  const observations = new Float32Array(size * O)
  const actions = new Int32Array(size)
  const logProbs = new Float64Array(size)
  const values = new Float64Array(size)
  const rewards = new Float64Array(size)
  const terminated = new Uint8Array(size)
  const truncated = new Uint8Array(size)
  const finalValues = new Float64Array(size)
  const episodes: Array<EpisodeEnd> = []
  let obs = env.observation()
  const chosen = new Int32Array(N)
  for (let t = 0; t < steps; t++) {
    observations.set(obs, t * N * O)
    const out = yield* policyOutputs(policy, obs, N)
    for (let i = 0; i < N; i++) {
      const a = sampleCategorical(out.logProbs, i, A, rng)
      chosen[i] = a
      const k = t * N + i
      actions[k] = a
      logProbs[k] = out.logProbs[i * A + a]!
      values[k] = out.values[i]!
    }
    const step = env.step(chosen)
    const cut: Array<number> = []
    for (let i = 0; i < N; i++) {
      const k = t * N + i
      rewards[k] = step.reward[i]!
      terminated[k] = step.terminated[i]!
      truncated[k] = step.truncated[i]!
      if (step.truncated[i] && !step.terminated[i]) cut.push(i)
    }
    if (bootstrapTruncated && cut.length > 0) {
      const finals = new Float32Array(cut.length * O)
      cut.forEach((i, j) => finals.set(step.finalObservation.subarray(i * O, (i + 1) * O), j * O))
      const v = (yield* policyOutputs(policy, finals, cut.length)).values
      cut.forEach((i, j) => (finalValues[t * N + i] = v[j]!))
    }
    episodes.push(...step.episodes)
    obs = step.observation
  }
  const lastValues = Float64Array.from((yield* policyOutputs(policy, obs, N)).values)
  return { numEnvs: N, steps, observations, actions, logProbs, values, rewards, terminated, truncated, finalValues, lastValues, episodes }
}
