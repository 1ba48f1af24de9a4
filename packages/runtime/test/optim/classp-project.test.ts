import { describe, expect, it } from "@effect/vitest"
import type { OptimizerIR } from "@lrs/compiler"
import * as tf from "@tensorflow/tfjs"
import type { NamedVariable } from "../../src/model/variables.ts"
import { createOptimizer } from "../../src/optim/createOptimizer.ts"

const span = { file: "t.lrs", start: { offset: 0, line: 1, col: 1 }, end: { offset: 0, line: 1, col: 1 } }
const constant = (value: number) => ({ kind: "constant" as const, value, span })
const classp = (over: Partial<Extract<OptimizerIR, { kind: "classp" }>> = {}): OptimizerIR => ({
  kind: "classp",
  lr: constant(0.2),
  threshold: 0.5,
  epsilon: 1e-5,
  power: 1,
  scaling: true,
  weightDecay: constant(0),
  span,
  ...over
})
const variable = (name: string, values: ReadonlyArray<number>, shape: ReadonlyArray<number>): NamedVariable => ({ name, variable: tf.variable(tf.tensor([...values], [...shape])) })
const values = (v: NamedVariable) => Array.from(v.variable.dataSync())

describe("CLASSP", () => {
  it("moves only where g^2 > threshold, by lr * g / (epsilon + sum of |g|)", () => {
    const w = variable("w", [1, 1, 1], [3])
    const opt = createOptimizer(classp(), [w])
    // g^2: 1, 0.25 (not above 0.5), 4.
    tf.tidy(() => opt.step({ w: tf.tensor([1, 0.5, -2]) }, 0))
    const e = 1e-5
    expect(values(w)[0]).toBeCloseTo(1 - (0.2 * 1) / (e + 1), 6)
    expect(values(w)[1]).toBe(1)
    expect(values(w)[2]).toBeCloseTo(1 + (0.2 * 2) / (e + 2), 6)
    // The second step on the first entry: the history is now 1 + 1, the step half as large.
    tf.tidy(() => opt.step({ w: tf.tensor([1, 0, 0]) }, 1))
    expect(values(w)[0]).toBeCloseTo(1 - 0.2 / (e + 1) - 0.2 / (e + 2), 6)
    opt.dispose()
  })

  it("power p accumulates |g|^p and divides by its p-th root; without scaling it is masked SGD; its history is restored", async () => {
    const w = variable("w", [0, 0], [2])
    const opt = createOptimizer(classp({ power: 2, threshold: 0 }), [w])
    tf.tidy(() => opt.step({ w: tf.tensor([3, 0]) }, 0))
    expect(values(w)[0]).toBeCloseTo(-(0.2 * 3) / Math.sqrt(1e-5 + 9), 6)
    expect(values(w)[1]).toBe(0)
    const saved = await opt.state()
    expect(Array.from(saved.slots["sum"]!["w"]!.values)).toEqual([9, 0])
    const again = createOptimizer(classp({ power: 2, threshold: 0 }), [w])
    again.restore(saved)
    expect(await again.state()).toEqual(saved)
    const plain = variable("p", [1], [1])
    const sgd = createOptimizer(classp({ scaling: false, threshold: 0 }), [plain])
    tf.tidy(() => sgd.step({ p: tf.tensor([2]) }, 0))
    expect(values(plain)[0]).toBeCloseTo(1 - 0.4, 6)
    for (const o of [opt, again, sgd]) o.dispose()
  })
})

describe("NaP's projection", () => {
  it("keeps every weight matrix at its initial norm after each update, and leaves biases alone", () => {
    const weight = variable("weight", [3, 4, 0, 0], [2, 2])
    const bias = variable("bias", [1, 1], [2])
    const sgd: OptimizerIR = { kind: "sgd", lr: constant(0.1), momentum: constant(0), dampening: 0, nesterov: false, weightDecay: constant(0), project: true, span }
    const opt = createOptimizer(sgd, [weight, bias])
    const before = tf.memory().numTensors
    for (let t = 0; t < 3; t++) tf.tidy(() => opt.step({ weight: tf.tensor([[-10, 0], [5, 5]]), bias: tf.tensor([1, -1]) }, t))
    expect(tf.memory().numTensors).toBe(before)
    const w = values(weight)
    expect(Math.hypot(...w)).toBeCloseTo(5, 5)
    // The bias took three plain SGD steps.
    expect(values(bias).map((x) => Number(x.toFixed(6)))).toEqual([0.7, 1.3])
    // The direction moved: the first entry grew against the gradient before the rescale.
    expect(w[0]! / w[1]!).toBeGreaterThan(3 / 4)
    opt.dispose()
  })
})
