import { describe, expect, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { distillationLoss } from "../../src/stream/distillation.ts"

describe("LwF distillation", () => {
  it("is torch's kl_div(log_softmax(new / T), softmax(old / T), batchmean) over the active units, without T^2", () => {
    const loss = tf.tidy(() =>
      distillationLoss(
        tf.tensor2d([[1, 2, 0.5, -1], [0, -0.5, 3, 1]]),
        tf.tensor2d([[2, 0, 1, 5], [1, 1, -2, 0]]),
        tf.tensor1d([0, 2], "int32"),
        2
      ).dataSync()[0]
    )
    // Computed by hand in float64 (Python, math module) from the formula above.
    expect(loss).toBeCloseTo(0.48010034854006567, 5)
  })

  it("is zero when the new model agrees with the old one on the active units, whatever the others do", () => {
    const loss = tf.tidy(() =>
      distillationLoss(tf.tensor2d([[1, 9, 3]]), tf.tensor2d([[1, -9, 3]]), tf.tensor1d([0, 2], "int32"), 2).dataSync()[0]
    )
    expect(loss).toBeCloseTo(0, 6)
  })

  it("pulls the new logits towards the old ones", () => {
    const logits = tf.variable(tf.tensor2d([[0, 0]]))
    const old = tf.tensor2d([[3, 0]])
    const units = tf.tensor1d([0, 1], "int32")
    const { grads } = tf.variableGrads(() => distillationLoss(logits, old, units, 1), [logits])
    const g = Object.values(grads)[0]!.dataSync()
    // d/dz KL = softmax(z) - q: the first logit must rise (negative gradient).
    expect(g[0]).toBeLessThan(0)
    expect(g[1]).toBeGreaterThan(0)
    tf.dispose([logits, old, units, ...Object.values(grads)])
  })
})
