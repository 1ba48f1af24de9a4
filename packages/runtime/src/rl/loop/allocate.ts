import { allocateRollouts, gradientSpread, type ProbeAnswer } from "../curesAllocation.ts"
import { groupRanges } from "../groupSizes.ts"
import { type Completions, generationOf, pickRows } from "./generate.ts"
import type { DrawBatch, SizedCompletions } from "./groups.ts"

/** CurES's allocation as lrs runs it: `min` probe answers per prompt, then up to `max` in all, `total` answers near. */
export interface Allocation {
  readonly min: number
  readonly max: number
  readonly total: number
}

/**
 * A probe answer as the allocation reads it: correct by the task's `correct` info, and `g` the norm
 * of its score with respect to the logits at every position, `sqrt(Σ_t ‖∇_logits log π(token_t)‖²)`
 * (the closed form OBLR-PO's baseline records per token; the paper's is over parameters).
 */
export const probeOf = (c: Completions, row: number): ProbeAnswer => ({
  correct: c.episodes[row]!.info["correct"] === 1,
  scoreNorm: Math.sqrt(c.scoreNorms[row]!.reduce((s, x) => s + x, 0))
})

/**
 * One batch with CurES's allocation: every prompt gets `min` probe answers, each prompt's σ_x is
 * computed from them (`gradientSpread`), and `allocateRollouts` says how many it has in all; the
 * rest are generated on the same prompts (`VectorEnv.extend`). The probes stay in their groups.
 * The paper allocates once per prompt of its dataset before training; lrs draws new prompts every
 * iteration, so it allocates every iteration.
 */
export const curesAllocation = (allocation: Allocation): DrawBatch =>
  function*(env, policy, rng, temperature, maxTokens) {
    const prompts = env.numEnvs / env.groupSize
    const probes = yield* generationOf(env, policy, rng, temperature, maxTokens, { sizes: new Array<number>(prompts).fill(allocation.min) })
    const spreads = groupRanges(probes.tokens.length, allocation.min, "probes").map(([start, end]) =>
      gradientSpread(Array.from({ length: end - start }, (_, j) => probeOf(probes, start + j)))
    )
    const sizes = allocateRollouts(spreads, allocation.total, allocation.min, allocation.max)
    if (sizes.every((n) => n === allocation.min)) return { ...probes, sizes }
    const extra = yield* generationOf(env, policy, rng, temperature, maxTokens, { sizes: sizes.map((n) => n - allocation.min), samePrompts: true })
    // Rows in copy order: each group's probes, then its extra answers.
    const picks = [...probes.copies.map((c, i) => ({ c, pick: [0, i] as const })), ...extra.copies.map((c, i) => ({ c, pick: [1, i] as const }))].sort((x, y) => x.c - y.c)
    return { ...pickRows([probes, extra], picks.map((x) => x.pick), policy.promptSize), sizes } satisfies SizedCompletions
  }

/** What a row shows of unequal groups: their mean, smallest and largest sizes. */
export const groupSizeColumns = (s: { readonly groupSizeMean: number; readonly groupSizeMin: number; readonly groupSizeMax: number }): Record<string, number> => ({
  group_size_mean: s.groupSizeMean,
  group_size_min: s.groupSizeMin,
  group_size_max: s.groupSizeMax
})

/** Each category's share of an iteration's answers (`n<k>`): where a curriculum and an allocation sent them. */
export const answerShares = (counts: ReadonlyArray<{ readonly all: number }>): Record<string, number> => {
  const answers = counts.reduce((n, c) => n + c.all, 0)
  return Object.fromEntries(counts.map((c, k) => [`n${k}`, c.all / answers]))
}
