import { describe, expect, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import type { Model } from "../../src/model/create.ts"
import { evaluate } from "../../src/run/evaluate.ts"

/** A "model" whose logits are the inputs themselves: each row of `x` is one example's scores. */
const identity: Model = { variables: [], forward: (x) => tf.tidy(() => tf.clone(x) as tf.Tensor2D), dispose: () => {} }

describe("evaluate", () => {
  it("computes accuracy, top-5 accuracy and mean cross-entropy, across chunks", () => {
    // 2,500 examples (three chunks of up to 1,000), 7 classes; the label's rank cycles through 0..6.
    const n = 2500
    const classes = 7
    const x = new Float32Array(n * classes)
    const y = new Int32Array(n)
    let expectedLoss = 0
    for (let i = 0; i < n; i++) {
      const label = i % classes
      const rank = (i * 3) % classes // how many classes score above the label
      y[i] = label
      // Scores 6, 5, ..., 0 assigned so that exactly `rank` others beat the label.
      const order = [...Array(classes).keys()].filter((c) => c !== label)
      order.splice(rank, 0, label)
      order.forEach((c, position) => { x[i * classes + c] = classes - 1 - position })
      const logits = [...x.subarray(i * classes, (i + 1) * classes)]
      const lse = Math.log(logits.reduce((s, v) => s + Math.exp(v), 0))
      expectedLoss += lse - logits[label]!
    }
    const ranks = [...Array(n).keys()].map((i) => (i * 3) % classes)
    const m = evaluate(identity, { x, y, n }, classes, 0, classes)
    expect(m.accuracy).toBeCloseTo(ranks.filter((r) => r === 0).length / n, 12)
    expect(m.top5).toBeCloseTo(ranks.filter((r) => r < 5).length / n, 12)
    expect(m.top5).toBeGreaterThan(m.accuracy)
    expect(m.loss).toBeCloseTo(expectedLoss / n, 5)
  })

  it("counts every example in the top 5 when there are no more than 5 classes", () => {
    const m = evaluate(identity, { x: new Float32Array([0, 1, 2, 2, 1, 0]), y: new Int32Array([0, 0]), n: 2 }, 3, 0, 3)
    expect(m.top5).toBe(1)
    expect(m.accuracy).toBe(0.5)
  })
})
