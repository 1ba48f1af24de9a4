import { describe, expect, it } from "@effect/vitest"
import { lengthAdvantages } from "../../src/rl/adora.ts"
import { downSample } from "../../src/rl/d3s.ts"
import { informativeGroups } from "../../src/rl/dapo.ts"
import { groupAdvantages } from "../../src/rl/grpo.ts"
import { groupOfRows, groupRanges } from "../../src/rl/groupSizes.ts"
import { baselineAdvantages, weightedBaselines } from "../../src/rl/oblr.ts"

/** Sample std (Bessel), as GRPO's scaling uses it. */
const sampleStd = (xs: ReadonlyArray<number>) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1))
}

describe("groups of unequal sizes", () => {
  it("split a batch into ranges by one size or one size per group, and refuse sizes that do not cover it", () => {
    expect(groupRanges(6, 3)).toEqual([[0, 3], [3, 6]])
    expect(groupRanges(6, [2, 4])).toEqual([[0, 2], [2, 6]])
    expect(Array.from(groupOfRows(5, [3, 2]))).toEqual([0, 0, 0, 1, 1])
    expect(() => groupRanges(5, [2, 2])).toThrow(/groups of 2, 2 \(4 in all\)/)
    expect(() => groupRanges(4, [4, 0])).toThrow(/groups of 4, 0/)
    expect(() => groupRanges(5, 2)).toThrow(/groups of 2/)
  })

  it("centre and scale each group on its own answers (GRPO's advantages by hand)", () => {
    // A group of 2 (one right, one wrong) and a group of 4 (one right of four).
    const rewards = [1, 0, 1, 0, 0, 0]
    const a = groupAdvantages(rewards, [2, 4], "none")
    expect(Array.from(a)).toEqual([0.5, -0.5, 0.75, -0.25, -0.25, -0.25])
    const g = groupAdvantages(rewards, [2, 4], "group")
    const s2 = sampleStd([1, 0])
    const s4 = sampleStd([1, 0, 0, 0])
    ;[0.5 / (s2 + 1e-4), -0.5 / (s2 + 1e-4), 0.75 / (s4 + 1e-4), -0.25 / (s4 + 1e-4), -0.25 / (s4 + 1e-4), -0.25 / (s4 + 1e-4)].forEach((x, i) => expect(g[i]).toBeCloseTo(x, 12))
    // One size for all is the same as that size per group.
    expect(Array.from(groupAdvantages(rewards, [3, 3]))).toEqual(Array.from(groupAdvantages(rewards, 3)))
  })

  it("DAPO's filter, OBLR-PO's baseline, ADORA and D3S read each group at its own size", () => {
    // Groups of 3, 2 and 1: equal rewards, different ones, a single answer (kept, as verl keeps it).
    expect(informativeGroups([1, 1, 1, 0, 1, 0], [3, 2, 1])).toEqual([false, true, true])
    // Baselines: Σ w r / Σ w per group; the group of 3 has weights 1, 1, 2 -> (1 + 0 + 2) / 4.
    const rewards = [1, 0, 1, 1, 0]
    const weights = [1, 1, 2, 3, 1]
    expect(weightedBaselines(rewards, weights, [3, 2])).toEqual([0.75, 0.75])
    expect(Array.from(baselineAdvantages(rewards, weights, [3, 2], "none"))).toEqual([0.25, -0.75, 0.25, 0.25, -0.75])
    // ADORA: the group of 3's longest correct answer (5) beats its mean wrong one (4); the group of 2's (2) does not beat 6.
    const answer = (correct: boolean, length: number) => ({ correct, truncated: false, length })
    expect(lengthAdvantages([answer(true, 5), answer(false, 4), answer(false, 4), answer(false, 6), answer(true, 2)], [3, 2])).toEqual([true, false])
    // D3S keeps ceil(0.5 * n) answers of each group: the extremes 2 and -2 of the 4, and 1 of the 2
    // (one answer has no spread; the scan's first subset, the lowest value, wins the tie).
    const kept = downSample([2, -1, 0.1, -2, 1, -1], [[1], [1], [1], [1], [1], [1]], [4, 2], 0.5, 1)
    expect(kept.rows).toEqual([0, 3, 5])
  })
})
