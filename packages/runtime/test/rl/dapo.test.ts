import { describe, expect, it } from "@effect/vitest"
import { informativeGroups, overlongPenalty } from "../../src/rl/dapo.ts"

describe("DAPO", () => {
  it("dynamic sampling keeps the groups whose rewards differ, and every group of one", () => {
    expect(informativeGroups([1, 1, 1, 0, 1, 1, 0.2, 0.2, 0.2, 0, 0, 0.5], 3)).toEqual([false, true, false, true])
    expect(informativeGroups([0, 0, 0, 0], 4)).toEqual([false])
    expect(informativeGroups([0.3, 0.3], 1)).toEqual([true, true])
    expect(() => informativeGroups([1, 2, 3], 2)).toThrow(/groups of 2/)
  })

  it("the soft overlong punishment is 0 up to maxLength - cache, then falls linearly to -factor at maxLength", () => {
    // L_max = 8, cache 4: answers of up to 4 tokens are free; 5..8 lose 1/4 per token.
    expect([1, 4, 5, 6, 7, 8].map((n) => overlongPenalty(n, 8, 4))).toEqual([0, 0, -0.25, -0.5, -0.75, -1])
    // verl's penalty_factor scales it; TRL's -1 (here -factor) beyond L_max.
    expect(overlongPenalty(7, 8, 2, 0.5)).toBe(-0.25)
    expect(overlongPenalty(9, 8, 2, 0.5)).toBe(-0.5)
    // A cache as long as the cap penalises from the first token: ((8 - 8) - 2) / 8.
    expect(overlongPenalty(2, 8, 8)).toBe(-0.25)
    expect(() => overlongPenalty(2, 8, 0)).toThrow(/positive/)
  })
})
