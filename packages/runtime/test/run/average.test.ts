import { describe, expect, it } from "@effect/vitest"
import type { AverageIR } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import type { NamedVariable } from "../../src/model/variables.ts"
import { createWeightAverage } from "../../src/run/average.ts"

const span = { file: "t.lrs", start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } }
const values = (v: NamedVariable) => Array.from(v.variable.dataSync())

/** One variable `w` of two entries, set to each of `steps` in turn (update u sets steps[u - 1]). */
const drive = (ir: AverageIR, steps: ReadonlyArray<readonly [number, number]>) => {
  const w: NamedVariable = { name: "w", variable: tf.tidy(() => tf.variable(tf.tensor1d([0, 0]))) }
  const average = createWeightAverage(ir, [w])
  steps.forEach(([a, b], i) => {
    tf.tidy(() => w.variable.assign(tf.tensor1d([a, b])))
    average.update(i + 1)
  })
  return { w, average }
}

describe("weight averages", () => {
  it("ema: the first update copies, each later one moves (1 - decay) of the way (torch's lerp)", () => {
    const { w, average } = drive({ kind: "ema", decay: 0.75, span }, [[4, 8], [8, 0], [0, 0]])
    // 4 -> 4 + (8 - 4) / 4 = 5 -> 5 - 5 / 4 = 3.75; 8 -> 8 - 8 / 4 = 6 -> 4.5
    expect(average.withAveraged(() => values(w))).toEqual([3.75, 4.5])
    // The model's own weights are back afterwards.
    expect(values(w)).toEqual([0, 0])
    expect(average.state().sets.map((s) => s.step)).toEqual([3])
    average.dispose()
  })

  it("last: the uniform mean of the last `count` updates that are multiples of `every`", () => {
    const steps = Array.from({ length: 9 }, (_, i) => [i + 1, 10 * (i + 1)] as const)
    const { w, average } = drive({ kind: "last", count: 3, every: 2, span }, steps)
    // Kept: after updates 4, 6, 8 (weights 4, 6, 8): mean 6.
    expect(average.state().sets.map((s) => s.step)).toEqual([4, 6, 8])
    expect(average.withAveraged(() => values(w))).toEqual([6, 60])
    expect(values(w)).toEqual([9, 90])
    average.dispose()
  })

  it("is not ready before its first kept update, and refuses to be used then", () => {
    const { average } = drive({ kind: "last", count: 2, every: 5, span }, [[1, 1], [2, 2]])
    expect(average.ready()).toBe(false)
    expect(() => average.withAveraged(() => 0)).toThrow(/no averaged weights yet/)
  })

  it("restores exactly what it saved, and leaks no tensors", () => {
    const before = tf.memory().numTensors
    const { w, average } = drive({ kind: "last", count: 2, every: 1, span }, [[1, 2], [3, 4], [5, 7]])
    const saved = average.state()
    const other = createWeightAverage({ kind: "last", count: 2, every: 1, span }, [w])
    other.restore(saved)
    expect(other.withAveraged(() => values(w))).toEqual([4, 5.5])
    for (let u = 4; u < 50; u++) {
      other.update(u)
      other.withAveraged(() => values(w))
    }
    expect(() => other.restore({ kind: "ema", sets: [] })).toThrow(/cannot restore a `ema` average into `last`/)
    other.dispose()
    average.dispose()
    w.variable.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})
