import * as tf from "@tensorflow/tfjs"
import type { Rng } from "../../data/random.ts"
import type { EpisodeEnd } from "../env/env.ts"
import type { VectorEnv } from "../env/vector.ts"
import type { SequencePolicy } from "../policy/sequence.ts"
import { read, type Reading, runSync } from "../../run/reading.ts"
import { logitScoreNorm } from "../oblr.ts"
import { rowEntropy, sampleCategorical } from "./sample.ts"

/** One answer per copy started, as emitted, with what the sampler saw; rows in copy order. */
export interface Completions {
  /** The copy each row answered in. */
  readonly copies: ReadonlyArray<number>
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
  /** The step features fed at each emitted token, `[tokens × policy.features]` per copy (empty when the policy has none). */
  readonly features: ReadonlyArray<Float32Array>
  /** The episode return of each copy. */
  readonly rewards: Float64Array
  /** The finished episodes, one per copy, ordered by copy. */
  readonly episodes: ReadonlyArray<EpisodeEnd>
}

/**
 * The rows `picks` of one or more generations, in that order: `[part, row]` pairs over `parts`
 * (how dynamic sampling keeps groups and CurES's allocation merges probes with extra answers).
 * `promptSize` is the width of a row's prompt features.
 */
export const pickRows = (parts: ReadonlyArray<Completions>, picks: ReadonlyArray<readonly [number, number]>, promptSize: number): Completions => {
  const prompts = new Float32Array(picks.length * promptSize)
  picks.forEach(([p, i], r) => prompts.set(parts[p]!.prompts.subarray(i * promptSize, (i + 1) * promptSize), r * promptSize))
  const field = <K extends "copies" | "tokens" | "logProbs" | "entropies" | "scoreNorms" | "features" | "episodes">(key: K): Array<Completions[K][number]> =>
    picks.map(([p, i]) => parts[p]![key][i]!)
  return {
    copies: field("copies"),
    prompts,
    tokens: field("tokens"),
    logProbs: field("logProbs"),
    entropies: field("entropies"),
    scoreNorms: field("scoreNorms"),
    features: field("features"),
    rewards: Float64Array.from(picks, ([p, i]) => parts[p]!.rewards[i]!),
    episodes: field("episodes")
  }
}

/**
 * Which copies a generation starts: `sizes` answers to each group's new prompt (default the whole
 * group), or with `samePrompts` that many more answers to the prompts of the last reset (`VectorEnv.extend`).
 */
export interface GenerationStart {
  readonly sizes: ReadonlyArray<number>
  readonly samePrompts?: boolean
}

/**
 * Resets the episodic token env and decodes one answer per copy started: the prompt sets the GRU's state,
 * then each step feeds the previous token and samples the next from `softmax(logits / temperature)`
 * (stream `rng`, one draw per copy still answering, in copy order). Copies that finished get a
 * dummy action the env ignores; copies not started are not decoded. Fails if an answer runs past `maxTokens`.
 */
export const generate = <S, P extends Readonly<Record<string, number>>>(
  env: VectorEnv<S, P>,
  policy: SequencePolicy,
  rng: Rng,
  temperature: number,
  maxTokens: number,
  start?: GenerationStart
): Completions => runSync(generationOf(env, policy, rng, temperature, maxTokens, start))

/** `generate` as a Reading (each token's distribution awaited on a GPU). */
export function* generationOf<S, P extends Readonly<Record<string, number>>>(
  env: VectorEnv<S, P>,
  policy: SequencePolicy,
  rng: Rng,
  temperature: number,
  maxTokens: number,
  start?: GenerationStart
): Reading<Completions> {
  if (env.autoReset) throw new Error("generation needs a VectorEnv with autoReset = false")
  if (env.spec.actions !== policy.vocab) throw new Error(`policy emits ${policy.vocab} tokens, env ${env.spec.id} takes ${env.spec.actions}`)
  if (!(temperature > 0)) throw new Error(`temperature must be positive, got ${temperature}`)
  const F = env.spec.stepFeatures ?? 0
  if (F !== policy.features) throw new Error(`policy reads ${policy.features} step features, env ${env.spec.id} gives ${F}`)
  const O = env.spec.observationSize
  const V = policy.vocab
  let obs = start === undefined ? env.reset() : start.samePrompts === true ? env.extend(start.sizes) : env.reset(start.sizes)
  // Rows are the copies started (all of them without `start`); the env still takes an action per copy.
  const copies = env.running()
  const N = copies.length
  const rowOf = new Map(copies.map((c, i) => [c, i]))
  const actions = new Int32Array(env.numEnvs)
  const prompts = new Float32Array(N * policy.promptSize)
  copies.forEach((c, i) => prompts.set(obs.subarray(c * O, c * O + policy.promptSize), i * policy.promptSize))
  const tokens = Array.from({ length: N }, () => [] as Array<number>)
  const emitted = Array.from({ length: N }, () => [] as Array<number>)
  const entropies = Array.from({ length: N }, () => [] as Array<number>)
  const scoreNorms = Array.from({ length: N }, () => [] as Array<number>)
  const fed = Array.from({ length: N }, () => [] as Array<number>)
  // Each copy's step features: the last F entries of the observation its next token is drawn from.
  const stepFeatures = new Float32Array(N * F)
  const rewards = new Float64Array(N)
  const episodes: Array<EpisodeEnd | undefined> = new Array(N)
  const done = new Uint8Array(N)
  const chosen = new Int32Array(N).fill(policy.bos)
  let state = tf.tidy(() => policy.initial(tf.tensor2d(prompts, [N, policy.promptSize])))
  try {
    for (let t = 0; !env.allDone(); t++) {
      if (t === maxTokens) throw new Error(`an answer ran past ${maxTokens} tokens`)
      for (let i = 0; i < N && F > 0; i++) stepFeatures.set(obs.subarray((copies[i]! + 1) * O - F, (copies[i]! + 1) * O), i * F)
      const next = tf.tidy(() => {
        const s = policy.step(state, tf.tensor1d(chosen, "int32"), F === 0 ? undefined : tf.tensor2d(stepFeatures, [N, F]))
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
        for (let k = 0; k < F; k++) fed[i]!.push(stepFeatures[i * F + k]!)
      }
      copies.forEach((c, i) => (actions[c] = chosen[i]!))
      const step = env.step(actions)
      obs = step.observation
      for (const e of step.episodes) {
        const i = rowOf.get(e.env)!
        done[i] = 1
        rewards[i] = e.return
        episodes[i] = e
      }
    }
  } finally {
    state.dispose()
  }
  return { copies, prompts, tokens, logProbs: emitted, entropies, scoreNorms, features: fed.map((f) => Float32Array.from(f)), rewards, episodes: episodes as Array<EpisodeEnd> }
}
