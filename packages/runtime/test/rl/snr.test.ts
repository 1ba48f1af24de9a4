import { assert, describe, it } from "@effect/vitest"
import { SnrLearningRate, snrOf, snrScale } from "../../src/rl/snr.ts"

describe("OBLR-PO's SNR learning-rate factor", () => {
  it("is |mean g|^2 over the unbiased spread of the minibatch gradients", () => {
    // g = (1, 0), (3, 2), (2, 1): mean (2, 1), |mean|^2 = 5, deviations 2 + 2 + 0 = 4, s^2 = 4 / 2 = 2.
    assert.strictEqual(snrOf(5, 4, 3), 2.5)
    assert.strictEqual(snrScale(2.5), 2.5 / 3.5)
  })

  it("has no estimate below two gradients or without any gradient, and is 1 without noise", () => {
    assert.isNaN(snrOf(5, 0, 1))
    assert.isNaN(snrOf(0, 0, 4))
    assert.strictEqual(snrOf(5, 0, 4), Number.POSITIVE_INFINITY)
    assert.strictEqual(snrScale(Number.POSITIVE_INFINITY), 1)
  })

  it("starts at 1, follows the last estimate, keeps its factor through an iteration without one, and restores it", () => {
    const lr = new SnrLearningRate()
    assert.strictEqual(lr.scale, 1)
    lr.observe(1)
    assert.strictEqual(lr.scale, 0.5)
    lr.observe(Number.NaN)
    assert.strictEqual(lr.scale, 0.5)
    const other = new SnrLearningRate()
    other.restore(lr.state())
    assert.strictEqual(other.scale, 0.5)
  })
})
