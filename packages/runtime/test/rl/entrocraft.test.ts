import { describe, expect, it } from "@effect/vitest"
import { bandAdvantages, bandSide, entropicAdvantages, entropicAlpha } from "../../src/rl/entrocraft.ts"

describe("Entrocraft's entropy band (grpo_range_linear)", () => {
  it("says which side of [low, high] the batch's entropy is on, the edges inside", () => {
    const band = { low: 0.4, high: 0.5 }
    expect([0.39, 0.4, 0.45, 0.5, 0.51].map((h) => bandSide(h, band))).toEqual([-1, 0, 0, 0, 1])
  })

  it("keeps GRPO's advantages inside the band and the verifier's one-sided +-1 outside it", () => {
    // Group 1 mixed (advantages from its rewards), group 2 all wrong, group 3 all right: GRPO gives both 0.
    const advantages = [0.87, -0.87, 0, 0, 0, 0]
    const correct = [true, false, false, false, true, true]
    expect([...bandAdvantages(advantages, correct, 0)]).toEqual(advantages)
    // Above: every right answer +1 (RAFT++), the all-right group's included; the wrong ones 0.
    expect([...bandAdvantages(advantages, correct, 1)]).toEqual([1, 0, 0, 0, 1, 1])
    // Below: every wrong answer -1 (negative sample reinforcement), the all-wrong group's included.
    expect([...bandAdvantages(advantages, correct, -1)]).toEqual([0, -1, -1, -1, 0, 0])
    expect(() => bandAdvantages(advantages, correct.slice(1), 1)).toThrow(/5 outcomes for 6/)
  })
})

describe("Entrocraft's entropic controller", () => {
  it("moves alpha by the entropy minus the target, clipped to [-1, 1]", () => {
    // Entropy 0.2 nats above the target: alpha rises by 0.2; below it, falls.
    expect(entropicAlpha(0, 0.85, 0.65)).toBeCloseTo(0.2, 15)
    expect(entropicAlpha(0.2, 0.55, 0.65)).toBeCloseTo(0.1, 15)
    expect(entropicAlpha(-0.3, 0.4, 0.5)).toBeCloseTo(-0.4, 15)
    // At the target: unchanged.
    expect(entropicAlpha(0.25, 0.6, 0.6)).toBe(0.25)
    // Beyond +-1 the weights would flip an advantage's sign: clipped.
    expect(entropicAlpha(0.9, 1.4, 0.6)).toBe(1)
    expect(entropicAlpha(-0.7, 0.05, 0.6)).toBe(-1)
    // No entropy measured: unchanged.
    expect(entropicAlpha(0.3, Number.NaN, 0.6)).toBe(0.3)
  })

  it("weighs positive advantages by 1 + alpha and negative ones by 1 - alpha, zero left alone", () => {
    const advantages = [1.5, -0.5, 0, 0.87, -0.87]
    expect([...entropicAdvantages(advantages, 0)]).toEqual(advantages)
    // Entropy too high (alpha 0.2): right answers push harder, wrong ones softer.
    const up = [...entropicAdvantages(advantages, 0.2)]
    ;[1.8, -0.4, 0, 1.044, -0.696].forEach((x, i) => expect(up[i]).toBeCloseTo(x, 12))
    // Entropy too low (alpha -0.5): the reverse.
    const down = [...entropicAdvantages(advantages, -0.5)]
    ;[0.75, -0.75, 0, 0.435, -1.305].forEach((x, i) => expect(down[i]).toBeCloseTo(x, 12))
    // At the clip: one side weighs 0, the other 2; no sign flips.
    expect([...entropicAdvantages(advantages, 1)]).toEqual([3, -0, 0, 1.74, -0])
    expect([...entropicAdvantages(advantages, -1)]).toEqual([0, -1, 0, 0, -1.74])
  })
})
