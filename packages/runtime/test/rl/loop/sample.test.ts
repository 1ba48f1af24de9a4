import { assert, describe, it } from "@effect/vitest"
import { createRng } from "../../../src/data/random.ts"
import { rowEntropy, sampleCategorical } from "../../../src/rl/loop/sample.ts"

describe("sampleCategorical", () => {
  it("draws each action with its probability (inverse CDF, one uniform per draw)", () => {
    const probs = [0.1, 0.6, 0, 0.3]
    const logProbs = [0, 0, 0, 0, ...probs.map(Math.log)] // row 1 of two
    const rng = createRng(3)
    const counts = [0, 0, 0, 0]
    const n = 40_000
    for (let i = 0; i < n; i++) counts[sampleCategorical(logProbs, 1, 4, rng)]!++
    counts.forEach((c, a) => assert.approximately(c / n, probs[a]!, 0.01, `action ${a}`))
    assert.strictEqual(counts[2], 0)
  })

  it("is a function of the stream's state", () => {
    const logProbs = [Math.log(0.5), Math.log(0.5)]
    const draws = (seed: number) => {
      const rng = createRng(seed)
      return Array.from({ length: 50 }, () => sampleCategorical(logProbs, 0, 2, rng))
    }
    assert.deepStrictEqual(draws(1), draws(1))
    assert.notDeepEqual(draws(1), draws(2))
  })

  it("rowEntropy is −Σ p log p, with zero-probability actions contributing nothing", () => {
    assert.approximately(rowEntropy([Math.log(0.5), Math.log(0.5), -Infinity], 0, 3), Math.LN2, 1e-12)
  })
})
