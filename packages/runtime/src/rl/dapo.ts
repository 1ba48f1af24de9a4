import { type GroupSizes, groupRanges } from "./groupSizes.ts"

/**
 * DAPO's two batch-side controls (Yu et al. 2025), as verl's DAPO recipe and TRL ship them.
 */

/**
 * Which groups carry a learning signal: a group whose rewards are all equal has zero advantage
 * under every GRPO scaling, so DAPO's dynamic sampling drops it (verl `filter_groups`: keeps a group
 * when the std of its metric is > 0, or when it has a single answer). Rewards are laid out group
 * after group, `groupSize` each (or one size per group).
 */
export const informativeGroups = (rewards: ArrayLike<number>, groupSize: GroupSizes): Array<boolean> =>
  groupRanges(rewards.length, groupSize).map(([start, end]) => {
    let varies = end - start === 1
    for (let j = start + 1; j < end && !varies; j++) varies = rewards[j] !== rewards[start]
    return varies
  })

/**
 * DAPO's soft overlong punishment (its Eq. 13; TRL `get_soft_overlong_punishment`, verl
 * `overlong_buffer` with `penalty_factor`), added to an answer's reward:
 * 0 while `length <= maxLength - cache`, then falling linearly to `-factor` at `maxLength`:
 * `factor * ((maxLength - cache) - length) / cache`; `-factor` beyond `maxLength` (TRL's -1; verl's
 * formula would keep falling, but a capped answer never gets there).
 */
export const overlongPenalty = (length: number, maxLength: number, cache: number, factor = 1): number => {
  if (!(cache > 0)) throw new Error(`the overlong cache must be positive, got ${cache}`)
  if (length > maxLength) return -factor
  const start = maxLength - cache
  return length <= start ? 0 : (factor * (start - length)) / cache
}
