import * as tf from "@tensorflow/tfjs"
import type { Rng } from "../../data/random.ts"
import type { EpisodeEnd } from "../env/env.ts"
import type { VectorEnv } from "../env/vector.ts"
import type { SequencePolicy } from "../policy/sequence.ts"
import { read, type Reading, runSync } from "../../run/reading.ts"
import { logitScoreNorm } from "../oblr.ts"
import { rowEntropy, sampleCategorical } from "./sample.ts"

/** One answer per copy, as emitted, with what the sampler saw. */
export interface Completions {
  /** Prompt features of each copy, `[N, promptSize]` (the first `promptSize` entries of its first observation). */
  readonly prompts: Float32Array
  /** Tokens of each copy's answer, in order. */
  readonly tokens: ReadonlyArray<ReadonlyArray<number>>
  /** log π_old of each emitted token (of the temperature-scaled distribution). */
  readonly logProbs: ReadonlyArray<ReadonlyArray<number>>
  /** Entropy of the sampling distribution at each emitted token. */
  readonly entropies: ReadonlyArray<ReadonlyArray<number>>
  /** ‖∇_logits log π(token)‖² at each emitted token (OBLR-PO's baseline weights). */
  readonly scoreNorms: ReadonlyArray<ReadonlyArray<number>>
  /** The episode return of each copy. */
  readonly rewards: Float64Array
  /** The finished episodes, one per copy, ordered by copy. */
  readonly episodes: ReadonlyArray<EpisodeEnd>
}

/**
 * Resets the episodic token env and decodes one answer per copy: the prompt sets the GRU's state,
 * then each step feeds the previous token and samples the next from `softmax(logits / temperature)`
 * (stream `rng`, one draw per copy still answering, in copy order). Copies that finished get a
 * dummy action the env ignores. Fails if an answer runs past `maxTokens`.
 */
export const generate = <S, P extends Readonly<Record<string, number>>>(
  env: VectorEnv<S, P>,
  policy: SequencePolicy,
  rng: Rng,
  temperature: number,
  maxTokens: number
): Completions => runSync(generationOf(env, policy, rng, temperature, maxTokens))

/** `generate` as a Reading (each token's distribution awaited on a GPU). */
export function* generationOf<S, P extends Readonly<Record<string, number>>>(
  env: VectorEnv<S, P>,
  policy: SequencePolicy,
  rng: Rng,
  temperature: number,
  maxTokens: number
): Reading<Completions> {
  if (env.autoReset) throw new Error("generation needs a VectorEnv with autoReset = false")
  if (env.spec.actions !== policy.vocab) throw new Error(`policy emits ${policy.vocab} tokens, env ${env.spec.id} takes ${env.spec.actions}`)
  if (!(temperature > 0)) throw new Error(`temperature must be positive, got ${temperature}`)
  const N = env.numEnvs
  const O = env.spec.observationSize
  const V = policy.vocab
  const obs = env.reset()
  const prompts = new Float32Array(N * policy.promptSize)
  for (let i = 0; i < N; i++) prompts.set(obs.subarray(i * O, i * O + policy.promptSize), i * policy.promptSize)
  const tokens = Array.from({ length: N }, () => [] as Array<number>)
  const emitted = Array.from({ length: N }, () => [] as Array<number>)
  const entropies = Array.from({ length: N }, () => [] as Array<number>)
  const scoreNorms = Array.from({ length: N }, () => [] as Array<number>)
  const rewards = new Float64Array(N)
  const episodes: Array<EpisodeEnd | undefined> = new Array(N)
  const done = new Uint8Array(N)
  const chosen = new Int32Array(N).fill(policy.bos)
  let state = tf.tidy(() => policy.initial(tf.tensor2d(prompts, [N, policy.promptSize])))
  try {
    for (let t = 0; !env.allDone(); t++) {
      if (t === maxTokens) throw new Error(`an answer ran past ${maxTokens} tokens`)
      const next = tf.tidy(() => {
        const s = policy.step(state, tf.tensor1d(chosen, "int32"))
        const scaled = temperature === 1 ? s.logits : tf.div(s.logits, temperature)
        return { state: s.state, logProbs: tf.logSoftmax(scaled) }
      })
      state.dispose()
      state = next.state
      let logProbs: Float32Array
      try {
        logProbs = ((yield* read(next.logProbs))[0] as Float32Array).slice()
      } finally {
        next.logProbs.dispose()
      }
      for (let i = 0; i < N; i++) {
        if (done[i]) {
          chosen[i] = 0
          continue
        }
        const a = sampleCategorical(logProbs, i, V, rng)
        chosen[i] = a
        tokens[i]!.push(a)
        emitted[i]!.push(logProbs[i * V + a]!)
        entropies[i]!.push(rowEntropy(logProbs, i, V))
        scoreNorms[i]!.push(logitScoreNorm(logProbs, i, V, a))
      }
      const step = env.step(chosen)
      for (const e of step.episodes) {
        done[e.env] = 1
        rewards[e.env] = e.return
        episodes[e.env] = e
      }
    }
  } finally {
    state.dispose()
  }
  return { prompts, tokens, logProbs: emitted, entropies, scoreNorms, rewards, episodes: episodes as Array<EpisodeEnd> }
}
