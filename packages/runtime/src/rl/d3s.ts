/**
 * D³S, Dynamic Dual-Level Down-Sampling (arXiv 2509.22115): which answers and which tokens of a
 * GRPO batch enter the loss. The paper's rules as its abstract states them; its schedule form and
 * keep ratios could not be checked (research notes §3.4 [verify]), so the ratios are the user's
 * schedules here.
 */

import { type GroupSizes, groupRanges, slice } from "./groupSizes.ts"

/**
 * How many of `n` items a keep ratio in (0, 1] keeps: `ceil(ratio * n)` (a float's rounding error
 * above a whole number is not rounded up), so any positive ratio keeps at least one.
 */
export const keepCount = (ratio: number, n: number): number => {
  if (!(ratio > 0 && ratio <= 1)) throw new Error(`a keep ratio must be in (0, 1], got ${ratio}`)
  return Math.max(1, Math.min(n, Math.ceil(ratio * n - 1e-9)))
}

/**
 * The `m` of `values` whose (population) variance is largest, as indices in ascending order. The
 * max-variance subset of a fixed size is made of the j largest and the m - j smallest values for
 * some j (the PODS rule the notes give), so this scans j = 0..m over the values sorted descending
 * (ties in index order) and keeps the first j with the largest variance.
 */
export const maxVarianceSubset = (values: ArrayLike<number>, m: number): Array<number> => {
  const n = values.length
  if (!Number.isInteger(m) || m < 1 || m > n) throw new Error(`cannot keep ${m} of ${n} values`)
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b)
  let best = -1
  let bestJ = 0
  for (let j = 0; j <= m; j++) {
    const chosen = [...order.slice(0, j), ...order.slice(n - (m - j))]
    let mu = 0
    for (const i of chosen) mu += values[i]!
    mu /= m
    let v = 0
    for (const i of chosen) v += (values[i]! - mu) ** 2
    if (v > best + 1e-12) {
      best = v
      bestJ = j
    }
  }
  return [...order.slice(0, bestJ), ...order.slice(n - (m - bestJ))].sort((a, b) => a - b)
}

/**
 * The token level: of `scores` (one per token, `|A_i| * H_{i,t}`: the answer's advantage magnitude
 * times the policy's entropy at that token), the `count` largest, ties in index order. Returns a
 * 0/1 mask over the tokens.
 */
export const topTokens = (scores: ArrayLike<number>, count: number): Uint8Array => {
  const n = scores.length
  if (!Number.isInteger(count) || count < 0 || count > n) throw new Error(`cannot keep ${count} of ${n} tokens`)
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b)
  const mask = new Uint8Array(n)
  for (let k = 0; k < count; k++) mask[order[k]!] = 1
  return mask
}

/** The answers (row indices, ascending) and, per kept answer, the 0/1 mask of its tokens that enter the loss. */
export interface DownSampled {
  readonly rows: Array<number>
  readonly masks: Array<Uint8Array>
}

/**
 * Both levels on a batch laid out group after group (one size, or one per group): in each group of
 * `G` answers the `keepCount(sampleRatio, G)`
 * answers whose advantages have the largest variance (D³S-I, the intra-group variant; the group's
 * advantages are computed on all its answers first), then over the kept answers' tokens the
 * `keepCount(tokenRatio, n)` largest `|A_i| * H_{i,t}` across the whole batch. An answer left with
 * no token is dropped.
 */
export const downSample = (
  advantages: ArrayLike<number>,
  entropies: ReadonlyArray<ReadonlyArray<number>>,
  groupSize: GroupSizes,
  sampleRatio: number,
  tokenRatio: number
): DownSampled => {
  if (entropies.length !== advantages.length) throw new Error(`${advantages.length} advantages and ${entropies.length} answers do not make the same groups`)
  const chosen: Array<number> = []
  for (const range of groupRanges(advantages.length, groupSize, "advantages")) {
    const group = slice(advantages, range)
    for (const j of maxVarianceSubset(group, keepCount(sampleRatio, group.length))) chosen.push(range[0] + j)
  }
  const scores: Array<number> = []
  for (const r of chosen) for (const h of entropies[r]!) scores.push(Math.abs(advantages[r]!) * h)
  const mask = scores.length === 0 ? new Uint8Array(0) : topTokens(scores, keepCount(tokenRatio, scores.length))
  const rows: Array<number> = []
  const masks: Array<Uint8Array> = []
  let at = 0
  for (const r of chosen) {
    const own = mask.slice(at, at + entropies[r]!.length)
    at += entropies[r]!.length
    if (own.some((x) => x === 1)) {
      rows.push(r)
      masks.push(own)
    }
  }
  return { rows, masks }
}
