import { describe, expect, it } from "@effect/vitest"
import { SecBandit } from "../../src/rl/sec.ts"

describe("SEC's bandit over task categories", () => {
  it("moves each drawn category's value by TD(0) toward its mean |advantage| and leaves the others", () => {
    const b = new SecBandit(3, 0.5)
    expect(b.probabilities(1)).toEqual([1 / 3, 1 / 3, 1 / 3])
    b.update([0.8, null, 0.2])
    expect(b.qValues).toEqual([0.4, 0, 0.1])
    b.update([0.4, 1, Number.NaN])
    expect(b.qValues).toEqual([0.4, 0.5, 0.1])
    // Boltzmann: p(c) proportional to exp(Q / T).
    const p = b.probabilities(0.1)
    const e = [Math.exp(4), Math.exp(5), Math.exp(1)]
    const z = e[0]! + e[1]! + e[2]!
    p.forEach((x, c) => expect(x).toBeCloseTo(e[c]! / z, 12))
    const again = new SecBandit(3, 0.5)
    again.restore(b.state())
    expect(again.qValues).toEqual(b.qValues)
  })
})
