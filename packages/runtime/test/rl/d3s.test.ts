import { describe, expect, it } from "@effect/vitest"
import { downSample, keepCount, maxVarianceSubset, topTokens } from "../../src/rl/d3s.ts"

describe("D3S down-sampling", () => {
  it("keeps ceil(ratio * n) items, at least one", () => {
    expect(keepCount(0.5, 8)).toBe(4)
    expect(keepCount(0.3, 10)).toBe(3)
    expect(keepCount(0.26, 8)).toBe(3)
    expect(keepCount(1e-6, 8)).toBe(1)
    expect(keepCount(1, 8)).toBe(8)
    expect(() => keepCount(0, 8)).toThrow(/\(0, 1\]/)
    expect(() => keepCount(1.5, 8)).toThrow(/\(0, 1\]/)
  })

  it("the max-variance subset takes the extremes: balanced for binary rewards", () => {
    // Three correct (1) and five wrong (0) answers, keep 4: two of each (variance 0.25). Sorted
    // descending in index order the ones are 1, 3, 6 and the zeros 0, 2, 4, 5, 7: the first two
    // ones and the last two zeros.
    expect(maxVarianceSubset([0, 1, 0, 1, 0, 0, 1, 0], 4)).toEqual([1, 3, 5, 7])
    // Keep 2 of [3, -1, 0.5, 2]: the largest and the smallest.
    expect(maxVarianceSubset([3, -1, 0.5, 2], 2)).toEqual([0, 1])
    // Keep 3 of [10, 0, 1, 2, 9]:
    // j=2: {10, 9, 0}, mean 19/3, var = ((11/3)^2 + (8/3)^2 + (19/3)^2) / 3 = 546/27 = 20.22;
    // j=1: {10, 0, 1}, mean 11/3, var = ((19/3)^2 + (11/3)^2 + (8/3)^2) / 3 = 546/27 as well: the first (j = 1) wins.
    expect(maxVarianceSubset([10, 0, 1, 2, 9], 3)).toEqual([0, 1, 2])
    // Keep 3 of [5, 4, 0, 4.5]: j=1 {5, 0, 4} var 4.67; j=2 {5, 4.5, 0} var 5.06 (largest).
    expect(maxVarianceSubset([5, 4, 0, 4.5], 3)).toEqual([0, 2, 3])
    // All equal: every subset has variance 0; the lowest indices (bottom of a stable order).
    expect(maxVarianceSubset([1, 1, 1, 1], 2)).toEqual([2, 3])
    expect(maxVarianceSubset([1, 2], 2)).toEqual([0, 1])
    expect(() => maxVarianceSubset([1, 2], 3)).toThrow(/cannot keep/)
  })

  it("keeps the tokens with the largest |A| * H, ties in index order", () => {
    expect(Array.from(topTokens([0.5, 2, 0, 2, 1], 3))).toEqual([0, 1, 0, 1, 1])
    expect(Array.from(topTokens([1, 1, 1], 2))).toEqual([1, 1, 0])
    expect(Array.from(topTokens([1, 1, 1], 0))).toEqual([0, 0, 0])
  })
})

describe("D3S on a batch", () => {
  it("keeps each group's max-variance answers, then the batch's top |A| * H tokens", () => {
    // Two groups of 4; keep 2 answers a group: group 0 keeps rows 0 (A = 1.5) and 3 (A = -1.5);
    // group 1 keeps rows 5 (A = 0.5) and 6 (A = -0.8).
    const advantages = [1.5, 0, 0.2, -1.5, 0.1, 0.5, -0.8, 0]
    const entropies = [[1, 0.2], [1], [1], [0.5, 0.5, 0.1], [1], [2, 1], [0.25], [1]]
    // Scores of the kept tokens: row 0: 1.5, 0.3; row 3: 0.75, 0.75, 0.15; row 5: 1, 0.5; row 6: 0.2.
    // Keep half of the 8 (4): 1.5 (row 0), 0.75, 0.75 (row 3), 1 (row 5); row 6 keeps none and goes.
    const d = downSample(advantages, entropies, 4, 0.5, 0.5)
    expect(d.rows).toEqual([0, 3, 5])
    expect(d.masks.map((m) => Array.from(m))).toEqual([[1, 0], [1, 1, 0], [1, 0]])
    // Ratios of 1 keep everything.
    const all = downSample(advantages, entropies, 4, 1, 1)
    expect(all.rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(all.masks.map((m) => m.length)).toEqual(entropies.map((e) => e.length))
    expect(all.masks.every((m) => m.every((x) => x === 1))).toBe(true)
  })
})
