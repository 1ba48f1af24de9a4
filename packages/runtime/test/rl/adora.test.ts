import { describe, expect, it } from "@effect/vitest"
import { adoraWeights } from "../../src/rl/adora.ts"

const a = (correct: boolean, length: number, truncated = false) => ({ correct, length, truncated })

describe("ADORA's length advantage", () => {
  it("weights a group by lambda unless its longest correct answer beats the mean wrong, untruncated length", () => {
    const weights = adoraWeights([
      // longest correct 5 > mean wrong (3 + 5) / 2 = 4: advantage, weight 1.
      a(true, 5), a(true, 2), a(false, 3), a(false, 5),
      // longest correct 4 = mean wrong 4: no advantage.
      a(true, 4), a(false, 4), a(false, 4), a(true, 3),
      // The truncated wrong answer (length 8) does not count: mean wrong 2 < 3.
      a(true, 3), a(false, 2), a(false, 8, true), a(false, 2),
      // No correct answer: -inf is not greater than anything.
      a(false, 2), a(false, 3), a(false, 3), a(false, 8, true),
      // No wrong, untruncated answer: anything beats -inf.
      a(true, 2), a(true, 2), a(false, 8, true), a(true, 3),
      // Neither: -inf > -inf is false.
      a(false, 8, true), a(false, 8, true), a(false, 8, true), a(false, 8, true)
    ], 4, 0.1)
    expect(weights).toEqual([1, 0.1, 1, 0.1, 1, 0.1])
    expect(() => adoraWeights([a(true, 1)], 2, 0.1)).toThrow(/groups of 2/)
  })
})
