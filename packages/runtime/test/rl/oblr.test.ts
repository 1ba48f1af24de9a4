import { describe, expect, it } from "@effect/vitest"
import { groupAdvantages } from "../../src/rl/grpo.ts"
import { baselineAdvantages, logitScoreNorm, weightedBaselines } from "../../src/rl/oblr.ts"

describe("OBLR-PO's gradient-weighted baseline", () => {
  it("the score's squared norm w.r.t. the logits is 1 - 2 p_a + sum p^2", () => {
    // Two rows of 3 tokens: [0.5, 0.25, 0.25] and [0.1, 0.6, 0.3].
    const lp = [0.5, 0.25, 0.25, 0.1, 0.6, 0.3].map(Math.log)
    // Row 0, token 0: ||(1, 0, 0) - (0.5, 0.25, 0.25)||^2 = 0.25 + 0.0625 + 0.0625 = 0.375.
    expect(logitScoreNorm(lp, 0, 3, 0)).toBeCloseTo(0.375, 12)
    // Row 1, token 2: (0.1)^2 + (0.6)^2 + (0.7)^2 = 0.86.
    expect(logitScoreNorm(lp, 1, 3, 2)).toBeCloseTo(0.86, 12)
  })

  it("b = sum w r / sum w per group; advantages centre on it", () => {
    // Group 0: rewards [1, 0, 0, 1], weights [3, 1, 1, 1]: b = 4 / 6. Group 1: all weights 0, the mean 0.5.
    const rewards = [1, 0, 0, 1, 1, 0, 1, 0]
    const weights = [3, 1, 1, 1, 0, 0, 0, 0]
    expect(weightedBaselines(rewards, weights, 4)).toEqual([4 / 6, 0.5])
    const none = baselineAdvantages(rewards, weights, 4, "none")
    expect(Array.from(none.slice(0, 4))).toEqual([1 - 4 / 6, -4 / 6, -4 / 6, 1 - 4 / 6])
    // Group std (Bessel) of [1, 0, 0, 1] is sqrt(1/3); eps 1e-4 as TRL.
    const scaled = baselineAdvantages(rewards, weights, 4, "group")
    expect(scaled[1]).toBeCloseTo(-4 / 6 / (Math.sqrt(1 / 3) + 1e-4), 12)
    // Equal weights: exactly GRPO's group advantages.
    const ones = rewards.map(() => 1)
    for (const scale of ["group", "batch", "none"] as const) {
      Array.from(baselineAdvantages(rewards, ones, 4, scale)).forEach((a, i) => expect(a).toBeCloseTo(groupAdvantages(rewards, 4, scale)[i]!, 12))
    }
    expect(() => weightedBaselines([1, 2], [1], 2)).toThrow(/groups of 2/)
  })
})
