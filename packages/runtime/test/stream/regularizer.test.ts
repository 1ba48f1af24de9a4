import { describe, expect, it } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import type { NamedVariable } from "../../src/model/variables.ts"
import { Anchors } from "../../src/stream/regularizer.ts"

const variable = (values: ReadonlyArray<number>): NamedVariable => ({ name: "w", variable: tf.tidy(() => tf.variable(tf.tensor1d([...values]))) })
const set = (v: NamedVariable, values: ReadonlyArray<number>) => tf.tidy(() => v.variable.assign(tf.tensor1d([...values])))
const penaltyOf = (anchors: Anchors, vs: ReadonlyArray<NamedVariable>) => tf.tidy(() => anchors.penalty(vs)?.dataSync()[0])

describe("stream regularizer anchors", () => {
  it("l2: (lambda / 2) * |w - w_prev|^2, anchored at the previous task only", () => {
    const w = variable([1, 2])
    const anchors = new Anchors({ kind: "l2", lambda: 4 })
    expect(penaltyOf(anchors, [w])).toBeUndefined()
    anchors.consolidate([w], undefined)
    set(w, [2, 0])
    // 2 * (1 + 4) = 10
    expect(penaltyOf(anchors, [w])).toBeCloseTo(10, 6)
    anchors.consolidate([w], undefined)
    expect(penaltyOf(anchors, [w])).toBe(0)
    anchors.dispose()
    w.variable.dispose()
  })

  it("separate EWC keeps a Fisher-weighted term per finished task", () => {
    const w = variable([1, 1])
    const anchors = new Anchors({ kind: "ewc", lambda: 2, fisher: "empirical", mode: "separate", gamma: 1, samples: 8 })
    anchors.consolidate([w], [Float32Array.of(1, 0)])
    set(w, [3, 5])
    anchors.consolidate([w], [Float32Array.of(0, 2)])
    set(w, [2, 4])
    // Task 0: 1 * (2 - 1)^2 + 0 = 1; task 1: 0 + 2 * (4 - 5)^2 = 2; times lambda / 2 = 1.
    expect(penaltyOf(anchors, [w])).toBeCloseTo(3, 6)
    expect(anchors.state().terms).toHaveLength(2)
    anchors.dispose()
    w.variable.dispose()
  })

  it("online EWC keeps one term: F = gamma F + F_new at the last task's weights", () => {
    const w = variable([1, 1])
    const anchors = new Anchors({ kind: "ewc", lambda: 2, fisher: "empirical", mode: "online", gamma: 0.5, samples: 8 })
    anchors.consolidate([w], [Float32Array.of(4, 0)])
    set(w, [3, 5])
    anchors.consolidate([w], [Float32Array.of(0, 2)])
    const state = anchors.state()
    expect(state.terms).toHaveLength(1)
    expect(Array.from(state.terms[0]!.importance![0]!)).toEqual([2, 2])
    expect(Array.from(state.terms[0]!.weights[0]!)).toEqual([3, 5])
    set(w, [2, 4])
    expect(penaltyOf(anchors, [w])).toBeCloseTo(2 * 1 + 2 * 1, 6)
    anchors.dispose()
    w.variable.dispose()
  })

  it("comes back from its state with the same penalty, and frees every tensor it made", () => {
    const w = variable([0, 0])
    const before = tf.memory().numTensors
    const anchors = new Anchors({ kind: "ewc", lambda: 1, fisher: "sampled", mode: "separate", gamma: 1, samples: 8 })
    anchors.consolidate([w], [Float32Array.of(1, 3)])
    set(w, [1, 2])
    const restored = new Anchors({ kind: "ewc", lambda: 1, fisher: "sampled", mode: "separate", gamma: 1, samples: 8 })
    restored.restore(anchors.state(), [w])
    expect(penaltyOf(restored, [w])).toBe(penaltyOf(anchors, [w]))
    expect(penaltyOf(restored, [w])).toBeCloseTo((1 + 12) / 2, 6)
    anchors.dispose()
    restored.dispose()
    expect(tf.memory().numTensors).toBe(before)
    w.variable.dispose()
  })
})
