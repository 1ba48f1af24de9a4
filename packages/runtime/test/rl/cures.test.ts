import { describe, expect, it } from "@effect/vitest"
import { CuresSampler } from "../../src/rl/cures.ts"

describe("CurES's sampler", () => {
  it("estimates each category's accuracy by its Beta posterior mean and favours those near one half", () => {
    const s = new CuresSampler(3)
    expect(s.accuracies).toEqual([0.5, 0.5, 0.5])
    expect(s.probabilities(0.1)).toEqual([1 / 3, 1 / 3, 1 / 3])
    // 18 of 18 correct, 5 of 10, 0 of 8: p = 19/20, 6/12, 1/10.
    s.observe([{ correct: 18, all: 18 }, { correct: 5, all: 10 }, { correct: 0, all: 8 }])
    expect(s.accuracies).toEqual([19 / 20, 6 / 12, 1 / 10])
    const scores = [19 / 20, 0.5, 0.1].map((p) => Math.exp(Math.sqrt(p * (1 - p)) / 0.1))
    const total = scores.reduce((a, b) => a + b, 0)
    s.probabilities(0.1).forEach((p, k) => expect(p).toBeCloseTo(scores[k]! / total, 12))
    expect(s.probabilities(0.1)[1]).toBeGreaterThan(s.probabilities(0.1)[2]!)
    expect(s.probabilities(0.1)[2]).toBeGreaterThan(s.probabilities(0.1)[0]!)
  })

  it("with the released code's temperature, (correct + 1) / 0.01 per category, samples almost uniformly", () => {
    const s = new CuresSampler(2)
    s.observe([{ correct: 0, all: 10 }, { correct: 5, all: 10 }])
    const p = s.probabilities("released")
    // Exponents sqrt(1/12 * 11/12) / 100 and 0.5 / 600: under 0.005 apart.
    const e = [Math.sqrt((1 / 12) * (11 / 12)) / 100, 0.5 / 600].map(Math.exp)
    expect(p[0]).toBeCloseTo(e[0]! / (e[0]! + e[1]!), 12)
    expect(Math.abs(p[0]! - 0.5)).toBeLessThan(0.002)
  })

  it("goes on from a saved state with the same counts", () => {
    const a = new CuresSampler(2)
    a.observe([{ correct: 3, all: 4 }, { correct: 1, all: 4 }])
    const b = new CuresSampler(2)
    b.restore(JSON.parse(JSON.stringify(a.state())))
    expect(b.probabilities(0.2)).toEqual(a.probabilities(0.2))
    a.observe([{ correct: 1, all: 1 }, { correct: 0, all: 1 }])
    b.observe([{ correct: 1, all: 1 }, { correct: 0, all: 1 }])
    expect(b.state()).toEqual(a.state())
  })
})
