import type { Rng } from "../../data/random.ts"
import { informativeGroups } from "../dapo.ts"
import { groupRanges } from "../groupSizes.ts"
import type { EpisodeEnd } from "../env/env.ts"
import type { VectorEnv } from "../env/vector.ts"
import type { SequencePolicy } from "../policy/sequence.ts"
import { type Reading, runSync } from "../../run/reading.ts"
import { type Completions, generationOf, pickRows } from "./generate.ts"

/** A generated batch whose rows lie group after group, each group its own size. */
export interface SizedCompletions extends Completions {
  readonly sizes: ReadonlyArray<number>
}

/** How one batch is generated (CurES's allocation, `allocate.ts`, is one way). */
export type DrawBatch = <S, P extends Readonly<Record<string, number>>>(
  env: VectorEnv<S, P>,
  policy: SequencePolicy,
  rng: Rng,
  temperature: number,
  maxTokens: number
) => Reading<SizedCompletions>

/** `size` answers to each group's new prompt (the env's group, its capacity, at most). */
export const fixedGroups = (size: number): DrawBatch =>
  function*(env, policy, rng, temperature, maxTokens) {
    const sizes = new Array<number>(env.numEnvs / env.groupSize).fill(size)
    return { ...(yield* generationOf(env, policy, rng, temperature, maxTokens, size === env.groupSize ? undefined : { sizes })), sizes }
  }

export interface GroupSampling {
  /** DAPO's dynamic sampling: drop the groups whose rewards are all equal. */
  readonly filter: boolean
  /** Batches generated at most to fill the kept groups (DAPO's `max_num_gen_batches`); 1 without the filter. */
  readonly maxGenerations: number
  /** Added to each answer's reward, from its token count (DAPO's overlong punishment). */
  readonly shape?: (length: number) => number
  /** How each batch is generated; default every copy, `groupSize` answers to each prompt. */
  readonly draw?: DrawBatch
}

/** One generated batch as it came, rewards shaped. */
export interface Generation {
  readonly rewards: Float64Array
  /** Its groups' sizes, in order. */
  readonly sizes: ReadonlyArray<number>
  readonly episodes: ReadonlyArray<EpisodeEnd>
  /** Mean of the shaping terms over its answers (0 without shaping). */
  readonly shaping: number
}

/** The answers an iteration learns from, group after group, and what generating them cost. */
export interface GroupBatch extends Omit<Completions, "copies" | "rewards" | "episodes"> {
  /** Shaped rewards of the kept answers. */
  readonly rewards: Float64Array
  /** The episodes of the kept answers, in row order. */
  readonly episodes: ReadonlyArray<EpisodeEnd>
  /** The kept groups' sizes, in row order. */
  readonly sizes: ReadonlyArray<number>
  /** Every batch generated, in order. */
  readonly generations: ReadonlyArray<Generation>
  /** Groups dropped for equal rewards, over every batch generated (kept ones past a full batch are not counted). */
  readonly dropped: number
  /** Tokens generated and the sum of their sampling entropies, over every batch. */
  readonly generatedTokens: number
  readonly entropySum: number
}

/**
 * Generates batches of answers (by default `numEnvs`, in groups of `groupSize` sharing a prompt; `draw`
 * may make groups smaller or of unequal sizes) and keeps their
 * groups, dropping the zero-variance ones when `filter` is set, until the kept groups fill one batch
 * or `maxGenerations` batches were made (DAPO's dynamic sampling as verl runs it: generate, filter,
 * generate again while short, then cut to the batch size in generation order). verl raises an error
 * when the bound is reached short of a full batch; this trains on the groups it has.
 */
export const sampleGroups = <S, P extends Readonly<Record<string, number>>>(
  env: VectorEnv<S, P>,
  policy: SequencePolicy,
  rng: Rng,
  temperature: number,
  maxTokens: number,
  sampling: GroupSampling
): GroupBatch => runSync(groupsOf(env, policy, rng, temperature, maxTokens, sampling))

/** `sampleGroups` as a Reading (generation's reads awaited on a GPU). */
export function* groupsOf<S, P extends Readonly<Record<string, number>>>(
  env: VectorEnv<S, P>,
  policy: SequencePolicy,
  rng: Rng,
  temperature: number,
  maxTokens: number,
  sampling: GroupSampling
): Reading<GroupBatch> {
  const room = env.numEnvs / env.groupSize
  const draw = sampling.draw ?? fixedGroups(env.groupSize)
  const sizes: Array<number> = []
  const parts: Array<Completions> = []
  const picks: Array<readonly [number, number]> = []
  const generations: Array<Generation> = []
  let kept = 0
  let dropped = 0
  let generated = 0
  let entropySum = 0
  while (kept < room && generations.length < sampling.maxGenerations) {
    const c = yield* draw(env, policy, rng, temperature, maxTokens)
    const shaping = c.tokens.map((t) => (sampling.shape === undefined ? 0 : sampling.shape(t.length)))
    const shaped = Float64Array.from(c.rewards, (r, i) => r + shaping[i]!)
    generations.push({ rewards: shaped, sizes: c.sizes, episodes: c.episodes, shaping: shaping.reduce((a, b) => a + b, 0) / shaping.length })
    parts.push({ ...c, rewards: shaped })
    for (const [i, t] of c.tokens.entries()) {
      generated += t.length
      for (const h of c.entropies[i]!) entropySum += h
    }
    const ranges = groupRanges(shaped.length, c.sizes)
    const informative = sampling.filter ? informativeGroups(shaped, c.sizes) : ranges.map(() => true)
    for (const [g, keep] of informative.entries()) {
      if (!keep) {
        dropped++
        continue
      }
      if (kept === room) continue
      kept++
      sizes.push(c.sizes[g]!)
      for (let i = ranges[g]![0]; i < ranges[g]![1]; i++) picks.push([parts.length - 1, i])
    }
  }
  const { copies: _, ...rows } = pickRows(parts, picks, policy.promptSize)
  return { ...rows, sizes, generations, dropped, generatedTokens: generated, entropySum }
}
