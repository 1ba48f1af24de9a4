import { assert, beforeAll, describe, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { starters } from "../../../src/backend/Backend.ts"
import { GradientMoments } from "../../../src/rl/loop/gradientMoments.ts"
import { runSync } from "../../../src/run/reading.ts"

describe("GradientMoments", () => {
  beforeAll(() => starters.cpu())

  it("takes the SNR over every variable's gradients, copied before the caller disposes them", () => {
    const moments = new GradientMoments()
    const before = tf.memory().numTensors
    // Over both variables: g1 = (1, 0 | 2), g2 = (3, 2 | 0), g3 = (2, 1 | 1): mean (2, 1 | 1), |mean|^2 = 6,
    // deviations (1 + 1 + 1) + (1 + 1 + 1) + 0 = 6, s^2 = 3, SNR 2.
    for (const [w, b] of [[[1, 0], [2]], [[3, 2], [0]], [[2, 1], [1]]] as const) {
      const grads = { w: tf.tensor1d([...w]), b: tf.tensor1d([...b]) }
      moments.add(grads)
      tf.dispose(Object.values(grads))
    }
    assert.closeTo(runSync(moments.snr()), 2, 1e-6)
    assert.strictEqual(tf.memory().numTensors, before)
  })

  it("has no SNR from one gradient", () => {
    const moments = new GradientMoments()
    const g = { w: tf.tensor1d([1, 2]) }
    moments.add(g)
    g.w.dispose()
    assert.isNaN(runSync(moments.snr()))
  })
})
