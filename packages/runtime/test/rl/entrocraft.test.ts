import { describe, expect, it } from "@effect/vitest"
import { bandAdvantages, bandSide } from "../../src/rl/entrocraft.ts"

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
