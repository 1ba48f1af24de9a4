import { describe, expect, it } from "@effect/vitest"
import { allocateRollouts, gradientSpread } from "../../src/rl/curesAllocation.ts"

describe("CurES's rollout allocation", () => {
  it("σ² = a b² E[g_c²] + a² b E[g_w²] - a² b² (E g_c - E g_w)², on hand values", () => {
    // 1 correct of 4 (a = 1/4, b = 3/4), g_c = 2, g_w = 1, 1, 4.
    const probes = [{ correct: true, scoreNorm: 2 }, { correct: false, scoreNorm: 1 }, { correct: false, scoreNorm: 1 }, { correct: false, scoreNorm: 4 }]
    const a = 0.25
    const b = 0.75
    const ec2 = 4
    const ew2 = (1 + 1 + 16) / 3
    const ec = 2
    const ew = 2
    const sigma2 = a * b * b * ec2 + a * a * b * ew2 - a * a * b * b * (ec - ew) ** 2
    expect(sigma2).toBeCloseTo(0.25 * 0.5625 * 4 + 0.0625 * 0.75 * 6, 12)
    expect(gradientSpread(probes)).toBeCloseTo(Math.sqrt(sigma2), 12)
    // It is the variance of (r - a) g over the probes.
    const xs = probes.map((p) => ((p.correct ? 1 : 0) - a) * p.scoreNorm)
    const m = xs.reduce((s, x) => s + x, 0) / xs.length
    expect(gradientSpread(probes) ** 2).toBeCloseTo(xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length, 12)
  })

  it("gives σ 0 to a prompt whose probes are all right or all wrong, and that prompt the minimum", () => {
    expect(gradientSpread([{ correct: true, scoreNorm: 3 }, { correct: true, scoreNorm: 1 }])).toBe(0)
    expect(gradientSpread([{ correct: false, scoreNorm: 3 }, { correct: false, scoreNorm: 1 }])).toBe(0)
    // 4 prompts x 8 answers = 32 to share: σ 0, 1, 3, 0 -> round(32 * σ / 4) = 0, 8, 24, 0, clipped to [4, 16].
    expect(allocateRollouts([0, 1, 3, 0], 32, 4, 16)).toEqual([4, 8, 16, 4])
    // Proportional inside the bounds: 24 answers over σ 1, 1, 2 -> 6, 6, 12.
    expect(allocateRollouts([1, 1, 2], 24, 2, 16)).toEqual([6, 6, 12])
  })

  it("falls back to equal groups when no prompt has both outcomes, and refuses bounds out of order", () => {
    expect(allocateRollouts([0, 0, 0], 24, 4, 16)).toEqual([8, 8, 8])
    expect(() => allocateRollouts([1], 8, 16, 4)).toThrow(/1 <= min <= max/)
  })
})
